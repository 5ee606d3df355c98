"""The inference_pool backend's validation: its own fields, and every managed capability it lacks."""

from __future__ import annotations

import os
from typing import Any

import pytest
from conftest import TINY, cluster_args, tiny_deployment

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.spec import ClusterSpec


def pool_args(*deployments: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return cluster_args(*deployments, backend="inference_pool", **overrides)


def problems_of(args: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", args)
    return {p.path: p.message for p in caught.value.problems}


def test_backend_defaults_to_managed_online() -> None:
    spec = build_spec("demo", cluster_args())
    assert spec.backend == "managed_online"
    assert spec.pool is None


def test_unknown_backend_is_rejected_with_the_choices() -> None:
    found = problems_of(cluster_args(backend="kubernetes"))
    assert "'managed_online', 'inference_pool'" in found["backend"]


def test_pool_spec_defaults() -> None:
    spec = build_spec("demo", pool_args(tiny_deployment("blue", traffic_percent=100), tiny_deployment("green")))
    assert spec.backend == "inference_pool"
    assert spec.pool is not None
    assert spec.pool.name == "demo-pool"
    assert spec.pool.scale_unit_size is None
    assert spec.pool.registries == ()
    assert spec.pool.disable_public_egress is False
    assert spec.pool.endpoint_name("green") == "demo-green"
    assert spec.endpoint.auth_mode == "AADToken"
    assert spec.diagnostics.enabled is False


def test_pool_fields_are_read() -> None:
    spec = build_spec(
        "demo",
        pool_args(
            pool={
                "name": "my_pool-1",
                "scale_unit_size": 4,
                "scale_unit": {"registries": ["azureml", "contoso"], "public_egress": "disabled"},
            },
            endpoint={"name": "iris-prod", "auth_mode": "aad_token"},
        ),
    )
    assert spec.pool is not None
    assert (spec.pool.name, spec.pool.scale_unit_size) == ("my_pool-1", 4)
    assert spec.pool.registries == ("azureml", "contoso")
    assert spec.pool.disable_public_egress is True
    assert spec.pool.endpoint_name("blue") == "iris-prod-blue"


def test_deployments_stay_meaningful_for_other_targets() -> None:
    spec: ClusterSpec = build_spec(
        "demo",
        pool_args(
            tiny_deployment("blue", traffic_percent=100, instance_count=3, environment_variables={"A": "1"}),
            tiny_deployment("green", request_settings={"request_timeout_ms": 2500}),
        ),
    )
    blue, green = spec.deployments
    assert (blue.name, blue.instance_count, blue.env["A"], blue.traffic_percent) == ("blue", 3, "1", 100)
    assert green.request.timeout_ms == 2500
    assert blue.code is not None and blue.code.path == os.path.join(TINY, "src")
    assert all(d.app_insights_enabled is False and d.autoscale is None for d in spec.deployments)


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"pool": {"name": "-bad"}}, "pool.name", "not a valid inference pool name"),
        ({"pool": {"name": "x" * 256}}, "pool.name", "1-255"),
        ({"pool": {"scale_unit_size": 0}}, "pool.scale_unit_size", "at least 1"),
        ({"pool": {"scale_unit_size": "2"}}, "pool.scale_unit_size", "whole number"),
        ({"pool": {"scale_unit": {"public_egress": "off"}}}, "pool.scale_unit.public_egress", "'enabled'"),
        ({"pool": {"scale_unit": {"registries": [""]}}}, "pool.scale_unit.registries[0]", "empty"),
        ({"pool": {"scale_unit": {"registries": "azureml"}}}, "pool.scale_unit.registries", "must be a list"),
        ({"pool": {"scale_unit": {"zones": 3}}}, "pool.scale_unit.zones", "unknown field"),
        ({"pool": {"autoscale": {"max_instances": 3}}}, "pool.autoscale", "no autoscale for inference pools"),
        ({"endpoint": {"auth_mode": "key"}}, "endpoint.auth_mode", "Microsoft Entra tokens only"),
        ({"endpoint": {"auth_mode": "aml_token"}}, "endpoint.auth_mode", "Microsoft Entra tokens only"),
        ({"endpoint": {"public_network_access": "disabled"}}, "endpoint.public_network_access", "cannot be honoured"),
        ({"diagnostics": {"enabled": True}}, "diagnostics.enabled", "no diagnostic settings"),
        ({"diagnostics": {"log_analytics_workspace_id": "/x"}}, "diagnostics.log_analytics_workspace_id", "no diag"),
    ],
)
def test_cluster_level_rules(overrides: dict[str, Any], path: str, fragment: str) -> None:
    found = problems_of(pool_args(**overrides))
    assert path in found, found
    assert fragment in found[path]


def test_pool_name_derived_from_an_unusable_component_name_points_at_pool_name() -> None:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("_", pool_args(endpoint={"name": "ok-name"}))
    assert any(p.path == "name" and "set pool.name" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"mirror_percent": 10}, "deployments[1].mirror_percent", "no traffic mirroring"),
        ({"autoscale": {"max_instances": 4}}, "deployments[1].autoscale", "no autoscale"),
        ({"app_insights_enabled": True}, "deployments[1].app_insights_enabled", "no Application Insights"),
        (
            {"code": {"asset_id": "azureml:code:1", "scoring_script": "score.py"}},
            "deployments[1].code.asset_id",
            "give code.path",
        ),
        (
            {"environment": {"asset_id": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"}},
            "deployments[1].environment.asset_id",
            "cannot be extended",
        ),
    ],
)
def test_deployment_level_rules(overrides: dict[str, Any], path: str, fragment: str) -> None:
    found = problems_of(pool_args(tiny_deployment("blue", traffic_percent=100), tiny_deployment("green", **overrides)))
    assert path in found, found
    assert fragment in found[path]


def test_weighted_split_is_rejected_on_every_extra_live_deployment() -> None:
    found = problems_of(
        pool_args(
            tiny_deployment("blue", traffic_percent=80),
            tiny_deployment("green", traffic_percent=10),
            tiny_deployment("red", traffic_percent=10),
        )
    )
    assert "deployments[0].traffic_percent" not in found
    for path in ("deployments[1].traffic_percent", "deployments[2].traffic_percent"):
        assert "routes each endpoint to one group" in found[path]
        assert "blue=80, green=10, red=10" in found[path]
        assert "Weighted split" in found[path]


@pytest.mark.parametrize("shares", [(100, 0), (0, 0), (0, 100)])
def test_one_live_deployment_or_none_is_allowed(shares: tuple[int, int]) -> None:
    spec = build_spec(
        "demo",
        pool_args(
            tiny_deployment("blue", traffic_percent=shares[0]), tiny_deployment("green", traffic_percent=shares[1])
        ),
    )
    assert [d.traffic_percent for d in spec.deployments] == list(shares)


def test_code_less_deployment_may_use_an_existing_environment() -> None:
    deployment = tiny_deployment("blue", environment={"asset_id": "azureml:serve-itself:1"})
    del deployment["code"]
    spec = build_spec("demo", pool_args(deployment))
    assert spec.deployments[0].environment.asset_id == "azureml:serve-itself:1"


def test_explicit_false_switches_are_accepted() -> None:
    spec = build_spec(
        "demo",
        pool_args(
            tiny_deployment("blue", app_insights_enabled=False, mirror_percent=0),
            diagnostics={"enabled": False},
            endpoint={"public_network_access": "enabled"},
        ),
    )
    assert spec.pool is not None


@pytest.mark.parametrize("key", ["name", "scale_unit_size", "scale_unit"])
def test_pool_only_fields_are_rejected_by_the_managed_backend(key: str) -> None:
    value: Any = {"name": "p", "scale_unit_size": 2, "scale_unit": {"public_egress": "disabled"}}[key]
    found = problems_of(cluster_args(pool={key: value}))
    assert "only read by backend 'inference_pool'" in found[f"pool.{key}"]


def test_every_problem_is_reported_at_once() -> None:
    found = problems_of(
        pool_args(
            tiny_deployment("blue", traffic_percent=50),
            tiny_deployment("green", traffic_percent=50, mirror_percent=5),
            endpoint={"auth_mode": "key"},
            pool={"autoscale": {"max_instances": 2}, "scale_unit_size": -1},
        )
    )
    assert {
        "endpoint.auth_mode",
        "pool.autoscale",
        "pool.scale_unit_size",
        "deployments[1].traffic_percent",
        "deployments[1].mirror_percent",
    } <= set(found)


def test_one_image_per_environment_and_code_fixes_the_scoring_script(tmp_path: Any) -> None:
    (tmp_path / "other.py").write_text("def init():\n    pass\n")
    (tmp_path / "score.py").write_text("def init():\n    pass\n")
    code_a = {"path": str(tmp_path), "scoring_script": "score.py", "name": "shared"}
    code_b = {"path": str(tmp_path), "scoring_script": "other.py", "name": "shared"}
    found = problems_of(
        pool_args(tiny_deployment("blue", traffic_percent=100, code=code_a), tiny_deployment("green", code=code_b))
    )
    assert "builds the same image" in found["deployments[1].code.scoring_script"]
