"""The ``inference_pool`` backend (PREVIEW, Azure REST API 2025-01-01-preview): pool, groups, endpoints.

One ``InferencePool`` per cluster; per deployment one ``InferenceGroup`` (node SKU, scale units,
model, environment with probes and variables) and one ``InferenceEndpoint`` bound to it (Entra
auth, request timeout and concurrency). An inference group has no scoring-code setting, so a
deployment with ``code`` gets an environment built from a Docker build context that adds the
code (and the conda file) to the environment's image and runs the Azure ML inference server.

Child logical names (guarded by the golden tests; see ``naming``): ``<cluster>-pool``,
``<cluster>-<deployment>`` (group), ``<cluster>-<deployment>-endpoint``, ``<cluster>-pool-blob-reader``,
``<cluster>-pool-acr-pull`` and ``<cluster>-image-<environment>-<code>`` (+ its blobs).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import machinelearningservices as ml

from ..spec import ClusterSpec, DeploymentSpec, PoolBackendSpec
from ..spec.uploads import Upload, collect
from . import durations, naming
from .assets import AssetCatalog, AssetUploader
from .deployments import probe_settings
from .roles import grant_workspace_access
from .workspace import WorkspaceRefs

API_VERSION = "2025-01-01-preview"
"""The API version pulumi-azure-native 3.29 pins for InferencePool, InferenceGroup and InferenceEndpoint."""
AUTH_MODE = "AAD"
"""The only ``authMode`` an inference endpoint accepts at this API version."""
GROUP_SKU_NAME = "Default"
"""SKU name sent with each group's capacity, as for managed online deployments (Azure documents none)."""
SERVER_PORT = 5001
"""Port of the Azure ML inference server (``azmlinfsrv``); ``GET /`` is its health route."""
APP_ROOT = "/var/azureml-app"

# Logical-name roles of this backend.
POOL = "pool"
GROUP_ENDPOINT = "endpoint"
POOL_BLOB_READER = "pool-blob-reader"
POOL_ACR_PULL = "pool-acr-pull"
IMAGE = "image"


@dataclass(frozen=True)
class PoolRefs:
    """What the component exports from this backend."""

    pool: ml.InferencePool
    groups: dict[str, ml.InferenceGroup]
    endpoints: dict[str, ml.InferenceEndpoint]
    primary: str
    """The deployment whose endpoint is the cluster's ``endpoint_name``/``scoring_uri``: the one with
    ``traffic_percent`` 100, else the first."""


def build_pool_backend(
    spec: ClusterSpec, workspace: WorkspaceRefs, assets: AssetCatalog, parent: pulumi.Resource
) -> PoolRefs:
    pool_spec = _pool_spec(spec)
    location = spec.location if spec.location is not None else workspace.location
    pool = ml.InferencePool(
        naming.child(spec.name, POOL),
        inference_pool_name=pool_spec.name,
        workspace_name=workspace.name,
        resource_group_name=workspace.resource_group_name,
        location=location,
        identity=ml.ManagedServiceIdentityArgs(type="SystemAssigned"),
        inference_pool_properties=pool_properties(pool_spec),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(workspace.resources)),
    )
    roles = _role_assignments(spec, workspace, pool, parent)
    images = _ImageBuilder(spec.name, workspace, parent)
    groups: dict[str, ml.InferenceGroup] = {}
    endpoints: dict[str, ml.InferenceEndpoint] = {}
    for deployment in spec.deployments:
        model_id, environment_id = _assets(deployment, assets, images)
        group = ml.InferenceGroup(
            naming.per_deployment(spec.name, deployment.name),
            group_name=deployment.azure_name,  # the deployment's name: groups have no create-only input
            pool_name=pool.name,
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            location=pool.location,
            sku=ml.SkuArgs(name=GROUP_SKU_NAME, capacity=deployment.instance_count),
            inference_group_properties=group_properties(pool_spec, deployment, model_id, environment_id),
            tags=dict(spec.tags),
            opts=pulumi.ResourceOptions(
                parent=parent, depends_on=[pool, *roles, *workspace.compute_ready], deleted_with=pool
            ),
        )
        endpoint = ml.InferenceEndpoint(
            naming.per_deployment(spec.name, deployment.name, GROUP_ENDPOINT),
            endpoint_name=pool_spec.endpoint_name(deployment.name),
            pool_name=pool.name,
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            location=pool.location,
            inference_endpoint_properties=endpoint_properties(spec, deployment),
            tags=dict(spec.tags),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[group], deleted_with=pool),
        )
        groups[deployment.name] = group
        endpoints[deployment.name] = endpoint
    return PoolRefs(pool=pool, groups=groups, endpoints=endpoints, primary=primary_deployment(spec))


def primary_deployment(spec: ClusterSpec) -> str:
    live = [d.name for d in spec.deployments if d.traffic_percent == 100]
    return live[0] if live else spec.deployments[0].name


def pool_properties(pool_spec: PoolBackendSpec) -> ml.InferencePoolArgs:
    unit = None
    if pool_spec.registries or pool_spec.disable_public_egress:
        unit = ml.ScaleUnitConfigurationArgs(
            disable_public_egress=pool_spec.disable_public_egress,
            registries=list(pool_spec.registries) or None,
        )
    return ml.InferencePoolArgs(description="ml-inference-lb inference pool", scale_unit_configuration=unit)


def group_properties(
    pool_spec: PoolBackendSpec,
    deployment: DeploymentSpec,
    model_id: pulumi.Input[str],
    environment_id: pulumi.Input[str],
) -> ml.InferenceGroupArgs:
    """Typed args (not a dict), so the SDK renames nested keys to Azure's camelCase."""
    variables = [ml.StringStringKeyValuePairArgs(key=k, value=v) for k, v in deployment.environment_variables]
    probes = deployment.probes
    return ml.InferenceGroupArgs(
        node_sku_type=deployment.instance_type,
        scale_unit_size=pool_spec.scale_unit_size,
        model_configuration=ml.GroupModelConfigurationArgs(model_id=model_id),
        environment_configuration=ml.GroupEnvironmentConfigurationArgs(
            environment_id=environment_id,
            environment_variables=variables or None,
            liveness_probe=probe_settings(probes.liveness),
            readiness_probe=probe_settings(probes.readiness),
            startup_probe=probe_settings(probes.startup) if probes.startup else None,
        ),
    )


def endpoint_properties(spec: ClusterSpec, deployment: DeploymentSpec) -> ml.InferenceEndpointArgs:
    return ml.InferenceEndpointArgs(
        auth_mode=AUTH_MODE,
        group_name=deployment.azure_name,
        description=spec.endpoint.description,
        request_configuration=ml.RequestConfigurationArgs(
            request_timeout=durations.milliseconds(deployment.request.timeout_ms),
            max_concurrent_requests_per_instance=deployment.request.max_concurrent_requests_per_instance,
        ),
    )


def dockerfile(image: str, scoring_script: str, with_conda: bool) -> str:
    """The image of a group whose deployment has scoring code: the environment's image, its conda
    dependencies, the code under ``/var/azureml-app``, and the inference server as the command."""
    lines = [f"FROM {image}"]
    if with_conda:
        lines += [
            "COPY conda.yml /tmp/conda.yml",
            "RUN conda env update --name base --file /tmp/conda.yml && conda clean --all --yes",
        ]
    script = f"{APP_ROOT}/{scoring_script}"
    lines += [
        f"COPY code/ {APP_ROOT}/",
        f"ENV AML_APP_ROOT={APP_ROOT} AZUREML_ENTRY_SCRIPT={scoring_script}",
        f"EXPOSE {SERVER_PORT}",
        f'CMD ["azmlinfsrv", "--entry_script", "{script}", "--port", "{SERVER_PORT}"]',
    ]
    return "\n".join(lines) + "\n"


def _pool_spec(spec: ClusterSpec) -> PoolBackendSpec:
    if spec.pool is None:
        raise ValueError("build_pool_backend needs a spec built with backend='inference_pool'")
    return spec.pool


def _assets(
    deployment: DeploymentSpec, assets: AssetCatalog, images: _ImageBuilder
) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
    """The model through the shared catalog (registered exactly as the managed backend does); the
    environment from the catalog too, unless scoring code must be built into it."""
    if deployment.code is None:
        found = assets.for_deployment(deployment)
        return found.model_id, found.environment_id
    environment_id = images.environment(deployment)
    # The environment is built here: hand the catalog a code-less deployment whose environment is the
    # built one, so it registers only the model.
    model_only = dataclasses.replace(
        deployment,
        code=None,
        environment=dataclasses.replace(deployment.environment, asset_id=_BUILT, image=None, conda_file=None),
    )
    return assets.for_deployment(model_only).model_id, environment_id


_BUILT = "built-by-ml-inference-lb"
"""Placeholder environment id handed to the catalog; it is passed through and discarded."""


class _ImageBuilder:
    """Environments built from a Docker build context (environment image + conda file + scoring code),
    registered once per (environment, code) pair."""

    def __init__(self, cluster: str, workspace: WorkspaceRefs, parent: pulumi.Resource) -> None:
        self._cluster = cluster
        self._workspace = workspace
        self._parent = parent
        self._uploader = AssetUploader(cluster, workspace, parent)
        self._ids: dict[str, pulumi.Output[str]] = {}

    def environment(self, deployment: DeploymentSpec) -> pulumi.Output[str]:
        code, env = deployment.code, deployment.environment
        if code is None or code.upload is None or env.image is None:
            raise ValueError(f"deployment {deployment.name!r}: building an image needs code.path and environment.image")
        asset_name = f"{env.name}-{code.name}"
        if asset_name not in self._ids:
            self._ids[asset_name] = self._register(
                asset_name, env.image, env.conda_file, code.upload, code.scoring_script
            )
        return self._ids[asset_name]

    def _register(
        self, asset_name: str, image: str, conda_file: str | None, code: Upload, script: str
    ) -> pulumi.Output[str]:
        logical = naming.asset(self._cluster, IMAGE, asset_name)
        text = dockerfile(image, script, conda_file is not None)
        digest = hashlib.sha256(text.encode())
        digest.update(code.content_hash().encode())
        if conda_file is not None:
            digest.update(collect(conda_file)[0].content_hash().encode())
        version = digest.hexdigest()[:16]
        prefix = f"LocalUpload/{version}/context"
        sources: list[tuple[str, pulumi.Asset]] = [("Dockerfile", pulumi.StringAsset(text))]
        if conda_file is not None:
            sources.append(("conda.yml", pulumi.FileAsset(conda_file)))
        sources += [(f"code/{f.relative}", pulumi.FileAsset(f.source)) for f in code.files]
        uploader = self._uploader
        blobs = [
            azure_native.storage.Blob(
                f"{logical}/{relative}",
                account_name=uploader.account_name,
                container_name=uploader.container,
                resource_group_name=uploader.storage_resource_group,
                blob_name=f"{prefix}/{relative}",
                type=azure_native.storage.BlobType.BLOCK,
                source=source,
                opts=pulumi.ResourceOptions(parent=self._parent, depends_on=list(self._workspace.resources)),
            )
            for relative, source in sources
        ]
        # A folder URI ending in "/": azure-ai-ml 1.35.2 appends it to every uploaded build context because the
        # environment service requires it (_artifacts/_artifact_utilities.py, _check_and_upload_env_build_context:
        # "EMS requires it to be present").
        context_uri = pulumi.Output.all(uploader.account_name, uploader.container).apply(
            lambda parts: f"https://{parts[0]}.blob.core.windows.net/{parts[1]}/{prefix}/"
        )
        route = ml.RouteArgs(path="/", port=SERVER_PORT)
        environment = ml.EnvironmentVersion(
            logical,
            name=asset_name,
            version=version,
            resource_group_name=self._workspace.resource_group_name,
            workspace_name=self._workspace.name,
            properties=ml.EnvironmentVersionPropertiesArgs(
                build=ml.BuildContextArgs(context_uri=context_uri, dockerfile_path="Dockerfile"),
                inference_config=ml.InferenceContainerPropertiesArgs(
                    liveness_route=route,
                    readiness_route=route,
                    scoring_route=ml.RouteArgs(path="/score", port=SERVER_PORT),
                ),
                os_type="Linux",
                description="Built by ml-inference-lb: environment image + conda file + scoring code",
            ),
            opts=pulumi.ResourceOptions(parent=self._parent, depends_on=blobs),
        )
        environment_id: pulumi.Output[str] = environment.id
        return environment_id


def _role_assignments(
    spec: ClusterSpec, workspace: WorkspaceRefs, pool: ml.InferencePool, parent: pulumi.Resource
) -> tuple[pulumi.Resource, ...]:
    """The access the managed endpoint's identity gets, for the pool's identity: read models and build
    contexts from storage, pull images from the registry."""
    return grant_workspace_access(
        spec.name,
        workspace,
        pool.identity.apply(lambda i: i.principal_id if i else ""),
        blob_reader_role_name=POOL_BLOB_READER,
        acr_pull_role_name=POOL_ACR_PULL,
        description=f"ml-inference-lb: inference pool of cluster {spec.name}",
        parent=parent,
    )
