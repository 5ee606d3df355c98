"""The managed online endpoint, its identity's role assignments, and its keys (as secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..spec import ClusterSpec
from . import azure_names, naming
from .roles import endpoint_needs_role_assignments, grant_workspace_access
from .workspace import WorkspaceRefs

ENDPOINT_IDENTITY = "SystemAssigned"
"""The endpoint's identity type: Azure then assigns its AcrPull, Storage Blob Data Reader and Metrics Writer roles."""

TRAFFIC_STEP_OWNS = ("properties", "tags", "identity", "kind", "sku")
"""Endpoint inputs that, after creation, only the traffic step's template sets (with the live traffic).
The endpoint's other inputs (its name, workspace and resource group) are its ARM id: changing one
replaces it; so does ``location``."""


@dataclass(frozen=True)
class EndpointRefs:
    resource: azure_native.machinelearningservices.OnlineEndpoint
    name: pulumi.Output[str]
    role_assignments: tuple[pulumi.Resource, ...]


def endpoint_body(spec: ClusterSpec) -> dict[str, Any]:
    """The endpoint's ``properties`` without traffic: the endpoint resource is created with it, and the
    traffic step sends it (plus ``traffic`` and ``mirrorTraffic``) on every change, so the two never disagree."""
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
        length=azure_names.ENDPOINT_SUFFIX_LENGTH,
        upper=False,
        special=False,
        numeric=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    prefix = spec.endpoint.name_prefix
    name: pulumi.Output[str] = suffix.result.apply(lambda s: azure_names.endpoint_name(prefix, s))
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
        identity={"type": ENDPOINT_IDENTITY},
        kind="Managed",
        properties=endpoint_body(spec),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(workspace.resources),
            # Create-only: after creation the traffic step is the only thing that PUTs the endpoint
            # (docs/traffic.md). Any PUT from this resource would carry no traffic and set every
            # deployment to 0 %; so Pulumi never updates it, and what cannot be updated replaces it.
            ignore_changes=list(TRAFFIC_STEP_OWNS),
            replace_on_changes=["location"],
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
    """What the endpoint's identity needs to start its deployments, when Azure does not assign it itself
    (none for the system-assigned identity: Azure's automatic assignments would make ours fail with 409)."""
    if not endpoint_needs_role_assignments(ENDPOINT_IDENTITY):
        return ()
    return grant_workspace_access(
        spec.name,
        workspace,
        endpoint.identity.apply(lambda i: i.principal_id if i else ""),
        blob_reader_role_name=naming.BLOB_READER,
        acr_pull_role_name=naming.ACR_PULL,
        description=f"ml-inference-lb: endpoint of cluster {spec.name}",
        parent=parent,
    )


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
