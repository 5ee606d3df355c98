"""Every validation rule of the spec: one error type, every problem at once, each with its args path."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TINY, cluster_args, tiny_deployment

from ml_inference_lb import InferenceCluster, InferenceClusterArgsError, build_spec
from ml_inference_lb.plan import run


def problems_of(args: dict[str, Any], name: str = "demo") -> dict[str, str]:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec(name, args)
    assert isinstance(caught.value, ValueError)
    return {p.path: p.message for p in caught.value.problems}


def test_valid_args_give_a_spec_with_azure_defaults() -> None:
    spec = build_spec("demo", cluster_args())
    blue = spec.deployments[0]
    assert blue.instance_type == "Standard_DS3_v2"
    assert blue.instance_count == 1
    assert (blue.probes.liveness.initial_delay_s, blue.probes.liveness.period_s) == (10, 10)
    assert (blue.probes.readiness.timeout_s, blue.probes.readiness.failure_threshold) == (2, 30)
    assert blue.probes.startup is None
    assert (blue.request.timeout_ms, blue.request.max_concurrent_requests_per_instance) == (5000, 1)
    assert spec.endpoint.auth_mode == "Key"
    assert spec.traffic == {spec.deployments[0].azure_name: 100}  # by Azure name
    assert spec.deployment_names == {"blue": spec.deployments[0].azure_name}


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("ab", "3-32 characters"),
        ("a" * 33, "3-32 characters"),
        ("1blue", "start with a letter"),
        ("blue-", "end with a letter or digit"),
        ("blue_green", "letters, digits and hyphens"),
    ],
)
def test_deployment_names_follow_azure_rules(name: str, fragment: str) -> None:
    problems = problems_of(cluster_args(tiny_deployment(name, traffic_percent=100)))
    assert fragment in problems["deployments[0].name"]


def test_endpoint_name_rules_and_underivable_default() -> None:
    assert "3-32" in problems_of(cluster_args(endpoint={"name": "x"}))["endpoint.name"]
    assert "set endpoint.name" in problems_of(cluster_args(), name="9-lives")["endpoint.name"]


def test_workspace_name_rules() -> None:
    problems = problems_of(cluster_args(workspace={"name": "-bad name"}))
    assert "3-33 characters" in problems["workspace.name"]


def test_traffic_must_sum_to_100_or_0() -> None:
    args = cluster_args(tiny_deployment("blue", traffic_percent=90), tiny_deployment("green", traffic_percent=20))
    message = problems_of(args)["deployments[*].traffic_percent"]
    assert "adds up to 110" in message and "blue=90" in message and "100, or 0" in message
    assert build_spec("demo", cluster_args(tiny_deployment("blue"), tiny_deployment("green"))).traffic == {}


def test_traffic_percent_range() -> None:
    problems = problems_of(cluster_args(tiny_deployment("blue", traffic_percent=101)))
    assert "from 0 to 100" in problems["deployments[0].traffic_percent"]


def test_mirror_rules() -> None:
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=100, mirror_percent=10),
        tiny_deployment("green", mirror_percent=60),
        tiny_deployment("shadow", mirror_percent=5),
    )
    problems = problems_of(args)
    assert "from 0 to 50" in problems["deployments[1].mirror_percent"]
    assert "one deployment only" in problems["deployments[*].mirror_percent"]
    assert "takes live traffic" in problems["deployments[0].mirror_percent"]


def test_mirroring_needs_live_traffic() -> None:
    args = cluster_args(tiny_deployment("blue"), tiny_deployment("green", mirror_percent=10))
    assert "no deployment takes live traffic" in problems_of(args)["deployments[1].mirror_percent"]


def test_duplicate_deployment_names_are_case_insensitive() -> None:
    args = cluster_args(tiny_deployment("blue", traffic_percent=100), tiny_deployment("Blue"))
    assert "already the name of deployments[0]" in problems_of(args)["deployments[1].name"]


def test_autoscale_bounds_in_order() -> None:
    args = cluster_args(pool={"autoscale": {"min_instances": 4, "max_instances": 2}})
    assert "greater than max_instances" in problems_of(args)["pool.autoscale.min_instances"]
    args = cluster_args(pool={"autoscale": {"min_instances": 1, "max_instances": 3, "default_instances": 5}})
    assert "outside" in problems_of(args)["pool.autoscale.default_instances"]
    args = cluster_args(pool={"autoscale": {"min_instances": 1}})
    assert "required" in problems_of(args)["pool.autoscale.max_instances"]
    args = cluster_args(pool={"autoscale": {"max_instances": 51}})
    assert "from 1 to 50" in problems_of(args)["pool.autoscale.max_instances"]


def test_autoscale_rules() -> None:
    rules = [
        {"metric": "CpuUtilizationPercentage", "scale_out_above": 50, "scale_in_below": 60},
        {"metric": "Bogus", "scale_out_above": 1},
        {"metric": "RequestsPerMinute"},
        {"metric": "CpuUtilizationPercentage", "scale_out_above": 120},
    ]
    problems = problems_of(cluster_args(pool={"autoscale": {"max_instances": 3, "rules": rules}}))
    assert "fight" in problems["pool.autoscale.rules[0].scale_in_below"]
    assert "must be one of" in problems["pool.autoscale.rules[1].metric"]
    assert "give scale_out_above, scale_in_below or both" in problems["pool.autoscale.rules[2]"]
    assert "from 0 to 100" in problems["pool.autoscale.rules[3].scale_out_above"]


def test_autoscale_needs_both_directions() -> None:
    rules = [{"metric": "RequestsPerMinute", "scale_out_above": 100}]
    problems = problems_of(cluster_args(pool={"autoscale": {"max_instances": 3, "rules": rules}}))
    assert "never shrinks" in problems["pool.autoscale.rules"]


def test_schedules() -> None:
    schedule = {
        "name": "work",
        "days": ["Funday"],
        "start": "25:00",
        "end": "18:00",
        "min_instances": 3,
        "max_instances": 2,
    }
    problems = problems_of(cluster_args(pool={"autoscale": {"max_instances": 3, "schedules": [schedule]}}))
    assert "must be one of" in problems["pool.autoscale.schedules[0].days[0]"]
    assert "HH:MM" in problems["pool.autoscale.schedules[0].start"]
    assert "greater than max_instances" in problems["pool.autoscale.schedules[0].min_instances"]


@pytest.mark.parametrize(
    ("probe", "field", "fragment"),
    [
        ({"period_seconds": 0}, "period_seconds", "from 1 to 3600"),
        ({"timeout_seconds": 20, "period_seconds": 10}, "timeout_seconds", "longer than period_seconds"),
        ({"success_threshold": 2}, "success_threshold", "must be 1 for a liveness probe"),
        ({"initial_delay_seconds": -1}, "initial_delay_seconds", "from 0 to 3600"),
        ({"failure_threshold": "3"}, "failure_threshold", "whole number"),
    ],
)
def test_probe_rules(probe: dict[str, Any], field: str, fragment: str) -> None:
    args = cluster_args(tiny_deployment("blue", traffic_percent=100, probes={"liveness": probe}))
    assert fragment in problems_of(args)[f"deployments[0].probes.liveness.{field}"]


def test_request_limits() -> None:
    args = cluster_args(request_settings={"request_timeout_ms": 200_000, "max_concurrent_requests_per_instance": 0})
    problems = problems_of(args)
    assert "from 1 to 180000" in problems["deployments[0].request_settings.request_timeout_ms"]
    assert "from 1 to 1000" in problems["deployments[0].request_settings.max_concurrent_requests_per_instance"]


def test_instance_type_format_and_count() -> None:
    problems = problems_of(cluster_args(pool={"instance_type": "DS3_v2", "instance_count": 0}))
    assert "Standard_DS3_v2" in problems["pool.instance_type"]
    assert "from 1 to 50" in problems["pool.instance_count"]
    problems = problems_of(cluster_args(tiny_deployment("blue", traffic_percent=100, instance_type="standard_ds3")))
    assert "not an Azure VM SKU name" in problems["deployments[0].instance_type"]


def test_model_code_environment_sources() -> None:
    deployment = {
        "name": "blue",
        "traffic_percent": 100,
        "model": {"path": "no/such/dir", "asset_id": "azureml:m:1"},
        "code": {"path": TINY + "/src", "scoring_script": "missing.py"},
        "environment": {},
    }
    problems = problems_of(cluster_args(deployment))
    assert "exactly one of path" in problems["deployments[0].model"]
    assert "does not exist" in problems["deployments[0].code.scoring_script"]
    assert "exactly one of asset_id" in problems["deployments[0].environment"]


def test_one_asset_name_means_one_content() -> None:
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=100),
        tiny_deployment("green", model={"path": TINY + "/src", "name": "tiny"}),
    )
    assert "other content" in problems_of(args)["deployments[1].model.name"]


def test_unknown_fields_are_typos() -> None:
    problems = problems_of(cluster_args(tiny_deployment("blue", traffic_percnt=100), endpiont={}))
    assert "unknown field" in problems["deployments[0].traffic_percnt"]
    assert "unknown field" in problems["endpiont"]


def test_workspace_choices_and_byo_diagnostics() -> None:
    args = cluster_args(workspace={"name": "ws1"}, existing_workspace={"name": "ws2"})
    assert "not both" in problems_of(args)["existing_workspace"]
    args = cluster_args(existing_workspace={"name": "ws2"})
    assert "required with existing_workspace" in problems_of(args)["diagnostics.log_analytics_workspace_id"]
    args = cluster_args(endpoint={"auth_mode": "password"})
    assert "'key', 'aad_token', 'aml_token'" in problems_of(args)["endpoint.auth_mode"]


def test_tags_and_env_vars() -> None:
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=100, environment_variables={"1BAD": "x", "WORKERS": 4}),
        tags={"k": "v" * 300},
    )
    problems = problems_of(args)
    assert "not a valid environment variable name" in problems["deployments[0].environment_variables"]
    assert "write '4'" in problems["deployments[0].environment_variables.WORKERS"]
    assert "256" in problems["tags.k"]


def test_every_problem_is_reported_at_once() -> None:
    args = {
        "deployments": [
            tiny_deployment("b", traffic_percent=70),
            tiny_deployment("green", traffic_percent=20, mirror_percent=5),
        ],
        "pool": {"instance_count": 99},
    }
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", args)
    paths = [p.path for p in caught.value.problems]
    assert {
        "resource_group_name",
        "deployments[0].name",
        "pool.instance_count",
        "deployments[*].traffic_percent",
    } <= set(paths)
    assert "deployments[1].mirror_percent" in paths
    text = str(caught.value)
    assert text.startswith("invalid InferenceCluster args (") and "  - deployments[0].name:" in text


def test_invalid_args_register_no_resource() -> None:
    def program() -> None:
        InferenceCluster("demo", cluster_args(tiny_deployment("blue", traffic_percent=50)))

    with pytest.raises(InferenceClusterArgsError):
        run(program)


def test_approved_outbound_only_needs_a_premium_registry() -> None:
    for sku in ("Basic", "Standard"):
        args = cluster_args(workspace={"isolation_mode": "AllowOnlyApprovedOutbound", "container_registry_sku": sku})
        assert "'Premium'" in problems_of(args)["workspace.container_registry_sku"]
    build_spec("demo", cluster_args(workspace={"isolation_mode": "AllowOnlyApprovedOutbound"}))
    build_spec(
        "demo", cluster_args(workspace={"isolation_mode": "AllowInternetOutbound", "container_registry_sku": "Basic"})
    )
