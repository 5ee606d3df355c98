"""Any valid args give request bodies that Azure's definitions accept (hypothesis over the whole args)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from strategies import valid_cluster_args, valid_pool_cluster_args

from ml_inference_lb import InferenceCluster, build_spec
from ml_inference_lb.contract import check_plan, errors
from ml_inference_lb.plan import run


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_cluster_args())
def test_valid_args_send_only_bodies_azure_accepts(args: dict[str, Any]) -> None:
    build_spec("demo", args)  # the strategy only draws valid args: this raises if it does not
    plan = run(lambda: InferenceCluster("demo", args))
    problems = [str(v) for v in errors(check_plan(plan))]
    assert not problems, "\n".join(problems)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_pool_cluster_args())
def test_valid_pool_args_send_only_bodies_azure_accepts(args: dict[str, Any]) -> None:
    build_spec("pool", args)
    plan = run(lambda: InferenceCluster("pool", args))
    assert any(r.type.endswith(":InferenceGroup") for r in plan.resources)
    problems = [str(v) for v in errors(check_plan(plan))]
    assert not problems, "\n".join(problems)
