"""Network isolation, identities, secrets and diagnostics on the Azure target, under Pulumi's mocks:
every resource each option creates, the settings it sends, and the order Azure needs."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from test_network_spec import SUBNET, VAULT, VNET, private, ready
from test_security_spec import IDENTITY, VERSION, secret

from ml_inference_lb.azure.managed_network import _Provider
from ml_inference_lb.contract import check_plan, errors
from ml_inference_lb.plan import PlanResult, RegisteredResource
from ml_inference_lb.plan.mocks import arm_id, stable_uuid

# Built-in role ids, as Azure publishes them (azure-docs articles/role-based-access-control/built-in-roles.md).
ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
STORAGE_BLOB_DATA_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
AZUREML_METRICS_WRITER_ROLE = "635dd51f-9968-44d3-b7fb-6d9a6bd613ae"
KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"
AI_NETWORK_CONNECTION_APPROVER_ROLE = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"
OTHER_SUBSCRIPTION = "/subscriptions/22222222-2222-2222-2222-222222222222"
REMOTE_STORAGE = f"{OTHER_SUBSCRIPTION}/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/features"
EXISTING_ZONE = (
    "/subscriptions/s/resourceGroups/hub/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms"
)
RULES = [
    {"name": "features", "type": "private_endpoint", "resource_id": REMOTE_STORAGE, "subresource": "blob"},
    {"name": "monitor", "type": "service_tag", "service_tag": "AzureMonitor", "port_ranges": "443"},
    {"name": "pypi", "type": "fqdn", "destination": "pypi.org"},
]


def by_name(result: PlanResult, name: str) -> RegisteredResource:
    found = [r for r in result.resources if r.name == name]
    assert len(found) == 1, (name, [r.name for r in result.resources])
    return found[0]


def of_type(result: PlanResult, suffix: str) -> list[RegisteredResource]:
    return [r for r in result.resources if r.type.endswith(suffix)]


def depends(resource: RegisteredResource, result: PlanResult, name: str) -> bool:
    return by_name(result, name).urn in resource.dependencies


def id_of(result: PlanResult, name: str) -> str:
    """The ARM id the mocks gave a resource (what its dependants receive)."""
    resource = by_name(result, name)
    return arm_id(resource.type, resource.name, resource.inputs)


def principal_of(result: PlanResult, name: str, azure_name_input: str) -> str:
    """The identity object id the mocks gave a resource (system-assigned, or a user-assigned identity)."""
    return stable_uuid("principal", by_name(result, name).inputs[azure_name_input])


def role_of(assignment: RegisteredResource) -> str:
    return str(assignment.inputs["roleDefinitionId"]).rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def isolated() -> PlanResult:
    """Private isolation with outbound rules, a created user-assigned identity and a Key Vault reference."""
    blue = ready(secret_environment_variables={"API_KEY": "api"})
    return plan_cluster(
        cluster_args(
            blue,
            network_isolation=private(outbound_rules=RULES),
            endpoint={"identity": "user_assigned", "auth_mode": "aad_token"},
            secrets={"api": secret()},
        )
    )


@pytest.fixture(scope="module")
def default() -> PlanResult:
    return plan_cluster(cluster_args())


def test_isolated_plan_sends_only_bodies_azure_accepts(isolated: PlanResult) -> None:
    assert not errors(check_plan(isolated)), [str(v) for v in errors(check_plan(isolated))]


def test_default_exposes_what_the_docs_say(default: PlanResult) -> None:
    storage = by_name(default, "demo-storage").inputs
    assert "publicNetworkAccess" not in storage and "networkRuleSet" not in storage
    assert "publicNetworkAccess" not in by_name(default, "demo-keyvault").inputs["properties"]
    assert by_name(default, "demo-registry").inputs.get("publicNetworkAccess", "Enabled") == "Enabled"
    assert by_name(default, "demo-workspace").inputs["publicNetworkAccess"] == "Enabled"
    assert by_name(default, "demo-endpoint").inputs["properties"]["publicNetworkAccess"] == "Enabled"
    assert not of_type(default, ":PrivateEndpoint") and not of_type(default, ":PrivateZone")
    assert not of_type(default, ":ManagedNetworkSettingsRule")


def test_none_has_no_managed_network() -> None:
    result = plan_cluster(cluster_args(network_isolation="none"))
    assert by_name(result, "demo-workspace").inputs["managedNetwork"] == {"isolationMode": "Disabled"}
    assert not of_type(result, "ManagedNetworkProvisioning")


def test_private_closes_the_dependencies(isolated: PlanResult) -> None:
    storage = by_name(isolated, "demo-storage").inputs
    assert storage["publicNetworkAccess"] == "Disabled"
    assert storage["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": []}
    vault = by_name(isolated, "demo-keyvault").inputs["properties"]
    assert vault["publicNetworkAccess"] == "Disabled"
    assert vault["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    registry = by_name(isolated, "demo-registry").inputs
    assert registry["publicNetworkAccess"] == "Disabled" and registry["networkRuleBypassOptions"] == "AzureServices"
    workspace = by_name(isolated, "demo-workspace").inputs
    assert workspace["publicNetworkAccess"] == "Disabled"
    assert workspace["managedNetwork"] == {"isolationMode": "AllowOnlyApprovedOutbound"}
    insights = by_name(isolated, "demo-appinsights").inputs  # public ingestion: reached through AzureMonitor
    assert insights["publicNetworkAccessForIngestion"] == "Enabled"


def test_private_endpoint_is_closed_in_the_resource_and_in_the_traffic_template(isolated: PlanResult) -> None:
    assert by_name(isolated, "demo-endpoint").inputs["properties"]["publicNetworkAccess"] == "Disabled"
    template = by_name(isolated, "demo-traffic").inputs["properties"]["template"]["resources"][0]
    assert template["properties"]["publicNetworkAccess"] == "Disabled"


def test_deployer_ip_ranges_open_the_storage_firewall_to_them_only() -> None:
    result = plan_cluster(cluster_args(ready(), network_isolation=private(deployer_ip_ranges=["203.0.113.0/24"])))
    storage = by_name(result, "demo-storage").inputs
    assert storage["publicNetworkAccess"] == "Enabled"
    assert storage["networkRuleSet"]["defaultAction"] == "Deny"
    assert storage["networkRuleSet"]["ipRules"] == [{"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}]
    assert not errors(check_plan(result))  # a dict here once sent ip_address_or_range, which Azure ignores


def test_inbound_private_endpoints_for_workspace_and_blob_storage(isolated: PlanResult) -> None:
    workspace_pe = by_name(isolated, "demo-workspace-pe").inputs
    assert workspace_pe["subnet"] == {"id": SUBNET}
    connection = workspace_pe["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["amlworkspace"]
    assert connection["privateLinkServiceId"] == id_of(isolated, "demo-workspace")
    blob_pe = by_name(isolated, "demo-storage-blob-pe").inputs
    assert blob_pe["privateLinkServiceConnections"][0]["groupIds"] == ["blob"]
    assert blob_pe["privateLinkServiceConnections"][0]["privateLinkServiceId"] == id_of(isolated, "demo-storage")
    zones = {r.inputs["privateZoneName"]: r for r in of_type(isolated, ":PrivateZone")}
    assert set(zones) == {
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
        "privatelink.blob.core.windows.net",
    }
    assert all(z.inputs["location"] == "global" for z in zones.values())
    links = of_type(isolated, ":VirtualNetworkLink")
    assert len(links) == 3
    assert all(
        link.inputs["virtualNetwork"] == {"id": VNET} and link.inputs["registrationEnabled"] is False for link in links
    )
    group = by_name(isolated, "demo-workspace-pe-dns").inputs
    assert sorted(c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in group["privateDnsZoneConfigs"]) == [
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
    ]
    blob_group = by_name(isolated, "demo-storage-blob-pe-dns").inputs
    assert [c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in blob_group["privateDnsZoneConfigs"]] == [
        "privatelink.blob.core.windows.net"
    ]


def test_uploads_wait_for_the_storage_private_endpoint(isolated: PlanResult) -> None:
    for blob in of_type(isolated, "storage:Blob"):
        assert depends(blob, isolated, "demo-storage-blob-pe"), blob.name


def test_existing_dns_zones_are_used_not_created() -> None:
    network = private()
    network["private_endpoint"] = {
        "subnet_id": SUBNET,
        "virtual_network_id": VNET.replace("/vnet", "/hub-vnet"),
        "dns_zone_ids": {"privatelink.api.azureml.ms": EXISTING_ZONE},
    }
    result = plan_cluster(cluster_args(ready(), network_isolation=network))
    assert sorted(r.inputs["privateZoneName"] for r in of_type(result, ":PrivateZone")) == [
        "privatelink.blob.core.windows.net",
        "privatelink.notebooks.azure.net",
    ]
    configs = by_name(result, "demo-workspace-pe-dns").inputs["privateDnsZoneConfigs"]
    assert EXISTING_ZONE in [c["privateDnsZoneId"] for c in configs]
    assert all(
        link.inputs["virtualNetwork"]["id"].endswith("/hub-vnet") for link in of_type(result, ":VirtualNetworkLink")
    )


def test_outbound_rules_are_created_one_by_one_before_provisioning(isolated: PlanResult) -> None:
    rules = {r.inputs["ruleName"]: r for r in of_type(isolated, ":ManagedNetworkSettingsRule")}
    assert rules["features"].inputs["properties"] == {
        "type": "PrivateEndpoint",
        "category": "UserDefined",
        "destination": {"serviceResourceId": REMOTE_STORAGE, "subresourceTarget": "blob", "sparkEnabled": False},
    }
    assert rules["monitor"].inputs["properties"]["destination"] == {
        "serviceTag": "AzureMonitor",
        "protocol": "TCP",
        "portRanges": "443",
        "action": "Allow",
    }
    assert rules["pypi"].inputs["properties"] == {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"}
    assert rules["monitor"].urn in rules["pypi"].dependencies and rules["features"].urn in rules["monitor"].dependencies
    provisioning = by_name(isolated, "demo-managed-network")
    assert all(r.urn in provisioning.dependencies for r in rules.values())
    assert provisioning.inputs["outboundRules"] == ["features", "monitor", "pypi"]
    assert depends(by_name(isolated, "demo-blue"), isolated, "demo-managed-network")


def test_private_endpoint_rules_get_the_approver_role_on_their_target_first(isolated: PlanResult) -> None:
    approver = by_name(isolated, "demo-outbound-features-approver")
    assert approver.inputs["scope"] == REMOTE_STORAGE
    assert approver.inputs["roleDefinitionId"] == (
        f"{OTHER_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{AI_NETWORK_CONNECTION_APPROVER_ROLE}"
    )
    assert approver.inputs["principalId"] == principal_of(isolated, "demo-workspace", "workspaceName")
    assert approver.urn in by_name(isolated, "demo-outbound-features").dependencies
    assert not [r for r in of_type(isolated, ":RoleAssignment") if "outbound-monitor" in r.name]


def test_a_changed_rule_set_provisions_the_network_again() -> None:
    provider = _Provider()
    old = {"workspaceId": "/w", "includeSpark": False}
    same = provider.diff("id", old, dict(old))
    assert not same.changes
    added = provider.diff("id", old, {**old, "outboundRules": ["pypi"]})
    assert added.changes and added.replaces == ["outboundRules"]
    removed = provider.diff("id", {**old, "outboundRules": ["pypi"]}, old)
    assert removed.replaces == ["outboundRules"]


def test_created_user_assigned_identity_goes_into_endpoint_and_template(isolated: PlanResult) -> None:
    identity = by_name(isolated, "demo-endpoint-identity")
    assert identity.type == "azure-native:managedidentity:UserAssignedIdentity"
    identity_id = id_of(isolated, "demo-endpoint-identity")
    endpoint = by_name(isolated, "demo-endpoint")
    assert endpoint.inputs["endpointName"] + "-identity" == identity.inputs["resourceName"]
    assert endpoint.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [identity_id]}
    template = by_name(isolated, "demo-traffic").inputs["properties"]["template"]["resources"][0]
    assert template["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}}


def test_user_assigned_identity_gets_the_three_roles_azure_gives_a_system_assigned_one(isolated: PlanResult) -> None:
    principal = principal_of(isolated, "demo-endpoint-identity", "resourceName")
    grants = {r.name: r for r in of_type(isolated, ":RoleAssignment") if r.name.startswith("demo-endpoint-")}
    assert {n: role_of(g) for n, g in grants.items()} == {
        "demo-endpoint-blob-reader": STORAGE_BLOB_DATA_READER_ROLE,
        "demo-endpoint-acr-pull": ACR_PULL_ROLE,
        "demo-endpoint-metrics-writer": AZUREML_METRICS_WRITER_ROLE,
    }
    assert all(g.inputs["principalId"] == principal for g in grants.values())
    assert grants["demo-endpoint-blob-reader"].inputs["scope"] == id_of(isolated, "demo-storage")
    assert grants["demo-endpoint-acr-pull"].inputs["scope"] == id_of(isolated, "demo-registry")
    assert grants["demo-endpoint-metrics-writer"].inputs["scope"] == id_of(isolated, "demo-workspace")
    deployment = by_name(isolated, "demo-blue")
    assert all(g.urn in deployment.dependencies for g in grants.values())


def test_existing_user_assigned_identity_is_looked_up_not_created() -> None:
    result = plan_cluster(
        cluster_args(endpoint={"identity": {"type": "user_assigned", "user_assigned_identity_id": IDENTITY}})
    )
    assert not of_type(result, ":UserAssignedIdentity")
    assert by_name(result, "demo-endpoint").inputs["identity"]["userAssignedIdentities"] == [IDENTITY]
    reader = by_name(result, "demo-endpoint-blob-reader")
    assert reader.inputs["principalId"]  # the principal id the getUserAssignedIdentity invoke answered
    assert not errors(check_plan(result))


def test_system_assigned_identity_keeps_no_role_assignments(default: PlanResult) -> None:
    assert by_name(default, "demo-endpoint").inputs["identity"] == {"type": "SystemAssigned"}
    assert not of_type(default, ":RoleAssignment")


def test_secrets_reach_deployments_as_references_only(isolated: PlanResult) -> None:
    env = by_name(isolated, "demo-blue").inputs["properties"]["environmentVariables"]
    assert env["API_KEY"] == "${{keyvault:https://kv-app.vault.azure.net/secrets/upstream-api-key/" + VERSION + "}}"
    # The other variables are the identity's client id and value-fixes' response-logging switch; no secret value.
    assert set(env) == {"API_KEY", "AZURE_CLIENT_ID", "APP_INSIGHTS_LOG_RESPONSE_ENABLED"}


def test_a_user_assigned_identity_is_named_to_code_in_the_container(isolated: PlanResult) -> None:
    """azure-identity asks for a user-assigned identity's token by its client id (AZURE_CLIENT_ID)."""
    identity = by_name(isolated, "demo-endpoint-identity").inputs["resourceName"]
    env = by_name(isolated, "demo-blue").inputs["properties"]["environmentVariables"]
    assert env["AZURE_CLIENT_ID"] == stable_uuid("client", identity)
    own = tiny_deployment("blue", traffic_percent=100, environment_variables={"AZURE_CLIENT_ID": "mine"})
    result = plan_cluster(cluster_args(own, endpoint={"identity": "user_assigned"}))
    assert by_name(result, "demo-blue").inputs["properties"]["environmentVariables"]["AZURE_CLIENT_ID"] == "mine"
    plain = plan_cluster(cluster_args())
    assert "AZURE_CLIENT_ID" not in (by_name(plain, "demo-blue").inputs["properties"].get("environmentVariables") or {})


def test_backing_services_grant_the_user_assigned_identity() -> None:
    result = plan_cluster(cluster_args(backing_services={"cache": {}}, endpoint={"identity": "user_assigned"}))
    access = next(r for r in result.resources if r.type.endswith("redisenterprise:AccessPolicyAssignment"))
    assert access.inputs["user"]["objectId"] == principal_of(result, "demo-endpoint-identity", "resourceName")


def test_the_endpoint_identity_reads_each_referenced_secret_before_deployments(isolated: PlanResult) -> None:
    grant = by_name(isolated, "demo-secret-api-reader")
    assert grant.inputs["scope"] == f"{VAULT}/secrets/upstream-api-key"
    assert role_of(grant) == KEY_VAULT_SECRETS_USER_ROLE
    assert grant.inputs["principalId"] == principal_of(isolated, "demo-endpoint-identity", "resourceName")
    assert grant.urn in by_name(isolated, "demo-blue").dependencies


def test_a_system_assigned_identity_reads_secrets_too() -> None:
    blue = tiny_deployment("blue", traffic_percent=100, secret_environment_variables={"API_KEY": "api"})
    result = plan_cluster(cluster_args(blue, secrets={"api": secret()}))
    principal = principal_of(result, "demo-endpoint", "endpointName")
    assert by_name(result, "demo-secret-api-reader").inputs["principalId"] == principal


def test_grant_none_and_unused_secrets_create_no_assignment() -> None:
    blue = tiny_deployment("blue", traffic_percent=100, secret_environment_variables={"API_KEY": "api"})
    result = plan_cluster(
        cluster_args(blue, secrets={"api": secret(grant="none"), "unused": secret(secret_name="other")})
    )
    assert not of_type(result, ":RoleAssignment")
    assert "keyvault:" in by_name(result, "demo-blue").inputs["properties"]["environmentVariables"]["API_KEY"]


def test_storage_identity_auth_and_shared_key_access_reach_azure() -> None:
    registered = tiny_deployment(
        "blue",
        traffic_percent=100,
        model={"asset_id": "azureml://registries/azureml/models/iris/versions/1"},
        code={"asset_id": "azureml://registries/azureml/codes/iris-src/versions/1", "scoring_script": "score.py"},
    )
    result = plan_cluster(
        cluster_args(registered, workspace={"datastore_auth": "identity", "storage_shared_key_access": "disabled"})
    )
    assert by_name(result, "demo-storage").inputs["allowSharedKeyAccess"] is False
    assert by_name(result, "demo-workspace").inputs["systemDatastoresAuthMode"] == "Identity"
    assert not of_type(result, "storage:Blob")


def test_defaults_send_azures_storage_auth(default: PlanResult) -> None:
    assert by_name(default, "demo-storage").inputs["allowSharedKeyAccess"] is True
    assert "systemDatastoresAuthMode" not in by_name(default, "demo-workspace").inputs


def test_app_insights_local_auth_is_off_when_nothing_logs_with_the_key(default: PlanResult) -> None:
    assert "disableLocalAuth" not in by_name(default, "demo-appinsights").inputs
    quiet = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100, app_insights_enabled=False)))
    assert by_name(quiet, "demo-appinsights").inputs["disableLocalAuth"] is True


def test_dependencies_send_their_logs_to_log_analytics(default: PlanResult) -> None:
    targets = {
        "demo-workspace-diagnostics": id_of(default, "demo-workspace"),
        "demo-keyvault-diagnostics": id_of(default, "demo-keyvault"),
        "demo-registry-diagnostics": id_of(default, "demo-registry"),
        "demo-storage-blob-diagnostics": id_of(default, "demo-storage") + "/blobServices/default",
    }
    logs = id_of(default, "demo-logs")
    for name, uri in targets.items():
        setting = by_name(default, name).inputs
        assert setting["resourceUri"] == uri
        assert setting["workspaceId"] == logs
        assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
        assert setting["metrics"] == [{"category": "AllMetrics", "enabled": True}]


@pytest.mark.parametrize(
    "extra",
    [
        {"diagnostics": {"enabled": False}},
        {"existing_workspace": {"name": "theirs"}, "diagnostics": {"log_analytics_workspace_id": "/subscriptions/s/x"}},
    ],
)
def test_no_dependency_diagnostics_when_off_or_not_ours(extra: dict[str, Any]) -> None:
    result = plan_cluster(cluster_args(**extra))
    assert not [r for r in of_type(result, ":DiagnosticSetting") if r.name != "demo-endpoint-diagnostics"]


def test_a_private_region_cannot_sit_behind_a_global_load_balancer() -> None:
    from ml_inference_lb import InferenceClusterArgsError
    from ml_inference_lb.global_lb.build import build_global_spec

    args = {
        "resource_group_name": "rg",
        "regions": [
            {
                "location": "westeurope",
                "cluster": cluster_args(ready(), network_isolation=private(), endpoint={"auth_mode": "aad_token"}),
            },
        ],
    }
    args["regions"][0]["cluster"].pop("resource_group_name")
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_global_spec("svc", args)
    paths = {p.path: p.message for p in caught.value.problems}
    assert "network_isolation 'managed'" in paths["regions[0].cluster.network_isolation"]
