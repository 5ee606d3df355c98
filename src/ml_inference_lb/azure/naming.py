"""Logical names of the component's children: part of the public contract.

Pulumi identifies a resource by its type and logical name (its URN). Renaming a child here makes
every upgrading user's ``pulumi up`` delete and recreate it: an outage for an endpoint, data loss
for a storage account. ``tests/test_names_golden.py`` guards every name; change one only with a
``pulumi.Alias`` from the old name.
"""

from __future__ import annotations


def child(cluster: str, role: str) -> str:
    """Name of a cluster-wide child, e.g. ``demo-endpoint``."""
    return f"{cluster}-{role}"


def per_deployment(cluster: str, deployment: str, role: str | None = None) -> str:
    """Name of a per-deployment child, e.g. ``demo-blue`` or ``demo-blue-autoscale``."""
    return f"{cluster}-{deployment}" if role is None else f"{cluster}-{deployment}-{role}"


def asset(cluster: str, kind: str, asset_name: str) -> str:
    """Name of a registered asset shared by the deployments that use it, e.g. ``demo-model-iris``."""
    return f"{cluster}-{kind}-{asset_name}"


# Cluster-wide roles.
WORKSPACE = "workspace"
MANAGED_NETWORK = "managed-network"
STORAGE = "storage"
KEY_VAULT = "keyvault"
LOG_ANALYTICS = "logs"
APP_INSIGHTS = "appinsights"
REGISTRY = "registry"
GLOBAL_SUFFIX = "suffix"
ENDPOINT_SUFFIX = "endpoint-suffix"
ENDPOINT = "endpoint"
TRAFFIC = "traffic"
DIAGNOSTICS = "endpoint-diagnostics"
ACR_PULL = "endpoint-acr-pull"
BLOB_READER = "endpoint-blob-reader"

# Per-deployment roles.
AUTOSCALE = "autoscale"

# Asset kinds.
MODEL = "model"
CODE = "code"
ENVIRONMENT = "environment"

# Backing services (azure/backing/): cluster-wide roles.
REDIS = "redis"
REDIS_SUFFIX = "redis-suffix"
REDIS_DATABASE = "redis-db"
REDIS_ACCESS = "redis-access"
REDIS_OUTBOUND_RULE = "redis-outbound-rule"
REDIS_APPROVER = "redis-pe-approver"
POSTGRES = "postgres"
POSTGRES_SUFFIX = "postgres-suffix"
POSTGRES_ENTRA_ADMIN = "postgres-entra-admin"
POSTGRES_ADMINISTRATOR = "postgres-administrator"
POSTGRES_AZURE_SERVICES = "postgres-allow-azure"
POSTGRES_OUTBOUND_RULE = "postgres-outbound-rule"
POSTGRES_APPROVER_ROLE = "postgres-pe-approver-role"
POSTGRES_APPROVER = "postgres-pe-approver"


def postgres_database(cluster: str, database: str) -> str:
    """Name of one PostgreSQL database on a new server, e.g. ``demo-postgres-db-features``."""
    return f"{cluster}-postgres-db-{database}"


# Identity and secrets (azure/identity.py, azure/secrets.py).
ENDPOINT_IDENTITY = "endpoint-identity"
METRICS_WRITER = "endpoint-metrics-writer"

# Network isolation (azure/private_endpoints.py, azure/outbound_rules.py).
WORKSPACE_PRIVATE_ENDPOINT = "workspace-pe"
STORAGE_PRIVATE_ENDPOINT = "storage-blob-pe"
DNS_ZONE_GROUP = "dns"
_ZONE_ROLES = {
    "privatelink.api.azureml.ms": "dns-api-azureml",
    "privatelink.notebooks.azure.net": "dns-notebooks",
    "privatelink.blob.core.windows.net": "dns-blob",
}

# Diagnostic settings of the new workspace's dependencies (azure/dependency_diagnostics.py).
WORKSPACE_DIAGNOSTICS = "workspace-diagnostics"
KEY_VAULT_DIAGNOSTICS = "keyvault-diagnostics"
STORAGE_DIAGNOSTICS = "storage-blob-diagnostics"
REGISTRY_DIAGNOSTICS = "registry-diagnostics"


def private_dns_zone(cluster: str, zone: str) -> str:
    """A private DNS zone the cluster creates, e.g. ``demo-dns-api-azureml``."""
    return child(cluster, _ZONE_ROLES[zone])


def dns_zone_link(cluster: str, zone: str) -> str:
    """The zone's link to the virtual network, e.g. ``demo-dns-api-azureml-link``."""
    return f"{private_dns_zone(cluster, zone)}-link"


def outbound_rule(cluster: str, rule: str) -> str:
    """A user-defined outbound rule of the managed network, e.g. ``demo-outbound-pypi``."""
    return f"{cluster}-outbound-{rule}"


def outbound_rule_approver(cluster: str, rule: str) -> str:
    """The workspace identity's right to approve a private-endpoint rule's endpoint on its target."""
    return f"{outbound_rule(cluster, rule)}-approver"


def secret_reader(cluster: str, key: str) -> str:
    """The endpoint identity's Key Vault Secrets User assignment on one referenced secret."""
    return f"{cluster}-secret-{key}-reader"
