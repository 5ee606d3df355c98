"""Deployment environment variables: plain strings, and secrets (``pulumi.Output``) kept secret end to end."""

from __future__ import annotations

import json

import pulumi
import pytest
from conftest import cluster_args, tiny_deployment

from ml_inference_lb import InferenceCluster, InferenceClusterArgsError
from ml_inference_lb.local.cluster import check_servable
from ml_inference_lb.local.errors import LocalTargetError
from ml_inference_lb.plan import PlanResult, run
from ml_inference_lb.plan.render import render_json, render_tree
from ml_inference_lb.spec import build_spec

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
GROUP = "azure-native:machinelearningservices:InferenceGroup"
SECRET = "s3cr3t-value-never-printed"


def _plan_with_secret(**overrides: object) -> PlanResult:
    def program() -> None:
        env = {"API_KEY": pulumi.Output.secret(SECRET), "MODEL_VERSION": "v1"}
        InferenceCluster(
            "demo", cluster_args(tiny_deployment("blue", traffic_percent=100, environment_variables=env), **overrides)
        )

    return run(program)


def test_a_secret_value_stays_secret_in_the_deployment_body() -> None:
    result = _plan_with_secret()
    (deployment,) = [r for r in result.resources if r.type == DEPLOYMENT]
    variables = deployment.inputs["properties"]["environmentVariables"]
    assert variables["API_KEY"] == "[secret]"
    assert variables["MODEL_VERSION"] == "v1"
    assert "properties.environmentVariables.API_KEY" in deployment.secret_paths
    assert SECRET not in render_json(result) and SECRET not in render_tree(result)


def test_a_secret_value_stays_secret_in_an_inference_group() -> None:
    result = _plan_with_secret(backend="inference_pool")
    (group,) = [r for r in result.resources if r.type == GROUP]
    pairs = group.inputs["inferenceGroupProperties"]["environmentConfiguration"]["environmentVariables"]
    assert {"key": "API_KEY", "value": "[secret]"} in pairs
    assert any(p.endswith(".value") for p in group.secret_paths)
    assert SECRET not in json.dumps([r.inputs for r in result.resources])


def test_values_that_are_neither_strings_nor_outputs_are_rejected_with_their_path() -> None:
    args = cluster_args(tiny_deployment("blue", traffic_percent=100, environment_variables={"WORKERS": 4}))
    with pytest.raises(InferenceClusterArgsError) as error:
        build_spec("demo", args)
    assert "deployments[0].environment_variables.WORKERS" in str(error.value)


def test_the_local_target_refuses_an_output_it_cannot_resolve_offline() -> None:
    specs: list[object] = []

    def program() -> None:
        env = {"API_KEY": pulumi.Output.secret(SECRET)}
        specs.append(
            build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, environment_variables=env)))
        )

    run(program)
    with pytest.raises(LocalTargetError) as error:
        check_servable(specs[0])  # type: ignore[arg-type]
    message = str(error.value)
    assert "deployments[0] (blue).environment_variables.API_KEY" in message
    assert SECRET not in message
