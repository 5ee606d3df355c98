"""The endpoint's logs (traffic, console, events) sent to a Log Analytics workspace."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from ..spec import ClusterSpec
from . import naming
from .endpoint import EndpointRefs
from .workspace import WorkspaceRefs

ENDPOINT_LOG_CATEGORIES = (
    "AmlOnlineEndpointTrafficLog",
    "AmlOnlineEndpointConsoleLog",
    "AmlOnlineEndpointEventLog",
)


def build_diagnostics(
    spec: ClusterSpec, workspace: WorkspaceRefs, endpoint: EndpointRefs, parent: pulumi.Resource
) -> azure_native.monitor.DiagnosticSetting | None:
    if not spec.diagnostics.enabled:
        return None
    destination = spec.diagnostics.log_analytics_workspace_id or workspace.log_analytics_id
    return azure_native.monitor.DiagnosticSetting(
        naming.child(spec.name, naming.DIAGNOSTICS),
        name="ml-inference-lb",
        resource_uri=endpoint.resource.id,
        workspace_id=destination,
        log_analytics_destination_type="Dedicated",
        logs=[{"category": category, "enabled": True} for category in ENDPOINT_LOG_CATEGORIES],
        metrics=[{"category": "AllMetrics", "enabled": True}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
