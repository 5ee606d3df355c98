"""``backing_services`` args → :class:`BackingServicesSpec`, and each deployment's use of them.

Part of the one validation pass of :func:`~ml_inference_lb.spec.build_spec`: every problem is recorded
with its args path, and combinations Azure cannot serve are rejected here, before anything is created.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import backing_rules as rules
from .backing_model import (
    NO_BACKING,
    BackingServicesSpec,
    CacheSpec,
    Connectivity,
    DatabaseSpec,
    DatabaseUseSpec,
    DeploymentBackingSpec,
    EntraAdministratorSpec,
    ExistingCacheSpec,
    ExistingDatabaseServerSpec,
    NewCacheSpec,
    NewDatabaseServerSpec,
    PostgresDatabaseSpec,
    SeedStep,
)
from .connection import reserved_variables
from .model import DeploymentSpec, ExistingWorkspaceSpec, NewWorkspaceSpec
from .names import name_prefix
from .problems import Problems, join

BACKING_FIELDS = ("cache", "database", "connectivity")
NEW_CACHE_FIELDS = ("name", "sku", "high_availability", "eviction_policy")
CACHE_FIELDS = ("id", "database_name", "clustering_policy", *NEW_CACHE_FIELDS)
NEW_SERVER_FIELDS = ("name", "version", "tier", "sku", "storage_size_gb", "high_availability", "zone", "standby_zone")
DATABASE_FIELDS = ("id", "databases", "access", "administrator", *NEW_SERVER_FIELDS)
DEPLOYMENT_BACKING_FIELDS = ("cache", "database")


def build_backing(
    problems: Problems,
    cluster: str,
    raw_value: Any,
    workspace: NewWorkspaceSpec | ExistingWorkspaceSpec,
    base: str,
) -> BackingServicesSpec | None:
    """The cluster's backing services, or None when ``backing_services`` is not given."""
    if raw_value is None:
        return None
    raw = problems.mapping("backing_services", raw_value)
    problems.unknown_keys("backing_services", raw, BACKING_FIELDS)
    cache = _cache(problems, cluster, raw["cache"]) if raw.get("cache") is not None else None
    database = _database(problems, cluster, raw["database"], base) if raw.get("database") is not None else None
    if cache is None and database is None:
        problems.add("backing_services", "declares no service: give cache, database or both (or leave it out)")
    return BackingServicesSpec(cache=cache, database=database, connectivity=_connectivity(problems, raw, workspace))


def _connectivity(
    problems: Problems, raw: Mapping[str, Any], workspace: NewWorkspaceSpec | ExistingWorkspaceSpec
) -> Connectivity:
    path = "backing_services.connectivity"
    given = raw.get("connectivity")
    if given is not None and given not in ("private_endpoint", "public"):
        problems.add(path, f"must be one of 'private_endpoint', 'public', got {given!r}")
        given = None
    if isinstance(workspace, ExistingWorkspaceSpec):
        if given is None:
            problems.add(
                path,
                "required with existing_workspace: the library cannot see whether that workspace has a managed "
                "network. 'private_endpoint' adds private-endpoint outbound rules to it (it needs a managed "
                "network); 'public' uses the services' public endpoints",
            )
            return "private_endpoint"
        return "private_endpoint" if given == "private_endpoint" else "public"
    managed = workspace.isolation_mode != "Disabled"
    if given is None:
        return "private_endpoint" if managed else "public"
    if given == "private_endpoint" and not managed:
        problems.add(
            path,
            "'private_endpoint' needs the workspace's managed network, and workspace.isolation_mode is 'Disabled': "
            "private-endpoint outbound rules exist only in a managed virtual network. Set workspace.isolation_mode "
            "to 'AllowInternetOutbound' or 'AllowOnlyApprovedOutbound', or connectivity to 'public'",
        )
    if given == "public" and workspace.isolation_mode == "AllowOnlyApprovedOutbound":
        problems.add(
            path,
            "'public' cannot work with isolation_mode 'AllowOnlyApprovedOutbound': the deployments could only reach "
            "the services through FQDN outbound rules, and Azure ML allows those on ports 80 and 443 only (PostgreSQL "
            "listens on 5432, Azure Managed Redis on 10000). Use 'private_endpoint'",
        )
    return "private_endpoint" if given == "private_endpoint" else "public"


def _cache(problems: Problems, cluster: str, raw_value: Any) -> CacheSpec:
    path = "backing_services.cache"
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, CACHE_FIELDS)
    policy = problems.choice(
        join(path, "clustering_policy"), raw.get("clustering_policy"), rules.CLUSTERING_POLICIES, "EnterpriseCluster"
    )
    if raw.get("id") is not None:
        _check_id(
            problems, join(path, "id"), raw["id"], rules.REDIS_ID_RE, "an Azure Managed Redis cluster", _redis_hint
        )
        _reject_new_fields(problems, path, raw, NEW_CACHE_FIELDS, "cache")
        database = problems.string(join(path, "database_name"), raw.get("database_name"), rules.REDIS_DATABASE_NAME)
        return CacheSpec(
            service=ExistingCacheSpec(id=raw["id"]),
            database_name=database or rules.REDIS_DATABASE_NAME,
            clustering_policy=policy,  # type: ignore[arg-type]
        )
    if raw.get("database_name") is not None:
        problems.add(
            join(path, "database_name"), "goes with id (an existing cache); a new cache's database is 'default'"
        )
    name = problems.string(join(path, "name"), raw.get("name"))
    if name is not None and not rules.REDIS_NAME_RE.match(name):
        problems.add(
            join(path, "name"),
            f"{name!r} is not a valid Azure Managed Redis name: 1-60 letters, digits and single hyphens, "
            "not starting or ending with a hyphen",
        )
    sku = problems.string(join(path, "sku"), raw.get("sku"), rules.DEFAULT_REDIS_SKU) or rules.DEFAULT_REDIS_SKU
    if sku not in rules.REDIS_SKUS:
        retiring = (
            " (Azure Cache for Redis Enterprise SKUs retire on 2027-03-31)" if sku.startswith("Enterprise") else ""
        )
        problems.add(
            join(path, "sku"),
            f"{sku!r} is not an Azure Managed Redis SKU{retiring}; use Balanced_B0..B1000, MemoryOptimized_M10..M2000, "
            "ComputeOptimized_X3..X700 or FlashOptimized_A250..A4500, e.g. 'Balanced_B0'",
        )
    elif policy == "NoCluster":
        size = rules.REDIS_SKU_GB.get(int(rules.REDIS_SKU_RE.match(sku).group(2)))  # type: ignore[union-attr]
        if size is None or sku.startswith("FlashOptimized"):
            problems.add(
                join(path, "clustering_policy"),
                f"'NoCluster' applies only to caches of {rules.NO_CLUSTER_MAX_GB} GB or less, and {sku} is larger; "
                "use 'EnterpriseCluster' or 'OSSCluster', or a SKU of at most 24 GB (e.g. Balanced_B20)",
            )
    prefix = name_prefix(cluster)
    if name is None and prefix is None:
        problems.add(join(path, "name"), f"cannot derive a cache name from the component name {cluster!r}: set it")
    return CacheSpec(
        service=NewCacheSpec(
            name=name,
            name_prefix=f"{prefix or 'cache'}-redis",
            sku=sku,
            high_availability=problems.boolean(join(path, "high_availability"), raw.get("high_availability"), True),
            eviction_policy=problems.choice(
                join(path, "eviction_policy"), raw.get("eviction_policy"), rules.EVICTION_POLICIES, "VolatileLRU"
            ),
        ),
        database_name=rules.REDIS_DATABASE_NAME,
        clustering_policy=policy,  # type: ignore[arg-type]
    )


def _database(problems: Problems, cluster: str, raw_value: Any, base: str) -> DatabaseSpec:
    path = "backing_services.database"
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, DATABASE_FIELDS)
    server: NewDatabaseServerSpec | ExistingDatabaseServerSpec
    if raw.get("id") is not None:
        _check_id(problems, join(path, "id"), raw["id"], rules.POSTGRES_ID_RE, "a PostgreSQL flexible server", None)
        _reject_new_fields(problems, path, raw, NEW_SERVER_FIELDS, "database server")
        server = ExistingDatabaseServerSpec(id=raw["id"])
    else:
        server = _new_server(problems, cluster, path, raw)
    access = problems.choice(join(path, "access"), raw.get("access"), ("administrator", "manual"), "administrator")
    administrator = _administrator(problems, join(path, "administrator"), raw.get("administrator"))
    if administrator is not None and isinstance(server, ExistingDatabaseServerSpec):
        problems.add(join(path, "administrator"), "goes with a new server; an existing server keeps its administrators")
    if access == "manual" and administrator is None and isinstance(server, NewDatabaseServerSpec):
        problems.add(
            join(path, "administrator"),
            "required with access 'manual' on a new server: its password authentication is off, so without a "
            "Microsoft Entra administrator nobody could sign in to create the endpoint identity's role",
        )
    return DatabaseSpec(
        server=server,
        databases=_databases(problems, join(path, "databases"), raw.get("databases"), base),
        access=access,  # type: ignore[arg-type]
        administrator=administrator,
    )


def _administrator(problems: Problems, path: str, raw_value: Any) -> EntraAdministratorSpec | None:
    if raw_value is None:
        return None
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("object_id", "principal_name", "principal_type"))
    for key in ("object_id", "principal_name"):
        if raw.get(key) is None:
            problems.add(join(path, key), "required")
    kind = problems.choice(
        join(path, "principal_type"), raw.get("principal_type"), ("user", "group", "service_principal"), "user"
    )
    if raw.get("principal_type") is None:
        problems.add(join(path, "principal_type"), "required: 'user', 'group' or 'service_principal'")
    return EntraAdministratorSpec(
        object_id=raw.get("object_id"),
        principal_name=raw.get("principal_name"),
        principal_type={"user": "User", "group": "Group", "service_principal": "ServicePrincipal"}[kind],  # type: ignore[arg-type]
    )


def _new_server(problems: Problems, cluster: str, path: str, raw: Mapping[str, Any]) -> NewDatabaseServerSpec:
    name = problems.string(join(path, "name"), raw.get("name"))
    if name is not None and not rules.POSTGRES_NAME_RE.match(name):
        problems.add(
            join(path, "name"),
            f"{name!r} is not a valid server name: 3-63 lowercase letters, digits and hyphens, "
            "not starting or ending with a hyphen",
        )
    prefix = name_prefix(cluster)
    if name is None and prefix is None:
        problems.add(join(path, "name"), f"cannot derive a server name from the component name {cluster!r}: set it")
    tier = problems.choice(join(path, "tier"), raw.get("tier"), rules.POSTGRES_TIERS, rules.DEFAULT_POSTGRES_TIER)
    default_sku = rules.DEFAULT_POSTGRES_SKU if tier == "Burstable" else None
    sku = problems.string(join(path, "sku"), raw.get("sku"), default_sku)
    if sku is None:
        problems.add(join(path, "sku"), f"required with tier {tier!r}, e.g. 'Standard_D2ds_v5' or 'Standard_E2ds_v5'")
        sku = "Standard_D2ds_v5"
    elif not rules.POSTGRES_SKU_BY_TIER[tier].match(sku):
        series = {"Burstable": "Standard_B*", "GeneralPurpose": "Standard_D*_v*", "MemoryOptimized": "Standard_E*_v*"}
        problems.add(join(path, "sku"), f"{sku!r} is not a {tier} compute size; {tier} sizes are {series[tier]}")
    mode = problems.choice(
        join(path, "high_availability"), raw.get("high_availability"), tuple(rules.HIGH_AVAILABILITY), "disabled"
    )
    if mode != "disabled" and tier == "Burstable":
        problems.add(
            join(path, "high_availability"),
            "the Burstable tier has no high availability in Azure; use tier 'GeneralPurpose' or 'MemoryOptimized'",
        )
    zone = problems.choice(join(path, "zone"), raw.get("zone"), rules.ZONES, "") or None
    standby = problems.choice(join(path, "standby_zone"), raw.get("standby_zone"), rules.ZONES, "") or None
    if standby is not None and mode != "zone_redundant":
        problems.add(join(path, "standby_zone"), "goes with high_availability 'zone_redundant' only")
    if standby is not None and standby == zone:
        problems.add(
            join(path, "standby_zone"), f"must differ from zone ({zone}): Azure puts the standby in another zone"
        )
    return NewDatabaseServerSpec(
        name=name,
        name_prefix=f"{prefix or 'db'}-pg",
        version=problems.choice(
            join(path, "version"), raw.get("version"), rules.POSTGRES_VERSIONS, rules.DEFAULT_POSTGRES_VERSION
        ),
        tier=tier,
        sku=sku,
        storage_size_gb=problems.integer(
            join(path, "storage_size_gb"),
            raw.get("storage_size_gb"),
            rules.DEFAULT_STORAGE_GB,
            rules.MIN_STORAGE_GB,
            rules.MAX_STORAGE_GB,
        ),
        high_availability=rules.HIGH_AVAILABILITY[mode],  # type: ignore[arg-type]
        zone=zone,
        standby_zone=standby,
    )


def _databases(problems: Problems, path: str, raw_value: Any, base: str) -> tuple[PostgresDatabaseSpec, ...]:
    if raw_value is None:
        return (PostgresDatabaseSpec(name=rules.DEFAULT_DATABASE, seed=()),)
    databases = tuple(problems.each(path, raw_value, lambda p, raw: _one_database(problems, p, raw, base)))
    if not databases and isinstance(raw_value, Sequence):
        problems.add(path, "give at least one database, or leave databases out for one named 'app'")
    seen: set[str] = set()
    for i, db in enumerate(databases):
        if db.name in seen:
            problems.add(f"{path}[{i}].name", f"{db.name!r} is listed twice")
        seen.add(db.name)
    return databases


def _one_database(problems: Problems, path: str, raw_value: Any, base: str) -> PostgresDatabaseSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("name", "seed"))
    name = problems.string(join(path, "name"), raw.get("name"))
    if name is None:
        problems.add(join(path, "name"), "required: the database name")
        name = rules.DEFAULT_DATABASE
    else:
        _check_identifier(problems, join(path, "name"), name, "database")
    seed = tuple(problems.each(join(path, "seed"), raw.get("seed"), lambda p, v: _seed_step(problems, p, v, base)))
    return PostgresDatabaseSpec(name=name, seed=tuple(s for s in seed if s is not None))


def _seed_step(problems: Problems, path: str, value: Any, base: str) -> SeedStep | None:
    text = problems.string(path, value)
    if text is None:
        return None
    full = os.path.normpath(os.path.join(base, text))
    kind = rules.SEED_KINDS.get(os.path.splitext(full)[1].lower())
    if kind is None:
        problems.add(path, f"{text!r}: seed files are .sql (run with psql) or .py (run with the PG* variables)")
        return None
    if not os.path.isfile(full):
        problems.add(path, f"{full} is not a file")
    return SeedStep(path=full, kind=kind)  # type: ignore[arg-type]


def deployment_backing(
    problems: Problems, path: str, raw_value: Any, backing: BackingServicesSpec | None
) -> DeploymentBackingSpec:
    """What one deployment uses: every declared service unless its ``backing_services`` says otherwise."""
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, DEPLOYMENT_BACKING_FIELDS)
    if backing is None:
        if raw:
            problems.add(path, "the cluster declares no backing_services; declare a cache or database there first")
        return NO_BACKING
    cache_given = raw.get("cache")
    uses_cache = problems.boolean(join(path, "cache"), cache_given, backing.cache is not None)
    if uses_cache and backing.cache is None:
        problems.add(join(path, "cache"), "the cluster declares no backing_services.cache")
        uses_cache = False
    return DeploymentBackingSpec(
        cache=uses_cache, database=_database_use(problems, join(path, "database"), raw.get("database"), backing)
    )


def _database_use(problems: Problems, path: str, raw: Any, backing: BackingServicesSpec) -> DatabaseUseSpec | None:
    if raw is False or (raw is None and backing.database is None):
        return None
    if backing.database is None:
        problems.add(path, "the cluster declares no backing_services.database")
        return None
    default = backing.database.databases[0].name if backing.database.databases else rules.DEFAULT_DATABASE
    if raw is True or raw is None:
        return DatabaseUseSpec(database=default, schema=None)
    given = problems.mapping(path, raw)
    problems.unknown_keys(path, given, ("name", "schema"))
    name = problems.string(join(path, "name"), given.get("name"), default) or default
    known = [db.name for db in backing.database.databases]
    if name not in known:
        problems.add(
            join(path, "name"),
            f"{name!r} is not one of backing_services.database.databases ({', '.join(known)}); add it there",
        )
    schema = problems.string(join(path, "schema"), given.get("schema"))
    if schema is not None:
        _check_identifier(problems, join(path, "schema"), schema, "schema")
    return DatabaseUseSpec(database=name, schema=schema)


def attach_to_deployments(
    problems: Problems,
    raw_deployments: Any,
    deployments: tuple[DeploymentSpec, ...],
    backing: BackingServicesSpec | None,
) -> tuple[DeploymentSpec, ...]:
    """Each deployment with its :class:`DeploymentBackingSpec`; checks that its own environment variables
    leave the contract's names alone."""
    if not isinstance(raw_deployments, Sequence) or isinstance(raw_deployments, (str, bytes)):
        return deployments
    attached = []
    for i, deployment in enumerate(deployments):
        raw = raw_deployments[i] if i < len(raw_deployments) and isinstance(raw_deployments[i], Mapping) else {}
        path = f"deployments[{i}]"
        uses = deployment_backing(problems, join(path, "backing_services"), raw.get("backing_services"), backing)
        for key in sorted(set(deployment.env) & set(reserved_variables(uses))):
            problems.add(
                f"{path}.environment_variables.{key}",
                f"{key} is set by the library from backing_services (see docs/backing-services.md); remove it",
            )
        attached.append(dataclasses.replace(deployment, backing=uses))
    return tuple(attached)


def _check_identifier(problems: Problems, path: str, value: str, what: str) -> None:
    if not rules.IDENTIFIER_RE.match(value):
        problems.add(
            path,
            f"{value!r} is not a valid {what} name: lowercase letters, digits and '_', starting with a letter or '_', "
            "at most 63 characters",
        )


def _check_id(problems: Problems, path: str, value: Any, pattern: Any, what: str, hint: Any) -> None:
    if not isinstance(value, str):
        return  # a pulumi.Input known only at deployment time: Azure checks it
    if not pattern.match(value):
        extra = hint(value) if hint else ""
        problems.add(path, f"{value!r} is not the ARM id of {what}{extra}")


def _redis_hint(value: str) -> str:
    if rules.AZURE_CACHE_FOR_REDIS_ID_RE.search(value):
        return (
            ": it is an Azure Cache for Redis (Microsoft.Cache/redis), which Azure retires on 2028-09-30 (Basic, "
            "Standard, Premium); only Azure Managed Redis (Microsoft.Cache/redisEnterprise) is supported"
        )
    return " (/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Cache/redisEnterprise/<name>)"


def _reject_new_fields(problems: Problems, path: str, raw: Mapping[str, Any], fields: Sequence[str], what: str) -> None:
    for key in fields:
        if key in raw:
            problems.add(join(path, key), f"configures a new {what}; with id (an existing one) leave it out")
