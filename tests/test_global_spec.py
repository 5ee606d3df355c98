"""GlobalInferenceService args → GlobalSpec: defaults, normalisation and every validation rule."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import tiny_deployment

from ml_inference_lb import InferenceClusterArgsError
from ml_inference_lb.global_lb import FrontDoorSpec, GlobalSpec, StatusRange, TrafficManagerSpec, build_global_spec
from ml_inference_lb.global_lb.model import RateLimitSpec


def cluster(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "endpoint": {"auth_mode": "aad_token"},
        "deployments": [tiny_deployment("blue", traffic_percent=100)],
    }
    args.update(overrides)
    return args


def region(location: str, **overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"location": location, "cluster": cluster()}
    value.update(overrides)
    return value


def service(*regions: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "resource_group_name": "rg-global",
        "regions": list(regions) or [region("westeurope"), region("northeurope")],
    }
    args.update(overrides)
    return args


def problems_of(args: dict[str, Any], name: str = "svc") -> dict[str, str]:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_global_spec(name, args)
    return {p.path: p.message for p in caught.value.problems}


def front_door(spec: GlobalSpec) -> FrontDoorSpec:
    assert isinstance(spec.load_balancer, FrontDoorSpec)
    return spec.load_balancer


def traffic_manager(spec: GlobalSpec) -> TrafficManagerSpec:
    assert isinstance(spec.load_balancer, TrafficManagerSpec)
    return spec.load_balancer


# --- defaults and normalisation


def test_defaults_are_front_door_premium_with_waf_latency_active_active() -> None:
    spec = build_global_spec("svc", service())
    fd = front_door(spec)
    assert (fd.sku, fd.routing, fd.profile_name, fd.endpoint_name) == (
        "Premium_AzureFrontDoor",
        "latency",
        "svc-afd",
        "svc",
    )
    assert (fd.probe_path, fd.probe_interval_s, fd.probe_request_type) == ("/", 100, "GET")
    assert (fd.sample_size, fd.successful_samples_required, fd.additional_latency_ms) == (4, 3, 50)
    assert fd.waf is not None
    assert (fd.waf.mode, fd.waf.managed_rules, fd.waf.bot_protection, fd.waf.rate_limit) == (
        "Prevention",
        True,
        True,
        None,
    )
    assert (fd.diagnostics.enabled, fd.diagnostics.log_analytics_workspace_id, fd.diagnostics.from_region) == (
        True,
        None,
        "westeurope",
    )
    assert [(r.location, r.priority, r.weight, r.cluster_name) for r in spec.regions] == [
        ("westeurope", 1, 50, "svc-westeurope"),
        ("northeurope", 1, 50, "svc-northeurope"),
    ]


def test_location_is_normalised_and_passed_to_the_cluster_with_group_and_tags() -> None:
    args = service(
        region("West Europe", cluster=cluster(tags={"team": "a"})),
        region("northeurope", cluster=cluster(resource_group_name="rg-north")),
        tags={"app": "iris", "team": "global"},
    )
    spec = build_global_spec("svc", args)
    west, north = spec.regions
    assert west.location == "westeurope" and west.cluster_name == "svc-westeurope"
    assert west.cluster.location == "westeurope"
    assert west.cluster.resource_group_name == "rg-global"
    assert dict(west.cluster.tags) == {"app": "iris", "team": "a"}
    assert north.cluster.resource_group_name == "rg-north"
    assert dict(north.cluster.tags) == {"app": "iris", "team": "global"}


def test_traffic_manager_defaults_rank_regions_in_order() -> None:
    spec = build_global_spec("svc", service(load_balancer={"kind": "traffic_manager"}))
    tm = traffic_manager(spec)
    assert tm.routing == "Priority"
    assert [(r.priority, r.weight) for r in spec.regions] == [(1, 1), (2, 1)]
    assert (tm.probe_interval_s, tm.probe_timeout_s, tm.tolerated_failures) == (30, 10, 3)
    assert tm.expected_status == (StatusRange(200, 299), StatusRange(401, 401))
    assert (tm.profile_name, tm.dns_name, tm.dns_name_prefix, tm.dns_ttl_s) == ("svc-tm", None, "svc", 30)


def test_traffic_manager_fast_interval_defaults_the_timeout_below_it() -> None:
    lb = {"kind": "traffic_manager", "probe": {"interval_seconds": 10}}
    assert traffic_manager(build_global_spec("svc", service(load_balancer=lb))).probe_timeout_s == 9


def test_weighted_front_door_widens_latency_sensitivity_so_weights_decide() -> None:
    fd = front_door(build_global_spec("svc", service(load_balancer={"routing": "weighted"})))
    assert fd.additional_latency_ms == 1000


def test_origin_timeout_covers_the_longest_deployment_timeout() -> None:
    assert front_door(build_global_spec("svc", service())).origin_response_timeout_s == 16
    slow = region("eastus", cluster=cluster(request_settings={"request_timeout_ms": 90_500}))
    spec = build_global_spec("svc", service(region("westeurope"), slow))
    assert front_door(spec).origin_response_timeout_s == 91


# --- regions


def test_regions_are_required() -> None:
    assert "regions" in problems_of(service(regions=[]))
    assert "regions" in problems_of({"resource_group_name": "rg"})


def test_resource_group_is_required() -> None:
    args = service()
    del args["resource_group_name"]
    found = problems_of(args)
    assert "resource_group_name" in found


def test_duplicate_regions_are_rejected_whatever_their_case_or_spaces() -> None:
    found = problems_of(service(region("westeurope"), region("West Europe")))
    assert "already regions[0]" in found["regions[1].location"]


def test_location_must_look_like_an_azure_region() -> None:
    found = problems_of(service(region("west/europe"), region("northeurope")))
    assert "not an Azure region name" in found["regions[0].location"]
    assert "required" in problems_of(service({"cluster": cluster()}))["regions[0].location"]


@pytest.mark.parametrize("weight", [0, 1001, "10"])
def test_weights_are_1_to_1000(weight: Any) -> None:
    assert "regions[1].weight" in problems_of(service(region("westeurope"), region("eastus", weight=weight)))


def test_front_door_priorities_are_1_to_5() -> None:
    assert "from 1 to 5" in problems_of(service(region("westeurope", priority=6)))["regions[0].priority"]
    build_global_spec("svc", service(region("westeurope", priority=5)))


def test_traffic_manager_priorities_are_1_to_1000_and_unique() -> None:
    lb = {"kind": "traffic_manager"}
    too_high = problems_of(service(region("westeurope", priority=1001), load_balancer=lb))
    assert "from 1 to 1000" in too_high["regions[0].priority"]
    twice = problems_of(service(region("westeurope", priority=7), region("eastus", priority=7), load_balancer=lb))
    assert "westeurope" in twice["regions[1].priority"]
    spec = build_global_spec("svc", service(region("westeurope", priority=1000), load_balancer=lb))
    assert spec.regions[0].priority == 1000


def test_front_door_priority_routing_needs_distinct_priorities_but_latency_does_not() -> None:
    same = service(region("westeurope", priority=1), region("eastus", priority=1))
    build_global_spec("svc", same)
    found = problems_of({**same, "load_balancer": {"routing": "priority"}})
    assert "failover chain" in found["regions[1].priority"]


def test_region_cluster_problems_come_back_with_the_region_path() -> None:
    bad = region("eastus", cluster=cluster(deployments=[tiny_deployment("9bad", traffic_percent=100)]))
    found = problems_of(service(region("westeurope"), bad))
    assert "regions[1].cluster.deployments[0].name" in found


def test_location_in_cluster_args_is_rejected() -> None:
    found = problems_of(service(region("westeurope", cluster=cluster(location="eastus"))))
    assert "regions[0].location" in found["regions[0].cluster.location"]


def test_every_problem_is_listed_at_once_under_the_component_name() -> None:
    args = service(
        region("westeurope", weight=0),
        region("westeurope", priority=9),
        load_balancer={"probe": {"interval_seconds": 0}},
        colour="blue",
    )
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_global_spec("svc", args)
    paths = {p.path for p in caught.value.problems}
    assert {
        "regions[0].weight",
        "regions[1].location",
        "regions[1].priority",
        "load_balancer.probe.interval_seconds",
        "colour",
    } <= paths
    assert str(caught.value).startswith("invalid GlobalInferenceService args")


def test_unknown_fields_are_named_at_every_level() -> None:
    args = service(region("westeurope", colour="red"), load_balancer={"probe": {"colour": 1}, "colour": 2})
    found = problems_of(args)
    assert {"regions[0].colour", "load_balancer.colour", "load_balancer.probe.colour"} <= set(found)


# --- load balancer choices


def test_routing_names_of_the_other_load_balancer_are_translated_in_the_message() -> None:
    assert "'latency'" in problems_of(service(load_balancer={"routing": "performance"}))["load_balancer.routing"]
    lb = {"kind": "traffic_manager", "routing": "latency"}
    assert "'performance'" in problems_of(service(load_balancer=lb))["load_balancer.routing"]


def test_fields_of_the_other_load_balancer_are_rejected() -> None:
    found = problems_of(service(load_balancer={"dns_name": "x", "probe": {"timeout_seconds": 5}}))
    assert "traffic_manager" in found["load_balancer.dns_name"]
    assert "traffic_manager" in found["load_balancer.probe.timeout_seconds"]
    lb = {"kind": "traffic_manager", "sku": "Premium_AzureFrontDoor", "probe": {"sample_size": 4}}
    found = problems_of(service(load_balancer=lb))
    assert "front_door" in found["load_balancer.sku"]
    assert "front_door" in found["load_balancer.probe.sample_size"]


@pytest.mark.parametrize("interval", [0, 256])
def test_front_door_probe_interval_is_1_to_255(interval: int) -> None:
    found = problems_of(service(load_balancer={"probe": {"interval_seconds": interval}}))
    assert "from 1 to 255" in found["load_balancer.probe.interval_seconds"]


def test_front_door_samples_must_be_achievable() -> None:
    probe = {"sample_size": 2, "successful_samples_required": 3}
    found = problems_of(service(load_balancer={"probe": probe}))
    assert "could ever be healthy" in found["load_balancer.probe.successful_samples_required"]


def test_probe_path_must_be_absolute() -> None:
    assert "load_balancer.probe.path" in problems_of(service(load_balancer={"probe": {"path": "score"}}))


@pytest.mark.parametrize("interval", [5, 20, 60])
def test_traffic_manager_interval_is_10_or_30(interval: int) -> None:
    lb = {"kind": "traffic_manager", "probe": {"interval_seconds": interval}}
    assert (
        "30 s (normal) or 10 s (fast)" in problems_of(service(load_balancer=lb))["load_balancer.probe.interval_seconds"]
    )


@pytest.mark.parametrize(
    ("interval", "timeout", "ok"), [(10, 10, False), (10, 9, True), (30, 10, True), (30, 4, False), (30, 11, False)]
)
def test_traffic_manager_timeout_is_5_to_10_and_below_the_interval(interval: int, timeout: int, ok: bool) -> None:
    lb = {"kind": "traffic_manager", "probe": {"interval_seconds": interval, "timeout_seconds": timeout}}
    if ok:
        assert traffic_manager(build_global_spec("svc", service(load_balancer=lb))).probe_timeout_s == timeout
    else:
        assert "load_balancer.probe.timeout_seconds" in problems_of(service(load_balancer=lb))


@pytest.mark.parametrize(("failures", "ok"), [(0, True), (9, True), (10, False), (-1, False)])
def test_traffic_manager_tolerated_failures_are_0_to_9(failures: int, ok: bool) -> None:
    lb = {"kind": "traffic_manager", "probe": {"tolerated_failures": failures}}
    if ok:
        assert traffic_manager(build_global_spec("svc", service(load_balancer=lb))).tolerated_failures == failures
    else:
        assert "load_balancer.probe.tolerated_failures" in problems_of(service(load_balancer=lb))


def test_expected_status_codes_parse_and_are_bounded() -> None:
    lb: dict[str, Any] = {"kind": "traffic_manager", "probe": {"expected_status_codes": ["200-202", 401, " 403 "]}}
    tm = traffic_manager(build_global_spec("svc", service(load_balancer=lb)))
    assert tm.expected_status == (StatusRange(200, 202), StatusRange(401, 401), StatusRange(403, 403))
    lb["probe"] = {"expected_status_codes": ["299-200", "abc"]}
    found = problems_of(service(load_balancer=lb))
    assert {"load_balancer.probe.expected_status_codes[0]", "load_balancer.probe.expected_status_codes[1]"} <= set(
        found
    )
    lb["probe"] = {"expected_status_codes": [str(c) for c in range(200, 209)]}
    assert "allows 8" in problems_of(service(load_balancer=lb))["load_balancer.probe.expected_status_codes"]


def test_probe_headers_leave_room_for_host_and_never_override_it() -> None:
    lb: dict[str, Any] = {"kind": "traffic_manager", "probe": {"custom_headers": {"X-Probe": "global"}}}
    assert traffic_manager(build_global_spec("svc", service(load_balancer=lb))).custom_headers == (
        ("X-Probe", "global"),
    )
    lb["probe"] = {"custom_headers": {"Host": "example.com"}}
    assert "set for you" in problems_of(service(load_balancer=lb))["load_balancer.probe.custom_headers.Host"]
    lb["probe"] = {"custom_headers": {f"X-{i}": "v" for i in range(8)}}
    assert "allows 8" in problems_of(service(load_balancer=lb))["load_balancer.probe.custom_headers"]


STANDARD = "Standard_AzureFrontDoor"


def test_managed_rules_and_bot_protection_need_premium() -> None:
    found = problems_of(
        service(load_balancer={"sku": STANDARD, "waf": {"managed_rules": True, "bot_protection": True}})
    )
    assert "Premium_AzureFrontDoor" in found["load_balancer.waf.managed_rules"]
    assert "Premium_AzureFrontDoor" in found["load_balancer.waf.bot_protection"]
    assert "hold no rule" in problems_of(service(load_balancer={"sku": STANDARD, "waf": {}}))["load_balancer.waf"]
    assert front_door(build_global_spec("svc", service(load_balancer={"sku": STANDARD}))).waf is None
    lb = {"sku": "Premium_AzureFrontDoor", "waf": {"mode": "detection", "bot_protection": False}}
    waf = front_door(build_global_spec("my-svc", service(load_balancer=lb))).waf
    assert waf is not None
    assert (waf.policy_name, waf.mode, waf.rule_set_version, waf.bot_protection) == (
        "mysvcwaf",
        "Detection",
        "2.1",
        False,
    )


def test_waf_policy_name_rules() -> None:
    lb: dict[str, Any] = {"sku": "Premium_AzureFrontDoor", "waf": {"policy_name": "1-waf"}}
    assert "start with a letter" in problems_of(service(load_balancer=lb))["load_balancer.waf.policy_name"]
    found = problems_of(service(load_balancer={"sku": "Premium_AzureFrontDoor", "waf": {}}), name="9svc")
    assert "set load_balancer.waf.policy_name" in found["load_balancer.waf.policy_name"]


def test_standard_waf_with_a_rate_limit_only() -> None:
    lb = {"sku": STANDARD, "waf": {"rate_limit": {"requests": 600, "window_minutes": 5}}}
    waf = front_door(build_global_spec("svc", service(load_balancer=lb))).waf
    assert waf is not None
    assert (waf.managed_rules, waf.bot_protection, waf.rate_limit) == (False, False, RateLimitSpec(600, 5))


def test_waf_can_be_turned_off_and_rate_limit_is_validated() -> None:
    assert front_door(build_global_spec("svc", service(load_balancer={"waf": {"enabled": False}}))).waf is None
    found = problems_of(service(load_balancer={"waf": {"rate_limit": {"window_minutes": 2, "burst": 1}}}))
    assert "required" in found["load_balancer.waf.rate_limit.requests"]
    assert "1 or 5 minutes" in found["load_balancer.waf.rate_limit.window_minutes"]
    assert "unknown field" in found["load_balancer.waf.rate_limit.burst"]
    found = problems_of(service(load_balancer={"waf": {"rate_limit": {"requests": 0}}}))
    assert "load_balancer.waf.rate_limit.requests" in found


def test_diagnostics_destination() -> None:
    given = {"diagnostics": {"log_analytics_workspace_id": "/subscriptions/s/resourceGroups/r/providers/x/y/z"}}
    spec = front_door(build_global_spec("svc", service(load_balancer=given)))
    assert spec.diagnostics.log_analytics_workspace_id.endswith("/z") and spec.diagnostics.from_region is None
    off = front_door(build_global_spec("svc", service(load_balancer={"diagnostics": {"enabled": False}})))
    assert not off.diagnostics.enabled
    tm = traffic_manager(build_global_spec("svc", service(load_balancer={"kind": "traffic_manager"})))
    assert (tm.diagnostics.enabled, tm.diagnostics.from_region) == (True, "westeurope")


def test_diagnostics_need_a_workspace_when_every_region_brings_its_own() -> None:
    def existing(location: str, **overrides: Any) -> dict[str, Any]:
        return region(location, cluster=cluster(existing_workspace={"name": f"ws-{location}"}, **overrides))

    quiet = {"enabled": False}  # an existing workspace and no endpoint logs: no Log Analytics workspace known
    found = problems_of(service(existing("westeurope", diagnostics=quiet), existing("northeurope", diagnostics=quiet)))
    assert "no region has a Log Analytics workspace" in found["load_balancer.diagnostics.log_analytics_workspace_id"]
    logs = {"log_analytics_workspace_id": "/subscriptions/s/la"}
    spec = front_door(
        build_global_spec(
            "svc", service(existing("westeurope", diagnostics=quiet), existing("northeurope", diagnostics=logs))
        )
    )
    assert spec.diagnostics.from_region == "northeurope"


@pytest.mark.parametrize(
    ("field", "value"),
    [("endpoint_name", "bad_name"), ("endpoint_name", "a" * 47), ("profile_name", "-afd"), ("profile_name", "")],
)
def test_front_door_names_keep_azures_rules(field: str, value: str) -> None:
    assert f"load_balancer.{field}" in problems_of(service(load_balancer={field: value}))


def test_front_door_names_fit_46_characters_and_derived_names_are_cleaned() -> None:
    build_global_spec("svc", service(load_balancer={"endpoint_name": "a" * 46}))
    fd = front_door(build_global_spec("my_svc", service()))
    assert (fd.endpoint_name, fd.profile_name) == ("my-svc", "my-svc-afd")


def test_traffic_manager_dns_name_rules() -> None:
    lb = {"kind": "traffic_manager", "dns_name": "iris-global"}
    assert traffic_manager(build_global_spec("svc", service(load_balancer=lb))).dns_name == "iris-global"
    found = problems_of(service(load_balancer={"kind": "traffic_manager", "dns_name": "iris.global"}))
    assert "load_balancer.dns_name" in found
    found = problems_of(service(load_balancer={"kind": "traffic_manager", "dns_ttl_seconds": -1}))
    assert "load_balancer.dns_ttl_seconds" in found


def test_front_door_needs_a_credential_every_region_accepts() -> None:
    keyed = service(region("westeurope", cluster=cluster(endpoint={"auth_mode": "key"})), region("eastus"))
    found = problems_of(keyed)
    assert "aad_token" in found["regions[0].cluster.endpoint.auth_mode"]
    assert "regions[1].cluster.endpoint.auth_mode" not in found
    aml = problems_of(
        service(region("westeurope", cluster=cluster(endpoint={"auth_mode": "aml_token"})), region("eastus"))
    )
    assert "regions[0].cluster.endpoint.auth_mode" in aml
    # One region, or Traffic Manager (clients call the resolved region with its own key): keys are fine.
    build_global_spec("svc", service(region("westeurope", cluster=cluster(endpoint={"auth_mode": "key"}))))
    build_global_spec("svc", {**keyed, "load_balancer": {"kind": "traffic_manager"}})


@pytest.mark.parametrize("kind", ["front_door", "traffic_manager"])
def test_a_region_behind_the_global_load_balancer_must_be_publicly_reachable(kind: str) -> None:
    private = cluster(endpoint={"auth_mode": "aad_token", "public_network_access": "disabled"})
    found = problems_of(service(region("westeurope", cluster=private), region("eastus"), load_balancer={"kind": kind}))
    message = found["regions[0].cluster.endpoint.public_network_access"]
    assert "private endpoint" in message and "'enabled'" in message
    assert "regions[1].cluster.endpoint.public_network_access" not in found
    public = cluster(endpoint={"auth_mode": "aad_token", "public_network_access": "enabled"})
    build_global_spec("svc", service(region("westeurope", cluster=public), load_balancer={"kind": kind}))
