"""The Azure side of backing_services under Pulumi's mocks: every resource, grant and option."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb import InferenceCluster
from ml_inference_lb.plan import PlanResult, run
from ml_inference_lb.plan.engine import RegisteredResource

REDIS_ID = "/subscriptions/s2/resourceGroups/rg-shared/providers/Microsoft.Cache/redisEnterprise/shared-cache"
PG_ID = "/subscriptions/s2/resourceGroups/rg-shared/providers/Microsoft.DBforPostgreSQL/flexibleServers/shared-pg"
APPROVER_ROLE = "b556d68e-0be0-4f35-a333-ad7ee1ce17ea"


def plan_backing(services: dict[str, Any], *deployments: dict[str, Any], **overrides: Any) -> PlanResult:
    return plan_cluster(cluster_args(*deployments, backing_services=services, **overrides))


def one(result: PlanResult, type_suffix: str, name: str | None = None) -> RegisteredResource:
    found = [r for r in result.resources if r.type.endswith(type_suffix) and (name is None or r.name == name)]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def none_of(result: PlanResult, type_suffix: str) -> bool:
    return not any(r.type.endswith(type_suffix) for r in result.resources)


def endpoint_principal(result: PlanResult) -> str:
    endpoint = one(result, ":OnlineEndpoint")
    return str(endpoint.inputs["endpointName"])


def env_of(result: PlanResult, deployment: str = "blue") -> dict[str, str]:
    resource = one(result, ":OnlineDeployment", f"demo-{deployment}")
    return dict(resource.inputs["properties"].get("environmentVariables") or {})


def test_new_cache_azure_managed_redis_with_entra_only_access() -> None:
    result = plan_backing({"cache": {}})
    cluster = one(result, "redisenterprise:RedisEnterprise")
    assert cluster.name == "demo-redis"
    assert cluster.inputs["clusterName"].startswith("demo-redis-")
    assert cluster.inputs["sku"] == {"name": "Balanced_B0"}
    assert cluster.inputs["highAvailability"] == "Enabled"
    assert cluster.inputs["minimumTlsVersion"] == "1.2"
    assert cluster.inputs["publicNetworkAccess"] == "Disabled"  # managed network by default: private
    database = one(result, "redisenterprise:Database")
    assert database.inputs == {
        "clusterName": cluster.inputs["clusterName"],
        "resourceGroupName": "rg-test",
        "databaseName": "default",
        "clientProtocol": "Encrypted",
        "port": 10000,
        "clusteringPolicy": "EnterpriseCluster",
        "evictionPolicy": "VolatileLRU",
        "accessKeysAuthentication": "Disabled",
    }
    access = one(result, "redisenterprise:AccessPolicyAssignment")
    endpoint_identity = one(result, ":OnlineEndpoint")
    assert access.inputs["accessPolicyName"] == "default"
    assert access.inputs["databaseName"] == "default"
    assert access.inputs["user"]["objectId"]  # the endpoint identity's principal id (mocked)
    assert database.urn in access.dependencies
    assert endpoint_identity.urn in access.dependencies  # the principal id comes from the endpoint


def test_cache_options_reach_azure() -> None:
    result = plan_backing(
        {
            "cache": {
                "name": "my-cache",
                "sku": "ComputeOptimized_X5",
                "high_availability": False,
                "clustering_policy": "OSSCluster",
                "eviction_policy": "AllKeysLRU",
            },
            "connectivity": "public",
        },
        workspace={"isolation_mode": "Disabled"},
    )
    cluster = one(result, "redisenterprise:RedisEnterprise")
    assert (cluster.inputs["clusterName"], cluster.inputs["sku"]["name"], cluster.inputs["highAvailability"]) == (
        "my-cache",
        "ComputeOptimized_X5",
        "Disabled",
    )
    assert cluster.inputs["publicNetworkAccess"] == "Enabled"
    database = one(result, "redisenterprise:Database")
    assert (database.inputs["clusteringPolicy"], database.inputs["evictionPolicy"]) == ("OSSCluster", "AllKeysLRU")
    assert not any(r.name == "demo-redis-suffix" for r in result.resources)  # a given name needs no suffix
    env = env_of(result)
    assert (env["REDIS_HOST"], env["REDIS_CLUSTER"]) == ("my-cache.westeurope.redis.azure.net", "true")


def test_existing_cache_is_only_granted_to() -> None:
    result = plan_backing(
        {"cache": {"id": REDIS_ID}, "connectivity": "public"}, workspace={"isolation_mode": "Disabled"}
    )
    assert none_of(result, "redisenterprise:RedisEnterprise") and none_of(result, "redisenterprise:Database")
    access = one(result, "redisenterprise:AccessPolicyAssignment")
    assert (access.inputs["clusterName"], access.inputs["resourceGroupName"]) == ("shared-cache", "rg-shared")
    assert env_of(result)["REDIS_HOST"] == "shared-cache.westeurope.redis.azure.net"  # from getRedisEnterprise


def test_new_postgres_server_entra_only_with_databases_and_the_endpoint_as_entra_admin() -> None:
    result = plan_backing({"database": {"databases": [{"name": "features"}, {"name": "audit"}]}})
    server = one(result, "dbforpostgresql:Server")
    assert server.inputs["serverName"].startswith("demo-pg-")
    assert server.inputs["authConfig"] == {
        "activeDirectoryAuth": "Enabled",
        "passwordAuth": "Disabled",
        "tenantId": "11111111-1111-1111-1111-111111111111",
    }
    assert "administratorLogin" not in server.inputs and "administratorLoginPassword" not in server.inputs
    assert server.inputs["network"] == {"publicNetworkAccess": "Disabled"}
    assert (server.inputs["version"], server.inputs["sku"]) == ("17", {"name": "Standard_B1ms", "tier": "Burstable"})
    assert server.inputs["storage"] == {"storageSizeGB": 32, "autoGrow": "Enabled"}
    assert server.inputs["highAvailability"] == {"mode": "Disabled"}
    features = one(result, "dbforpostgresql:Database", "demo-postgres-db-features")
    audit = one(result, "dbforpostgresql:Database", "demo-postgres-db-audit")
    assert (features.inputs["databaseName"], features.inputs["charset"]) == ("features", "UTF8")
    # One management operation at a time on the server: each child waits for the one before.
    assert features.urn in audit.dependencies
    admin = one(result, "dbforpostgresql:AdministratorsMicrosoftEntra")
    assert admin.inputs["principalType"] == "ServicePrincipal"
    assert admin.inputs["principalName"] == endpoint_principal(result)
    assert audit.urn in admin.dependencies
    assert none_of(result, "dbforpostgresql:FirewallRule")  # private: no public rule


def test_postgres_high_availability_zones_and_size() -> None:
    database = {
        "name": "my-db-server",
        "tier": "MemoryOptimized",
        "sku": "Standard_E4ds_v5",
        "version": "16",
        "storage_size_gb": 256,
        "high_availability": "zone_redundant",
        "zone": "1",
        "standby_zone": "3",
    }
    server = one(plan_backing({"database": database}), "dbforpostgresql:Server")
    assert server.inputs["serverName"] == "my-db-server"
    assert server.inputs["highAvailability"] == {"mode": "ZoneRedundant", "standbyAvailabilityZone": "3"}
    assert server.inputs["availabilityZone"] == "1"
    assert server.inputs["sku"] == {"name": "Standard_E4ds_v5", "tier": "MemoryOptimized"}
    assert (server.inputs["version"], server.inputs["storage"]["storageSizeGB"]) == ("16", 256)


def test_manual_access_grants_nothing_but_a_named_administrator() -> None:
    admin = {
        "object_id": "00000000-aaaa-bbbb-cccc-000000000001",
        "principal_name": "dba-team",
        "principal_type": "group",
    }
    result = plan_backing({"database": {"access": "manual", "administrator": admin}})
    only = one(result, "dbforpostgresql:AdministratorsMicrosoftEntra")
    assert only.name == "demo-postgres-administrator"
    assert (only.inputs["objectId"], only.inputs["principalName"], only.inputs["principalType"]) == (
        admin["object_id"],
        "dba-team",
        "Group",
    )
    assert env_of(result)["PGUSER"] == endpoint_principal(result)  # the role a DBA creates for the identity


def test_existing_postgres_server_is_only_granted_to() -> None:
    result = plan_backing(
        {"database": {"id": PG_ID, "databases": [{"name": "features"}]}, "connectivity": "public"},
        workspace={"isolation_mode": "Disabled"},
    )
    assert none_of(result, "dbforpostgresql:Server") and none_of(result, "dbforpostgresql:Database")
    assert none_of(result, "dbforpostgresql:FirewallRule")  # the library leaves an existing server's network alone
    admin = one(result, "dbforpostgresql:AdministratorsMicrosoftEntra")
    assert (admin.inputs["serverName"], admin.inputs["resourceGroupName"]) == ("shared-pg", "rg-shared")
    assert env_of(result)["PGHOST"] == "shared-pg.postgres.database.azure.com"  # from getServer


def test_public_connectivity_admits_azure_services_to_postgres_and_adds_no_outbound_rule() -> None:
    result = plan_backing({"cache": {}, "database": {}}, workspace={"isolation_mode": "Disabled"})
    rule = one(result, "dbforpostgresql:FirewallRule")
    assert (rule.inputs["startIpAddress"], rule.inputs["endIpAddress"]) == ("0.0.0.0", "0.0.0.0")
    assert one(result, "dbforpostgresql:Server").inputs["network"] == {"publicNetworkAccess": "Enabled"}
    assert one(result, "redisenterprise:RedisEnterprise").inputs["publicNetworkAccess"] == "Enabled"
    assert none_of(result, ":ManagedNetworkSettingsRule") and none_of(result, "authorization:RoleDefinition")


def test_private_endpoints_through_the_managed_network_with_approval_rights() -> None:
    result = plan_backing({"cache": {}, "database": {}})
    workspace = one(result, "machinelearningservices:Workspace")
    cache, server = one(result, "redisenterprise:RedisEnterprise"), one(result, "dbforpostgresql:Server")
    rules = {r.name: r for r in result.resources if r.type.endswith(":ManagedNetworkSettingsRule")}
    assert set(rules) == {"demo-redis-outbound-rule", "demo-postgres-outbound-rule"}
    redis_rule, pg_rule = rules["demo-redis-outbound-rule"], rules["demo-postgres-outbound-rule"]
    assert redis_rule.inputs["workspaceName"] == workspace.inputs["workspaceName"]
    assert redis_rule.inputs["properties"] == {
        "type": "PrivateEndpoint",
        "category": "UserDefined",
        "destination": {
            "serviceResourceId": f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Cache/redisEnterprise/{cache.inputs['clusterName']}",
            "subresourceTarget": "redisEnterprise",
            "sparkEnabled": False,
        },
    }
    assert pg_rule.inputs["properties"]["destination"]["subresourceTarget"] == "postgresqlServer"
    provisioning = one(result, "ManagedNetworkProvisioning")
    assert provisioning.urn in redis_rule.dependencies and provisioning.urn in pg_rule.dependencies
    redis_approver = one(result, "authorization:RoleAssignment", "demo-redis-pe-approver")
    assert redis_approver.inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{APPROVER_ROLE}")
    assert redis_approver.inputs["scope"] == redis_rule.inputs["properties"]["destination"]["serviceResourceId"]
    assert redis_approver.urn in redis_rule.dependencies
    role = one(result, "authorization:RoleDefinition")
    assert role.inputs["permissions"] == [
        {
            "actions": [
                "Microsoft.DBforPostgreSQL/flexibleServers/read",
                "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/read",
                "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnections/write",
                "Microsoft.DBforPostgreSQL/flexibleServers/privateEndpointConnectionsApproval/action",
                "Microsoft.DBforPostgreSQL/flexibleServers/privateLinkResources/read",
            ]
        }
    ]
    assert role.inputs["assignableScopes"] == [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test"
    ]
    assert server.inputs["serverName"] in role.inputs["roleName"]
    pg_approver = one(result, "authorization:RoleAssignment", "demo-postgres-pe-approver")
    assert pg_approver.inputs["roleDefinitionId"].endswith(role.inputs["roleDefinitionId"])
    assert role.urn in pg_approver.dependencies and pg_approver.urn in pg_rule.dependencies
    workspace_principal = {redis_approver.inputs["principalId"], pg_approver.inputs["principalId"]}
    assert len(workspace_principal) == 1 and workspace_principal != {""}


def test_existing_workspace_private_endpoints_use_its_identity() -> None:
    result = plan_backing(
        {"cache": {"id": REDIS_ID}, "connectivity": "private_endpoint"},
        existing_workspace={"name": "shared-ws"},
        diagnostics={"enabled": False},
    )
    rule = one(result, ":ManagedNetworkSettingsRule")
    assert rule.inputs["workspaceName"] == "shared-ws"
    assert rule.inputs["properties"]["destination"]["serviceResourceId"] == REDIS_ID
    approver = one(result, "authorization:RoleAssignment", "demo-redis-pe-approver")
    assert (
        approver.inputs["roleDefinitionId"]
        == f"/subscriptions/s2/providers/Microsoft.Authorization/roleDefinitions/{APPROVER_ROLE}"
    )
    assert approver.inputs["principalId"]


def test_deployments_get_the_contract_variables_and_wait_for_grants_and_paths() -> None:
    result = plan_backing(
        {"cache": {}, "database": {"databases": [{"name": "app"}, {"name": "features"}]}},
        tiny_deployment(
            "blue",
            traffic_percent=100,
            backing_services={"database": {"name": "features", "schema": "v2"}},
            environment_variables={"WORKER_COUNT": "2"},
        ),
        tiny_deployment("green", backing_services={"cache": False}),
    )
    blue, green = env_of(result, "blue"), env_of(result, "green")
    server = one(result, "dbforpostgresql:Server")
    assert blue == {
        "WORKER_COUNT": "2",
        "APP_INSIGHTS_LOG_RESPONSE_ENABLED": "false",  # response bodies stay out of logs by default
        "PGHOST": f"{server.inputs['serverName']}.postgres.database.azure.com",
        "PGPORT": "5432",
        "PGDATABASE": "features",
        "PGUSER": endpoint_principal(result),
        "PGSSLMODE": "require",
        "PGAPPNAME": "blue",
        "PGOPTIONS": "-c search_path=v2",
        "REDIS_HOST": f"{one(result, 'redisenterprise:RedisEnterprise').inputs['clusterName']}.westeurope.redis.azure.net",
        "REDIS_PORT": "10000",
        "REDIS_SSL": "true",
        "REDIS_CLUSTER": "false",
        "REDIS_USERNAME": one(result, "redisenterprise:AccessPolicyAssignment").inputs["user"]["objectId"],
    }
    assert green["PGDATABASE"] == "app" and not any(k.startswith("REDIS_") for k in green)
    waits_for = {
        r.urn
        for r in result.resources
        if r.type.endswith(
            (
                ":AccessPolicyAssignment",
                ":AdministratorsMicrosoftEntra",
                ":ManagedNetworkSettingsRule",
                "dbforpostgresql:Database",
            )
        )
    }
    for name in ("demo-blue", "demo-green"):
        assert waits_for <= set(one(result, ":OnlineDeployment", name).dependencies)


def test_no_password_or_key_anywhere_on_azure() -> None:
    result = plan_backing({"cache": {}, "database": {}})
    for resource in result.resources:
        text = str(resource.inputs).lower()
        assert 'password": "' not in text and "pgpassword" not in text and "redis_password" not in text
        assert "administratorloginpassword" not in text
    assert one(result, "redisenterprise:Database").inputs["accessKeysAuthentication"] == "Disabled"


def test_outputs_are_host_names_and_ids_never_secrets() -> None:
    def program() -> None:
        cluster = InferenceCluster("demo", cluster_args(backing_services={"cache": {}, "database": {}}))
        for key in ("cache_host_name", "cache_id", "database_host_name", "database_id"):
            pulumi.export(key, getattr(cluster, key))

    outputs = run(program).outputs
    assert outputs["cache_host_name"].endswith(".westeurope.redis.azure.net")
    assert outputs["database_host_name"].endswith(".postgres.database.azure.com")
    assert "/providers/Microsoft.Cache/redisEnterprise/" in outputs["cache_id"]
    assert "/providers/Microsoft.DBforPostgreSQL/flexibleServers/" in outputs["database_id"]
    assert "[secret]" not in outputs.values()


def test_without_backing_services_the_outputs_are_none() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        cluster = InferenceCluster("demo", cluster_args())
        seen.update(
            {k: getattr(cluster, k) for k in ("cache_host_name", "cache_id", "database_host_name", "database_id")}
        )

    result = run(program)
    assert set(seen.values()) == {None}
    assert not any("redis" in r.type or "dbforpostgresql" in r.type for r in result.resources)


@pytest.mark.parametrize("services", [{"cache": {}}, {"database": {}}])
def test_one_service_alone(services: dict[str, Any]) -> None:
    result = plan_backing(services)
    env = env_of(result)
    assert ("REDIS_HOST" in env) == ("cache" in services)
    assert ("PGHOST" in env) == ("database" in services)
    assert len([r for r in result.resources if r.type.endswith(":ManagedNetworkSettingsRule")]) == 1
