"""Read a plan as Azure sees it: which workspace, endpoint and autoscale setting each resource belongs to,
and every PUT an endpoint receives (its own, and the ARM templates that re-PUT it).

Only the plan is read (types, wire-format inputs, options, dependencies): never args or spec, so the
rules work on any Pulumi program, with or without ``InferenceCluster``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..plan.engine import PlanResult, RegisteredResource
from ..plan.mocks import arm_id

ML = "azure-native:machinelearningservices:"
WORKSPACE = ML + "Workspace"
ENDPOINT = ML + "OnlineEndpoint"
DEPLOYMENT = ML + "OnlineDeployment"
ENVIRONMENT_VERSION = ML + "EnvironmentVersion"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
ARM_DEPLOYMENT = "azure-native:resources:Deployment"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
REGISTRY = "azure-native:containerregistry:Registry"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
AFD_ORIGIN = "azure-native:cdn:AFDOrigin"
TM_ENDPOINT = "azure-native:trafficmanager:Endpoint"
ENDPOINT_ARM_TYPE = "microsoft.machinelearningservices/workspaces/onlineendpoints"

# Defaults Azure applies when a deployment leaves them out (CLI v2 managed online deployment YAML reference,
# MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-yaml-deployment-managed-online.md).
DEFAULT_MAX_CONCURRENT_REQUESTS = 1
DEFAULT_PROBE = {"initialDelay": 10.0, "period": 10.0, "timeout": 2.0, "failureThreshold": 30}


@dataclass(frozen=True)
class EndpointPut:
    """One PUT of an online endpoint: by its own resource, or by an ARM template inside another resource."""

    source: RegisteredResource
    body: Mapping[str, Any]
    """ARM body: ``properties`` (``authMode``, ``traffic``, ``mirrorTraffic``...), ``tags``, ``identity``..."""

    @property
    def properties(self) -> Mapping[str, Any]:
        value = self.body.get("properties")
        return value if isinstance(value, Mapping) else {}

    @property
    def traffic(self) -> dict[str, int]:
        return traffic_of(self.body)[0]

    @property
    def mirror_traffic(self) -> dict[str, int]:
        return traffic_of(self.body)[1]


def traffic_of(body: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(live traffic, mirrored traffic) an endpoint PUT body sets; empty where the body leaves them out."""
    properties = body.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    return _int_map(properties.get("traffic")), _int_map(properties.get("mirrorTraffic"))


def autoscale_bounds_of(setting_inputs: Mapping[str, Any]) -> tuple[int, int] | None:
    """(lowest minimum, highest maximum) over an autoscale setting's profiles."""
    lows, highs = [], []
    for profile in setting_inputs.get("profiles") or []:
        capacity = profile.get("capacity") if isinstance(profile, Mapping) else None
        if isinstance(capacity, Mapping):
            lows.append(_int(capacity.get("minimum")))
            highs.append(_int(capacity.get("maximum")))
    return (min(lows), max(highs)) if highs else None


def capacity_of(inputs: Mapping[str, Any]) -> int | None:
    """``sku.capacity`` in a deployment's inputs (or PUT body)."""
    sku = inputs.get("sku")
    value = sku.get("capacity") if isinstance(sku, Mapping) else None
    return int(value) if isinstance(value, (int, float)) else None


class PlanGraph:
    """Queries over one plan's resources."""

    def __init__(self, plan: PlanResult) -> None:
        self.plan = plan
        self.resources = plan.resources
        self._by_urn = {r.urn: r for r in plan.resources}

    # -- lookups -----------------------------------------------------------------------------------------
    def of_type(self, token: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == token]

    def by_urn(self, urn: str) -> RegisteredResource | None:
        return self._by_urn.get(urn)

    @staticmethod
    def arm_id(resource: RegisteredResource) -> str:
        """The resource's ARM id, as the offline engine's mocks (and Azure) build it from its inputs."""
        return arm_id(resource.type, resource.name, resource.inputs)

    def depends_on(self, resource: RegisteredResource, target: RegisteredResource) -> bool:
        """True if ``resource`` waits for ``target`` (directly or through other resources)."""
        seen: set[str] = set()
        stack = list(self.direct_dependencies(resource))
        while stack:
            urn = stack.pop()
            if urn == target.urn:
                return True
            if urn in seen:
                continue
            seen.add(urn)
            found = self._by_urn.get(urn)
            if found is not None:
                stack.extend(self.direct_dependencies(found))
        return False

    @staticmethod
    def direct_dependencies(resource: RegisteredResource) -> set[str]:
        urns = set(resource.dependencies)
        for deps in property_dependencies(resource).values():
            urns.update(deps)
        return urns

    def input_comes_from(self, resource: RegisteredResource, key: str, token_prefix: str) -> bool:
        """Whether input ``key`` was computed from a resource whose type starts with ``token_prefix``.

        Property dependencies say it exactly; without them (an old engine) any direct dependency counts.
        """
        by_input = property_dependencies(resource)
        urns = by_input.get(key)
        if urns is None and not by_input:
            urns = resource.dependencies
        sources = (self._by_urn.get(urn) for urn in urns or ())
        return any(source is not None and source.type.startswith(token_prefix) for source in sources)

    # -- Azure ML relationships -------------------------------------------------------------------------
    def workspace_of(self, resource: RegisteredResource) -> RegisteredResource | None:
        """The planned workspace a workspace child (endpoint, deployment, asset) lives in, if planned."""
        name = resource.inputs.get("workspaceName")
        group = resource.inputs.get("resourceGroupName")
        for ws in self.of_type(WORKSPACE):
            if _same(ws.inputs.get("workspaceName"), name) and _same(ws.inputs.get("resourceGroupName"), group):
                return ws
        return None

    def endpoint_of(self, deployment: RegisteredResource) -> RegisteredResource | None:
        for endpoint in self.of_type(ENDPOINT):
            if _same_scope(endpoint, deployment) and _same(
                endpoint.inputs.get("endpointName"), deployment.inputs.get("endpointName")
            ):
                return endpoint
        return None

    def deployments_of(self, endpoint: RegisteredResource) -> list[RegisteredResource]:
        return [d for d in self.of_type(DEPLOYMENT) if self.endpoint_of(d) is endpoint]

    def autoscale_of(self, deployment: RegisteredResource) -> RegisteredResource | None:
        target = self.arm_id(deployment).lower()
        for setting in self.of_type(AUTOSCALE):
            uri = setting.inputs.get("targetResourceUri")
            if isinstance(uri, str) and uri.lower().rstrip("/") == target:
                return setting
        return None

    def deployment_name(self, deployment: RegisteredResource) -> str:
        return str(deployment.inputs.get("deploymentName", deployment.name))

    def endpoint_puts(self, endpoint: RegisteredResource) -> list[EndpointPut]:
        """The endpoint's own PUT first, then every ARM template resource that PUTs the same endpoint."""
        puts = [EndpointPut(endpoint, endpoint.inputs)]
        wanted = f"{endpoint.inputs.get('workspaceName')}/{endpoint.inputs.get('endpointName')}".lower()
        for source, resource in self.template_resources():
            if str(resource.get("type", "")).lower() == ENDPOINT_ARM_TYPE and (
                str(resource.get("name", "")).lower() == wanted
                and _same(source.inputs.get("resourceGroupName"), endpoint.inputs.get("resourceGroupName"))
            ):
                puts.append(EndpointPut(source, resource))
        return puts

    def template_resources(self) -> Iterator[tuple[RegisteredResource, Mapping[str, Any]]]:
        """(ARM deployment, resource) for every resource inside an inline ARM template."""
        for source in self.of_type(ARM_DEPLOYMENT):
            properties = source.inputs.get("properties")
            template = properties.get("template") if isinstance(properties, Mapping) else None
            resources = template.get("resources") if isinstance(template, Mapping) else None
            for resource in resources or []:
                if isinstance(resource, Mapping):
                    yield source, resource

    def live_put(self, endpoint: RegisteredResource) -> EndpointPut:
        """The PUT that decides the endpoint's state after ``pulumi up``: the last one (templates run after)."""
        return self.endpoint_puts(endpoint)[-1]

    def scoring_host(self, endpoint: RegisteredResource) -> str:
        """``<endpoint>.<region>.inference.ml.azure.com`` (Azure ML docs, endpoint limits: one name per region)."""
        return f"{endpoint.inputs.get('endpointName')}.{endpoint.inputs.get('location')}.inference.ml.azure.com"

    # -- instance counts ---------------------------------------------------------------------------------
    @staticmethod
    def capacity(deployment: RegisteredResource) -> int | None:
        """``sku.capacity`` the deployment's PUT sends."""
        return capacity_of(deployment.inputs)

    def autoscale_bounds(self, deployment: RegisteredResource) -> tuple[int, int] | None:
        """(lowest minimum, highest maximum) over the deployment's autoscale profiles, if it has autoscale."""
        setting = self.autoscale_of(deployment)
        if setting is None or setting.inputs.get("enabled") is False:
            return None
        return autoscale_bounds_of(setting.inputs)

    def peak_instances(self, deployment: RegisteredResource) -> int:
        """Most instances the deployment may run: its autoscale maximum, else its capacity."""
        bounds = self.autoscale_bounds(deployment)
        if bounds is not None:
            return bounds[1]
        return self.capacity(deployment) or 1

    @cached_property
    def endpoints(self) -> list[RegisteredResource]:
        return self.of_type(ENDPOINT)


def property_dependencies(resource: RegisteredResource) -> dict[str, tuple[str, ...]]:
    """The URNs each input's value comes from (empty inputs left out)."""
    return {key: tuple(urns) for key, urns in dict(resource.property_dependencies).items() if urns}


def deployment_properties(deployment: RegisteredResource) -> Mapping[str, Any]:
    value = deployment.inputs.get("properties")
    return value if isinstance(value, Mapping) else {}


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _same_scope(a: RegisteredResource, b: RegisteredResource) -> bool:
    return _same(a.inputs.get("workspaceName"), b.inputs.get("workspaceName")) and _same(
        a.inputs.get("resourceGroupName"), b.inputs.get("resourceGroupName")
    )


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _int_map(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): _int(v) for k, v in value.items()}


def seconds(value: Any, default: float) -> float:
    """An ISO-8601 duration (``PT1M30S``) or a number of seconds, as seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.upper().startswith("PT"):
        return default
    total, number = 0.0, ""
    for char in value.upper()[2:]:
        if char.isdigit() or char == ".":
            number += char
            continue
        factor = {"H": 3600.0, "M": 60.0, "S": 1.0}.get(char)
        if factor is None or not number:
            return default
        total += float(number) * factor
        number = ""
    return total
