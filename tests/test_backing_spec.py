"""backing_services args → spec: defaults, every rule with its args path, and the connection contract."""

from __future__ import annotations

import os
from typing import Any

import pytest
from conftest import cluster_args, tiny_deployment

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.spec import DatabaseUseSpec, DeploymentBackingSpec, ExistingCacheSpec, NewDatabaseServerSpec
from ml_inference_lb.spec.connection import (
    PASSWORD_VARIABLES,
    PostgresEndpoint,
    RedisEndpoint,
    connection_environment,
    without_passwords,
)

REDIS_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/shared"
PG_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/shared"


def backing(**services: Any) -> dict[str, Any]:
    return cluster_args(backing_services=services)


def problems_of(args: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", args)
    return {p.path: p.message for p in caught.value.problems}


def test_defaults_new_cache_and_database_used_by_every_deployment() -> None:
    spec = build_spec("demo", backing(cache={}, database={}))
    assert spec.backing is not None and spec.backing.cache is not None and spec.backing.database is not None
    cache = spec.backing.cache
    assert (cache.service.sku, cache.service.high_availability, cache.clustering_policy) == (  # type: ignore[union-attr]
        "Balanced_B0",
        True,
        "EnterpriseCluster",
    )
    assert cache.database_name == "default" and not cache.cluster_mode
    server = spec.backing.database.server
    assert isinstance(server, NewDatabaseServerSpec)
    assert (server.version, server.tier, server.sku, server.storage_size_gb, server.high_availability) == (
        "17",
        "Burstable",
        "Standard_B1ms",
        32,
        "Disabled",
    )
    assert server.name is None and server.name_prefix == "demo-pg"
    assert [db.name for db in spec.backing.database.databases] == ["app"]
    assert spec.backing.database.access == "administrator"
    # The new workspace has a managed network by default, so the services are reached privately.
    assert spec.backing.connectivity == "private_endpoint"
    assert spec.deployments[0].backing == DeploymentBackingSpec(
        cache=True, database=DatabaseUseSpec(database="app", schema=None)
    )


def test_without_backing_services_nothing_changes() -> None:
    spec = build_spec("demo", cluster_args())
    assert spec.backing is None
    assert not spec.deployments[0].backing.uses_any


def test_deployments_choose_services_database_and_schema() -> None:
    args = cluster_args(
        tiny_deployment(
            "blue", traffic_percent=100, backing_services={"database": {"name": "features", "schema": "v2"}}
        ),
        tiny_deployment("green", backing_services={"cache": False, "database": False}),
        backing_services={"cache": {}, "database": {"databases": [{"name": "app"}, {"name": "features"}]}},
    )
    blue, green = build_spec("demo", args).deployments
    assert blue.backing == DeploymentBackingSpec(cache=True, database=DatabaseUseSpec("features", "v2"))
    assert not green.backing.uses_any


def test_existing_services_by_id() -> None:
    spec = build_spec(
        "demo",
        backing(
            cache={"id": REDIS_ID, "clustering_policy": "OSSCluster"}, database={"id": PG_ID}, connectivity="public"
        ),
    )
    assert spec.backing is not None and spec.backing.cache is not None
    assert spec.backing.cache.service == ExistingCacheSpec(id=REDIS_ID)
    assert spec.backing.cache.cluster_mode
    assert spec.backing.connectivity == "public"


def test_connectivity_defaults_follow_the_workspace_network() -> None:
    spec = build_spec("demo", backing(cache={}) | {"workspace": {"isolation_mode": "Disabled"}})
    assert spec.backing is not None and spec.backing.connectivity == "public"


@pytest.mark.parametrize(
    ("services", "path", "fragment"),
    [
        ({}, "backing_services", "declares no service"),
        ({"cache": {"sku": "Enterprise_E10"}}, "backing_services.cache.sku", "retire on 2027-03-31"),
        ({"cache": {"sku": "C1"}}, "backing_services.cache.sku", "not an Azure Managed Redis SKU"),
        (
            {"cache": {"sku": "Balanced_B50", "clustering_policy": "NoCluster"}},
            "backing_services.cache.clustering_policy",
            "25 GB or less",
        ),
        ({"cache": {"name": "-bad"}}, "backing_services.cache.name", "1-60 letters"),
        (
            {"cache": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/old"}},
            "backing_services.cache.id",
            "retires on 2028-09-30",
        ),
        ({"cache": {"id": REDIS_ID, "sku": "Balanced_B1"}}, "backing_services.cache.sku", "with id"),
        ({"cache": {"database_name": "x"}}, "backing_services.cache.database_name", "goes with id"),
        ({"cache": {"typo": 1}}, "backing_services.cache.typo", "unknown field"),
        ({"database": {"name": "Upper"}}, "backing_services.database.name", "lowercase"),
        ({"database": {"tier": "GeneralPurpose"}}, "backing_services.database.sku", "required with tier"),
        (
            {"database": {"tier": "GeneralPurpose", "sku": "Standard_B2s"}},
            "backing_services.database.sku",
            "not a GeneralPurpose compute size",
        ),
        ({"database": {"high_availability": "same_zone"}}, "backing_services.database.high_availability", "Burstable"),
        (
            {"database": {"tier": "GeneralPurpose", "sku": "Standard_D2ds_v5", "zone": "1", "standby_zone": "2"}},
            "backing_services.database.standby_zone",
            "goes with high_availability 'zone_redundant'",
        ),
        ({"database": {"storage_size_gb": 16}}, "backing_services.database.storage_size_gb", "32"),
        ({"database": {"version": "9.6"}}, "backing_services.database.version", "must be one of"),
        ({"database": {"id": PG_ID, "tier": "Burstable"}}, "backing_services.database.tier", "with id"),
        ({"database": {"id": "not-an-id"}}, "backing_services.database.id", "PostgreSQL flexible server"),
        (
            {"database": {"databases": [{"name": "Bad-Name"}]}},
            "backing_services.database.databases[0].name",
            "lowercase",
        ),
        (
            {"database": {"databases": [{"name": "a"}, {"name": "a"}]}},
            "backing_services.database.databases[1].name",
            "listed twice",
        ),
        ({"database": {"databases": []}}, "backing_services.database.databases", "at least one"),
        (
            {"database": {"databases": [{"name": "a", "seed": ["seed.txt"]}]}},
            "backing_services.database.databases[0].seed[0]",
            ".sql",
        ),
        (
            {"database": {"databases": [{"name": "a", "seed": ["missing.sql"]}]}},
            "backing_services.database.databases[0].seed[0]",
            "is not a file",
        ),
        ({"database": {"access": "owner"}}, "backing_services.database.access", "must be one of"),
        ({"cache": {}, "connectivity": "vpn"}, "backing_services.connectivity", "must be one of"),
    ],
)
def test_invalid_backing_services_are_reported_with_their_path(
    services: dict[str, Any], path: str, fragment: str
) -> None:
    problems = problems_of(backing(**services))
    assert path in problems, problems
    assert fragment in problems[path]


def test_zone_redundant_standby_zone_must_differ() -> None:
    database = {
        "tier": "GeneralPurpose",
        "sku": "Standard_D2ds_v5",
        "high_availability": "zone_redundant",
        "zone": "2",
        "standby_zone": "2",
    }
    assert "must differ" in problems_of(backing(database=database))["backing_services.database.standby_zone"]
    database["standby_zone"] = "3"
    server = build_spec("demo", backing(database=database)).backing.database.server  # type: ignore[union-attr]
    assert (server.high_availability, server.zone, server.standby_zone) == ("ZoneRedundant", "2", "3")  # type: ignore[union-attr]


def test_connectivity_combinations_azure_cannot_serve() -> None:
    private_without_managed_network = backing(cache={}, connectivity="private_endpoint") | {
        "workspace": {"isolation_mode": "Disabled"}
    }
    assert "managed network" in problems_of(private_without_managed_network)["backing_services.connectivity"]
    public_with_approved_outbound = backing(cache={}, connectivity="public") | {
        "workspace": {"isolation_mode": "AllowOnlyApprovedOutbound"}
    }
    assert "ports 80 and 443" in problems_of(public_with_approved_outbound)["backing_services.connectivity"]
    existing_workspace = backing(cache={}) | {"existing_workspace": {"name": "ws"}, "diagnostics": {"enabled": False}}
    assert "required with existing_workspace" in problems_of(existing_workspace)["backing_services.connectivity"]


def test_deployment_use_errors() -> None:
    args = cluster_args(
        tiny_deployment(
            "blue",
            traffic_percent=100,
            backing_services={"database": {"name": "other", "schema": "Bad Schema"}, "extra": 1},
            environment_variables={"PGHOST": "x", "REDIS_HOST": "y", "OTHER": "z"},
        ),
        backing_services={"cache": {}, "database": {}},
    )
    problems = problems_of(args)
    assert "not one of" in problems["deployments[0].backing_services.database.name"]
    assert "lowercase" in problems["deployments[0].backing_services.database.schema"]
    assert "unknown field" in problems["deployments[0].backing_services.extra"]
    assert "set by the library" in problems["deployments[0].environment_variables.PGHOST"]
    assert "set by the library" in problems["deployments[0].environment_variables.REDIS_HOST"]
    assert "deployments[0].environment_variables.OTHER" not in problems


def test_deployment_cannot_use_an_undeclared_service() -> None:
    args = cluster_args(tiny_deployment("blue", traffic_percent=100, backing_services={"cache": True}))
    assert "declares no backing_services" in problems_of(args)["deployments[0].backing_services"]
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=100, backing_services={"cache": True}),
        backing_services={"database": {}},
    )
    assert "no backing_services.cache" in problems_of(args)["deployments[0].backing_services.cache"]


def test_inference_pool_backend_rejects_backing_services() -> None:
    args = backing(cache={}) | {"backend": "inference_pool"}
    assert "inference_pool" in problems_of(args)["backing_services"]


def test_seed_files_are_resolved_against_the_project(tmp_path: Any) -> None:
    (tmp_path / "seed.sql").write_text("select 1;")
    (tmp_path / "load.py").write_text("print(1)")
    spec = build_spec(
        "demo",
        backing(database={"databases": [{"name": "features", "seed": ["seed.sql", "load.py"]}]}),
        base_dir=str(tmp_path),
    )
    steps = spec.backing.database.databases[0].seed  # type: ignore[union-attr]
    assert [(os.path.basename(s.path), s.kind) for s in steps] == [("seed.sql", "sql"), ("load.py", "python")]
    assert all(os.path.isabs(s.path) for s in steps)


# --- the connection contract ---------------------------------------------------------------------------------


def test_contract_azure_environment_has_libpq_names_and_no_password() -> None:
    uses = DeploymentBackingSpec(cache=True, database=DatabaseUseSpec("features", "v2"))
    env = connection_environment(
        "blue",
        uses,
        PostgresEndpoint(host="pg.postgres.database.azure.com", port=5432, user="ep-identity", sslmode="require"),
        RedisEndpoint(host="c.westeurope.redis.azure.net", port=10000, ssl=True, cluster=False, username="oid"),
    )
    assert env == {
        "PGHOST": "pg.postgres.database.azure.com",
        "PGPORT": "5432",
        "PGDATABASE": "features",
        "PGUSER": "ep-identity",
        "PGSSLMODE": "require",
        "PGAPPNAME": "blue",
        "PGOPTIONS": "-c search_path=v2",
        "REDIS_HOST": "c.westeurope.redis.azure.net",
        "REDIS_PORT": "10000",
        "REDIS_SSL": "true",
        "REDIS_CLUSTER": "false",
        "REDIS_USERNAME": "oid",
    }
    assert not set(env) & set(PASSWORD_VARIABLES)


def test_contract_local_environment_carries_passwords_and_leaves_out_unused_services() -> None:
    local_pg = PostgresEndpoint(host="127.0.0.1", port=55432, user="app", sslmode="disable", password="pw1")
    local_redis = RedisEndpoint(host="127.0.0.1", port=56379, ssl=False, cluster=False, password="pw2")
    env = connection_environment(
        "blue", DeploymentBackingSpec(cache=True, database=DatabaseUseSpec("app", None)), local_pg, local_redis
    )
    assert env["PGPASSWORD"] == "pw1" and env["REDIS_PASSWORD"] == "pw2"
    assert "PGOPTIONS" not in env and "REDIS_USERNAME" not in env
    assert "pw1" not in without_passwords(env).values()
    only_db = connection_environment(
        "blue", DeploymentBackingSpec(cache=False, database=DatabaseUseSpec("app", None)), local_pg, local_redis
    )
    assert not any(k.startswith("REDIS_") for k in only_db)


def test_contract_refuses_a_used_service_without_an_endpoint() -> None:
    with pytest.raises(ValueError, match="no Redis endpoint"):
        connection_environment("blue", DeploymentBackingSpec(cache=True, database=None), None, None)
