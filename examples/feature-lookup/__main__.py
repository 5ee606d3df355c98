"""Feature lookup: a churn model that reads per-customer features from PostgreSQL, cached in Redis.

The cluster declares a cache (Azure Managed Redis) and a database (Azure Database for PostgreSQL flexible
server) in ``backing_services``; the endpoint's managed identity reaches both with Microsoft Entra tokens,
with no key or password anywhere, and privately (private endpoints of the workspace's managed network).
The scoring script sees ``PGHOST``... and ``REDIS_HOST``... (see docs/backing-services.md).

Deploy with ``pulumi up``; see the Azure side offline with ``ml-inference-lb plan .``; serve it on this
machine with real Redis and PostgreSQL servers with ``ml-inference-lb local up .``.
"""

import pulumi

from ml_inference_lb import InferenceCluster

config = pulumi.Config()
admin_object_id = config.get("databaseAdminObjectId")
admin_name = config.get("databaseAdminName")

database = {
    "sku": "Standard_B1ms",
    "databases": [{"name": "features", "seed": ["seed.sql"]}],
}
if admin_object_id and admin_name:
    # Someone who loads seed.sql on Azure and grants the endpoint's role access (README.md).
    database["administrator"] = {
        "object_id": admin_object_id,
        "principal_name": admin_name,
        "principal_type": config.get("databaseAdminType") or "user",
    }

cluster = InferenceCluster(
    "features",
    {
        "resource_group_name": config.get("resourceGroupName") or "rg-ml-inference-features",
        "backing_services": {
            "cache": {"sku": "Balanced_B0", "eviction_policy": "VolatileLRU"},
            "database": database,
        },
        # The startup probe gives the server and init() 1 + 2 x 60 s; readiness reacts within seconds after
        # (`ml-inference-lb check .` measures the start against both).
        "probes": {
            "readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3},
            "startup": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 60},
        },
        "request_settings": {"request_timeout_ms": 5000, "max_concurrent_requests_per_instance": 4},
        "deployments": [
            {
                "name": "blue",
                "traffic_percent": 100,
                "model": {"path": "model", "name": "churn-logistic"},
                "code": {"path": "src", "scoring_script": "score.py"},
                "environment": {
                    "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
                    "conda_file": "environment.yml",
                    "name": "feature-lookup-scoring",
                },
                "backing_services": {"database": {"name": "features", "schema": "churn"}},
                "environment_variables": {"WORKER_COUNT": "4", "FEATURE_CACHE_TTL_S": "300"},
            },
        ],
        "tags": {"app": "feature-lookup", "owner": "ml-platform"},
    },
)

pulumi.export("scoring_uri", cluster.scoring_uri)
pulumi.export("primary_key", cluster.primary_key)
pulumi.export("cache_host_name", cluster.cache_host_name)
pulumi.export("cache_id", cluster.cache_id)
pulumi.export("database_host_name", cluster.database_host_name)
pulumi.export("database_id", cluster.database_id)
