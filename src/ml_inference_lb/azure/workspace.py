"""The Azure ML workspace: a new one with what Azure requires beside it, or an existing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..spec import ClusterSpec, ExistingWorkspaceSpec, NewWorkspaceSpec
from . import azure_names, naming
from .managed_network import ManagedNetworkProvisioning


@dataclass(frozen=True)
class WorkspaceRefs:
    """What the rest of the Azure target needs to know of the workspace, new or existing."""

    name: pulumi.Output[str]
    id: pulumi.Output[str]
    resource_group_name: pulumi.Input[str]
    location: pulumi.Output[str]
    workspace_guid: pulumi.Output[str]
    """Azure's GUID of the workspace: the default blob datastore's container is ``azureml-blobstore-<guid>``."""
    storage_account_id: pulumi.Output[str]
    registry_id: pulumi.Output[str] | None
    """None for an existing workspace (its registry may not exist yet; Azure creates it lazily)."""
    log_analytics_id: pulumi.Output[str] | None
    resources: tuple[pulumi.Resource, ...]
    """Created resources, for ``depends_on`` (empty for an existing workspace)."""
    compute_ready: tuple[pulumi.Resource, ...] = ()
    """What online deployments and inference groups must wait for: the new workspace's provisioned
    managed network (azure/managed_network.py); empty without one or for an existing workspace."""
    principal_id: pulumi.Output[str] | None = None
    """Object id of the workspace's system-assigned identity (it approves private endpoints of its managed
    network); None when the workspace has no system-assigned identity."""


def build_workspace(spec: ClusterSpec, parent: pulumi.Resource) -> WorkspaceRefs:
    if isinstance(spec.workspace, ExistingWorkspaceSpec):
        return _existing(spec.workspace, parent)
    return _new(spec, spec.workspace, parent)


def _existing(ws: ExistingWorkspaceSpec, parent: pulumi.Resource) -> WorkspaceRefs:
    found = azure_native.machinelearningservices.get_workspace_output(
        resource_group_name=ws.resource_group_name,
        workspace_name=ws.name,
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return WorkspaceRefs(
        name=pulumi.Output.from_input(ws.name),
        id=found.id,
        resource_group_name=ws.resource_group_name,
        location=found.location,
        workspace_guid=found.workspace_id,
        storage_account_id=found.storage_account.apply(lambda v: v or ""),
        registry_id=None,
        log_analytics_id=None,
        resources=(),
        principal_id=found.identity.apply(lambda i: (i.principal_id or "") if i else ""),
    )


def _new(spec: ClusterSpec, ws: NewWorkspaceSpec, parent: pulumi.Resource) -> WorkspaceRefs:
    opts = pulumi.ResourceOptions(parent=parent)
    rg = spec.resource_group_name
    tags = dict(spec.tags)
    common: dict[str, Any] = {"resource_group_name": rg, "tags": tags}
    if spec.location is not None:
        common["location"] = spec.location

    # Globally unique names (and the default workspace name) end with the stack's random suffix.
    suffix = random.RandomString(
        naming.child(spec.name, naming.GLOBAL_SUFFIX),
        length=azure_names.SUFFIX_LENGTH,
        upper=False,
        special=False,
        numeric=True,
        opts=opts,
    )
    names = suffix.result.apply(lambda s: azure_names.new_workspace_names(ws, s))

    storage = azure_native.storage.StorageAccount(
        naming.child(spec.name, naming.STORAGE),
        account_name=names.apply(lambda n: n.storage_account),
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        allow_blob_public_access=False,
        allow_shared_key_access=True,  # Azure ML's default datastores still use account keys.
        encryption={
            "key_source": "Microsoft.Storage",
            "services": {"blob": {"enabled": True}, "file": {"enabled": True}},
        },
        opts=opts,
        **common,
    )
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    vault = azure_native.keyvault.Vault(
        naming.child(spec.name, naming.KEY_VAULT),
        vault_name=names.apply(lambda n: n.key_vault),
        properties={
            "tenant_id": client.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "enable_rbac_authorization": True,
            "enable_purge_protection": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": 90,
        },
        opts=opts,
        **common,
    )
    logs = azure_native.operationalinsights.Workspace(
        naming.child(spec.name, naming.LOG_ANALYTICS),
        workspace_name=names.apply(lambda n: n.log_analytics),
        sku={"name": "PerGB2018"},
        retention_in_days=ws.log_retention_days,
        opts=opts,
        **common,
    )
    insights = azure_native.applicationinsights.Component(
        naming.child(spec.name, naming.APP_INSIGHTS),
        resource_name_=names.apply(lambda n: n.app_insights),
        kind="web",
        application_type="web",
        ingestion_mode="LogAnalytics",
        workspace_resource_id=logs.id,
        opts=opts,
        **common,
    )
    registry = azure_native.containerregistry.Registry(
        naming.child(spec.name, naming.REGISTRY),
        registry_name=names.apply(lambda n: n.container_registry),
        sku={"name": ws.container_registry_sku},
        admin_user_enabled=False,
        opts=opts,
        **common,
    )
    workspace = azure_native.machinelearningservices.Workspace(
        naming.child(spec.name, naming.WORKSPACE),
        workspace_name=ws.name if ws.name is not None else names.apply(lambda n: n.workspace),
        identity={"type": "SystemAssigned"},
        sku={"name": "Basic", "tier": "Basic"},
        storage_account=storage.id,
        key_vault=vault.id,
        application_insights=insights.id,
        container_registry=registry.id,
        public_network_access=ws.public_network_access,
        managed_network={"isolation_mode": ws.isolation_mode},
        opts=opts,
        **common,
    )
    compute_ready: tuple[pulumi.Resource, ...] = ()
    if ws.isolation_mode != "Disabled":
        # The workspace PUT does not provision the managed network; deployments fail until it is.
        compute_ready = (
            ManagedNetworkProvisioning(
                naming.child(spec.name, naming.MANAGED_NETWORK),
                workspace_id=workspace.id,
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[workspace]),
            ),
        )
    return WorkspaceRefs(
        name=workspace.name,
        id=workspace.id,
        resource_group_name=rg,
        location=workspace.location,
        workspace_guid=workspace.workspace_id,
        storage_account_id=storage.id,
        registry_id=registry.id,
        log_analytics_id=logs.id,
        resources=(storage, vault, logs, insights, registry, workspace),
        compute_ready=compute_ready,
        principal_id=workspace.identity.apply(lambda i: (i.principal_id or "") if i else ""),
    )
