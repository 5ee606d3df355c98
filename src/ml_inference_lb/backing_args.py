"""Public arguments of the backing services (a Redis cache and a PostgreSQL database) that deployments use.

Declared once per cluster in ``InferenceClusterArgs.backing_services``; each deployment says which of
them it uses in ``DeploymentArgs.backing_services`` (default: all). On Azure the cache is **Azure
Managed Redis** and the database **Azure Database for PostgreSQL flexible server**; the endpoint's
identity reaches both through Microsoft Entra ID, with no key or password anywhere. Locally
(``ml-inference-lb local up``) real Redis and PostgreSQL servers run on loopback with generated
passwords. Either way the scoring script sees the same environment variables (``PGHOST``...,
``REDIS_HOST``...): see ``docs/backing-services.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

import pulumi
from typing_extensions import NotRequired

Connectivity = Literal["private_endpoint", "public"]
ClusteringPolicy = Literal["EnterpriseCluster", "OSSCluster", "NoCluster"]
EvictionPolicy = Literal[
    "AllKeysLFU",
    "AllKeysLRU",
    "AllKeysRandom",
    "VolatileLRU",
    "VolatileLFU",
    "VolatileTTL",
    "VolatileRandom",
    "NoEviction",
]
PostgresTier = Literal["Burstable", "GeneralPurpose", "MemoryOptimized"]
PostgresHighAvailability = Literal["disabled", "same_zone", "zone_redundant"]
DatabaseAccess = Literal["administrator", "manual"]


class CacheArgs(TypedDict, total=False):
    """A Redis cache: a new **Azure Managed Redis** instance (``Microsoft.Cache/redisEnterprise`` with its
    ``default`` database), or an existing one given by ``id``.

    Azure Cache for Redis (``Microsoft.Cache/redis``) is not offered: Azure retires its Basic, Standard
    and Premium tiers on 2028-09-30 and its Enterprise tiers on 2027-03-31 (Azure Cache for Redis
    retirement FAQ). The cache speaks TLS on port 10000, access keys are disabled, and the endpoint's
    identity is given the database's ``default`` access policy through Microsoft Entra ID.
    """

    id: pulumi.Input[str]
    """An existing Azure Managed Redis cluster's ARM id
    (``/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Cache/redisEnterprise/<name>``).
    Nothing is created for it; the endpoint's identity gets an access policy assignment on its database.
    Excludes ``name``, ``sku``, ``high_availability`` and ``eviction_policy``."""
    database_name: str
    """The database of an existing cluster that the deployments use. Default ``"default"`` (Azure
    Managed Redis has one database, named ``default``)."""
    name: str
    """New cluster name: 1-60 letters, digits and single hyphens, no leading or trailing hyphen. It is
    the host name ``<name>.<region>.redis.azure.net``, so it must be unique in the region.
    Default: ``<cluster name>-redis-<5 random characters>``."""
    sku: str
    """Azure Managed Redis SKU: ``Balanced_B0`` (0.5 GB) to ``Balanced_B1000``, ``MemoryOptimized_M10``...,
    ``ComputeOptimized_X3``... or ``FlashOptimized_A250``... Default ``"Balanced_B0"``, the smallest."""
    high_availability: bool
    """Replicate the data (Azure's availability SLA applies only with it). Azure cannot turn it off on
    an existing cache. Default True."""
    clustering_policy: ClusteringPolicy
    """``"EnterpriseCluster"`` (default): one endpoint, clients need no cluster support.
    ``"OSSCluster"``: the Redis Cluster API, higher throughput, needs a cluster-aware client
    (``REDIS_CLUSTER=true`` tells the scoring script). ``"NoCluster"``: only for SKUs of 25 GB or less.
    Azure cannot change it after creation except from ``NoCluster``. With ``id``: the existing
    database's policy (default ``"EnterpriseCluster"``), used only to set ``REDIS_CLUSTER``."""
    eviction_policy: EvictionPolicy
    """What Redis evicts when memory is full. Default ``"VolatileLRU"`` (Azure's default): keys with a
    TTL, least recently used first, which suits a cache-aside pattern that always sets a TTL."""


class PostgresDatabaseArgs(TypedDict):
    """One database on the PostgreSQL server."""

    name: str
    """Database name: letters, digits and ``_``, starting with a letter or ``_``, at most 63 characters."""
    seed: NotRequired[Sequence[str]]
    """LOCAL TARGET ONLY: files that fill the local database when ``ml-inference-lb local up`` starts it,
    in order: ``.sql`` files are run with ``psql`` as the database owner; ``.py`` files are run with the
    deployments' ``PG*`` variables (and ``PGPASSWORD``) set. Paths are relative to the Pulumi project.
    The Azure target never runs them: load an Azure database with your own migration tooling."""


class EntraAdministratorArgs(TypedDict):
    """A Microsoft Entra principal made administrator of a new PostgreSQL server."""

    object_id: pulumi.Input[str]
    """Its object id in Microsoft Entra ID."""
    principal_name: pulumi.Input[str]
    """Its name: a user's principal name, a group's or service principal's display name. It becomes the
    PostgreSQL role name the principal signs in with."""
    principal_type: Literal["user", "group", "service_principal"]


class DatabaseArgs(TypedDict, total=False):
    """A PostgreSQL server: a new **Azure Database for PostgreSQL flexible server**, or an existing one
    given by ``id``.

    A new server has Microsoft Entra authentication on and password authentication **off** (so it has
    no administrator password at all), TLS required, and the databases listed in ``databases``.
    """

    id: pulumi.Input[str]
    """An existing flexible server's ARM id
    (``/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>``).
    It must have Microsoft Entra authentication enabled. Nothing is created on it but the endpoint
    identity's access (see ``access``); its ``databases`` must exist. Excludes the creation fields."""
    name: str
    """New server name: 3-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.
    It is the host name ``<name>.postgres.database.azure.com``, so it must be globally unique.
    Default: ``<cluster name>-pg-<5 random characters>``."""
    version: Literal["13", "14", "15", "16", "17", "18"]
    """PostgreSQL major version. Default ``"17"``."""
    tier: PostgresTier
    """Compute tier. Default ``"Burstable"`` (no high availability in Azure)."""
    sku: str
    """Compute size, matching ``tier``: ``Standard_B1ms``... (Burstable), ``Standard_D2ds_v5``...
    (GeneralPurpose), ``Standard_E2ds_v5``... (MemoryOptimized). Default ``"Standard_B1ms"``."""
    storage_size_gb: int
    """Storage, 32-32768 GiB; Azure can grow it but never shrink it. Default 32."""
    high_availability: PostgresHighAvailability
    """``"zone_redundant"`` (standby in another zone), ``"same_zone"`` or ``"disabled"`` (default).
    Not available in the Burstable tier."""
    zone: str
    """Availability zone of the primary, ``"1"``, ``"2"`` or ``"3"``. Default: Azure's choice."""
    standby_zone: str
    """``high_availability="zone_redundant"`` only: zone of the standby, different from ``zone``."""
    databases: Sequence[PostgresDatabaseArgs]
    """Databases the deployments use; created on a new server, expected to exist on an existing one.
    Default: one database named ``app``."""
    administrator: EntraAdministratorArgs
    """New server only: a Microsoft Entra principal (a person, a group, a CI identity) made administrator
    of the server besides the endpoint's identity, e.g. to run migrations or the ``access="manual"`` SQL.
    Required with ``access="manual"`` on a new server: its password authentication is off, so without
    an Entra administrator nobody could sign in."""
    access: DatabaseAccess
    """How the endpoint's identity gets into PostgreSQL. ``"administrator"`` (default): it is made a
    Microsoft Entra administrator of the server (``flexibleServers/administrators``), the only grant
    Azure Resource Manager offers, so it works in one ``pulumi up``; an administrator is a member of
    ``azure_pg_admin`` (can create roles and databases). ``"manual"``: no grant; a server
    administrator creates a least-privileged role for the identity with
    ``pgaadauth_create_principal_with_oid`` and ``GRANT``s (the SQL is in ``docs/backing-services.md``)."""


class BackingServicesArgs(TypedDict, total=False):
    """The cache and the database the deployments use. Give one or both."""

    cache: CacheArgs
    database: DatabaseArgs
    connectivity: Connectivity
    """How the deployments reach the services. ``"private_endpoint"``: through private-endpoint outbound
    rules of the workspace's managed network, with the services' public network access off.
    ``"public"``: over the services' public endpoints (PostgreSQL then admits Azure's outbound
    addresses through its "allow Azure services" firewall rule; Azure Managed Redis has no IP firewall).
    Default: ``"private_endpoint"`` when the new workspace has a managed network (the default
    ``isolation_mode``), ``"public"`` when its ``isolation_mode`` is ``"Disabled"``; required with
    ``existing_workspace``."""


class DeploymentDatabaseArgs(TypedDict, total=False):
    """Which database (and schema) of the cluster's PostgreSQL server a deployment uses."""

    name: str
    """One of ``backing_services.database.databases``. Default: the first one."""
    schema: str
    """Schema put first on the search path (``PGOPTIONS=-c search_path=<schema>``). Default: the
    server's default search path. Letters, digits and ``_``, starting with a letter or ``_``."""


class DeploymentBackingArgs(TypedDict, total=False):
    """Which backing services one deployment uses. Default: every service the cluster declares."""

    cache: bool
    """Use the cluster's cache. Default True when the cluster declares one."""
    database: bool | DeploymentDatabaseArgs
    """Use the cluster's database: True (its first database), False, or which database and schema.
    Default True when the cluster declares one."""
