"""Property: over generated region sets, build_global_spec accepts exactly the sets Azure would accept.

An independent oracle states the rules (unique regions ignoring case and spaces, weights 1-1000,
Front Door priorities 1-5, Traffic Manager priorities 1-1000 and unique); the spec must raise
if and only if the oracle finds a problem, name only region paths, and keep every accepted value.
"""

from __future__ import annotations

from typing import Any

from conftest import tiny_deployment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError
from ml_inference_lb.global_lb import build_global_spec

LOCATIONS = ["westeurope", "West Europe", "WESTEUROPE", "northeurope", "North Europe", "eastus", "eastus2", "japaneast"]
CLUSTER = {"endpoint": {"auth_mode": "aad_token"}, "deployments": [tiny_deployment("blue", traffic_percent=100)]}

region_strategy = st.fixed_dictionaries(
    {"location": st.sampled_from(LOCATIONS)},
    optional={
        "priority": st.integers(min_value=-1, max_value=1002),
        "weight": st.integers(min_value=-1, max_value=1002),
    },
)


def oracle(kind: str, regions: list[dict[str, Any]]) -> set[str]:
    """Paths of the problems Azure's rules predict, written without the library's code."""
    bad: set[str] = set()
    if not regions:
        return {"regions"}
    seen: set[str] = set()
    priorities: set[int] = set()
    top = 5 if kind == "front_door" else 1000
    for i, region in enumerate(regions):
        key = region["location"].replace(" ", "").lower()
        if key in seen:
            bad.add(f"regions[{i}].location")
        seen.add(key)
        weight = region.get("weight", 50)
        if not 1 <= weight <= 1000:
            bad.add(f"regions[{i}].weight")
        priority = region.get("priority", 1 if kind == "front_door" else i + 1)
        if not 1 <= priority <= top:
            bad.add(f"regions[{i}].priority")
        elif kind == "traffic_manager":
            if priority in priorities:
                bad.add(f"regions[{i}].priority")
            priorities.add(priority)
    return bad


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["front_door", "traffic_manager"]),
    regions=st.lists(region_strategy, min_size=0, max_size=5),
)
def test_spec_accepts_exactly_what_the_rules_allow(kind: str, regions: list[dict[str, Any]]) -> None:
    args = {
        "resource_group_name": "rg",
        "regions": [{**r, "cluster": CLUSTER} for r in regions],
        "load_balancer": {"kind": kind},
    }
    expected = oracle(kind, regions)
    try:
        spec = build_global_spec("svc", args)
    except InferenceClusterArgsError as error:
        found = {p.path for p in error.problems}
        assert expected, f"rejected a valid set: {found}"
        assert found == expected
        return
    assert not expected, f"accepted an invalid set: {expected}"
    assert [r.location for r in spec.regions] == [r["location"].replace(" ", "").lower() for r in regions]
    for given_region, built in zip(regions, spec.regions, strict=True):
        if "weight" in given_region:
            assert built.weight == given_region["weight"]
        if "priority" in given_region:
            assert built.priority == given_region["priority"]
        assert built.cluster.location == built.location
