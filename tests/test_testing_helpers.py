"""ml_inference_lb.testing: the helpers users import to test their own stacks offline."""

from __future__ import annotations

import os
from typing import Any

import pytest
from conftest import EXAMPLES, cluster_args, tiny_deployment
from pulumi_azure_native import machinelearningservices

from ml_inference_lb import InferenceCluster
from ml_inference_lb.testing import Match, Template

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
# Azure deployment names carry a hash of the create-only inputs (spec/versioning.py); match them by pattern, or
# read them from `Template.specs[0].deployment_names`.
BLUE = Match.string_like_regexp(r"^blue-[0-9a-f]{6}$")


@pytest.fixture(scope="module")
def canary() -> Template:
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=90),
        tiny_deployment("green", traffic_percent=10),
        pool={"instance_count": 3},
    )
    return Template.from_program(lambda: InferenceCluster("demo", args))


def test_resources_filter_by_full_type_short_type_name_and_props(canary: Template) -> None:
    assert len(canary.resources(DEPLOYMENT)) == 2
    assert len(canary.resources("OnlineDeployment")) == 2
    assert len(canary.resources("machinelearningservices:OnlineDeployment")) == 2
    assert [r.name for r in canary.resources("OnlineDeployment", name="demo-green")] == ["demo-green"]
    assert [r.name for r in canary.resources("OnlineDeployment", props={"deploymentName": BLUE})] == ["demo-blue"]
    assert canary.resources("Deployment", name="demo-traffic")[0].type == "azure-native:resources:Deployment"


def test_has_resource_matches_deep_partially(canary: Template) -> None:
    found = canary.has_resource(
        "OnlineDeployment",
        {"sku": {"capacity": 3}, "properties": {"endpointComputeType": "Managed"}},
        name="demo-blue",
    )
    assert found.inputs["deploymentName"] == canary.specs[0].deployment_names["blue"]


def test_has_resource_failure_names_the_closest_candidate_and_every_differing_path(canary: Template) -> None:
    with pytest.raises(AssertionError) as failure:
        canary.has_resource("OnlineDeployment", {"sku": {"capacity": 4}, "kind": "Kubernetes"})
    text = str(failure.value)
    assert "no OnlineDeployment matches among 2" in text
    assert "sku.capacity: expected 4, got 3" in text
    assert "kind: expected 'Kubernetes', got 'Managed'" in text


def test_has_resource_of_a_type_never_registered_lists_the_types(canary: Template) -> None:
    with pytest.raises(AssertionError, match=r"no resource of type 'cdn:Profile'; registered types: \["):
        canary.has_resource("cdn:Profile")


def test_resource_count_is(canary: Template) -> None:
    canary.resource_count_is("OnlineDeployment", 2)
    canary.resource_count_is("OnlineEndpoint", 1)
    canary.resource_count_is("OnlineDeployment", 1, props={"deploymentName": BLUE})
    with pytest.raises(AssertionError, match=r"expected 3 OnlineDeployment resource\(s\), found 2"):
        canary.resource_count_is("OnlineDeployment", 3)


def test_traffic_template_with_matchers(canary: Template) -> None:
    names = canary.specs[0].deployment_names
    canary.has_resource(
        "resources:Deployment",
        {
            "properties": {
                "mode": "Incremental",
                "template": {
                    "resources": Match.array_with(
                        [
                            {
                                "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                                "properties": Match.object_like({"traffic": {names["blue"]: 90, names["green"]: 10}}),
                            }
                        ]
                    )
                },
            }
        },
    )
    endpoint: dict[str, Any] = {"properties": {"mirrorTraffic": Match.absent(), "authMode": Match.any_value()}}
    canary.has_resource("OnlineEndpoint", endpoint)


def test_matchers_report_what_differs() -> None:
    assert Match.object_like({"a": {"b": 1}}).matches({"a": {"b": 1, "c": 2}, "d": 3})
    assert not Match.object_equals({"a": 1}).matches({"a": 1, "b": 2})
    assert Match.object_equals({"a": 1}).mismatches({"a": 1, "b": 2}, "") == ["(root): unexpected key 'b'"]
    assert Match.array_with([2, 4]).matches([1, 2, 3, 4])
    assert not Match.array_with([4, 2]).matches([1, 2, 3, 4])  # in order
    assert Match.array_equals([{"a": 1}]).matches([{"a": 1, "b": 2}])
    assert not Match.exact({"a": 1}).matches({"a": 1, "b": 2})
    assert Match.any_value().mismatches(None, "x") == ["x: expected a value, but it is null"]
    assert Match.absent().mismatches(5, "x") == ["x: expected no value, got 5"]
    assert Match.string_like_regexp(r"^PT\d+S$").matches("PT30S")
    assert Match.not_(Match.string_like_regexp("^P")).mismatches("PT3S", "t")[0].startswith("t: expected not to match")
    assert Match.object_like({"n": True}).mismatches({"n": 1}, "") == ["n: expected True, got 1"]


def test_from_directory_runs_an_example_and_checks_its_contract() -> None:
    template = Template.from_directory(os.path.join(EXAMPLES, "quickstart"))
    template.resource_count_is("OnlineDeployment", 2)
    assert template.has_output("scoring_uri").endswith("/score")
    template.has_output("primary_key", "[secret]")
    assert template.check_contract() == []
    # Name records mask the create-only hash, so a new scoring script does not show as a renamed resource.
    assert {r.azure_name for r in template.names() if r.type == DEPLOYMENT} == {
        "blue-{create-only-hash}",
        "green-{create-only-hash}",
    }


def test_check_contract_fails_with_every_violation() -> None:
    def program() -> None:
        machinelearningservices.OnlineEndpoint(
            "raw",
            resource_group_name="rg",
            workspace_name="ws",
            endpoint_name="raw-ep",
            location="westeurope",
            properties={"auth_mode": "Token"},
        )

    template = Template.from_program(program)
    with pytest.raises(AssertionError) as failure:
        template.check_contract()
    assert "1 request bodies disagree" in str(failure.value)
    assert "properties.authMode: 'Token' is not a known EndpointAuthMode value" in str(failure.value)


def test_resource_raises_with_the_names_it_has(canary: Template) -> None:
    assert canary.resource("OnlineEndpoint", "demo-endpoint").inputs["kind"] == "Managed"
    with pytest.raises(AssertionError, match=r"names: \['demo-blue', 'demo-green'\]"):
        canary.resource("OnlineDeployment", "demo-red")
