"""Tests of the contract checker itself: it must catch what Azure would reject, and only that."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from pulumi_azure_native import machinelearningservices

from ml_inference_lb.contract import check_plan, check_resource, errors
from ml_inference_lb.contract.contracts import BY_PULUMI_TYPE
from ml_inference_lb.contract.schema import load
from ml_inference_lb.contract.wire import build_body
from ml_inference_lb.plan import PlanResult, run, run_directory

QUICKSTART = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "examples", "quickstart")
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
STORAGE = "azure-native:storage:StorageAccount"
TRAFFIC = "azure-native:resources:Deployment"


@pytest.fixture(scope="module")
def quickstart() -> PlanResult:
    return run_directory(QUICKSTART)


def inputs_of(plan: PlanResult, pulumi_type: str) -> dict[str, Any]:
    resource = next(r for r in plan.resources if r.type == pulumi_type)
    return copy.deepcopy(resource.inputs)


def messages(pulumi_type: str, inputs: dict[str, Any]) -> list[str]:
    return [f"{v.path}: {v.message}" for v in errors(check_resource(pulumi_type, inputs, "x"))]


def test_quickstart_sends_nothing_azure_rejects(quickstart: PlanResult) -> None:
    assert [str(v) for v in check_plan(quickstart)] == []


def test_catches_a_misspelt_property(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, DEPLOYMENT)
    settings = inputs["properties"]["requestSettings"]
    settings["requestTimeOut"] = settings.pop("requestTimeout")
    found = messages(DEPLOYMENT, inputs)
    assert len(found) == 1
    assert found[0].startswith("properties.requestSettings.requestTimeOut: unknown property 'requestTimeOut'")
    assert "did you mean 'requestTimeout'?" in found[0]


def test_catches_a_wrong_enum_value(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, ENDPOINT)
    inputs["properties"]["authMode"] = "Token"
    found = messages(ENDPOINT, inputs)
    assert found == [
        "properties.authMode: 'Token' is not a known EndpointAuthMode value; Azure accepts ['AADToken', 'AMLToken', 'Key']"
    ]


def test_enum_case_difference_is_only_a_warning(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, ENDPOINT)
    inputs["properties"]["authMode"] = "key"
    found = check_resource(ENDPOINT, inputs, "x")
    assert [(v.severity, v.path) for v in found] == [("warning", "properties.authMode")]
    assert "'Key'" in found[0].message


def test_catches_a_missing_required_property(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, ENDPOINT)
    del inputs["properties"]["authMode"]
    assert messages(ENDPOINT, inputs) == ["properties.authMode: required property 'authMode' is missing"]


def test_catches_a_snake_case_key_the_sdk_did_not_rename(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, DEPLOYMENT)
    probe = inputs["properties"]["livenessProbe"]
    probe["initial_delay"] = probe.pop("initialDelay")
    found = messages(DEPLOYMENT, inputs)
    assert len(found) == 1
    assert "a snake_case key where Azure expects 'initialDelay'" in found[0]
    assert found[0].startswith("properties.livenessProbe.initial_delay:")


def test_catches_the_union_input_bug_through_the_real_pulumi_sdk() -> None:
    """OnlineDeployment.properties is Union-typed: the SDK sends a plain dict's snake_case keys as they are."""

    def program() -> None:
        machinelearningservices.OnlineDeployment(
            "raw",
            resource_group_name="rg",
            workspace_name="ws",
            endpoint_name="ep",
            location="westeurope",
            properties={"endpoint_compute_type": "Managed", "request_settings": {"request_timeout": "PT5S"}},
        )

    plan = run(program)
    found = sorted(f"{v.path}: {v.message}" for v in errors(check_plan(plan)))
    assert found[0] == "properties.endpointComputeType: required property 'endpointComputeType' is missing"
    assert found[1].startswith("properties.endpoint_compute_type: unknown property 'endpoint_compute_type': a snake")
    assert found[2].startswith("properties.request_settings: unknown property 'request_settings': a snake_case")
    assert len(found) == 3


def test_catches_a_wrong_type_and_a_bad_duration(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, DEPLOYMENT)
    inputs["sku"]["capacity"] = "2"
    inputs["properties"]["requestSettings"]["requestTimeout"] = "3 seconds"
    found = messages(DEPLOYMENT, inputs)
    assert "sku.capacity: expected an integer, got str '2'" in found
    assert any(m.startswith("properties.requestSettings.requestTimeout: '3 seconds' is not an ISO-8601") for m in found)


def test_catches_an_unknown_discriminator(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, DEPLOYMENT)
    inputs["properties"]["endpointComputeType"] = "Serverless"
    found = messages(DEPLOYMENT, inputs)
    assert found == [
        "properties.endpointComputeType: 'Serverless' is not a known 'endpointComputeType'; "
        "Azure accepts ['Kubernetes', 'Managed']"
    ]


def test_flattened_inputs_move_under_properties_with_wire_names(quickstart: PlanResult) -> None:
    contract = BY_PULUMI_TYPE[STORAGE]
    inputs = inputs_of(quickstart, STORAGE)
    body = build_body(load(contract.schema_file), contract.root_model, inputs, contract.path_params, False).body
    assert "accountName" not in body and "resourceGroupName" not in body
    assert body["properties"]["minimumTlsVersion"] == "TLS1_2"
    # Pulumi's (and the SDK's) name differs from the wire name for this one.
    assert body["properties"]["supportsHttpsTrafficOnly"] is True
    assert "enableHttpsTrafficOnly" not in body["properties"]
    assert body["sku"] == {"name": "Standard_LRS"} and body["kind"] == "StorageV2"


def test_wire_name_used_as_a_pulumi_input_is_reported(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, STORAGE)
    inputs["supportsHttpsTrafficOnly"] = inputs.pop("enableHttpsTrafficOnly")
    found = messages(STORAGE, inputs)
    assert any("pulumi-azure-native knows this input as 'enableHttpsTrafficOnly'" in m for m in found)


def test_flattened_enum_and_missing_top_level_property(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, STORAGE)
    inputs["minimumTlsVersion"] = "TLS1_9"
    del inputs["kind"]
    found = messages(STORAGE, inputs)
    assert "kind: required property 'kind' is missing" in found
    assert any(m.startswith("properties.minimumTlsVersion: 'TLS1_9' is not a known MinimumTlsVersion") for m in found)


def test_checks_the_endpoint_inside_the_traffic_template(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, TRAFFIC)
    endpoint = inputs["properties"]["template"]["resources"][0]
    endpoint["properties"]["publicNetworkAcess"] = endpoint["properties"].pop("publicNetworkAccess")
    found = messages(TRAFFIC, inputs)
    assert len(found) == 1
    assert found[0].startswith("properties.template.resources[0].properties.publicNetworkAcess: unknown property")


def test_template_expressions_are_not_type_checked(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, TRAFFIC)
    endpoint = inputs["properties"]["template"]["resources"][0]
    endpoint["properties"]["traffic"] = "[parameters('traffic')]"
    assert messages(TRAFFIC, inputs) == []


def test_template_resource_without_contract_fails_clearly(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, TRAFFIC)
    inputs["properties"]["template"]["resources"][0]["apiVersion"] = "2019-01-01"
    found = messages(TRAFFIC, inputs)
    assert found == [
        "properties.template.resources[0].type: the inline ARM template PUTs "
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints at API 2019-01-01, which has no contract: "
        "add one in ml_inference_lb/contract/contracts.py"
    ]


def test_unknown_azure_type_has_no_contract() -> None:
    found = check_resource("azure-native:network:PublicIPAddress", {"publicIpAddressName": "p"}, "edge")
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].message.startswith("no contract for azure-native:network:PublicIPAddress")


def test_preview_inference_endpoint_is_checked_against_the_rest_spec() -> None:
    endpoint = {
        "resourceGroupName": "rg",
        "workspaceName": "ws",
        "poolName": "pool",
        "endpointName": "ep",
        "location": "westeurope",
        "inferenceEndpointProperties": {
            "authMode": "Key",
            "groupName": "blue",
            "requestConfiguration": {"requestTimeout": "PT3S", "maxConcurrentRequestsPerinstance": 4},
        },
    }
    found = sorted(messages("azure-native:machinelearningservices:InferenceEndpoint", endpoint))
    assert found[0] == "properties.authMode: 'Key' is not a known AuthMode value; Azure accepts ['AAD']"
    assert found[1].startswith("properties.requestConfiguration.maxConcurrentRequestsPerinstance: unknown property")
    assert len(found) == 2


def test_components_and_local_providers_need_no_contract() -> None:
    assert check_resource("ml-inference-lb:index:InferenceCluster", {}, "c", custom=False) == []
    assert check_resource("random:index/randomString:RandomString", {"length": 5}, "r") == []


def test_secrets_and_unknowns_are_not_type_checked(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, DEPLOYMENT)
    inputs["sku"]["capacity"] = "[unknown]"
    inputs["properties"]["environmentVariables"]["TOKEN"] = "[secret]"
    assert messages(DEPLOYMENT, inputs) == []


def test_pattern_and_length_constraints_are_checked(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, "azure-native:storage:Blob")
    inputs["containerName"] = "Bad--Name"
    found = messages("azure-native:storage:Blob", inputs)
    assert len(found) == 1 and "does not match Azure's pattern" in found[0]


def test_item_count_constraints_are_checked(quickstart: PlanResult) -> None:
    pulumi_type = "azure-native:monitor:AutoscaleSetting"
    inputs = inputs_of(quickstart, pulumi_type)
    inputs["profiles"] = inputs["profiles"] * 21
    assert messages(pulumi_type, inputs) == ["properties.profiles: 21 items, Azure allows at most 20"]


def test_front_door_ranges_are_checked() -> None:
    origin = {
        "resourceGroupName": "rg",
        "profileName": "afd",
        "originGroupName": "regions",
        "originName": "westeurope",
        "hostName": "ep.westeurope.inference.ml.azure.com",
        "weight": 1001,
        "priority": 0,
    }
    found = sorted(messages("azure-native:cdn:AFDOrigin", origin))
    assert found == [
        "properties.priority: 0 is below Azure's minimum 1",
        "properties.weight: 1001 is above Azure's maximum 1000",
    ]


def test_an_unknown_subtype_is_one_error_not_one_per_member() -> None:
    policy = {
        "resourceGroupName": "rg",
        "profileName": "afd",
        "securityPolicyName": "waf",
        "parameters": {"type": "Waf", "wafPolicy": {"id": "x"}, "associations": []},
    }
    found = messages("azure-native:cdn:SecurityPolicy", policy)
    assert found == [
        "properties.parameters.type: 'Waf' is not a known 'type'; Azure accepts ['WebApplicationFirewall']"
    ]


def test_read_only_property_sent_is_a_warning(quickstart: PlanResult) -> None:
    inputs = inputs_of(quickstart, ENDPOINT)
    inputs["properties"]["scoringUri"] = "https://example"
    found = check_resource(ENDPOINT, inputs, "x")
    assert [(v.severity, v.path) for v in found] == [("warning", "properties.scoringUri")]
