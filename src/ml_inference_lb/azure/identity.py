"""The online endpoint's managed identity: system-assigned (Azure creates it with the endpoint) or
user-assigned (an existing one, or one the library creates).

The identity goes into BOTH the endpoint resource (create-only) and the traffic step's template, which
PUTs the endpoint's whole body (docs/traffic.md): the two must agree, so both read :class:`EndpointIdentity`.
pulumi-azure-native takes ``userAssignedIdentities`` as a list of ARM ids and sends Azure the map
``{id: {}}`` ARM expects (its ``ManagedServiceIdentityArgs`` docstring: "The userAssignedIdentities dictionary
keys will be ARM resource ids ... The dictionary values can be empty objects ({}) in requests"); the template,
which the provider passes through untouched, carries the map itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from ..spec import ClusterSpec
from . import naming

SYSTEM_ASSIGNED = "SystemAssigned"
USER_ASSIGNED = "UserAssigned"


@dataclass(frozen=True)
class EndpointIdentity:
    type: str
    """``SystemAssigned`` or ``UserAssigned`` (Azure's ``ManagedServiceIdentityType``)."""
    identity_id: pulumi.Output[str] | None
    """The user-assigned identity's ARM id; None for a system-assigned one."""
    principal_id: pulumi.Output[str] | None
    """The user-assigned identity's object id, known before the endpoint exists; None for a system-assigned
    one (Azure reports it on the endpoint once created)."""
    client_id: pulumi.Output[str] | None = None
    """The user-assigned identity's client id (None for a system-assigned one): code in the container names it
    to get that identity's tokens (see :meth:`container_environment`)."""
    resources: tuple[pulumi.Resource, ...] = ()
    """The identity the library created, if it did."""

    def resource_input(self) -> dict[str, Any]:
        """The ``identity`` input of the ``OnlineEndpoint`` resource."""
        if self.identity_id is None:
            return {"type": self.type}
        return {"type": self.type, "user_assigned_identities": [self.identity_id]}

    def container_environment(self) -> dict[str, pulumi.Input[str]]:
        """``AZURE_CLIENT_ID`` for a user-assigned identity: azure-identity's ``DefaultAzureCredential`` uses it as
        the managed identity's client id ("Defaults to the value of the environment variable AZURE_CLIENT_ID",
        ``azure/identity/_credentials/default.py``), and ``ml_inference_lb.runtime`` passes it to
        ``ManagedIdentityCredential``; Azure's UAI endpoint sample hands the client id to the scoring script
        itself (azureml-examples ``cli/deploy-managed-online-endpoint-access-resource-uai.sh``). Empty for a
        system-assigned identity, the container's only one."""
        return {} if self.client_id is None else {"AZURE_CLIENT_ID": self.client_id}

    def template_body(self) -> pulumi.Output[dict[str, Any]]:
        """The ``identity`` of the endpoint in the traffic step's ARM template (wire form)."""
        if self.identity_id is None:
            return pulumi.Output.from_input({"type": self.type})
        return self.identity_id.apply(lambda i: {"type": self.type, "userAssignedIdentities": {i: {}}})


def build_endpoint_identity(
    spec: ClusterSpec, endpoint_name: pulumi.Output[str], location: pulumi.Input[str], parent: pulumi.Resource
) -> EndpointIdentity:
    identity = spec.endpoint.identity
    if identity.type == SYSTEM_ASSIGNED:
        return EndpointIdentity(type=SYSTEM_ASSIGNED, identity_id=None, principal_id=None)
    if identity.user_assigned_identity_id is None:
        created = azure_native.managedidentity.UserAssignedIdentity(
            naming.child(spec.name, naming.ENDPOINT_IDENTITY),
            resource_name_=endpoint_name.apply(lambda n: f"{n}-identity"),
            resource_group_name=spec.resource_group_name,
            location=location,
            tags=dict(spec.tags),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return EndpointIdentity(
            type=USER_ASSIGNED,
            identity_id=created.id,
            principal_id=created.principal_id,
            client_id=created.client_id,
            resources=(created,),
        )
    identity_id = pulumi.Output.from_input(identity.user_assigned_identity_id)
    found = azure_native.managedidentity.get_user_assigned_identity_output(
        resource_group_name=identity_id.apply(lambda i: _segment(i, "resourceGroups")),
        resource_name=identity_id.apply(lambda i: i.rstrip("/").rsplit("/", 1)[-1]),
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return EndpointIdentity(
        type=USER_ASSIGNED, identity_id=identity_id, principal_id=found.principal_id, client_id=found.client_id
    )


def _segment(arm_id: str, key: str) -> str:
    parts = arm_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == key.lower():
            return parts[i + 1]
    return ""
