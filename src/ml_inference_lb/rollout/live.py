"""A small model of an endpoint's live state, and what Azure does to it for each step.

State: per endpoint its live and mirrored traffic; per deployment its instance type, live instance count
and autoscale bounds. Azure's reactions (each with its source):

- An endpoint PUT sets ``traffic`` and ``mirrorTraffic`` to what the body holds, to nothing when the body
  leaves them out (Azure-Samples/openai-end-to-end-baseline machinelearning.bicep; genaiops-promptflow-template
  #182), and fails when its traffic names a deployment that does not exist (Azure/azure-dev #4037).
- A deployment PUT sets the instance count to ``sku.capacity`` (CLI v2 deployment YAML reference:
  instance_count is updated in place) and cannot change ``instanceType`` (create-only in the 2025-12-01
  definitions; Azure/AML-Kubernetes #247: "today deployment update can't change instance type").
- pulumi-azure-native refuses to create a resource that already exists: "cannot create already existing
  resource" (pulumi/pulumi-azure-native PR #303, issue #808), so a create-before-delete replacement of a
  resource whose Azure name does not change fails at its create.
- A deployment that takes live traffic cannot be deleted (Azure ML, "Safe rollout for online endpoints").
- Deleting an endpoint deletes its deployments; deleting an ARM template deployment deletes only its
  history record (Azure/bicep #14644).
- Azure Monitor autoscale keeps the instance count between the profile's minimum and maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..deployability.graph import (
    ARM_DEPLOYMENT,
    AUTOSCALE,
    DEPLOYMENT,
    ENDPOINT,
    ENDPOINT_ARM_TYPE,
    PlanGraph,
    autoscale_bounds_of,
    capacity_of,
    traffic_of,
)
from ..plan.engine import PlanResult, RegisteredResource

Key = tuple[str, ...]


def endpoint_key(inputs: Mapping[str, Any]) -> Key:
    return tuple(str(inputs.get(k, "")).lower() for k in ("resourceGroupName", "workspaceName", "endpointName"))


def deployment_key(inputs: Mapping[str, Any]) -> Key:
    return (*endpoint_key(inputs), str(inputs.get("deploymentName", "")).lower())


def _key_from_arm_id(arm_id: str) -> Key | None:
    parts = arm_id.strip("/").split("/")
    lower = [p.lower() for p in parts]
    try:
        rg = parts[lower.index("resourcegroups") + 1]
        ws = parts[lower.index("workspaces") + 1]
        ep = parts[lower.index("onlineendpoints") + 1]
        dep = parts[lower.index("deployments") + 1]
    except (ValueError, IndexError):
        return None
    return (rg.lower(), ws.lower(), ep.lower(), dep.lower())


@dataclass
class EndpointState:
    name: str
    traffic: dict[str, int] = field(default_factory=dict)
    mirror: dict[str, int] = field(default_factory=dict)
    had_traffic: bool = False

    @property
    def live_total(self) -> int:
        return sum(self.traffic.values())


@dataclass
class DeploymentState:
    name: str
    instance_type: str | None
    instances: int
    autoscale: tuple[int, int] | None = None


@dataclass
class Reaction:
    """What Azure (or the provider) did with a step."""

    refused: str | None = None
    lowered: tuple[str, int, int] | None = None
    """(deployment, live count before, after) when a PUT lowered the live count."""
    lowered_by_user: bool = False
    deleted_with_traffic: tuple[str, int, int] | None = None
    """(deployment, live %, mirrored %) when a deployment taking traffic was deleted."""


class LiveState:
    """The live state after the previous ``pulumi up`` (autoscale at its maximum: peak load), then per step."""

    def __init__(self, plan: PlanResult, desired: PlanResult | None = None) -> None:
        graph = PlanGraph(plan)
        self.endpoints: dict[Key, EndpointState] = {}
        self.deployments: dict[Key, DeploymentState] = {}
        self.desired_bounds: dict[Key, tuple[int, int] | None] = {}
        """Autoscale bounds the new program asks for: a count may fall to a maximum the user lowered."""
        if desired is not None:
            target = PlanGraph(desired)
            for deployment in target.of_type(DEPLOYMENT):
                self.desired_bounds[deployment_key(deployment.inputs)] = target.autoscale_bounds(deployment)
        for endpoint in graph.of_type(ENDPOINT):
            put = graph.live_put(endpoint)
            state = EndpointState(endpoint.name, put.traffic, put.mirror_traffic)
            state.had_traffic = state.live_total > 0
            self.endpoints[endpoint_key(endpoint.inputs)] = state
        for deployment in graph.of_type(DEPLOYMENT):
            self.deployments[deployment_key(deployment.inputs)] = DeploymentState(
                deployment.name,
                _instance_type(deployment),
                graph.peak_instances(deployment),
                graph.autoscale_bounds(deployment),
            )

    # -- reactions ---------------------------------------------------------------------------------------
    def apply(self, op: str, resource: RegisteredResource, body: Mapping[str, Any]) -> Reaction:
        if resource.type == ENDPOINT:
            return self._endpoint(op, resource, body)
        if resource.type == DEPLOYMENT:
            return self._deployment(op, resource, body)
        if resource.type == ARM_DEPLOYMENT and op in ("create", "update", "create-replacement"):
            return self._template(resource, body)
        if resource.type == AUTOSCALE:
            return self._autoscale(op, body)
        return Reaction()

    def _put_endpoint(self, key: Key, name: str, body: Mapping[str, Any]) -> Reaction:
        traffic, mirror = traffic_of(body)
        known = {k[3] for k in self.deployments if k[:3] == key}
        missing = [d for d in (*traffic, *mirror) if d.lower() not in known]
        if missing:
            return Reaction(refused=f"Azure refuses the endpoint PUT: traffic names {missing}, which do not exist")
        state = self.endpoints.setdefault(key, EndpointState(name))
        state.traffic = {d.lower(): p for d, p in traffic.items() if p}
        state.mirror = {d.lower(): p for d, p in mirror.items() if p}
        state.had_traffic = state.had_traffic or state.live_total > 0
        return Reaction()

    def _endpoint(self, op: str, resource: RegisteredResource, body: Mapping[str, Any]) -> Reaction:
        key = endpoint_key(resource.inputs)
        if op in ("delete", "delete-replaced", "delete-before-replace"):
            self.endpoints.pop(key, None)
            for deployment in [k for k in self.deployments if k[:3] == key]:
                del self.deployments[deployment]
            return Reaction()
        if op in ("create", "create-replacement") and key in self.endpoints:
            return Reaction(refused="pulumi-azure-native: cannot create already existing resource (same endpoint name)")
        return self._put_endpoint(key, resource.name, body)

    def _template(self, resource: RegisteredResource, body: Mapping[str, Any]) -> Reaction:
        properties = body.get("properties")
        template = properties.get("template") if isinstance(properties, Mapping) else None
        for item in (template or {}).get("resources") or []:
            if not isinstance(item, Mapping) or str(item.get("type", "")).lower() != ENDPOINT_ARM_TYPE:
                continue
            workspace, _, endpoint = str(item.get("name", "")).partition("/")
            key = (str(body.get("resourceGroupName", "")).lower(), workspace.lower(), endpoint.lower())
            reaction = self._put_endpoint(key, endpoint, item)
            if reaction.refused:
                return reaction
        return Reaction()

    def _deployment(self, op: str, resource: RegisteredResource, body: Mapping[str, Any]) -> Reaction:
        key = deployment_key(resource.inputs)
        current = self.deployments.get(key)
        if op in ("delete", "delete-replaced", "delete-before-replace"):
            if current is None:
                return Reaction()
            endpoint = self.endpoints.get(key[:3])
            live = endpoint.traffic.get(key[3], 0) if endpoint else 0
            mirrored = endpoint.mirror.get(key[3], 0) if endpoint else 0
            if live:
                return Reaction(
                    refused="Azure refuses to delete a deployment that takes live traffic",
                    deleted_with_traffic=(current.name, live, mirrored),
                )
            del self.deployments[key]
            if endpoint and mirrored:
                endpoint.mirror.pop(key[3], None)
                return Reaction(deleted_with_traffic=(current.name, live, mirrored))
            return Reaction()
        capacity = capacity_of(body)
        instance_type = _instance_type_of(body)
        if op in ("create", "create-replacement"):
            if current is not None:
                return Reaction(
                    refused="pulumi-azure-native: cannot create already existing resource (a create-before-delete "
                    "replacement keeps the deployment's name)"
                )
            if key[:3] not in self.endpoints:
                return Reaction(refused="Azure refuses a deployment whose endpoint does not exist")
            self.deployments[key] = DeploymentState(resource.name, instance_type, capacity or 1)
            return Reaction()
        if current is None:  # updated after an out-of-band delete: the PUT creates it again
            self.deployments[key] = DeploymentState(resource.name, instance_type, capacity or 1)
            return Reaction()
        if instance_type and current.instance_type and instance_type.lower() != current.instance_type.lower():
            return Reaction(
                refused=f"Azure cannot change a deployment's instance type in place ({current.instance_type} -> "
                f"{instance_type}: create-only)"
            )
        before = current.instances
        current.instances = capacity or before
        if current.instances >= before:
            return Reaction()
        # The count may fall only as far as the user asked: to a lowered autoscale maximum, or to a lowered
        # fixed instance count (no autoscale in the new program).
        desired = self.desired_bounds.get(key, current.autoscale)
        floor = min(before, desired[1]) if desired else current.instances
        return Reaction(lowered=(current.name, before, current.instances), lowered_by_user=current.instances >= floor)

    def _autoscale(self, op: str, body: Mapping[str, Any]) -> Reaction:
        key = _key_from_arm_id(str(body.get("targetResourceUri", "")))
        current = self.deployments.get(key) if key else None
        if current is None:
            return Reaction()
        if op in ("delete", "delete-replaced", "delete-before-replace") or body.get("enabled") is False:
            current.autoscale = None
            return Reaction()
        bounds = autoscale_bounds_of(body)
        if bounds is None:
            return Reaction()
        current.autoscale = bounds
        before = current.instances
        current.instances = min(max(current.instances, bounds[0]), bounds[1])
        if current.instances < before:  # the user lowered the maximum: Azure Monitor scales in to it
            return Reaction(lowered=(current.name, before, current.instances), lowered_by_user=True)
        return Reaction()

    # -- views -------------------------------------------------------------------------------------------
    def traffic_text(self) -> str:
        parts = []
        for state in self.endpoints.values():
            live = ", ".join(f"{d} {p}%" for d, p in sorted(state.traffic.items())) or "none"
            mirror = ", ".join(f"{d} {p}%" for d, p in sorted(state.mirror.items()))
            parts.append(f"{state.name}: live {live}" + (f"; mirror {mirror}" if mirror else ""))
        return "; ".join(parts)


def _instance_type(deployment: RegisteredResource) -> str | None:
    return _instance_type_of(deployment.inputs)


def _instance_type_of(body: Mapping[str, Any]) -> str | None:
    properties = body.get("properties")
    value = properties.get("instanceType") if isinstance(properties, Mapping) else None
    return str(value) if value else None
