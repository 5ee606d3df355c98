"""The managed online endpoint, its identity's role assignments, and its keys (as secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from ..spec import ClusterSpec
from . import azure_names, naming
from .identity import EndpointIdentity, build_endpoint_identity
from .roles import endpoint_needs_role_assignments, grant_workspace_access
from .workspace import WorkspaceRefs

TRAFFIC_STEP_OWNS = ("properties", "tags", "identity", "kind", "sku")
"""Endpoint inputs that, after creation, only the traffic step's template sets (with the live traffic).
The endpoint's other inputs (its name, workspace and resource group) are its ARM id: changing one
replaces it; so does ``location``."""


@dataclass(frozen=True)
class EndpointRefs:
    resource: azure_native.machinelearningservices.OnlineEndpoint
    name: pulumi.Output[str]
    role_assignments: tuple[pulumi.Resource, ...]
    """What the endpoint identity needs before a deployment starts (none for a system-assigned identity)."""
    identity: EndpointIdentity
    principal_id: pulumi.Output[str]
    """Object id of the identity the deployments run as (system- or user-assigned)."""


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
    location: pulumi.Input[str] = spec.location if spec.location is not None else workspace.location
    name = endpoint_name(spec, parent)
    identity = build_endpoint_identity(spec, name, location, parent)
    # A user-assigned identity is known before the endpoint: its grants come first, as Azure's own sample
    # does them (azureml-examples cli/deploy-managed-online-endpoint-access-resource-uai.sh).
    grants = _role_assignments(spec, workspace, identity, parent)
    endpoint = azure_native.machinelearningservices.OnlineEndpoint(
        naming.child(spec.name, naming.ENDPOINT),
        endpoint_name=name,
        workspace_name=workspace.name,
        resource_group_name=workspace.resource_group_name,
        identity=identity.resource_input(),
        kind="Managed",
        properties=endpoint_body(spec),
        tags=dict(spec.tags),
        location=location,
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[*workspace.resources, *identity.resources],
            # Create-only: after creation the traffic step is the only thing that PUTs the endpoint
            # (docs/traffic.md). Any PUT from this resource would carry no traffic and set every
            # deployment to 0 %; so Pulumi never updates it, and what cannot be updated replaces it.
            ignore_changes=list(TRAFFIC_STEP_OWNS),
            replace_on_changes=["location"],
        ),
    )
    principal = identity.principal_id
    if principal is None:
        principal = endpoint.identity.apply(lambda i: (i.principal_id or "") if i else "")
    return EndpointRefs(
        resource=endpoint, name=endpoint.name, role_assignments=grants, identity=identity, principal_id=principal
    )


def _role_assignments(
    spec: ClusterSpec, workspace: WorkspaceRefs, identity: EndpointIdentity, parent: pulumi.Resource
) -> tuple[pulumi.Resource, ...]:
    """What the endpoint's identity needs to start its deployments, when Azure does not assign it itself
    (none for the system-assigned identity: Azure's automatic assignments would make ours fail with 409;
    AcrPull, Storage Blob Data Reader and AzureML Metrics Writer for a user-assigned one, as Azure gives a
    system-assigned identity: azure-ai-docs ``concept-endpoints-online-auth.md``)."""
    if not endpoint_needs_role_assignments(identity.type) or identity.principal_id is None:
        return ()
    return grant_workspace_access(
        spec.name,
        workspace,
        identity.principal_id,
        blob_reader_role_name=naming.BLOB_READER,
        acr_pull_role_name=naming.ACR_PULL,
        metrics_writer_role_name=naming.METRICS_WRITER,
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
