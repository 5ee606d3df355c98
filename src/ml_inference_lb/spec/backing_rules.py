"""Azure's rules for the backing services, each with its source (details in ``docs/backing-services.md``)."""

from __future__ import annotations

import re

# --- Azure Managed Redis (Microsoft.Cache/redisEnterprise, API 2025-07-01) --------------------------------
# Cluster name: pulumi-azure-native 3.29 redisenterprise.RedisEnterprise `cluster_name` docstring (from the
# REST spec): "1-60 characters long. Allowed characters(A-Z, a-z, 0-9) and hyphen(-). There can be no
# leading nor trailing nor consecutive hyphens".
REDIS_NAME_RE = re.compile(r"^(?=.{1,60}$)[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")
# SKUs of Azure Managed Redis: the `SkuName` enum of API 2025-07-01 minus the Enterprise_* and
# EnterpriseFlash_* SKUs of Azure Cache for Redis Enterprise, which retires on 2027-03-31.
REDIS_SKU_RE = re.compile(r"^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X|FlashOptimized_A)([0-9]+)$")
REDIS_SKUS = frozenset(
    [f"Balanced_B{n}" for n in (0, 1, 3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700, 1000)]
    + [f"MemoryOptimized_M{n}" for n in (10, 20, 50, 100, 150, 250, 350, 500, 700, 1000, 1500, 2000)]
    + [f"ComputeOptimized_X{n}" for n in (3, 5, 10, 20, 50, 100, 150, 250, 350, 500, 700)]
    + [f"FlashOptimized_A{n}" for n in (250, 500, 700, 1000, 1500, 2000, 4500)]
)
# Memory size (GB) behind the number in a SKU name: Azure Managed Redis architecture, "Sharding
# configuration" table (0.5, 1, 3, 6, 12, 24, 60, 120 GB for sizes 0..100).
REDIS_SKU_GB = {0: 0.5, 1: 1, 3: 3, 5: 6, 10: 12, 20: 24}
NO_CLUSTER_MAX_GB = 25
"""The Non-Clustered policy "applies only to caches sized 25 GB and smaller" (same page, "Cluster policies")."""
REDIS_DATABASE_NAME = "default"
DEFAULT_REDIS_SKU = "Balanced_B0"
CLUSTERING_POLICIES = ("EnterpriseCluster", "OSSCluster", "NoCluster")
EVICTION_POLICIES = (
    "AllKeysLFU",
    "AllKeysLRU",
    "AllKeysRandom",
    "VolatileLRU",
    "VolatileLFU",
    "VolatileTTL",
    "VolatileRandom",
    "NoEviction",
)
REDIS_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Cache/redisEnterprise/[^/]+$", re.IGNORECASE
)
AZURE_CACHE_FOR_REDIS_ID_RE = re.compile(r"/providers/Microsoft\.Cache/redis/", re.IGNORECASE)

# --- Azure Database for PostgreSQL flexible server (Microsoft.DBforPostgreSQL, API 2025-08-01) ------------
# Server name: 3-63 characters, lowercase letters, digits and hyphens, not starting or ending with a hyphen
# (it becomes <name>.postgres.database.azure.com; Azure naming rules for Microsoft.DBforPostgreSQL).
POSTGRES_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
POSTGRES_VERSIONS = ("13", "14", "15", "16", "17", "18")  # PostgresMajorVersion enum, API 2025-08-01
DEFAULT_POSTGRES_VERSION = "17"
POSTGRES_TIERS = ("Burstable", "GeneralPurpose", "MemoryOptimized")  # SkuTier enum
# Compute sizes per tier (Azure Database for PostgreSQL "Compute options"): B-series for Burstable,
# D-series for General Purpose, E-series for Memory Optimized.
POSTGRES_SKU_BY_TIER = {
    "Burstable": re.compile(r"^Standard_B[0-9]+[a-z]*$"),
    "GeneralPurpose": re.compile(r"^Standard_D[0-9]+[a-z]*_v[0-9]+$"),
    "MemoryOptimized": re.compile(r"^Standard_E[0-9]+[a-z]*_v[0-9]+$"),
}
DEFAULT_POSTGRES_TIER = "Burstable"
DEFAULT_POSTGRES_SKU = "Standard_B1ms"
# Premium SSD: 32 GiB minimum, 32 TiB maximum (Azure Database for PostgreSQL "Premium SSD").
MIN_STORAGE_GB, MAX_STORAGE_GB, DEFAULT_STORAGE_GB = 32, 32768, 32
HIGH_AVAILABILITY = {"disabled": "Disabled", "same_zone": "SameZone", "zone_redundant": "ZoneRedundant"}
ZONES = ("1", "2", "3")
POSTGRES_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.DBforPostgreSQL/flexibleServers/[^/]+$",
    re.IGNORECASE,
)
# Unquoted PostgreSQL identifiers (PostgreSQL documentation, "Identifiers and Key Words"): a letter or
# underscore, then letters, digits and underscores; NAMEDATALEN-1 = 63 bytes. Lowercase only, so the
# name a script uses unquoted is the name that exists.
IDENTIFIER_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_DATABASE = "app"
SEED_KINDS = {".sql": "sql", ".py": "python"}
