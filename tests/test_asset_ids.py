"""Existing asset ids: workspace short forms become ARM ids of the cluster's workspace; the rest pass or fail early."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.azure.assets import workspace_asset_id
from ml_inference_lb.spec.asset_ids import ARM_TYPE

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
GROUP = "azure-native:machinelearningservices:InferenceGroup"
WS = "/subscriptions/0000/resourceGroups/rg-test/providers/Microsoft.MachineLearningServices/workspaces/ws"
REGISTRY_ENV = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"


def _with_assets(**assets: str) -> dict[str, Any]:
    deployment = tiny_deployment("blue", traffic_percent=100)
    if "model" in assets:
        deployment["model"] = {"asset_id": assets["model"]}
    if "code" in assets:
        deployment["code"] = {"asset_id": assets["code"], "scoring_script": "score.py"}
    if "environment" in assets:
        deployment["environment"] = {"asset_id": assets["environment"]}
    return cluster_args(deployment)


def _properties(args: dict[str, Any]) -> dict[str, Any]:
    (deployment,) = [r for r in plan_cluster(args).resources if r.type == DEPLOYMENT]
    return deployment.inputs["properties"]


def _problems(args: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", args)
    return {p.path: p.message for p in caught.value.problems}


def test_workspace_short_forms_reach_arm_as_arm_ids_of_the_workspace() -> None:
    props = _properties(
        _with_assets(model="azureml:iris-softmax:1", code="azureml:iris-src:3", environment="azureml:iris-env:2")
    )
    workspace = r"/subscriptions/[^/]+/resourceGroups/rg-test/providers/Microsoft\.MachineLearningServices/workspaces/demo-ws-[a-z0-9]+"
    assert re.fullmatch(workspace + "/models/iris-softmax/versions/1", props["model"])
    assert re.fullmatch(workspace + "/codes/iris-src/versions/3", props["codeConfiguration"]["codeId"])
    assert re.fullmatch(workspace + "/environments/iris-env/versions/2", props["environmentId"])


def test_an_existing_workspace_is_the_one_the_id_points_into() -> None:
    args = _with_assets(model="azureml:iris-softmax:1")
    args["existing_workspace"] = {"name": "shared-ws", "resource_group_name": "rg-shared"}
    args["diagnostics"] = {"enabled": False}
    assert "/resourceGroups/rg-shared/" in _properties(args)["model"]
    assert _properties(args)["model"].endswith("/workspaces/shared-ws/models/iris-softmax/versions/1")


def test_registry_and_arm_ids_pass_unchanged() -> None:
    arm_model = f"{WS}/models/iris/versions/4"
    props = _properties(_with_assets(model=arm_model, environment=REGISTRY_ENV))
    assert props["model"] == arm_model
    assert props["environmentId"] == REGISTRY_ENV


def test_the_inference_pool_gets_arm_ids_too() -> None:
    args = _with_assets(model="azureml:iris-softmax:1")
    args["backend"] = "inference_pool"
    (group,) = [r for r in plan_cluster(args).resources if r.type == GROUP]
    model_id = group.inputs["inferenceGroupProperties"]["modelConfiguration"]["modelId"]
    assert re.search(r"/workspaces/demo-ws-[a-z0-9]+/models/iris-softmax/versions/1$", model_id)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("model", "azureml:iris-softmax@latest", "write 'azureml:iris-softmax:<version>'"),
        ("model", "azureml:iris-softmax", "has no version"),
        ("model", "iris-softmax:1", "write 'azureml:iris-softmax:1'"),
        ("model", "azureml://registries/azureml/environments/sklearn/versions/1", "needs models"),
        ("environment", f"{WS}/models/iris/versions/4", "needs environments"),
        ("code", f"{WS}/codes/src/labels/latest", "names a label"),
        ("model", "https://example.com/model.pkl", "not an asset id ARM can resolve"),
    ],
)
def test_what_arm_cannot_resolve_is_rejected_with_the_fields_path(field: str, value: str, fragment: str) -> None:
    problems = _problems(_with_assets(**{field: value}))
    path = f"deployments[0].{field}.asset_id"
    assert path in problems, problems
    assert fragment in problems[path]


def test_curated_environment_short_forms_pass_as_azure_ml_expands_them() -> None:
    assert _properties(_with_assets(environment="azureml:AzureML-sklearn-1.0:1"))["environmentId"] == (
        "azureml:AzureML-sklearn-1.0:1"
    )


NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
KIND = st.sampled_from(["model", "code", "environment"])


@st.composite
def asset_text(draw: st.DrawFn) -> str:
    name, version, kind = draw(NAME), draw(NAME), draw(st.sampled_from(sorted(ARM_TYPE.values())))
    return draw(
        st.sampled_from(
            [
                f"azureml:{name}:{version}",
                f"azureml:{name}@{version}",
                f"azureml:{name}",
                f"{name}:{version}",
                f"azureml://registries/r/{kind}/{name}/versions/{version}",
                f"azureml://registries/r/{kind}/{name}/labels/{version}",
                f"{WS}/{kind}/{name}/versions/{version}",
                f"{WS}/{kind}/{name}/labels/{version}",
                draw(st.text(max_size=40)),
            ]
        )
    )


@settings(max_examples=150, deadline=None)
@given(field=KIND, value=asset_text())
def test_an_accepted_id_is_one_arm_resolves_for_the_right_kind(field: str, value: str) -> None:
    try:
        spec = build_spec("demo", _with_assets(**{field: value}))
    except InferenceClusterArgsError as error:
        assert f"deployments[0].{field}.asset_id" in [p.path for p in error.problems]
        return
    deployment = spec.deployments[0]
    ref = {"model": deployment.model, "code": deployment.code, "environment": deployment.environment}[field].asset  # type: ignore[union-attr]
    assert ref is not None and ref.text == value
    sent = workspace_asset_id(WS, ref) if ref.form == "workspace" else value
    segment = ARM_TYPE[field]
    arm = re.fullmatch(
        rf"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/"
        rf"(workspaces|registries)/[^/]+/{segment}/[^/]+/versions/[^/]+",
        sent,
        re.IGNORECASE,
    )
    registry = re.fullmatch(rf"azureml://registries/[^/]+/{segment}/[^/]+/(versions|labels)/[^/]+", sent)
    curated = field == "environment" and sent.startswith("azureml:AzureML-")
    assert arm or registry or curated, sent
