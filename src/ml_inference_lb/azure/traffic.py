"""The traffic step: set the endpoint's live and mirrored traffic after its deployments exist.

Azure refuses an endpoint whose traffic names a deployment that does not exist, and a deployment
cannot exist before its endpoint. So the endpoint is created without traffic, the deployments
next, and this step last: an incremental ARM template deployment (``Microsoft.Resources/deployments``)
that PUTs the endpoint with the same body plus ``traffic`` and ``mirrorTraffic``.

Why this mechanism (docs/traffic.md): it runs in the azure-native provider with its credentials,
from any Pulumi language; it is idempotent; it shows in the ARM deployment history; deleting it
deletes only the history record, never the endpoint. Because it depends on every deployment, a
new deployment is created before traffic names it, and a deployment dropped from the args is
deleted (Pulumi deletes last) only after this step moved its traffic away.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from ..spec import ClusterSpec
from . import azure_names, naming
from .endpoint import EndpointRefs, endpoint_body
from .identity import SYSTEM_ASSIGNED
from .workspace import WorkspaceRefs

ONLINE_ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
ONLINE_ENDPOINT_API_VERSION = "2025-12-01"
ARM_TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

_WIRE_NAMES = {"auth_mode": "authMode", "public_network_access": "publicNetworkAccess", "description": "description"}


def traffic_template(
    spec: ClusterSpec,
    workspace_name: str,
    endpoint_name: str,
    location: str,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ARM template of the traffic step, with every value resolved. ``identity`` is the endpoint's, in
    wire form (default: system-assigned): this PUT replaces the endpoint's whole body, identity included."""
    properties: dict[str, Any] = {_WIRE_NAMES[k]: v for k, v in endpoint_body(spec).items()}
    properties["traffic"] = spec.traffic
    if spec.mirror_traffic:
        properties["mirrorTraffic"] = spec.mirror_traffic
    resource: dict[str, Any] = {
        "type": ONLINE_ENDPOINT_TYPE,
        "apiVersion": ONLINE_ENDPOINT_API_VERSION,
        "name": f"{workspace_name}/{endpoint_name}",
        "location": location,
        "kind": "Managed",
        "identity": identity or {"type": SYSTEM_ASSIGNED},
        "properties": properties,
    }
    if spec.tags:
        resource["tags"] = dict(spec.tags)
    return {
        "$schema": ARM_TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [resource],
        "outputs": {
            "traffic": {
                "type": "object",
                "value": f"[reference(resourceId('{ONLINE_ENDPOINT_TYPE}', '{workspace_name}', '{endpoint_name}'), '{ONLINE_ENDPOINT_API_VERSION}').traffic]",
            },
        },
    }


def build_traffic(
    spec: ClusterSpec,
    workspace: WorkspaceRefs,
    endpoint: EndpointRefs,
    deployments: list[pulumi.Resource],
    parent: pulumi.Resource,
) -> azure_native.resources.Deployment:
    template = pulumi.Output.all(
        workspace.name, endpoint.name, endpoint.resource.location, endpoint.identity.template_body()
    ).apply(lambda parts: traffic_template(spec, parts[0], parts[1], parts[2], parts[3]))
    return azure_native.resources.Deployment(
        naming.child(spec.name, naming.TRAFFIC),
        deployment_name=pulumi.Output.all(workspace.name, endpoint.name).apply(
            lambda parts: azure_names.traffic_deployment_name(parts[0], parts[1])
        ),
        resource_group_name=workspace.resource_group_name,
        properties={"mode": azure_native.resources.DeploymentMode.INCREMENTAL, "template": template},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[endpoint.resource, *deployments]),
    )
