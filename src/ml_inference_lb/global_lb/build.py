"""``build_global_spec``: the one place global args are validated and normalised into a :class:`GlobalSpec`.

Each region's cluster args are validated by the cluster's own :func:`~ml_inference_lb.build_spec`;
its problems come back with their paths prefixed ``regions[i].cluster.``, so one error lists every
problem of the service and of all its regions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..errors import InferenceClusterArgsError
from ..spec import ClusterSpec, NewWorkspaceSpec, build_spec
from ..spec.build import read_tags
from ..spec.problems import Problems, join
from . import rules
from .build_lb import distinct_priorities, front_door_spec, traffic_manager_spec
from .model import FrontDoorSpec, GlobalSpec, RegionSpec, TrafficManagerSpec

COMPONENT = "GlobalInferenceService"
SERVICE_FIELDS = ("resource_group_name", "regions", "load_balancer", "tags")
REGION_FIELDS = ("location", "cluster", "priority", "weight")
LB_FIELDS = (
    "kind",
    "sku",
    "routing",
    "probe",
    "waf",
    "profile_name",
    "endpoint_name",
    "dns_name",
    "dns_ttl_seconds",
    "diagnostics",
)


def build_global_spec(name: str, args: Mapping[str, Any], base_dir: str | None = None) -> GlobalSpec:
    """Validate ``args`` and return the normalised spec, or raise
    :class:`~ml_inference_lb.InferenceClusterArgsError` listing every problem (service and regions)."""
    problems = Problems()
    args = problems.mapping("args", args)
    problems.unknown_keys("", args, SERVICE_FIELDS)
    if not isinstance(name, str) or not name:
        problems.add("name", "the component needs a non-empty logical name")
        name = "service"
    if args.get("resource_group_name") is None:
        problems.add("resource_group_name", "required: the name of an existing resource group")
    tags = read_tags(problems, args.get("tags"))

    lb = problems.mapping("load_balancer", args.get("load_balancer"))
    problems.unknown_keys("load_balancer", lb, LB_FIELDS)
    kind = problems.choice("load_balancer.kind", lb.get("kind"), ("front_door", "traffic_manager"), "front_door")

    placed = _regions(problems, name, args, tags, kind, base_dir)
    regions = [region for _, region in placed]
    load_balancer: FrontDoorSpec | TrafficManagerSpec
    if kind == "front_door":
        load_balancer = front_door_spec(problems, name, lb, placed)
    else:
        load_balancer = traffic_manager_spec(problems, name, lb, placed)

    problems.raise_if_any(COMPONENT)
    return GlobalSpec(
        name=name,
        resource_group_name=args["resource_group_name"],
        regions=tuple(regions),
        load_balancer=load_balancer,
        tags=tags,
    )


# --- regions


def normalise_location(value: str) -> str:
    """``"West Europe"`` → ``"westeurope"``: the form Azure uses in ARM and in scoring host names."""
    return re.sub(r"[\s_-]+", "", value).lower()


def _regions(
    problems: Problems,
    name: str,
    args: Mapping[str, Any],
    tags: Mapping[str, str],
    kind: str,
    base_dir: str | None,
) -> list[tuple[int, RegionSpec]]:
    raw_regions = args.get("regions")
    if raw_regions is None or (isinstance(raw_regions, (list, tuple)) and not raw_regions):
        problems.add("regions", "required: at least one region, e.g. [{'location': 'westeurope', 'cluster': {...}}]")
    seen: dict[str, int] = {}
    placed: list[tuple[int, RegionSpec]] = []

    def read(path: str, raw_value: Any) -> None:
        position = int(path[path.rfind("[") + 1 : -1])
        region = _region(problems, path, position, raw_value, name, args, tags, kind, seen, base_dir)
        if region is not None:
            placed.append((position, region))

    problems.each("regions", raw_regions, read)
    _distinct_workspaces(problems, placed)
    if kind == "traffic_manager":
        distinct_priorities(problems, placed, "Traffic Manager needs a different priority for every endpoint")
    return placed


def _distinct_workspaces(problems: Problems, placed: list[tuple[int, RegionSpec]]) -> None:
    """Each region needs its own workspace (Azure ML: an online endpoint lives in its workspace's region).
    Generated names differ by construction; explicit ``workspace.name`` values in one resource group must too."""
    seen: dict[tuple[str, str], int] = {}
    for position, region in placed:
        ws = region.cluster.workspace
        group = region.cluster.resource_group_name
        if not isinstance(ws, NewWorkspaceSpec) or ws.name is None or not isinstance(group, str):
            continue
        key = (group.lower(), ws.name.lower())
        if key in seen:
            problems.add(
                f"regions[{position}].cluster.workspace.name",
                f"{ws.name!r} is also regions[{seen[key]}]'s workspace in resource group {group!r}: each region "
                "needs its own workspace; leave workspace.name out to get a generated, unique one",
            )
        else:
            seen[key] = position


def _region(
    problems: Problems,
    path: str,
    position: int,
    raw_value: Any,
    service: str,
    args: Mapping[str, Any],
    tags: Mapping[str, str],
    kind: str,
    seen: dict[str, int],
    base_dir: str | None,
) -> RegionSpec | None:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, REGION_FIELDS)

    location_raw = problems.string(join(path, "location"), raw.get("location"))
    location = normalise_location(location_raw) if location_raw is not None else ""
    if location_raw is None:
        problems.add(join(path, "location"), "required: an Azure region name such as 'westeurope'")
    elif not rules.LOCATION_RE.match(location):
        problems.add(
            join(path, "location"),
            f"{location_raw!r} is not an Azure region name: letters and digits such as 'westeurope' or 'eastus2'",
        )
    elif location in seen:
        problems.add(
            join(path, "location"),
            f"{location_raw!r} is already regions[{seen[location]}]: each region once "
            "(one endpoint per region serves the whole service there)",
        )
    else:
        seen[location] = position

    if kind == "front_door":
        priority = problems.integer(join(path, "priority"), raw.get("priority"), 1, 1, rules.FD_MAX_PRIORITY)
        weight = problems.integer(join(path, "weight"), raw.get("weight"), rules.FD_DEFAULT_WEIGHT, 1, rules.MAX_WEIGHT)
    else:
        priority = problems.integer(join(path, "priority"), raw.get("priority"), position + 1, 1, rules.TM_MAX_PRIORITY)
        weight = problems.integer(join(path, "weight"), raw.get("weight"), rules.TM_DEFAULT_WEIGHT, 1, rules.MAX_WEIGHT)

    cluster_path = join(path, "cluster")
    if raw.get("cluster") is None:
        problems.add(cluster_path, "required: the region's InferenceClusterArgs (without location)")
        return None
    cluster_raw = problems.mapping(cluster_path, raw.get("cluster"))
    if not isinstance(raw.get("cluster"), Mapping):
        return None
    if "location" in cluster_raw:
        problems.add(
            join(cluster_path, "location"),
            f"set by {join(path, 'location')}: remove it from the cluster args",
        )
    cluster_tags = cluster_raw.get("tags")
    merged: dict[str, Any] = {
        **{k: v for k, v in cluster_raw.items() if k != "location"},
        "resource_group_name": cluster_raw.get("resource_group_name", args.get("resource_group_name")),
        "location": location or "region",
        "tags": {**tags, **(cluster_tags if isinstance(cluster_tags, Mapping) else {})},
    }
    if "tags" in cluster_raw and not isinstance(cluster_tags, Mapping):
        merged["tags"] = cluster_tags  # let the cluster report it with its path
    cluster_name = f"{service}-{location or f'region{position}'}"
    spec = _cluster_spec(problems, cluster_path, cluster_name, merged, base_dir)
    if spec is not None and spec.endpoint.public_network_access == "Disabled":
        private = spec.network.private and (cluster_raw.get("endpoint") or {}).get("public_network_access") is None
        problems.add(
            join(cluster_path, "network_isolation" if private else "endpoint.public_network_access"),
            ("'private' disables the endpoint's public access, which " if private else "'disabled' ")
            + "makes the endpoint reachable only through the workspace's private endpoint, and "
            f"{'Front Door' if kind == 'front_door' else 'Traffic Manager'} reaches each region on its public "
            "host name (docs/global-load-balancing.md): "
            + ("use network_isolation 'managed'" if private else "set it to 'enabled'")
            + ", or serve this region without the global load balancer",
        )
    if spec is None or not location or not rules.LOCATION_RE.match(location):
        return None
    return RegionSpec(
        location=location,
        priority=priority,
        weight=weight,
        cluster_name=cluster_name,
        cluster_args=MappingProxyType(merged),
        cluster=spec,
    )


def _cluster_spec(
    problems: Problems, path: str, name: str, args: Mapping[str, Any], base_dir: str | None
) -> ClusterSpec | None:
    try:
        return build_spec(name, args, base_dir)
    except InferenceClusterArgsError as error:
        for problem in error.problems:
            problems.add(join(path, problem.path) if problem.path else path, problem.message)
        return None
