"""Azure's rules and defaults that the spec validates against, each with its source.

Sources are listed in ``docs/azure-facts.md``.
"""

from __future__ import annotations

import re

# Endpoint and deployment names: azure-ai-ml EndpointConfigurations.NAME_REGEX_PATTERN, 3-32 characters.
ENDPOINT_NAME_RE = re.compile(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$")
ENDPOINT_NAME_MIN, ENDPOINT_NAME_MAX = 3, 32
# Workspace names: Microsoft.MachineLearningServices/workspaces, 3-33 characters.
WORKSPACE_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")
# Asset names (models, environments): letters, digits, '-', '_', '.', at most 255.
ASSET_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$")
# VM SKUs as Azure names them: Standard_<family><vcpus><features>[_<accelerator>][_v<n>].
INSTANCE_TYPE_RE = re.compile(r"^Standard_[A-Z]+[0-9]+[a-z]*(_[A-Za-z0-9]+)*$")
ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")

MAX_DEPLOYMENTS_PER_ENDPOINT = 20
MAX_INSTANCES_PER_DEPLOYMENT = 50
MAX_MIRROR_PERCENT = 50
MAX_REQUEST_TIMEOUT_MS = 180_000
MAX_CONCURRENT_REQUESTS_CAP = 1000
MAX_AUTOSCALE_RULES_PER_PROFILE = 10
MAX_AUTOSCALE_PROFILES = 20
MAX_TAGS = 50
MAX_TAG_KEY, MAX_TAG_VALUE = 512, 256
MAX_PROBE_SECONDS = 3600

DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"
DEFAULT_INSTANCE_COUNT = 1
DEFAULT_REQUEST_TIMEOUT_MS = 5000
DEFAULT_MAX_CONCURRENT = 1
# CLI v2 managed online deployment YAML reference: probe defaults.
DEFAULT_PROBE = {
    "initial_delay_seconds": 10,
    "period_seconds": 10,
    "timeout_seconds": 2,
    "success_threshold": 1,
    "failure_threshold": 30,
}

# Azure Monitor supported metrics: Microsoft.MachineLearningServices/workspaces/onlineEndpoints[/deployments].
DEPLOYMENT_METRICS = frozenset(
    {
        "CpuUtilizationPercentage",
        "CpuMemoryUtilizationPercentage",
        "DiskUtilization",
        "GpuUtilizationPercentage",
        "GpuMemoryUtilizationPercentage",
        "RequestsPerMinute",
        "RequestLatency_P50",
        "RequestLatency_P90",
        "RequestLatency_P95",
        "RequestLatency_P99",
    }
)
ENDPOINT_METRICS = frozenset({"RequestLatency", "ConnectionsActive", "NewConnectionsPerSecond"})
# Endpoint metrics that carry a `deployment` dimension, so a rule can watch one deployment.
PER_DEPLOYMENT_DIMENSION_METRICS = frozenset({"RequestLatency"})
AGGREGATIONS = ("Average", "Minimum", "Maximum", "Total")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AUTH_MODES = {"key": "Key", "aad_token": "AADToken", "aml_token": "AMLToken"}
ISOLATION_MODES = ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound")
REGISTRY_SKUS = ("Basic", "Standard", "Premium")

DEFAULT_SCALE_RULES: tuple[dict[str, object], ...] = (
    {"metric": "CpuUtilizationPercentage", "scale_out_above": 70.0, "scale_in_below": 30.0},
)
