"""Managed online deployments: instances, probes, request settings, environment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import machinelearningservices as ml

from ..spec import ClusterSpec, DeploymentSpec, ProbeSpec
from . import durations, naming
from .assets import DeploymentAssets
from .endpoint import EndpointRefs
from .workspace import WorkspaceRefs


def probe_settings(probe: ProbeSpec) -> ml.ProbeSettingsArgs:
    return ml.ProbeSettingsArgs(
        initial_delay=durations.seconds(probe.initial_delay_s),
        period=durations.seconds(probe.period_s),
        timeout=durations.seconds(probe.timeout_s),
        success_threshold=probe.success_threshold,
        failure_threshold=probe.failure_threshold,
    )


def deployment_properties(
    deployment: DeploymentSpec,
    assets: DeploymentAssets,
    backing_environment: Mapping[str, pulumi.Input[str]] | None = None,
    secret_references: Mapping[str, pulumi.Input[str]] | None = None,
    identity_environment: Mapping[str, pulumi.Input[str]] | None = None,
) -> ml.ManagedOnlineDeploymentArgs:
    """The ``ManagedOnlineDeployment`` properties Azure receives for one deployment.

    Built from the typed args classes, not a dict: ``properties`` is a union (managed or Kubernetes),
    and the SDK only renames nested keys to Azure's camelCase when it knows the type.
    ``secret_references``: Key Vault references (azure/secrets.py) added to the environment variables;
    ``identity_environment``: the user-assigned identity's ``AZURE_CLIENT_ID`` (azure/identity.py), which the
    deployment's own variables may override.
    """
    environment: dict[str, pulumi.Input[str]] = {
        **(identity_environment or {}),
        **deployment.env,
        **(backing_environment or {}),
        **(secret_references or {}),
    }
    code = None
    if assets.code_id is not None and deployment.code is not None:
        code = ml.CodeConfigurationArgs(code_id=assets.code_id, scoring_script=deployment.code.scoring_script)
    return ml.ManagedOnlineDeploymentArgs(
        endpoint_compute_type="Managed",
        instance_type=deployment.instance_type,
        model=assets.model_id,
        environment_id=assets.environment_id,
        code_configuration=code,
        environment_variables=environment or None,
        scale_settings=ml.DefaultScaleSettingsArgs(scale_type="Default"),
        request_settings=ml.OnlineRequestSettingsArgs(
            request_timeout=durations.milliseconds(deployment.request.timeout_ms),
            max_concurrent_requests_per_instance=deployment.request.max_concurrent_requests_per_instance,
        ),
        liveness_probe=probe_settings(deployment.probes.liveness),
        readiness_probe=probe_settings(deployment.probes.readiness),
        startup_probe=probe_settings(deployment.probes.startup) if deployment.probes.startup else None,
        app_insights_enabled=deployment.app_insights_enabled,
    )


def sku_capacity(deployment: DeploymentSpec) -> int:
    """The ``sku.capacity`` every PUT of the deployment sends.

    Without autoscale: ``instance_count``. With autoscale: the highest count any autoscale profile allows.
    Every update of a deployment is a full PUT, and Pulumi cannot send the live count: with
    ``ignore_changes`` it sends the value from its state (Pulumi docs, "Resource option: ignoreChanges"),
    so a rollout under peak load would scale the deployment back down. Autoscale never runs above its
    ceiling, so the ceiling is never lower than the live count; its scale-in rules then bring the count
    down. The cost: creation and each rollout briefly run at the ceiling (docs/autoscale.md).
    """
    if deployment.autoscale is None:
        return deployment.instance_count
    return deployment.autoscale.ceiling


def build_deployment(
    spec: ClusterSpec,
    deployment: DeploymentSpec,
    assets: DeploymentAssets,
    workspace: WorkspaceRefs,
    endpoint: EndpointRefs,
    parent: pulumi.Resource,
    backing_environment: Mapping[str, pulumi.Input[str]] | None = None,
    backing_ready: Sequence[pulumi.Resource] = (),
    secret_references: Mapping[str, pulumi.Input[str]] | None = None,
    secret_grants: tuple[pulumi.Resource, ...] = (),
    identity_environment: Mapping[str, pulumi.Input[str]] | None = None,
) -> azure_native.machinelearningservices.OnlineDeployment:
    """``backing_environment``/``backing_ready``: the backing services' variables (``azure/backing``) and the
    grants and network paths the containers need before they start."""
    return azure_native.machinelearningservices.OnlineDeployment(
        naming.per_deployment(spec.name, deployment.name),
        deployment_name=deployment.name,
        endpoint_name=endpoint.name,
        workspace_name=workspace.name,
        resource_group_name=workspace.resource_group_name,
        location=endpoint.resource.location,
        kind="Managed",
        sku={"name": "Default", "capacity": sku_capacity(deployment)},
        properties=deployment_properties(
            deployment, assets, backing_environment, secret_references, identity_environment
        ),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[
                endpoint.resource,
                *endpoint.role_assignments,
                *secret_grants,
                *workspace.compute_ready,
                *backing_ready,
            ],
            # Deleting the endpoint deletes its deployments; on `pulumi destroy` Pulumi skips them
            # instead of deleting a deployment that still takes live traffic (which Azure refuses).
            deleted_with=endpoint.resource,
        ),
    )
