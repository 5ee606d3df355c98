"""Property tests: any valid args give a valid graph; any invalid args give one clear error with a path."""

from __future__ import annotations

import re
from typing import Any

from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_cluster_args

from ml_inference_lb import InferenceClusterArgsError, build_spec


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_cluster_args())
def test_valid_args_build_a_valid_graph(args: dict[str, Any]) -> None:
    spec = build_spec("prop", args)
    result = plan_cluster(args, name="prop")
    component = next(r for r in result.resources if r.type == "ml-inference-lb:index:InferenceCluster")
    assert all(r.parent == component.urn for r in result.resources if r is not component)
    deployments = [r for r in result.resources if r.type.endswith(":OnlineDeployment")]
    assert sorted(d.inputs["deploymentName"] for d in deployments) == sorted(d.azure_name for d in spec.deployments)
    traffic = next(r for r in result.resources if r.type == "azure-native:resources:Deployment")
    assert {d.urn for d in deployments} <= set(traffic.dependencies)
    body = traffic.inputs["properties"]["template"]["resources"][0]["properties"]
    assert sum(body["traffic"].values()) in (0, 100)
    assert sum(body.get("mirrorTraffic", {}).values()) <= 50
    assert not set(body.get("mirrorTraffic", {})) & {k for k, v in body["traffic"].items() if v}
    by_azure_name = {d.azure_name: d for d in spec.deployments}
    for d in deployments:
        capacity = d.inputs["sku"]["capacity"]
        assert 1 <= capacity <= 50
        autoscale = by_azure_name[d.inputs["deploymentName"]].autoscale
        if autoscale is not None:  # never below any count autoscale may have reached
            assert capacity >= autoscale.max_instances
            assert all(capacity >= s.max_instances for s in autoscale.schedules)
            assert "sku.capacity" not in d.ignore_changes
        probe = d.inputs["properties"]["livenessProbe"]
        assert re.fullmatch(r"PT\d+S", probe["period"]) and probe["successThreshold"] == 1


BREAKERS: dict[str, tuple[str, Any]] = {
    "bad deployment name": ("deployments[0].name", lambda a: a["deployments"][0].update(name="-x")),
    "traffic over 100": ("deployments[0].traffic_percent", lambda a: a["deployments"][0].update(traffic_percent=101)),
    "instance count 0": (
        "deployments[0].instance_count",
        lambda a: a["deployments"][0].update(instance_count=0),
    ),
    "request timeout too long": (
        "deployments[0].request_settings.request_timeout_ms",
        lambda a: a["deployments"][0].update(request_settings={"request_timeout_ms": 180_001}),
    ),
    "sku format": ("deployments[0].instance_type", lambda a: a["deployments"][0].update(instance_type="DS3")),
    "auth mode": ("endpoint.auth_mode", lambda a: a.setdefault("endpoint", {}).update(auth_mode="basic")),
    "missing resource group": ("resource_group_name", lambda a: a.pop("resource_group_name")),
    "schedule time zone": (
        "deployments[0].autoscale.schedules[0].time_zone",
        lambda a: a["deployments"][0].update(
            autoscale={
                "max_instances": 3,
                "schedules": [
                    {
                        "name": "s",
                        "days": ["Monday"],
                        "start": "08:00",
                        "end": "09:00",
                        "min_instances": 1,
                        "max_instances": 2,
                        "time_zone": "Central European Time",
                    }
                ],
            }
        ),
    ),
}


@settings(max_examples=40, deadline=None)
@given(valid_cluster_args(), st.sampled_from(sorted(BREAKERS)))
def test_invalid_args_give_a_clear_error_with_the_path(args: dict[str, Any], breaker: str) -> None:
    path, breaks = BREAKERS[breaker]
    breaks(args)
    try:
        build_spec("prop", args)
    except InferenceClusterArgsError as error:
        paths = [p.path for p in error.problems]
        assert path in paths, (breaker, paths)
        assert all(p.message for p in error.problems)
        assert str(error).count("\n  - ") == len(error.problems)
    else:
        raise AssertionError(f"{breaker}: no error")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=1, max_size=5))
def test_traffic_is_valid_exactly_when_it_sums_to_0_or_100(shares: list[int]) -> None:
    args = cluster_args(*[tiny_deployment(f"dep{i}", traffic_percent=s) for i, s in enumerate(shares)])
    try:
        build_spec("prop", args)
        accepted = True
    except InferenceClusterArgsError:
        accepted = False
    assert accepted == (sum(shares) in (0, 100))
