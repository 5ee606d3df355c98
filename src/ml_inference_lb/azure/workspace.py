"""The Azure ML workspace: a new one with what Azure requires beside it, or an existing one.

A new workspace's dependencies follow ``network_isolation`` (docs/network-isolation.md): public with
``none`` and ``managed`` (Azure's defaults), closed to public networks with ``private``, where Azure ML reaches
them through its managed network's private endpoints ("When the isolation mode ... is Allow only approved
outbound, private endpoint outbound rules are automatically created as required rules ... for the workspace and
associated resources regardless of public network access mode for those resources (Key Vault, Storage Account,
Container Registry ...)", azure-ai-docs ``articles/machine-learning/how-to-managed-network.md``, "List of
required rules") and allow trusted Azure services through their firewalls (same page, "Secured associated
resources"). Application Insights and Log Analytics keep public ingestion and query: the managed network has no
private-endpoint rule for them except through an Azure Monitor Private Link Scope, which the library does not
create; deployments reach them through the required ``AzureMonitor`` service tag (same page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..spec import ClusterSpec, ExistingWorkspaceSpec, NewWorkspaceSpec
from . import azure_names, naming
from .managed_network import ManagedNetworkProvisioning
from .outbound_rules import build_outbound_rules
from .private_endpoints import build_private_endpoints

TRUSTED_AZURE_SERVICES = "AzureServices"


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
    key_vault_id: pulumi.Output[str] | None = None
    """None for an existing workspace."""


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

    private = spec.network.private
    storage = azure_native.storage.StorageAccount(
        naming.child(spec.name, naming.STORAGE),
        account_name=names.apply(lambda n: n.storage_account),
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        allow_blob_public_access=False,
        # Account keys: Azure ML's datastores with datastore_auth "access_key", and pulumi-azure-native's
        # storage.Blob uploads in every case (docs/security.md).
        allow_shared_key_access=ws.storage.shared_key_access,
        encryption={
            "key_source": "Microsoft.Storage",
            "services": {"blob": {"enabled": True}, "file": {"enabled": True}},
        },
        opts=opts,
        **common,
        **_storage_network(spec),
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
            **(
                {
                    "public_network_access": "Disabled",
                    "network_acls": {"default_action": "Deny", "bypass": TRUSTED_AZURE_SERVICES},
                }
                if private
                else {}
            ),
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
        # Local (instrumentation-key) auth stays while a deployment logs to it (docs/security.md).
        **({} if ws.app_insights_local_auth else {"disable_local_auth": True}),
    )
    registry = azure_native.containerregistry.Registry(
        naming.child(spec.name, naming.REGISTRY),
        registry_name=names.apply(lambda n: n.container_registry),
        sku={"name": ws.container_registry_sku},
        admin_user_enabled=False,
        opts=opts,
        **common,
        **(
            {"public_network_access": "Disabled", "network_rule_bypass_options": TRUSTED_AZURE_SERVICES}
            if private
            else {}
        ),
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
        **(
            {"system_datastores_auth_mode": ws.storage.datastore_auth}
            if ws.storage.datastore_auth != "AccessKey"
            else {}
        ),
    )
    compute_ready: tuple[pulumi.Resource, ...] = ()
    rules: tuple[pulumi.Resource, ...] = ()
    if ws.isolation_mode != "Disabled":
        rules = build_outbound_rules(spec, workspace, rg, parent)
        # The workspace PUT does not provision the managed network; deployments fail until it is. A change
        # of the rules provisions it again (its private endpoints are created only when it is provisioned).
        compute_ready = (
            ManagedNetworkProvisioning(
                naming.child(spec.name, naming.MANAGED_NETWORK),
                workspace_id=workspace.id,
                outbound_rules=[r.name for r in spec.network.outbound_rules],
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[workspace, *rules]),
            ),
        )
    inbound: tuple[pulumi.Resource, ...] = ()
    if spec.network.private_endpoint is not None:
        location = spec.location if spec.location is not None else workspace.location
        inbound = build_private_endpoints(spec, spec.network.private_endpoint, workspace, storage, location, parent)
    return WorkspaceRefs(
        name=workspace.name,
        id=workspace.id,
        resource_group_name=rg,
        location=workspace.location,
        workspace_guid=workspace.workspace_id,
        storage_account_id=storage.id,
        registry_id=registry.id,
        log_analytics_id=logs.id,
        resources=(storage, vault, logs, insights, registry, workspace, *rules, *inbound),
        compute_ready=compute_ready,
        principal_id=workspace.identity.apply(lambda i: (i.principal_id or "") if i else ""),
        key_vault_id=vault.id,
    )


def _storage_network(spec: ClusterSpec) -> dict[str, Any]:
    """With ``private``: no public access, or only from ``deployer_ip_ranges`` (for uploads from outside the
    virtual network); trusted Azure services may pass ("Grant access to trusted Azure services",
    ``how-to-managed-network.md``, "Secured associated resources")."""
    if not spec.network.private:
        return {}
    ranges = spec.network.deployer_ip_ranges
    return {
        "public_network_access": "Enabled" if ranges else "Disabled",
        # Typed args, not dicts: the SDK renames keys of nested list items only when it knows their type
        # (a dict here sent ``ip_address_or_range``, which the contract check reports as unknown).
        "network_rule_set": azure_native.storage.NetworkRuleSetArgs(
            default_action="Deny",
            bypass=TRUSTED_AZURE_SERVICES,
            ip_rules=[azure_native.storage.IPRuleArgs(i_p_address_or_range=r, action="Allow") for r in ranges],
        ),
    }
