"""Azure's limits and defaults for Front Door and Traffic Manager, each with its source.

Sources (details and quotes in ``docs/global-load-balancing.md``):
- Front Door origin weight 1-1000, priority 1-5, probe interval 1-255 s: ``AFDOriginProperties`` and
  ``HealthProbeParameters`` in Azure/bicep-types-az ``generated/cdn/microsoft.cdn/2025-06-01/types.md``.
- Front Door names: the ``Microsoft.Cdn`` rows of Azure's resource-name rules (1-260 for profiles,
  1-50 for origin groups, origins and routes); afdEndpoints have no row, so 1-46 is a safe bound.
- ``originResponseTimeoutSeconds`` minimum 16: ``ProfileProperties`` in the Microsoft.Cdn ARM reference.
- Traffic Manager: ``articles/traffic-manager/traffic-manager-monitoring.md`` (interval 10/30 s,
  tolerated failures 0-9, timeout 5-10 s and 5-9 s at 10 s, 8 headers, 8 status ranges) and
  azure-mgmt-trafficmanager 2.0.0 ``Endpoint`` (weight and priority 1-1000, priorities unique).
- Front Door WAF policy names: 1-128 letters and digits, starting with a letter (PSRule for Azure
  rule ``Azure.FrontDoor.WAF.Name``, which encodes Azure's naming rules).
- WAF on Standard holds custom rules only, managed rule sets and bot protection need Premium
  (``articles/frontdoor/standard-premium/tier-comparison.md``); custom rules cost nothing extra, nor do
  managed rules on Premium (``articles/frontdoor/billing.md``, "Base fees").
- Rate limit: per socket IP, over one or five minutes (``web-application-firewall/afds/waf-front-door-rate-limit.md``);
  the threshold is an int32 in the REST definition (``CustomRule.rateLimitThreshold``).
- Log categories: ``Microsoft.Cdn/profiles`` (FrontDoorAccessLog, FrontDoorHealthProbeLog,
  FrontDoorWebApplicationFirewallLog) and ``Microsoft.Network/trafficManagerProfiles`` (ProbeHealthStatusEvents)
  in Azure Monitor's "Supported logs" reference (``azure-monitor/reference/supported-logs/``).
"""

from __future__ import annotations

import re

from .model import StatusRange

LOCATION_RE = re.compile(r"^[a-z][a-z0-9]{2,39}$")
MAX_WEIGHT = 1000

FD_SKUS = ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor")
FD_DEFAULT_SKU = "Premium_AzureFrontDoor"
WAF_RATE_LIMIT_WINDOWS = (1, 5)
WAF_MAX_RATE_LIMIT = 2_147_483_647
FD_LOG_CATEGORIES = ("FrontDoorAccessLog", "FrontDoorHealthProbeLog", "FrontDoorWebApplicationFirewallLog")
TM_LOG_CATEGORIES = ("ProbeHealthStatusEvents",)
FD_MAX_PRIORITY = 5
FD_DEFAULT_WEIGHT = 50
FD_MIN_PROBE_INTERVAL, FD_MAX_PROBE_INTERVAL = 1, 255
FD_DEFAULT_PROBE_INTERVAL = 100
FD_DEFAULT_LATENCY_MS = 50
FD_WEIGHTED_LATENCY_MS = 1000
FD_MIN_ORIGIN_TIMEOUT_S = 16
FD_PROFILE_MAX = 260
FD_ENDPOINT_MAX = 46
AFD_NAME_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$")
WAF_POLICY_NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9]{0,127}$")
SCORING_PATTERNS = ("/score", "/swagger.json")

TM_MAX_PRIORITY = 1000
TM_DEFAULT_WEIGHT = 1
TM_PROBE_INTERVALS = (10, 30)
TM_DEFAULT_PROBE_INTERVAL = 30
TM_MIN_PROBE_TIMEOUT, TM_MAX_PROBE_TIMEOUT = 5, 10
TM_DEFAULT_TOLERATED_FAILURES = 3
TM_MAX_TOLERATED_FAILURES = 9
TM_MAX_HEADERS = 8
TM_MAX_STATUS_RANGES = 8
TM_DEFAULT_STATUS = (StatusRange(200, 299), StatusRange(401, 401))
TM_DEFAULT_TTL = 30
TM_MAX_TTL = 2_147_483_647
TM_NAME_MAX = 63
STATUS_RANGE_RE = re.compile(r"^\s*([0-9]{3})\s*(?:-\s*([0-9]{3}))?\s*$")
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
