"""The validated global spec: frozen objects the Azure (and local) targets read, never re-validate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..spec import ClusterSpec

FrontDoorRouting = Literal["latency", "priority", "weighted"]
TrafficManagerRouting = Literal["Priority", "Weighted", "Performance"]


@dataclass(frozen=True)
class RegionSpec:
    location: str
    """Normalised Azure region name (lower case, no spaces), e.g. ``westeurope``."""
    priority: int
    weight: int
    cluster_name: str
    """Logical name of the region's :class:`~ml_inference_lb.InferenceCluster`: ``<service>-<location>``."""
    cluster_args: Mapping[str, Any]
    """The region's cluster args with ``location``, ``resource_group_name`` and ``tags`` filled in."""
    cluster: ClusterSpec
    """The cluster's validated spec (the same one the cluster builds)."""


@dataclass(frozen=True)
class RateLimitSpec:
    """A WAF rate-limit custom rule: at most ``requests`` per client IP per window, then blocked."""

    requests: int
    window_minutes: Literal[1, 5]


@dataclass(frozen=True)
class WafSpec:
    policy_name: str
    mode: Literal["Prevention", "Detection"]
    managed_rules: bool
    """``Microsoft_DefaultRuleSet`` (Premium only)."""
    rule_set_version: str
    bot_protection: bool
    """``Microsoft_BotManagerRuleSet`` (Premium only)."""
    rate_limit: RateLimitSpec | None


@dataclass(frozen=True)
class GlobalDiagnosticsSpec:
    """The global load balancer's resource logs and metrics, to a Log Analytics workspace."""

    enabled: bool
    log_analytics_workspace_id: Any
    """``pulumi.Input[str]``, or None: the Log Analytics workspace of region ``from_region``'s cluster."""
    from_region: str | None = None


@dataclass(frozen=True)
class FrontDoorSpec:
    sku: Literal["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]
    routing: FrontDoorRouting
    profile_name: str
    endpoint_name: str
    probe_path: str
    probe_interval_s: int
    probe_request_type: Literal["GET", "HEAD"]
    sample_size: int
    successful_samples_required: int
    additional_latency_ms: int
    origin_response_timeout_s: int
    """At least the longest request timeout of any deployment (Front Door's minimum is 16 s)."""
    waf: WafSpec | None
    diagnostics: GlobalDiagnosticsSpec = GlobalDiagnosticsSpec(enabled=False, log_analytics_workspace_id=None)
    kind: Literal["front_door"] = "front_door"


@dataclass(frozen=True)
class StatusRange:
    low: int
    high: int


@dataclass(frozen=True)
class TrafficManagerSpec:
    routing: TrafficManagerRouting
    profile_name: str
    dns_name: str | None
    """None: the Azure target generates ``dns_name_prefix`` plus a random suffix."""
    dns_name_prefix: str
    dns_ttl_s: int
    probe_path: str
    probe_interval_s: int
    probe_timeout_s: int
    tolerated_failures: int
    expected_status: tuple[StatusRange, ...]
    custom_headers: tuple[tuple[str, str], ...]
    """Profile-wide probe headers; each endpoint adds ``Host`` = its endpoint host."""
    diagnostics: GlobalDiagnosticsSpec = GlobalDiagnosticsSpec(enabled=False, log_analytics_workspace_id=None)
    kind: Literal["traffic_manager"] = "traffic_manager"


@dataclass(frozen=True)
class GlobalSpec:
    name: str
    resource_group_name: Any
    regions: tuple[RegionSpec, ...]
    load_balancer: FrontDoorSpec | TrafficManagerSpec
    tags: Mapping[str, str] = field(default_factory=dict)

    def region(self, location: str) -> RegionSpec:
        for r in self.regions:
            if r.location == location:
                return r
        raise KeyError(location)
