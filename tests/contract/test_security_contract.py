"""The contract check covers what network isolation, identities and secrets register, and catches a fault
seeded into each new resource type's body."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import cluster_args, plan_cluster
from test_network_spec import private, ready
from test_security_azure import RULES
from test_security_spec import secret

from ml_inference_lb.contract import check_plan, check_resource, errors
from ml_inference_lb.plan import PlanResult


@pytest.fixture(scope="module")
def isolated() -> PlanResult:
    blue = ready(secret_environment_variables={"API_KEY": "api"})
    return plan_cluster(
        cluster_args(
            blue,
            network_isolation=private(outbound_rules=RULES, deployer_ip_ranges=["203.0.113.0/24"]),
            endpoint={"identity": "user_assigned"},
            secrets={"api": secret()},
            workspace={"datastore_auth": "identity"},
        )
    )


def inputs(plan: PlanResult, name: str) -> tuple[str, dict[str, Any]]:
    resource = next(r for r in plan.resources if r.name == name)
    return resource.type, copy.deepcopy(resource.inputs)


def faults(pulumi_type: str, body: dict[str, Any]) -> list[str]:
    return [f"{v.path}: {v.message}" for v in errors(check_resource(pulumi_type, body, "seeded"))]


def test_every_new_type_has_a_contract_and_passes(isolated: PlanResult) -> None:
    types = {r.type for r in isolated.resources}
    assert {
        "azure-native:network:PrivateEndpoint",
        "azure-native:network:PrivateDnsZoneGroup",
        "azure-native:privatedns:PrivateZone",
        "azure-native:privatedns:VirtualNetworkLink",
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:machinelearningservices:ManagedNetworkSettingsRule",
    } <= types
    assert not errors(check_plan(isolated)), [str(v) for v in errors(check_plan(isolated))]


def test_catches_a_misspelt_private_link_connection(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-workspace-pe")
    body["privateLinkServiceConnection"] = body.pop("privateLinkServiceConnections")
    assert any("privateLinkServiceConnection" in f for f in faults(kind, body))


def test_catches_group_ids_given_as_a_string(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-storage-blob-pe")
    body["privateLinkServiceConnections"][0]["groupIds"] = "blob"
    assert any("groupIds" in f for f in faults(kind, body))


def test_catches_a_misspelt_zone_id_in_a_zone_group(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-workspace-pe-dns")
    body["privateDnsZoneConfigs"][0]["privateDnsZoneID"] = body["privateDnsZoneConfigs"][0].pop("privateDnsZoneId")
    assert any("privateDnsZoneID" in f for f in faults(kind, body))


def test_catches_a_vnet_link_flag_of_the_wrong_type(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-dns-blob-link")
    body["registrationEnabled"] = "false"
    assert any("registrationEnabled" in f for f in faults(kind, body))


def test_catches_an_unknown_identity_property(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-endpoint-identity")
    body["federatedCredential"] = "x"
    assert any("federatedCredential" in f for f in faults(kind, body))


def test_catches_an_unknown_rule_type_and_a_misshapen_destination(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-outbound-pypi")
    body["properties"]["type"] = "Fqdn2"
    assert any("Fqdn2" in f for f in faults(kind, body))
    kind, body = inputs(isolated, "demo-outbound-monitor")
    body["properties"]["destination"]["portRange"] = body["properties"]["destination"].pop("portRanges")
    assert any("portRange" in f for f in faults(kind, body))


def test_the_traffic_template_must_carry_the_identity_map_azure_takes(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-traffic")
    identity = body["properties"]["template"]["resources"][0]["identity"]
    identity["userAssignedIdentities"] = list(identity["userAssignedIdentities"])  # the SDK's list form, not ARM's
    assert any("userAssignedIdentities" in f for f in faults(kind, body))


def test_the_endpoint_resource_may_give_the_list_pulumi_takes(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-endpoint")
    assert isinstance(body["identity"]["userAssignedIdentities"], list)
    assert not faults(kind, body)


def test_catches_a_storage_ip_rule_under_the_sdk_name(isolated: PlanResult) -> None:
    kind, body = inputs(isolated, "demo-storage")
    rule = body["networkRuleSet"]["ipRules"][0]
    rule["ip_address_or_range"] = rule.pop("iPAddressOrRange")
    assert any("ip_address_or_range" in f for f in faults(kind, body))
