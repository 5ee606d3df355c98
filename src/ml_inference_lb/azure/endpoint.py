"""The managed online endpoint, its identity's role assignments, and its keys (as secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..spec import ClusterSpec
from . import naming
from .workspace import WorkspaceRefs

# Built-in role definition ids (Azure RBAC built-in roles).
ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
STORAGE_BLOB_DATA_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


@dataclass(frozen=True)
class EndpointRefs:
    resource: azure_native.machinelearningservices.OnlineEndpoint
    name: pulumi.Output[str]
    role_assignments: tuple[pulumi.Resource, ...]


def endpoint_body(spec: ClusterSpec) -> dict[str, Any]:
    """The endpoint's ``properties`` without traffic: shared by the endpoint resource and the traffic step,
    so the two can never disagree."""
    body: dict[str, Any] = {
        "auth_mode": spec.endpoint.auth_mode,
        "public_network_access": spec.endpoint.public_network_access,
    }
    if spec.endpoint.description is not None:
        body["description"] = spec.endpoint.description
    return body


def endpoint_name(spec: ClusterSpec, parent: pulumi.Resource) -> pulumi.Output[str]:
    if spec.endpoint.name is not None:
        return pulumi.Output.from_input(spec.endpoint.name)
    suffix = random.RandomString(
        naming.child(spec.name, naming.ENDPOINT_SUFFIX),
        length=5,
        upper=False,
        special=False,
        numeric=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    prefix = spec.endpoint.name_prefix
    name: pulumi.Output[str] = suffix.result.apply(lambda s: f"{prefix}-{s}")
    return name


def build_endpoint(spec: ClusterSpec, workspace: WorkspaceRefs, parent: pulumi.Resource) -> EndpointRefs:
    extra: dict[str, Any] = {}
    if spec.location is not None:
        extra["location"] = spec.location
    else:
        extra["location"] = workspace.location
    endpoint = azure_native.machinelearningservices.OnlineEndpoint(
        naming.child(spec.name, naming.ENDPOINT),
        endpoint_name=endpoint_name(spec, parent),
        workspace_name=workspace.name,
        resource_group_name=workspace.resource_group_name,
        identity={"type": "SystemAssigned"},
        kind="Managed",
        properties=endpoint_body(spec),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(workspace.resources),
            # Traffic is owned by the traffic step (see docs/traffic.md), never by this resource.
            ignore_changes=["properties.traffic", "properties.mirrorTraffic"],
        ),
        **extra,
    )
    return EndpointRefs(
        resource=endpoint,
        name=endpoint.name,
        role_assignments=_role_assignments(spec, workspace, endpoint, parent),
    )


def _role_assignments(
    spec: ClusterSpec,
    workspace: WorkspaceRefs,
    endpoint: azure_native.machinelearningservices.OnlineEndpoint,
    parent: pulumi.Resource,
) -> tuple[pulumi.Resource, ...]:
    """What the endpoint's system-assigned identity needs to start its deployments: read the model and
    code from storage, pull the image from the registry."""
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    principal = endpoint.identity.apply(lambda i: i.principal_id if i else "")

    def assign(role_name: str, scope: pulumi.Input[str], role: str) -> pulumi.Resource:
        assignment: pulumi.Resource = azure_native.authorization.RoleAssignment(
            naming.child(spec.name, role_name),
            principal_id=principal,
            principal_type="ServicePrincipal",
            scope=scope,
            role_definition_id=client.subscription_id.apply(
                lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"
            ),
            description=f"ml-inference-lb: endpoint of cluster {spec.name}",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return assignment

    assignments = [assign(naming.BLOB_READER, workspace.storage_account_id, STORAGE_BLOB_DATA_READER_ROLE)]
    if workspace.registry_id is not None:
        assignments.append(assign(naming.ACR_PULL, workspace.registry_id, ACR_PULL_ROLE))
    return tuple(assignments)


def endpoint_keys(
    spec: ClusterSpec, workspace: WorkspaceRefs, endpoint: EndpointRefs
) -> tuple[pulumi.Output[str] | None, pulumi.Output[str] | None]:
    """Primary and secondary keys through the ``listOnlineEndpointKeys`` invoke, as Pulumi secrets."""
    if spec.endpoint.auth_mode != "Key":
        return None, None
    keys = azure_native.machinelearningservices.list_online_endpoint_keys_output(
        endpoint_name=endpoint.name,
        resource_group_name=workspace.resource_group_name,
        workspace_name=workspace.name,
        opts=pulumi.InvokeOutputOptions(depends_on=[endpoint.resource]),
    )
    primary = pulumi.Output.secret(keys.primary_key.apply(lambda k: k or ""))
    secondary = pulumi.Output.secret(keys.secondary_key.apply(lambda k: k or ""))
    return primary, secondary
