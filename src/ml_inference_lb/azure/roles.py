"""Role assignments that let a serving identity (an endpoint's or a pool's) start its containers:
read models and code from the workspace's storage, pull images from its registry.

Who assigns what (docs/permissions.md): for a **system-assigned** online-endpoint identity Azure ML
assigns AcrPull on the workspace registry, Storage Blob Data Reader on the workspace storage and AzureML
Metrics Writer itself (azure-ai-docs ``articles/machine-learning/concept-endpoints-online-auth.md``,
"Automatic role assignment for endpoint identity"), so the library creates none of them: ARM answers a
second assignment of the same principal, role and scope under another name with 409
``RoleAssignmentExists``. For a user-assigned identity ("There's no automatic role assignment", same
page) and for the inference pool's identity (no automatic assignment documented) the library assigns them;
for a user-assigned endpoint identity also AzureML Metrics Writer on the workspace, the third role Azure gives
a system-assigned one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_azure_native as azure_native

from . import naming

if TYPE_CHECKING:  # workspace.py uses the helpers below: no import cycle at run time
    from .workspace import WorkspaceRefs

# Built-in role definition ids (Azure RBAC built-in roles).
ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
STORAGE_BLOB_DATA_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
AZUREML_METRICS_WRITER_ROLE = "635dd51f-9968-44d3-b7fb-6d9a6bd613ae"
"""AzureML Metrics Writer (preview) (azure-docs ``articles/role-based-access-control/built-in-roles.md``)."""
KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"
"""Key Vault Secrets User (azure-docs ``articles/key-vault/general/rbac-guide.md``)."""
AI_NETWORK_CONNECTION_APPROVER_ROLE = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
"""Azure AI Enterprise Network Connection Approver (azure-ai-docs ``how-to-managed-network.md``, "Approval of
private endpoints")."""


AZURE_ASSIGNS_ITSELF = {"SystemAssigned": ("AcrPull", "Storage Blob Data Reader", "AzureML Metrics Writer")}
"""Online-endpoint identity type → the roles Azure ML assigns to it on its own (see the module docstring)."""


def endpoint_needs_role_assignments(identity_type: str) -> bool:
    """Whether the library must grant an online endpoint's identity access to the workspace's storage and
    registry: only when Azure does not (any identity but a system-assigned one)."""
    return identity_type not in AZURE_ASSIGNS_ITSELF


def grant_workspace_access(
    cluster: str,
    workspace: WorkspaceRefs,
    principal_id: pulumi.Input[str],
    *,
    blob_reader_role_name: str,
    acr_pull_role_name: str,
    description: str,
    parent: pulumi.Resource,
    metrics_writer_role_name: str | None = None,
) -> tuple[pulumi.Resource, ...]:
    """Storage Blob Data Reader on the workspace's storage, AcrPull on its registry when the library
    created it (an existing workspace's registry may not exist yet: Azure creates it lazily), and with
    ``metrics_writer_role_name`` AzureML Metrics Writer on the workspace."""

    def assign(role_name: str, scope: pulumi.Input[str], role: str) -> pulumi.Resource:
        return assign_role(
            naming.child(cluster, role_name), principal_id, scope, built_in_role(role, parent), description, parent
        )

    assignments = [assign(blob_reader_role_name, workspace.storage_account_id, STORAGE_BLOB_DATA_READER_ROLE)]
    if workspace.registry_id is not None:
        assignments.append(assign(acr_pull_role_name, workspace.registry_id, ACR_PULL_ROLE))
    if metrics_writer_role_name is not None:
        assignments.append(assign(metrics_writer_role_name, workspace.id, AZUREML_METRICS_WRITER_ROLE))
    return tuple(assignments)


def built_in_role(role: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The full id of a built-in role definition in the deploying subscription."""
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    role_id: pulumi.Output[str] = client.subscription_id.apply(
        lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"
    )
    return role_id


def role_in_subscription_of(resource_id: pulumi.Input[str], role: pulumi.Input[str]) -> pulumi.Output[str]:
    """A role definition id in the subscription of the resource it is assigned on (which may not be the
    deploying one)."""
    return pulumi.Output.all(resource_id, role).apply(
        lambda v: (
            f"/subscriptions/{str(v[0]).strip('/').split('/')[1]}/providers/Microsoft.Authorization/roleDefinitions/{v[1]}"
        )
    )


def assign_role(
    logical_name: str,
    principal_id: pulumi.Input[str],
    scope: pulumi.Input[str],
    role_definition_id: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource] | None = None,
) -> pulumi.Resource:
    """One role assignment of a managed identity (a service principal) at ``scope``."""
    assignment: pulumi.Resource = azure_native.authorization.RoleAssignment(
        logical_name,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        scope=scope,
        role_definition_id=role_definition_id,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )
    return assignment
