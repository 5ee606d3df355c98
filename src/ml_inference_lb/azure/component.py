"""``InferenceCluster``: the Pulumi component that puts the spec on Azure Machine Learning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from .. import registry
from ..args import InferenceClusterArgs
from ..spec import ClusterSpec, build_spec
from .assets import AssetCatalog
from .autoscale import build_autoscale
from .backing import BackingRefs, build_backing_services, endpoint_principal
from .dependency_diagnostics import build_dependency_diagnostics
from .deployments import build_deployment
from .diagnostics import build_diagnostics
from .endpoint import build_endpoint, endpoint_keys
from .pool import build_pool_backend
from .secrets import grant_secret_readers, secret_environment
from .traffic import build_traffic
from .workspace import WorkspaceRefs, build_workspace

TYPE_TOKEN = "ml-inference-lb:index:InferenceCluster"


class InferenceCluster(pulumi.ComponentResource):
    """Load-balanced model inference on an Azure ML managed online endpoint.

    Creates (or uses) a workspace, registers each deployment's model, code and environment,
    creates the endpoint, the deployments with their probes and request settings, Azure Monitor
    autoscale, the endpoint's diagnostic logs, and finally sets live and mirrored traffic once every
    deployment exists. Invalid args raise :class:`~ml_inference_lb.InferenceClusterArgsError`
    listing every problem, before any resource is registered.
    """

    spec: ClusterSpec
    """The validated spec the component was built from."""
    workspace_name: pulumi.Output[str]
    """Name of the workspace (new or existing)."""
    workspace_id: pulumi.Output[str]
    """ARM id of the workspace."""
    endpoint_name: pulumi.Output[str]
    """Name of the online endpoint (unique in its region)."""
    endpoint_id: pulumi.Output[str]
    """ARM id of the online endpoint."""
    scoring_uri: pulumi.Output[str]
    """``https://<endpoint>.<region>.inference.ml.azure.com/score``."""
    swagger_uri: pulumi.Output[str]
    """The endpoint's OpenAPI document (empty with ``backend="inference_pool"``: Azure reports none)."""
    deployment_ids: pulumi.Output[dict[str, str]]
    """ARM id of each deployment, by deployment name."""
    primary_key: pulumi.Output[str] | None
    """Primary endpoint key as a Pulumi secret (key auth only)."""
    secondary_key: pulumi.Output[str] | None
    """Secondary endpoint key as a Pulumi secret (key auth only)."""
    pool_name: pulumi.Output[str] | None
    """``backend="inference_pool"`` (PREVIEW) only: name of the inference pool. With that backend
    ``endpoint_name``, ``endpoint_id`` and ``scoring_uri`` are those of the primary deployment's endpoint
    (``traffic_percent`` 100, else the first) and ``deployment_ids`` holds the inference groups' ids."""
    endpoint_uris: pulumi.Output[dict[str, str]] | None
    """``backend="inference_pool"`` (PREVIEW) only: each inference endpoint's URI, by deployment name."""
    cache_host_name: pulumi.Output[str] | None
    """``backing_services.cache`` only: the Azure Managed Redis host name (``<name>.<region>.redis.azure.net``)."""
    cache_id: pulumi.Output[str] | None
    """``backing_services.cache`` only: ARM id of the Azure Managed Redis cluster."""
    database_host_name: pulumi.Output[str] | None
    """``backing_services.database`` only: the PostgreSQL server's host name (``<name>.postgres.database.azure.com``)."""
    database_id: pulumi.Output[str] | None
    """``backing_services.database`` only: ARM id of the PostgreSQL flexible server."""
    log_analytics_workspace_id: pulumi.Output[str] | None
    """ARM id of the Log Analytics workspace the cluster's logs go to: ``diagnostics.log_analytics_workspace_id``,
    else the one created with a new workspace; None with an existing workspace and no id given."""

    def __init__(
        self,
        name: str,
        args: InferenceClusterArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        spec = build_spec(name, args)  # raises before anything is registered
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.spec = spec
        registry.record(spec)

        workspace = build_workspace(spec, self)
        given_logs = spec.diagnostics.log_analytics_workspace_id
        self.log_analytics_workspace_id = (
            pulumi.Output.from_input(given_logs) if given_logs is not None else workspace.log_analytics_id
        )
        build_dependency_diagnostics(spec, workspace, self)
        assets = AssetCatalog(spec.name, workspace, self)
        self.pool_name = self.endpoint_uris = None
        self.cache_host_name = self.cache_id = self.database_host_name = self.database_id = None
        if spec.backend == "inference_pool":  # PREVIEW: azure/pool.py, docs/inference-pool.md
            self._build_pool(spec, workspace, assets)
            return
        endpoint = build_endpoint(spec, workspace, self)
        backing = build_backing_services(spec, workspace, endpoint_principal(spec.name, endpoint), self)
        secret_grants = grant_secret_readers(spec, endpoint, self)

        deployments = {}
        for deployment in spec.deployments:
            resource = build_deployment(
                spec,
                deployment,
                assets.for_deployment(deployment),
                workspace,
                endpoint,
                self,
                backing_environment=backing.environment(deployment) if backing else None,
                backing_ready=backing.ready if backing else (),
                secret_references=secret_environment(spec, deployment),
                identity_environment=endpoint.identity.container_environment(),
                secret_grants=secret_grants,
            )
            build_autoscale(spec, deployment, resource, workspace, endpoint, self)
            deployments[deployment.name] = resource

        build_traffic(spec, workspace, endpoint, list(deployments.values()), self)
        build_diagnostics(spec, workspace, endpoint, self)

        self.workspace_name = workspace.name
        self.workspace_id = workspace.id
        self.endpoint_name = endpoint.name
        self.endpoint_id = endpoint.resource.id
        self.scoring_uri = endpoint.resource.properties.apply(lambda p: p.scoring_uri or "")
        self.swagger_uri = endpoint.resource.properties.apply(lambda p: p.swagger_uri or "")
        self.deployment_ids = pulumi.Output.all(**{n: d.id for n, d in deployments.items()})
        self.primary_key, self.secondary_key = endpoint_keys(spec, workspace, endpoint)

        outputs: dict[str, Any] = {
            "workspace_name": self.workspace_name,
            "workspace_id": self.workspace_id,
            "endpoint_name": self.endpoint_name,
            "endpoint_id": self.endpoint_id,
            "scoring_uri": self.scoring_uri,
            "swagger_uri": self.swagger_uri,
            "deployment_ids": self.deployment_ids,
        }
        if self.primary_key is not None:
            outputs["primary_key"] = self.primary_key
            outputs["secondary_key"] = self.secondary_key
        outputs.update(self._backing_outputs(backing))
        self.register_outputs(outputs)

    def _backing_outputs(self, backing: BackingRefs | None) -> dict[str, Any]:
        """Host names and ids of the backing services: None when not declared, never a secret."""
        cache = backing.cache if backing else None
        database = backing.database if backing else None
        self.cache_host_name = cache.host_name if cache else None
        self.cache_id = cache.id if cache else None
        self.database_host_name = database.host_name if database else None
        self.database_id = database.id if database else None
        names = ("cache_host_name", "cache_id", "database_host_name", "database_id")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def _build_pool(self, spec: ClusterSpec, workspace: WorkspaceRefs, assets: AssetCatalog) -> None:
        """The inference_pool backend: pool, a group and an endpoint per deployment; AAD only, so no keys."""
        refs = build_pool_backend(spec, workspace, assets, self)
        primary = refs.endpoints[refs.primary]
        uris = {
            n: e.inference_endpoint_properties.apply(lambda p: p.endpoint_uri or "") for n, e in refs.endpoints.items()
        }
        self.workspace_name = workspace.name
        self.workspace_id = workspace.id
        self.endpoint_name = primary.name
        self.endpoint_id = primary.id
        self.scoring_uri = uris[refs.primary]
        self.swagger_uri = pulumi.Output.from_input("")
        self.deployment_ids = pulumi.Output.all(**{n: g.id for n, g in refs.groups.items()})
        self.primary_key = self.secondary_key = None
        self.pool_name = refs.pool.name
        self.endpoint_uris = pulumi.Output.all(**uris)
        self.register_outputs(
            {
                "workspace_name": self.workspace_name,
                "workspace_id": self.workspace_id,
                "endpoint_name": self.endpoint_name,
                "endpoint_id": self.endpoint_id,
                "scoring_uri": self.scoring_uri,
                "deployment_ids": self.deployment_ids,
                "pool_name": self.pool_name,
                "endpoint_uris": self.endpoint_uris,
            }
        )
