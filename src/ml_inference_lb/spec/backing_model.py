"""The validated backing services (cache and database) and what each deployment uses of them.

Built by :mod:`.backing` from ``backing_services`` args; read by the Azure target (``azure/backing/``),
the plan and the local target. Connection settings a scoring script sees come from
:func:`ml_inference_lb.spec.connection.connection_environment`, never from these objects directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Connectivity = Literal["private_endpoint", "public"]
ClusteringPolicy = Literal["EnterpriseCluster", "OSSCluster", "NoCluster"]
HighAvailabilityMode = Literal["Disabled", "SameZone", "ZoneRedundant"]
DatabaseAccess = Literal["administrator", "manual"]
SeedKind = Literal["sql", "python"]


@dataclass(frozen=True)
class NewCacheSpec:
    """A new Azure Managed Redis cluster with one database, ``default``."""

    name: str | None
    """None: the Azure target generates ``name_prefix`` plus a random suffix."""
    name_prefix: str
    sku: str
    high_availability: bool
    eviction_policy: str


@dataclass(frozen=True)
class ExistingCacheSpec:
    id: Any
    """``pulumi.Input[str]``: the cluster's ARM id, passed through as given."""


@dataclass(frozen=True)
class CacheSpec:
    service: NewCacheSpec | ExistingCacheSpec
    database_name: str
    """The Redis database on the cluster (``default`` on a new one)."""
    clustering_policy: ClusteringPolicy

    @property
    def cluster_mode(self) -> bool:
        """Whether clients must speak the Redis Cluster API."""
        return self.clustering_policy == "OSSCluster"


@dataclass(frozen=True)
class SeedStep:
    """LOCAL TARGET ONLY: one file that fills a local database."""

    path: str
    """Absolute path."""
    kind: SeedKind
    """``sql``: run with ``psql`` as the database owner; ``python``: run with the ``PG*`` variables set."""


@dataclass(frozen=True)
class PostgresDatabaseSpec:
    name: str
    seed: tuple[SeedStep, ...]


@dataclass(frozen=True)
class NewDatabaseServerSpec:
    """A new Azure Database for PostgreSQL flexible server, Entra authentication only."""

    name: str | None
    """None: the Azure target generates ``name_prefix`` plus a random suffix."""
    name_prefix: str
    version: str
    tier: str
    sku: str
    storage_size_gb: int
    high_availability: HighAvailabilityMode
    zone: str | None
    standby_zone: str | None


@dataclass(frozen=True)
class ExistingDatabaseServerSpec:
    id: Any
    """``pulumi.Input[str]``: the server's ARM id, passed through as given."""


@dataclass(frozen=True)
class EntraAdministratorSpec:
    """A Microsoft Entra administrator of a new server besides the serving identity (Azure only)."""

    object_id: Any
    """``pulumi.Input[str]``."""
    principal_name: Any
    """``pulumi.Input[str]``: the PostgreSQL role name it signs in with."""
    principal_type: Literal["User", "Group", "ServicePrincipal"]


@dataclass(frozen=True)
class DatabaseSpec:
    server: NewDatabaseServerSpec | ExistingDatabaseServerSpec
    databases: tuple[PostgresDatabaseSpec, ...]
    access: DatabaseAccess
    administrator: EntraAdministratorSpec | None = None

    def database(self, name: str) -> PostgresDatabaseSpec:
        for db in self.databases:
            if db.name == name:
                return db
        raise KeyError(name)


@dataclass(frozen=True)
class BackingServicesSpec:
    cache: CacheSpec | None
    database: DatabaseSpec | None
    connectivity: Connectivity


@dataclass(frozen=True)
class DatabaseUseSpec:
    """The database and schema one deployment connects to."""

    database: str
    schema: str | None


@dataclass(frozen=True)
class DeploymentBackingSpec:
    """What one deployment uses of the cluster's backing services."""

    cache: bool
    database: DatabaseUseSpec | None

    @property
    def uses_any(self) -> bool:
        return self.cache or self.database is not None


NO_BACKING = DeploymentBackingSpec(cache=False, database=None)
