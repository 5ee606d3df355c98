"""Rules about the *next* ``pulumi up``: what Pulumi sends on an update, and what Azure does with it.

pulumi-azure-native updates with a full PUT of the program's inputs (pulumi/pulumi-azure-native PR
#3042), and ``ignoreChanges`` sends the value from Pulumi's state, not the live one (Pulumi docs,
https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..plan.engine import RegisteredResource
from .graph import DEPLOYMENT, WORKSPACE, PlanGraph
from .model import Hit, Measurements, Rule


def ignores_all_inputs(resource: RegisteredResource) -> bool:
    """Whether ``ignoreChanges`` covers every input, so Pulumi never updates (PUTs) the resource again."""
    ignored = set(resource.ignore_changes)
    return "*" in ignored or all(key in ignored for key in resource.inputs)


def ignores(resource: RegisteredResource, path: str) -> bool:
    """Whether ``ignoreChanges`` covers ``path`` (``sku.capacity`` is covered by ``sku`` and by ``*``)."""
    parts = path.split(".")
    prefixes = {".".join(parts[: i + 1]) for i in range(len(parts))}
    return any(p == "*" or p in prefixes for p in resource.ignore_changes)


def endpoint_put_drops_traffic(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for endpoint in graph.endpoints:
        puts = graph.endpoint_puts(endpoint)
        others = [p for p in puts[1:] if sum(p.traffic.values())]
        if not others:
            continue
        own = puts[0]
        if own.traffic and not ignores(endpoint, "properties.traffic"):
            continue  # the endpoint carries its own traffic: every PUT of it keeps it
        # Names and location replace the endpoint instead (the rollout model's STATEFUL invariant); every other
        # input not ignored is sent again by a PUT.
        changeable = sorted(
            k for k in endpoint.inputs if not ignores(endpoint, k) and not k.endswith("Name") and k != "location"
        )
        if not changeable:
            continue  # create-only: Pulumi never PUTs it again; the other step owns every later PUT
        yield Hit(
            endpoint.name,
            endpoint.type,
            f"has no traffic in its own body, but '{others[-1].source.name}' gives its deployments live traffic: "
            f"a change to {', '.join(changeable)} makes Pulumi PUT the endpoint without traffic, and Azure sets "
            "every deployment to 0 % (scoring answers 404) until that step PUTs it again",
        )


def stale_capacity_ignored(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        if ignores(deployment, "sku.capacity") and not ignores_all_inputs(deployment):
            yield Hit(
                deployment.name,
                deployment.type,
                "ignores changes to sku.capacity, so any other change is a full PUT with the capacity from "
                "Pulumi's state (the creation-time count), not the live one autoscale reached",
            )


def rollout_lowers_autoscaled_capacity(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        bounds = graph.autoscale_bounds(deployment)
        capacity = graph.capacity(deployment)
        if bounds is None or capacity is None or capacity >= bounds[1]:
            continue
        yield Hit(
            deployment.name,
            deployment.type,
            f"sends sku.capacity {capacity} with every PUT, while autoscale may have scaled it to {bounds[1]}: "
            f"a rollout under peak load drops it to {capacity} instances",
        )


def fixed_workspace_name(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for workspace in graph.of_type(WORKSPACE):
        if not graph.input_comes_from(workspace, "workspaceName", "random:"):
            yield Hit(
                workspace.name,
                workspace.type,
                f"is named '{workspace.inputs.get('workspaceName')}' by a fixed string: after `pulumi destroy` "
                "Azure keeps the soft-deleted workspace and refuses the name until the retention period ends",
            )


RULES = (
    Rule(
        id="MLI003",
        name="endpoint-put-drops-traffic",
        statement="Once another step sets an endpoint's traffic, Pulumi must never PUT that endpoint without it.",
        source=(
            "Azure-Samples/openai-end-to-end-baseline infra-as-code/bicep/machinelearning.bicep (a PUT without "
            "traffic sets every deployment to 0 %); OnlineEndpoints PATCH takes only tags and identity (azure-ai-ml "
            "1.35.2 _restclient/arm_ml_service, API 2025-12-01); pulumi/pulumi-azure-native PR #3042 (updates are PUTs)"
        ),
        severity="error",
        fix="Make the endpoint resource create-only (ignoreChanges on every input, e.g. ['*']) and let the "
        "traffic step do every later PUT with the live traffic, or carry the traffic in the endpoint's own body.",
        check=endpoint_put_drops_traffic,
    ),
    Rule(
        id="MLI004",
        name="stale-capacity-ignored",
        statement="A deployment must not ignore changes to sku.capacity: Pulumi then sends the stale state value.",
        source=(
            "Pulumi docs, ignoreChanges (https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/: stale "
            "state values are sent on later updates); pulumi/pulumi-azure-native PR #3042 (updates are full PUTs)"
        ),
        severity="error",
        fix="Drop sku.capacity from ignoreChanges and send the autoscale maximum as the capacity (autoscale "
        "scales in afterwards).",
        check=stale_capacity_ignored,
    ),
    Rule(
        id="MLI005",
        name="rollout-lowers-autoscaled-capacity",
        statement="An autoscaled deployment's PUT must not send fewer instances than autoscale's maximum.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-yaml-deployment-managed-online.md "
            "(instance_count is updated in place by a deployment update); how-to-autoscale-endpoints.md (autoscale "
            "changes the instance count between min and max); pulumi/pulumi-azure-native PR #3042"
        ),
        severity="error",
        fix="Send sku.capacity = the autoscale maximum with every PUT; Azure Monitor scales in afterwards.",
        check=rollout_lowers_autoscaled_capacity,
    ),
    Rule(
        id="MLI010",
        name="fixed-workspace-name",
        statement="A new workspace's name must change on re-creation: soft-deleted workspaces keep their names.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-soft-delete.md (a soft-deleted "
            "workspace's name cannot be reused during the retention period, 14 days by default)"
        ),
        severity="warning",
        fix="Derive the workspace name from a pulumi_random resource (a suffix), so a new stack gets a new name.",
        check=fixed_workspace_name,
    ),
)
