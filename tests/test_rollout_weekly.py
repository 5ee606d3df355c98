"""The changes users make every week, each as the next `pulumi up` of an InferenceCluster (or a
GlobalInferenceService) program: its operations and its verdict. docs/blue-green.md has the same table.

Before issue 9's fixes (deploy-fixes), three of these broke serving — the tag edit (TRAFFIC, CAPACITY), the
new model version (CAPACITY) and the auth mode switch (TRAFFIC) — and these tests asserted exactly that; the
verdicts are kept in docs/blue-green.md. Since the endpoint is create-only and autoscaled deployments are PUT
at their ceiling, they are safe, and the tests say so. An instance type change and new scoring code were refused
(a create-before-delete replacement under the live deployment's own Azure name) until Azure deployment names
carried a hash of the create-only inputs (spec/versioning.py); now they are a replacement beside the old one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY, cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb import GlobalInferenceService
from ml_inference_lb.plan import run
from ml_inference_lb.rollout import RolloutReport, simulate

AUTOSCALED = {"instance_count": 2, "autoscale": {"min_instances": 1, "max_instances": 5}}


def args(*deployments: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return cluster_args(*deployments, pool=AUTOSCALED, **overrides)


def blue_green(blue: int, green: int, **green_overrides: Any) -> dict[str, Any]:
    return args(
        tiny_deployment("blue", traffic_percent=blue),
        tiny_deployment("green", traffic_percent=green, **green_overrides),
    )


def verdict(report: RolloutReport) -> set[str]:
    return {v.invariant for v in report.violations}


def second_model(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "model"
    shutil.copytree(os.path.join(TINY, "model"), folder)
    (folder / "notes.txt").write_text("version 2\n")
    return {"path": str(folder), "name": "tiny"}


# -- the verdicts ----------------------------------------------------------------------------------------------
def test_tag_edit_keeps_traffic_and_instances() -> None:
    old = blue_green(90, 10)
    report = simulate(plan_cluster(old), plan_cluster({**old, "tags": {"team": "ml"}}))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    assert "update OnlineEndpoint 'demo-endpoint'" not in ops  # create-only: the traffic step re-PUTs it
    assert "update Deployment 'demo-traffic'" in ops and "update OnlineDeployment 'demo-blue'" in ops


def test_new_model_version_keeps_the_live_instance_count(tmp_path: Path) -> None:
    old = args(tiny_deployment("blue", traffic_percent=100))
    new = args(tiny_deployment("blue", traffic_percent=100, model=second_model(tmp_path)))
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    update = ops.index("update OnlineDeployment 'demo-blue'")
    assert ops.index("create-replacement ModelVersion 'demo-model-tiny'") < update
    assert update < ops.index("delete-replaced ModelVersion 'demo-model-tiny'")


def test_switching_auth_mode_is_one_put_with_traffic() -> None:
    old = blue_green(90, 10)
    report = simulate(plan_cluster(old), plan_cluster({**old, "endpoint": {"auth_mode": "aad_token"}}))
    assert report.safe
    assert report.operations() == ["update Deployment 'demo-traffic'"]


@pytest.mark.parametrize(("before", "after"), [((90, 10), (50, 50)), ((50, 50), (0, 100))])
def test_traffic_shift_is_safe(before: tuple[int, int], after: tuple[int, int]) -> None:
    report = simulate(plan_cluster(blue_green(*before)), plan_cluster(blue_green(*after)))
    assert report.safe and report.operations() == ["update Deployment 'demo-traffic'"]


def test_adding_a_canary_creates_it_before_the_traffic_step_names_it() -> None:
    old = args(tiny_deployment("blue", traffic_percent=100))
    report = simulate(plan_cluster(old), plan_cluster(blue_green(90, 10)))
    assert report.safe
    ops = report.operations()  # the autoscale setting and the traffic step do not depend on each other
    assert sorted(ops) == [
        "create AutoscaleSetting 'demo-green-autoscale'",
        "create OnlineDeployment 'demo-green'",
        "update Deployment 'demo-traffic'",
    ]
    assert ops[0] == "create OnlineDeployment 'demo-green'"


def test_removing_the_old_deployment_in_the_same_change_as_the_last_shift_is_safe() -> None:
    report = simulate(
        plan_cluster(blue_green(50, 50)), plan_cluster(args(tiny_deployment("green", traffic_percent=100)))
    )
    assert report.safe
    assert report.operations() == [
        "update Deployment 'demo-traffic'",
        "delete AutoscaleSetting 'demo-blue-autoscale'",
        "delete OnlineDeployment 'demo-blue'",
    ]


def test_changing_a_deployments_instance_type_replaces_it_beside_the_old_one() -> None:
    """instanceType is create-only: the replacement gets a new Azure name (spec/versioning.py), is created first,
    the traffic step moves green's share to it, and the old green is deleted last, drained."""
    new = blue_green(90, 10, instance_type="Standard_F4s_v2")
    report = simulate(plan_cluster(blue_green(90, 10)), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    traffic = ops.index("update Deployment 'demo-traffic'")
    assert ops.index("create-replacement OnlineDeployment 'demo-green'") < traffic
    assert ops[-1] == "delete-replaced OnlineDeployment 'demo-green'"
    assert "update OnlineDeployment 'demo-blue'" not in ops


def test_changing_the_instance_type_of_a_fixed_azure_name_is_refused_with_the_recipe() -> None:
    """The opt-out (azure_name): the replacement keeps the Azure name and collides with the live deployment."""
    old = blue_green(90, 10, azure_name="green")
    report = simulate(
        plan_cluster(old), plan_cluster(blue_green(90, 10, azure_name="green", instance_type="Standard_F4s_v2"))
    )
    assert verdict(report) == {"REFUSED"}
    assert "remove the deployment's fixed azure_name" in report.violations[0].recipe


def test_new_scoring_code_replaces_the_deployment_under_a_new_azure_name(tmp_path: Path) -> None:
    """codeConfiguration.codeId is create-only (2025-12-01 definitions), so pulumi-azure-native 3.x replaces the
    deployment; under a new Azure name the create-before-delete replacement no longer collides (docs/rollout.md)."""
    code = tmp_path / "src"
    shutil.copytree(os.path.join(TINY, "src"), code)
    (code / "score.py").write_text((code / "score.py").read_text() + "\n# version 2\n")
    old = args(tiny_deployment("blue", traffic_percent=100))
    new = args(tiny_deployment("blue", traffic_percent=100, code={"path": str(code), "scoring_script": "score.py"}))
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    replacement = ops.index("create-replacement OnlineDeployment 'demo-blue'")
    assert "properties.codeConfiguration.codeId" in report.steps[replacement].step.reason
    assert (
        replacement
        < ops.index("update Deployment 'demo-traffic'")
        < ops.index("delete-replaced OnlineDeployment 'demo-blue'")
    )


def test_adding_a_region_to_a_global_service_only_creates() -> None:
    def service(*locations: str) -> Any:
        deployment = tiny_deployment("blue", traffic_percent=100)
        return lambda: GlobalInferenceService(
            "svc",
            {
                "resource_group_name": "rg",
                "regions": [
                    {"location": loc, "cluster": {"deployments": [deployment], "endpoint": {"auth_mode": "aad_token"}}}
                    for loc in locations
                ],
            },
        )

    report = simulate(
        run(service("westeurope", "northeurope")), run(service("westeurope", "northeurope", "francecentral"))
    )
    assert report.safe
    assert all(op.startswith(("create ", "update AFD", "update Route")) for op in report.operations()), (
        report.operations()
    )
    assert any("francecentral-endpoint" in op for op in report.operations())
