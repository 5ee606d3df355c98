"""Model, code and environment of a deployment: existing asset ids, or local files uploaded and registered.

Uploads go where Azure ML's own CLI puts them: the workspace's default blob datastore
(container ``azureml-blobstore-<workspace guid>``) under ``LocalUpload/<content hash>/``.
The asset version is the content hash, so assets stay immutable (as Azure requires) and an
unchanged file is never uploaded again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ..spec import CodeSpec, DeploymentSpec, ModelSpec
from ..spec.asset_ids import ARM_TYPE, AssetRef
from ..spec.uploads import Upload
from . import naming
from .workspace import WorkspaceRefs

DEFAULT_DATASTORE = "workspaceblobstore"


@dataclass(frozen=True)
class DeploymentAssets:
    model_id: pulumi.Input[str]
    code_id: pulumi.Input[str] | None
    environment_id: pulumi.Input[str]


def upload_prefix(upload: Upload) -> str:
    """Where an upload goes in the workspace's default container: ``LocalUpload/<content hash>/<name>``."""
    return f"LocalUpload/{upload.content_hash()}/{os.path.basename(upload.root.rstrip(os.sep))}"


class AssetUploader:
    """Uploads local files to the workspace's default blob datastore, once per cluster."""

    def __init__(self, cluster: str, workspace: WorkspaceRefs, parent: pulumi.Resource) -> None:
        self._cluster = cluster
        self._workspace = workspace
        self._parent = parent
        self.account_name = workspace.storage_account_id.apply(lambda i: i.rstrip("/").split("/")[-1])
        self.storage_resource_group = workspace.storage_account_id.apply(_resource_group_of)
        self.container = workspace.workspace_guid.apply(lambda g: f"azureml-blobstore-{g}")

    def upload(self, role_name: str, upload: Upload) -> tuple[str, list[pulumi.Resource]]:
        """Upload exactly the spec's files of a file or folder; returns its prefix in the container and the blobs."""
        prefix = upload_prefix(upload)
        blobs: list[pulumi.Resource] = []
        for file in upload.files:
            blob_name = prefix if upload.single_file else f"{prefix}/{file.relative}"
            blobs.append(
                azure_native.storage.Blob(
                    f"{role_name}/{file.relative}",
                    account_name=self.account_name,
                    container_name=self.container,
                    resource_group_name=self.storage_resource_group,
                    blob_name=blob_name,
                    type=azure_native.storage.BlobType.BLOCK,
                    source=pulumi.FileAsset(file.source),
                    opts=pulumi.ResourceOptions(parent=self._parent, depends_on=list(self._workspace.resources)),
                )
            )
        return prefix, blobs


class AssetCatalog:
    """Registers each model, code and environment once per name, however many deployments share it.

    Logical names carry the asset name (``<cluster>-model-<name>``), not a deployment's: a
    new content hash is a new version of the same resource (Pulumi replaces it, creating the new
    version before it deletes the old one).
    """

    def __init__(self, cluster: str, workspace: WorkspaceRefs, parent: pulumi.Resource) -> None:
        self._cluster = cluster
        self._workspace = workspace
        self._parent = parent
        self._uploader = AssetUploader(cluster, workspace, parent)
        self._ids: dict[tuple[str, str], pulumi.Output[str]] = {}

    def for_deployment(self, deployment: DeploymentSpec) -> DeploymentAssets:
        model = deployment.model
        model_id: pulumi.Input[str] = (
            self._existing(model.asset) if model.asset else model.asset_id or self._model(model.name, _upload(model))
        )
        code_id: pulumi.Input[str] | None = None
        if deployment.code is not None:
            code = deployment.code
            code_id = (
                self._existing(code.asset) if code.asset else code.asset_id or self._code(code.name, _upload(code))
            )
        env = deployment.environment
        environment_id: pulumi.Input[str] = (
            self._existing(env.asset)
            if env.asset
            else env.asset_id or self._environment(env.name, env.image or "", env.conda_file)
        )
        return DeploymentAssets(model_id=model_id, code_id=code_id, environment_id=environment_id)

    def _existing(self, asset: AssetRef) -> pulumi.Input[str]:
        if asset.form != "workspace":
            return asset.text
        return self._workspace.id.apply(lambda workspace_id: workspace_asset_id(workspace_id, asset))

    def _once(self, kind: str, name: str, make: Callable[[str], pulumi.Output[str]]) -> pulumi.Output[str]:
        key = (kind, name)
        if key not in self._ids:
            self._ids[key] = make(naming.asset(self._cluster, kind, name))
        return self._ids[key]

    def _model(self, name: str, upload: Upload) -> pulumi.Output[str]:
        def make(logical: str) -> pulumi.Output[str]:
            prefix, blobs = self._uploader.upload(logical, upload)
            model = azure_native.machinelearningservices.ModelVersion(
                logical,
                name=name,
                version=upload.content_hash(),
                resource_group_name=self._workspace.resource_group_name,
                workspace_name=self._workspace.name,
                properties={
                    "model_uri": f"azureml://datastores/{DEFAULT_DATASTORE}/paths/{prefix}",
                    "model_type": "custom_model",
                    "description": "Uploaded by ml-inference-lb",
                },
                opts=pulumi.ResourceOptions(parent=self._parent, depends_on=blobs),
            )
            model_id: pulumi.Output[str] = model.id
            return model_id

        return self._once(naming.MODEL, name, make)

    def _code(self, name: str, upload: Upload) -> pulumi.Output[str]:
        uploader = self._uploader

        def make(logical: str) -> pulumi.Output[str]:
            prefix, blobs = uploader.upload(logical, upload)
            code = azure_native.machinelearningservices.CodeVersion(
                logical,
                name=name,
                version=upload.content_hash(),
                resource_group_name=self._workspace.resource_group_name,
                workspace_name=self._workspace.name,
                properties={
                    "code_uri": pulumi.Output.all(uploader.account_name, uploader.container).apply(
                        lambda parts: f"https://{parts[0]}.blob.core.windows.net/{parts[1]}/{prefix}"
                    ),
                },
                opts=pulumi.ResourceOptions(parent=self._parent, depends_on=blobs),
            )
            code_id: pulumi.Output[str] = code.id
            return code_id

        return self._once(naming.CODE, name, make)

    def _environment(self, name: str, image: str, conda_file: str | None) -> pulumi.Output[str]:
        def make(logical: str) -> pulumi.Output[str]:
            conda = _read(conda_file) if conda_file else None
            properties: dict[str, object] = {"image": image, "os_type": "Linux"}
            if conda is not None:
                properties["conda_file"] = conda
            environment = azure_native.machinelearningservices.EnvironmentVersion(
                logical,
                name=name,
                version=hashlib.sha256(f"{image}\0{conda or ''}".encode()).hexdigest()[:16],
                resource_group_name=self._workspace.resource_group_name,
                workspace_name=self._workspace.name,
                properties=properties,
                opts=pulumi.ResourceOptions(parent=self._parent, depends_on=list(self._workspace.resources)),
            )
            environment_id: pulumi.Output[str] = environment.id
            return environment_id

        return self._once(naming.ENVIRONMENT, name, make)


def _upload(source: ModelSpec | CodeSpec) -> Upload:
    if source.upload is None:  # the spec sets it with every path
        raise ValueError(f"{source.name}: a local path without its upload in the spec")
    return source.upload


def workspace_asset_id(workspace_id: str, asset: AssetRef) -> str:
    """The ARM id of ``azureml:<name>:<version>`` in the workspace ``workspace_id``, as azure-ai-ml builds it
    (``VERSIONED_RESOURCE_ID_FORMAT``, ``.../workspaces/<ws>/<models|codes|environments>/<name>/versions/<v>``)."""
    if asset.form != "workspace" or asset.version is None:
        raise ValueError(f"{asset.text!r} is not a workspace short form")
    return f"{workspace_id.rstrip('/')}/{ARM_TYPE[asset.kind]}/{asset.name}/versions/{asset.version}"


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _resource_group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""
