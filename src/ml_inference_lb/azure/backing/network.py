"""The private path from the deployments to the services: private-endpoint outbound rules of the
workspace's managed network (``workspaces/outboundRules``, API 2025-12-01).

Azure ML creates a private endpoint in its managed virtual network for each such rule. Its list of
targets names "Azure Database for PostgreSQL Flexible Server" and "Azure Redis Cache"; the resource types
of the *Azure AI Enterprise Network Connection Approver* role on the same page name "Azure Managed Redis"
(azure-ai-docs ``articles/machine-learning/how-to-managed-network.md``). The
private-link sub-resources are ``redisEnterprise`` and ``postgresqlServer`` (azure-docs
``articles/private-link/private-endpoint-overview.md``, "Private link resource").

Since 2025-04-30 Azure no longer grants the workspace identity the right to approve those endpoints
on the target: it needs a role with ``privateEndpointConnectionsApproval`` there (same page). For Azure
Managed Redis the built-in *Azure AI Enterprise Network Connection Approver* role carries it
(``Microsoft.Cache/redisEnterprise/privateEndpointConnectionsApproval/action``, azure-docs
``articles/role-based-access-control/built-in-roles/ai-machine-learning.md``). For PostgreSQL the sources
disagree: the Azure ML page lists "Azure Database for PostgreSQL" as covered, the role's definition lists
no ``Microsoft.DBforPostgreSQL`` action. So the PostgreSQL server gets a custom role with exactly the
approval actions, the least privilege that works in either case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import machinelearningservices as ml

from .. import naming
from ..roles import assign_role, role_in_subscription_of
from ..workspace import WorkspaceRefs
from .common import resource_group_id

AI_NETWORK_CONNECTION_APPROVER = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
POSTGRES_APPROVAL_ACTIONS = (
    "Microsoft.DBforPostgreSQL/flexibleServers/read",
    "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/read",
    "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/write",
    "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnectionsApproval/action",
    "Microsoft.DBforPostgreSQL/flexibleServers/privateLinkResources/read",
)
REDIS_SUBRESOURCE = "redisEnterprise"
POSTGRES_SUBRESOURCE = "postgresqlServer"
_ROLE_NAMESPACE = uuid.UUID("0c4f6c2e-6a59-4b8e-9d55-2b1f3e7a9c41")


@dataclass(frozen=True)
class PrivateTarget:
    """One service the deployments reach through a private endpoint."""

    rule_role: str
    """Logical-name role of the outbound rule (``naming``)."""
    approver_role: str
    service_id: pulumi.Input[str]
    subresource: str
    after: tuple[pulumi.Resource, ...]
    """The service must exist (and be ready) before Azure ML can attach a private endpoint to it."""


def private_endpoint_rules(
    cluster: str, workspace: WorkspaceRefs, targets: list[PrivateTarget], parent: pulumi.Resource
) -> tuple[pulumi.Resource, ...]:
    """For each target: the approval right of the workspace identity on it, then the outbound rule."""
    if workspace.principal_id is None:
        raise ValueError("private endpoints need the workspace's system-assigned identity to approve them")
    created: list[pulumi.Resource] = []
    for target in targets:
        approval = _approval(cluster, workspace.principal_id, target, parent)
        rule = azure_native.machinelearningservices.ManagedNetworkSettingsRule(
            naming.child(cluster, target.rule_role),
            resource_group_name=workspace.resource_group_name,
            workspace_name=workspace.name,
            rule_name=f"{cluster}-{target.rule_role}",
            properties=ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint",
                category="UserDefined",
                destination=ml.PrivateEndpointDestinationArgs(
                    service_resource_id=target.service_id,
                    subresource_target=target.subresource,
                    spark_enabled=False,
                ),
            ),
            # After the managed network is provisioned (azure/managed_network.py): one workspace operation at a time.
            opts=pulumi.ResourceOptions(
                parent=parent, depends_on=[*approval, *target.after, *workspace.resources, *workspace.compute_ready]
            ),
        )
        created += [*approval, rule]
    return tuple(created)


def _approval(
    cluster: str, workspace_principal: pulumi.Input[str], target: PrivateTarget, parent: pulumi.Resource
) -> list[pulumi.Resource]:
    description = f"ml-inference-lb: workspace of cluster {cluster} approves its private endpoint"
    if target.subresource == REDIS_SUBRESOURCE:
        role_id = role_in_subscription_of(target.service_id, AI_NETWORK_CONNECTION_APPROVER)
        return [
            assign_role(
                naming.child(cluster, target.approver_role),
                workspace_principal,
                target.service_id,
                role_id,
                description,
                parent,
                depends_on=list(target.after),
            )
        ]
    group = resource_group_id(target.service_id)
    # Role definition ids are unique in the tenant: derive it from the server's id, stable across runs.
    guid = pulumi.Output.from_input(target.service_id).apply(lambda i: str(uuid.uuid5(_ROLE_NAMESPACE, i.lower())))
    definition = azure_native.authorization.RoleDefinition(
        naming.child(cluster, naming.POSTGRES_APPROVER_ROLE),
        role_definition_id=guid,
        scope=group,
        assignable_scopes=[group],
        role_name=pulumi.Output.from_input(target.service_id).apply(
            lambda server_id: f"ml-inference-lb PostgreSQL private endpoint approver ({server_id.rsplit('/', 1)[-1]})"
        ),
        description="Approves private endpoint connections to Azure Database for PostgreSQL flexible servers "
        "(Azure ML managed network outbound rules).",
        permissions=[{"actions": list(POSTGRES_APPROVAL_ACTIONS)}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return [
        definition,
        assign_role(
            naming.child(cluster, target.approver_role),
            workspace_principal,
            target.service_id,
            role_in_subscription_of(target.service_id, guid),
            description,
            parent,
            depends_on=[*target.after, definition],
        ),
    ]
