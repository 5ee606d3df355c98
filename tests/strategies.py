"""Hypothesis strategies of valid ``InferenceClusterArgs`` (managed online backend), for any test to share.

``valid_cluster_args()`` draws from every part of the public args the spec accepts: workspace options or
an existing workspace, endpoint options, pool, autoscale with rules over deployment and endpoint
metrics and schedules, per-deployment overrides, probes, request settings, diagnostics, tags and
location. Every draw is valid by construction (tests can still filter with ``build_spec``).
"""

from __future__ import annotations

from typing import Any

from conftest import cluster_args, tiny_deployment
from hypothesis import strategies as st

from ml_inference_lb.spec import rules

DEPLOYMENT_NAME = st.from_regex(r"\A[a-z][a-z0-9]{2,10}(-[a-z0-9]{1,8})?\Z")
WORKSPACE_NAME = st.from_regex(r"\A[a-z][a-z0-9]{2,12}\Z")
INSTANCE_TYPE = st.sampled_from(["Standard_DS3_v2", "Standard_F4s_v2", "Standard_E4s_v3", "Standard_NC6s_v3"])
PERCENT_METRICS = sorted(m for m in rules.DEPLOYMENT_METRICS | rules.ENDPOINT_METRICS if m.endswith("Percentage"))
OTHER_METRICS = sorted(m for m in rules.DEPLOYMENT_METRICS | rules.ENDPOINT_METRICS if not m.endswith("Percentage"))
ENV_KEY = st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,15}\Z")
TAG_KEY = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z")
TAG_VALUE = st.text(st.characters(codec="ascii", categories=["L", "N"]), max_size=30)


@st.composite
def probe(draw: st.DrawFn, *, liveness: bool) -> dict[str, Any]:
    period = draw(st.integers(1, 120))
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["initial_delay_seconds"] = draw(st.integers(0, 600))
    if draw(st.booleans()):
        out["period_seconds"] = period
        out["timeout_seconds"] = draw(st.integers(1, period))
    if draw(st.booleans()):
        out["failure_threshold"] = draw(st.integers(1, 100))
    if not liveness and draw(st.booleans()):
        out["success_threshold"] = draw(st.integers(1, 100))
    return out


@st.composite
def probes(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("liveness", "readiness", "startup"):
        if draw(st.booleans()):
            out[kind] = draw(probe(liveness=kind == "liveness"))
    return out


REQUEST_SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "request_timeout_ms": st.integers(1, rules.MAX_REQUEST_TIMEOUT_MS),
        "max_concurrent_requests_per_instance": st.integers(1, rules.MAX_CONCURRENT_REQUESTS_CAP),
    },
)


@st.composite
def scale_rule(draw: st.DrawFn) -> dict[str, Any]:
    metric = draw(st.sampled_from(PERCENT_METRICS + OTHER_METRICS))
    top = 100.0 if metric.endswith("Percentage") else 100_000.0
    out_above = draw(st.floats(1, top, allow_nan=False))
    rule: dict[str, Any] = {
        "metric": metric,
        "scale_out_above": out_above,
        "scale_in_below": draw(st.floats(0, out_above, allow_nan=False, exclude_max=True)),
    }
    optional = {
        "window_minutes": st.integers(5, 720),
        "aggregation": st.sampled_from(rules.AGGREGATIONS),
        "change_count": st.integers(1, 10),
        "scale_out_cooldown_minutes": st.integers(1, 60),
        "scale_in_cooldown_minutes": st.integers(1, 60),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            rule[key] = draw(strategy)
    return rule


@st.composite
def schedule(draw: st.DrawFn, name: str) -> dict[str, Any]:
    low = draw(st.integers(1, 10))
    high = draw(st.integers(low, 50))
    start_h, end_h = draw(st.lists(st.integers(0, 23), min_size=2, max_size=2, unique=True))
    out: dict[str, Any] = {
        "name": name,
        "days": draw(st.lists(st.sampled_from(rules.WEEKDAYS), min_size=1, max_size=7, unique=True)),
        "start": f"{start_h:02d}:{draw(st.integers(0, 59)):02d}",
        "end": f"{end_h:02d}:00",
        "min_instances": low,
        "max_instances": high,
    }
    if draw(st.booleans()):
        out["time_zone"] = draw(
            st.sampled_from(["UTC", "W. Europe Standard Time", "Pacific Standard Time", "Europe/Berlin", "Asia/Tokyo"])
        )
    if draw(st.booleans()):
        out["default_instances"] = draw(st.integers(low, high))
    return out


@st.composite
def autoscale(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(1, 10))
    high = draw(st.integers(low, rules.MAX_INSTANCES_PER_DEPLOYMENT))
    out: dict[str, Any] = {"min_instances": low, "max_instances": high}
    if draw(st.booleans()):
        out["default_instances"] = draw(st.integers(low, high))
    if draw(st.booleans()):
        out["rules"] = draw(st.lists(scale_rule(), min_size=1, max_size=5))
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(["business-hours", "weekend", "night"]), max_size=3, unique=True))
        out["schedules"] = [draw(schedule(n)) for n in names]
    return out


def _split(total: int, parts: int) -> st.SearchStrategy[list[int]]:
    """Lists of ``parts`` non-negative whole numbers that add up to ``total``."""
    if parts == 1:
        return st.just([total])
    cuts = st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1).map(sorted)
    return cuts.map(lambda c: [b - a for a, b in zip([0, *c], [*c, total], strict=True)])


@st.composite
def deployments(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(DEPLOYMENT_NAME, min_size=1, max_size=4, unique_by=str.lower))
    live_total = draw(st.sampled_from([0, 100]))
    shares = draw(_split(live_total, len(names)))
    out = [tiny_deployment(n, traffic_percent=s) for n, s in zip(names, shares, strict=True)]
    shadows = [d for d in out if d["traffic_percent"] == 0]
    if live_total == 100 and shadows and draw(st.booleans()):
        draw(st.sampled_from(shadows))["mirror_percent"] = draw(st.integers(1, rules.MAX_MIRROR_PERCENT))
    for d in out:
        overrides = {
            "instance_type": INSTANCE_TYPE,
            "instance_count": st.integers(1, rules.MAX_INSTANCES_PER_DEPLOYMENT),
            "autoscale": autoscale(),
            "probes": probes(),
            "request_settings": REQUEST_SETTINGS,
            "environment_variables": st.dictionaries(ENV_KEY, st.text(max_size=20), max_size=3),
            "app_insights_enabled": st.booleans(),
        }
        for key, strategy in overrides.items():
            if draw(st.integers(0, 3)) == 0:
                d[key] = draw(strategy)
    return out


@st.composite
def valid_cluster_args(draw: st.DrawFn) -> dict[str, Any]:
    """Valid args of a managed-online ``InferenceCluster`` over the tiny test model."""
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["existing_workspace"] = {"name": draw(WORKSPACE_NAME)}
        extra["diagnostics"] = draw(
            st.sampled_from(
                [
                    {"enabled": False},
                    {
                        "log_analytics_workspace_id": "/subscriptions/0/resourceGroups/rg/providers/"
                        "Microsoft.OperationalInsights/workspaces/logs"
                    },
                ]
            )
        )
    else:
        extra["workspace"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": WORKSPACE_NAME,
                    "public_network_access": st.sampled_from(["enabled", "disabled"]),
                    "isolation_mode": st.sampled_from(rules.ISOLATION_MODES),
                    "container_registry_sku": st.sampled_from(rules.REGISTRY_SKUS),
                    "log_retention_days": st.integers(30, 730),
                },
            )
        )
        if extra["workspace"].get("isolation_mode") == "AllowOnlyApprovedOutbound":
            extra["workspace"]["container_registry_sku"] = "Premium"  # reached through a private endpoint
        if draw(st.booleans()):
            extra["diagnostics"] = {"enabled": draw(st.booleans())}
    extra["endpoint"] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "auth_mode": st.sampled_from(sorted(rules.AUTH_MODES)),
                "public_network_access": st.sampled_from(["enabled", "disabled"]),
                "description": st.text(max_size=40),
                "name": DEPLOYMENT_NAME,
            },
        )
    )
    pool: dict[str, Any] = {}
    if draw(st.booleans()):
        pool["instance_type"] = draw(INSTANCE_TYPE)
    if draw(st.booleans()):
        pool["instance_count"] = draw(st.integers(1, rules.MAX_INSTANCES_PER_DEPLOYMENT))
    if draw(st.booleans()):
        pool["autoscale"] = draw(autoscale())
    extra["pool"] = pool
    if draw(st.booleans()):
        extra["probes"] = draw(probes())
    if draw(st.booleans()):
        extra["request_settings"] = draw(REQUEST_SETTINGS)
    if draw(st.booleans()):
        extra["tags"] = draw(st.dictionaries(TAG_KEY, TAG_VALUE, max_size=5))
    if draw(st.booleans()):
        extra["location"] = draw(st.sampled_from(["westeurope", "eastus2", "swedencentral"]))
    return cluster_args(*draw(deployments()), **extra)


@st.composite
def valid_pool_cluster_args(draw: st.DrawFn) -> dict[str, Any]:
    """Valid args of an ``InferenceCluster`` on the PREVIEW ``inference_pool`` backend: at most one deployment
    with live traffic, no mirroring, no autoscale, Microsoft Entra auth (what that backend supports)."""
    names = draw(st.lists(DEPLOYMENT_NAME, min_size=1, max_size=4, unique_by=str.lower))
    live = draw(st.sampled_from([None, *range(len(names))]))
    deployments = [tiny_deployment(n, traffic_percent=100 if i == live else 0) for i, n in enumerate(names)]
    for d in deployments:
        overrides = {
            "instance_type": INSTANCE_TYPE,
            "instance_count": st.integers(1, rules.MAX_INSTANCES_PER_DEPLOYMENT),
            "probes": probes(),
            "request_settings": REQUEST_SETTINGS,
            "environment_variables": st.dictionaries(ENV_KEY, st.text(max_size=20), max_size=3),
        }
        for key, strategy in overrides.items():
            if draw(st.integers(0, 3)) == 0:
                d[key] = draw(strategy)
    pool: dict[str, Any] = {}
    optional_pool = {
        "name": st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,30}\Z"),
        "instance_type": INSTANCE_TYPE,
        "instance_count": st.integers(1, rules.MAX_INSTANCES_PER_DEPLOYMENT),
        "scale_unit_size": st.integers(1, 64),
        "scale_unit": st.fixed_dictionaries(
            {},
            optional={
                "public_egress": st.sampled_from(["enabled", "disabled"]),
                "registries": st.lists(st.from_regex(r"\A[a-z][a-z0-9]{2,20}\Z"), max_size=2),
            },
        ),
    }
    for key, strategy in optional_pool.items():
        if draw(st.booleans()):
            pool[key] = draw(strategy)
    extra: dict[str, Any] = {"pool": pool, "endpoint": {"auth_mode": "aad_token"}}
    if draw(st.booleans()):
        extra["probes"] = draw(probes())
    if draw(st.booleans()):
        extra["request_settings"] = draw(REQUEST_SETTINGS)
    if draw(st.booleans()):
        extra["tags"] = draw(st.dictionaries(TAG_KEY, TAG_VALUE, max_size=5))
    if draw(st.booleans()):
        extra["endpoint"]["description"] = draw(st.text(max_size=40))
    return cluster_args(*deployments, backend="inference_pool", **extra)


# --- backing services ---------------------------------------------------------------------------------------
REDIS_SKU = st.sampled_from(
    ["Balanced_B0", "Balanced_B5", "MemoryOptimized_M10", "ComputeOptimized_X3", "Balanced_B50"]
)
PG_SIZE = st.sampled_from(
    [("Burstable", "Standard_B1ms"), ("GeneralPurpose", "Standard_D2ds_v5"), ("MemoryOptimized", "Standard_E4ds_v5")]
)
IDENTIFIER = st.from_regex(r"\A[a-z_][a-z0-9_]{0,12}\Z")
EXISTING_REDIS = "/subscriptions/s/resourceGroups/rg-shared/providers/Microsoft.Cache/redisEnterprise/shared"
EXISTING_PG = "/subscriptions/s/resourceGroups/rg-shared/providers/Microsoft.DBforPostgreSQL/flexibleServers/shared"


@st.composite
def cache_args(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 3)) == 0:
        return {
            "id": EXISTING_REDIS,
            **draw(st.fixed_dictionaries({}, optional={"clustering_policy": st.just("OSSCluster")})),
        }
    sku = draw(REDIS_SKU)
    policies = ["EnterpriseCluster", "OSSCluster"] + (["NoCluster"] if sku != "Balanced_B50" else [])
    return draw(
        st.fixed_dictionaries(
            {"sku": st.just(sku)},
            optional={
                "high_availability": st.booleans(),
                "clustering_policy": st.sampled_from(policies),
                "eviction_policy": st.sampled_from(["VolatileLRU", "AllKeysLRU", "NoEviction"]),
                "name": st.from_regex(r"\A[a-z][a-z0-9]{2,10}(-[a-z0-9]{1,5})?\Z"),
            },
        )
    )


@st.composite
def database_args(draw: st.DrawFn) -> dict[str, Any]:
    databases = draw(st.lists(IDENTIFIER, min_size=1, max_size=3, unique=True))
    out: dict[str, Any] = {"databases": [{"name": n} for n in databases]}
    if draw(st.integers(0, 3)) == 0:
        return {"id": EXISTING_PG, **out, **({"access": "manual"} if draw(st.booleans()) else {})}
    tier, sku = draw(PG_SIZE)
    out.update({"tier": tier, "sku": sku})
    if draw(st.booleans()):
        out["version"] = draw(st.sampled_from(["15", "16", "17", "18"]))
    if draw(st.booleans()):
        out["storage_size_gb"] = draw(st.sampled_from([32, 64, 128, 512]))
    if tier != "Burstable" and draw(st.booleans()):
        mode = draw(st.sampled_from(["same_zone", "zone_redundant"]))
        out["high_availability"] = mode
        if mode == "zone_redundant" and draw(st.booleans()):
            out["zone"], out["standby_zone"] = draw(st.sampled_from([("1", "2"), ("2", "3"), ("3", "1")]))
    elif draw(st.booleans()):
        out["zone"] = draw(st.sampled_from(["1", "2", "3"]))
    if draw(st.booleans()):
        out["administrator"] = {
            "object_id": "00000000-0000-0000-0000-0000000000aa",
            "principal_name": "dba",
            "principal_type": draw(st.sampled_from(["user", "group", "service_principal"])),
        }
        if draw(st.booleans()):
            out["access"] = "manual"
    return out


@st.composite
def valid_backing_cluster_args(draw: st.DrawFn) -> dict[str, Any]:
    """Valid managed-online args with ``backing_services`` and each deployment's use of them."""
    args = draw(valid_cluster_args())
    services: dict[str, Any] = {}
    kinds = draw(st.sampled_from([("cache",), ("database",), ("cache", "database")]))
    if "cache" in kinds:
        services["cache"] = draw(cache_args())
    if "database" in kinds:
        services["database"] = draw(database_args())
    if "existing_workspace" in args:
        services["connectivity"] = draw(st.sampled_from(["private_endpoint", "public"]))
    else:
        isolation = args["workspace"].get("isolation_mode", "AllowInternetOutbound")
        allowed = {"Disabled": ["public"], "AllowInternetOutbound": ["private_endpoint", "public"]}.get(
            isolation, ["private_endpoint"]
        )
        if draw(st.booleans()):
            services["connectivity"] = draw(st.sampled_from(allowed))
    args["backing_services"] = services
    names = [d["name"] for d in services.get("database", {}).get("databases", [])]
    for deployment in args["deployments"]:
        env = deployment.get("environment_variables", {})
        deployment["environment_variables"] = {k: v for k, v in env.items() if not k.startswith(("PG", "REDIS_"))}
        use: dict[str, Any] = {}
        if "cache" in services and draw(st.booleans()):
            use["cache"] = draw(st.booleans())
        if names and draw(st.booleans()):
            use["database"] = draw(
                st.one_of(
                    st.booleans(),
                    st.fixed_dictionaries({"name": st.sampled_from(names)}, optional={"schema": IDENTIFIER}),
                )
            )
        if use:
            deployment["backing_services"] = use
    return args


SUBSCRIPTION_ID = "/subscriptions/00000000-0000-0000-0000-000000000000"
RULE_NAME = st.from_regex(r"\A[a-z][a-z0-9-]{2,12}\Z")
TARGETS = [
    (f"{SUBSCRIPTION_ID}/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/features", "blob"),
    (f"{SUBSCRIPTION_ID}/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/kv-app", "vault"),
    (f"{SUBSCRIPTION_ID}/resourceGroups/db/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg", "postgresqlServer"),
]


@st.composite
def outbound_rule(draw: st.DrawFn, name: str, approved_only: bool) -> dict[str, Any]:
    kinds = ["private_endpoint", "service_tag", "fqdn"] if approved_only else ["private_endpoint"]
    kind = draw(st.sampled_from(kinds))
    if kind == "private_endpoint":
        target, sub = draw(st.sampled_from(TARGETS))
        return {"name": name, "type": kind, "resource_id": target, "subresource": sub}
    if kind == "service_tag":
        rule: dict[str, Any] = {
            "name": name,
            "type": kind,
            "service_tag": draw(st.sampled_from(["AzureMonitor", "Storage.WestEurope"])),
        }
        if draw(st.booleans()):
            rule["port_ranges"] = draw(st.sampled_from(["443", "80, 8080-8089", "*"]))
        if draw(st.booleans()):
            rule["protocol"] = draw(st.sampled_from(["TCP", "UDP", "*"]))
        return rule
    return {
        "name": name,
        "type": kind,
        "destination": draw(st.sampled_from(["pypi.org", "*.pythonhosted.org", "github.com"])),
    }


@st.composite
def security_cluster_args(draw: st.DrawFn) -> dict[str, Any]:
    """Valid args that exercise network isolation, the endpoint identity, storage auth and secret references."""
    mode = draw(st.sampled_from(["none", "managed", "private"]))
    approved = mode == "private" or (mode == "managed" and draw(st.booleans()))
    workspace: dict[str, Any] = {}
    if mode == "managed" and approved:
        workspace["isolation_mode"] = "AllowOnlyApprovedOutbound"
    network: dict[str, Any] = {"mode": mode}
    if mode != "none":
        names = draw(st.lists(RULE_NAME, max_size=3, unique=True))
        network["outbound_rules"] = [draw(outbound_rule(n, approved)) for n in names]
    if mode == "private":
        network["private_endpoint"] = {
            "subnet_id": f"{SUBSCRIPTION_ID}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe"
        }
        if draw(st.booleans()):
            network["deployer_ip_ranges"] = draw(
                st.lists(st.sampled_from(["203.0.113.0/24", "198.51.100.7"]), max_size=2, unique=True)
            )
    identity = draw(st.sampled_from(["system_assigned", "user_assigned", "existing"]))
    endpoint: dict[str, Any] = {"identity": identity}
    if identity == "existing":
        endpoint["identity"] = {
            "type": "user_assigned",
            "user_assigned_identity_id": f"{SUBSCRIPTION_ID}/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/scoring",
        }
    if draw(st.booleans()):
        workspace["datastore_auth"] = "identity"
    keys = draw(st.lists(st.sampled_from(["api-key", "db-password", "token"]), max_size=2, unique=True))
    secrets = {
        key: {
            "key_vault_id": TARGETS[1][0],
            "secret_name": key,
            "version": draw(st.from_regex(r"\A[0-9a-f]{32}\Z")),
            "grant": draw(st.sampled_from(["secret", "none"])),
        }
        for key in keys
    }
    names = draw(st.lists(DEPLOYMENT_NAME, min_size=1, max_size=3, unique_by=str.lower))
    deployments = []
    for i, name in enumerate(names):
        d = tiny_deployment(name, traffic_percent=100 if i == 0 else 0)
        if mode == "private":
            d["environment"] = {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"}
        if keys and draw(st.booleans()):
            d["secret_environment_variables"] = {f"SECRET_{j}": k for j, k in enumerate(keys)}
        if draw(st.integers(0, 3)) == 0:
            d["app_insights_enabled"] = False
        deployments.append(d)
    extra: dict[str, Any] = {"network_isolation": network, "endpoint": endpoint, "workspace": workspace}
    if secrets:
        extra["secrets"] = secrets
    return cluster_args(*deployments, **extra)
