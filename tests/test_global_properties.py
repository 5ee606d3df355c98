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


waf_strategy = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.booleans(),
        "managed_rules": st.booleans(),
        "bot_protection": st.booleans(),
        "rate_limit": st.fixed_dictionaries(
            {}, optional={"requests": st.integers(min_value=-2, max_value=5000), "window_minutes": st.integers(0, 6)}
        ),
    },
)


def waf_oracle(sku: str | None, waf: dict[str, Any] | None) -> tuple[set[str], bool]:
    """(problem paths, whether a WAF policy exists), from the tier comparison and the rate-limit page alone."""
    premium = sku in (None, "Premium_AzureFrontDoor")
    raw = waf or {}
    if not raw.get("enabled", premium or waf is not None):
        return set(), False
    bad: set[str] = set()
    managed = raw.get("managed_rules", premium)
    bots = raw.get("bot_protection", premium)
    if managed and not premium:
        bad.add("load_balancer.waf.managed_rules")
    if bots and not premium:
        bad.add("load_balancer.waf.bot_protection")
    limit = raw.get("rate_limit")
    if limit is not None:
        if "requests" not in limit or limit["requests"] < 1:
            bad.add("load_balancer.waf.rate_limit.requests")
        if limit.get("window_minutes", 1) not in (1, 5):
            bad.add("load_balancer.waf.rate_limit.window_minutes")
    if not (managed or bots or limit is not None):
        bad.add("load_balancer.waf")
    return bad, True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sku=st.sampled_from([None, "Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]),
    waf=st.one_of(st.none(), waf_strategy),
)
def test_waf_args_accepted_exactly_as_the_tiers_allow(sku: str | None, waf: dict[str, Any] | None) -> None:
    load_balancer: dict[str, Any] = {"kind": "front_door"}
    if sku is not None:
        load_balancer["sku"] = sku
    if waf is not None:
        load_balancer["waf"] = waf
    args = {
        "resource_group_name": "rg",
        "regions": [{"location": "westeurope", "cluster": CLUSTER}],
        "load_balancer": load_balancer,
    }
    expected, exists = waf_oracle(sku, waf)
    try:
        spec = build_global_spec("svc", args)
    except InferenceClusterArgsError as error:
        assert expected, f"rejected valid WAF args: {[str(p) for p in error.problems]}"
        assert {p.path for p in error.problems} == expected
        return
    assert not expected, f"accepted invalid WAF args: {expected}"
    built = spec.load_balancer.waf  # type: ignore[union-attr]
    assert (built is not None) == exists
    if built is not None and waf and waf.get("rate_limit"):
        assert built.rate_limit is not None and built.rate_limit.requests == waf["rate_limit"]["requests"]
