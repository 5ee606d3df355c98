"""Response bodies in Application Insights are opt-in: APP_INSIGHTS_LOG_RESPONSE_ENABLED is false unless asked for."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError
from ml_inference_lb.spec import build_spec

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
# azureml-inference-server-http 1.5.1, server/config.py: app_insights_log_response_enabled, default True.
RESPONSE_LOGGING_VARIABLE = "APP_INSIGHTS_LOG_RESPONSE_ENABLED"


def _env(**deployment: Any) -> dict[str, Any]:
    spec = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, **deployment)))
    return spec.deployments[0].env


def test_the_server_is_told_not_to_log_response_bodies_by_default() -> None:
    result = plan_cluster(cluster_args())
    (deployment,) = [r for r in result.resources if r.type == DEPLOYMENT]
    assert deployment.inputs["properties"]["appInsightsEnabled"] is True
    assert deployment.inputs["properties"]["environmentVariables"][RESPONSE_LOGGING_VARIABLE] == "false"


def test_opting_in_sets_it_true() -> None:
    assert _env(log_response_bodies=True)[RESPONSE_LOGGING_VARIABLE] == "true"


def test_a_value_the_user_set_is_kept() -> None:
    assert _env(environment_variables={RESPONSE_LOGGING_VARIABLE: "True"})[RESPONSE_LOGGING_VARIABLE] == "True"


def test_a_contradiction_is_an_error_with_its_path() -> None:
    with pytest.raises(InferenceClusterArgsError) as error:
        _env(log_response_bodies=False, environment_variables={RESPONSE_LOGGING_VARIABLE: "true"})
    assert f"deployments[0].environment_variables.{RESPONSE_LOGGING_VARIABLE}" in str(error.value)


def test_a_value_the_server_cannot_parse_is_an_error() -> None:
    with pytest.raises(InferenceClusterArgsError) as error:
        _env(environment_variables={RESPONSE_LOGGING_VARIABLE: "sometimes"})
    assert "sometimes" in str(error.value)


BOOL_TEXT = st.sampled_from(["true", "false", "True", "FALSE", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"])


@settings(deadline=None)
@given(flag=st.one_of(st.none(), st.booleans()), given_value=st.one_of(st.none(), BOOL_TEXT))
def test_the_server_always_sees_one_parseable_value_matching_the_intent(
    flag: bool | None, given_value: str | None
) -> None:
    deployment: dict[str, Any] = {}
    if flag is not None:
        deployment["log_response_bodies"] = flag
    if given_value is not None:
        deployment["environment_variables"] = {RESPONSE_LOGGING_VARIABLE: given_value}
    given_means = None if given_value is None else given_value.lower() in {"true", "1", "yes", "on", "t", "y"}
    if flag is not None and given_means is not None and flag != given_means:
        with pytest.raises(InferenceClusterArgsError):
            _env(**deployment)
        return
    value = _env(**deployment)[RESPONSE_LOGGING_VARIABLE]
    expected = flag if flag is not None else (given_means if given_means is not None else False)
    assert (value.lower() in {"true", "1", "yes", "on", "t", "y"}) == expected
