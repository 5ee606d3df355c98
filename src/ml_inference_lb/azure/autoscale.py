"""Azure Monitor autoscale settings, one per deployment that has autoscale.

Deployment metrics are read from the deployment (``metricResourceUri`` = deployment id); endpoint
metrics from the endpoint's ARM id, ``RequestLatency`` filtered to the deployment by its
``deployment`` dimension so a per-deployment rule sees only its own requests. Schedule profiles follow the portal's pattern: a
recurring profile at the start time and a ``{"name": ..., "for": ...}`` profile at the end time
that brings the default bounds back.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from ..spec import AutoscaleSpec, ClusterSpec, DeploymentSpec, ScaleRuleSpec, ScheduleSpec
from ..spec.rules import PER_DEPLOYMENT_DIMENSION_METRICS
from . import azure_names, durations, naming
from .endpoint import EndpointRefs
from .workspace import WorkspaceRefs

DEPLOYMENT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
ENDPOINT_NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
DEFAULT_PROFILE = "default"


def rule_body(
    rule: ScaleRuleSpec, deployment: str, deployment_id: pulumi.Input[str], endpoint_id: pulumi.Input[str]
) -> dict[str, Any]:
    """``deployment``: the Azure name, the value of the endpoint metrics' ``deployment`` dimension."""
    trigger: dict[str, Any] = {
        "metric_name": rule.metric,
        "metric_namespace": DEPLOYMENT_NAMESPACE if rule.scope == "deployment" else ENDPOINT_NAMESPACE,
        "metric_resource_uri": deployment_id if rule.scope == "deployment" else endpoint_id,
        "operator": rule.operator,
        "statistic": "Average",
        "threshold": rule.threshold,
        "time_aggregation": rule.aggregation,
        "time_grain": durations.minutes(1),
        "time_window": durations.minutes(rule.window_minutes),
    }
    if rule.metric in PER_DEPLOYMENT_DIMENSION_METRICS:
        trigger["dimensions"] = [{"dimension_name": "deployment", "operator": "Equals", "values": [deployment]}]
    return {
        "metric_trigger": trigger,
        "scale_action": {
            "direction": rule.direction,
            "type": "ChangeCount",
            "value": str(rule.change_count),
            "cooldown": durations.minutes(rule.cooldown_minutes),
        },
    }


def profiles(
    autoscale: AutoscaleSpec, deployment: str, deployment_id: pulumi.Input[str], endpoint_id: pulumi.Input[str]
) -> list[dict[str, Any]]:
    rules = [rule_body(r, deployment, deployment_id, endpoint_id) for r in autoscale.rules]
    default_capacity = _capacity(autoscale.min_instances, autoscale.max_instances, autoscale.default_instances)
    result: list[dict[str, Any]] = [{"name": DEFAULT_PROFILE, "capacity": default_capacity, "rules": rules}]
    for schedule in autoscale.schedules:
        result.append(
            {
                "name": schedule.name,
                "capacity": _capacity(schedule.min_instances, schedule.max_instances, schedule.default_instances),
                "rules": rules,
                "recurrence": _recurrence(schedule, schedule.start),
            }
        )
        result.append(
            {
                "name": json.dumps({"name": DEFAULT_PROFILE, "for": schedule.name}),
                "capacity": default_capacity,
                "rules": rules,
                "recurrence": _recurrence(schedule, schedule.end),
            }
        )
    return result


def _capacity(low: int, high: int, default: int) -> dict[str, str]:
    return {"minimum": str(low), "maximum": str(high), "default": str(default)}


def _recurrence(schedule: ScheduleSpec, at: tuple[int, int]) -> dict[str, Any]:
    return {
        "frequency": "Week",
        "schedule": {
            "days": list(schedule.days),
            "hours": [at[0]],
            "minutes": [at[1]],
            "time_zone": schedule.time_zone,
        },
    }


def build_autoscale(
    spec: ClusterSpec,
    deployment: DeploymentSpec,
    resource: azure_native.machinelearningservices.OnlineDeployment,
    workspace: WorkspaceRefs,
    endpoint: EndpointRefs,
    parent: pulumi.Resource,
) -> azure_native.monitor.AutoscaleSetting | None:
    if deployment.autoscale is None:
        return None
    return azure_native.monitor.AutoscaleSetting(
        naming.per_deployment(spec.name, deployment.name, naming.AUTOSCALE),
        # Named after the deployment's Azure name: when the deployment is replaced under a new one, so is its
        # setting (created beside the old one, which keeps scaling the old deployment until both are deleted).
        autoscale_setting_name=pulumi.Output.all(workspace.name, endpoint.name).apply(
            lambda parts: azure_names.autoscale_setting_name(parts[0], parts[1], deployment.azure_name)
        ),
        resource_group_name=workspace.resource_group_name,
        location=endpoint.resource.location,
        enabled=True,
        target_resource_uri=resource.id,
        profiles=profiles(deployment.autoscale, deployment.azure_name, resource.id, endpoint.resource.id),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[resource]),
    )
