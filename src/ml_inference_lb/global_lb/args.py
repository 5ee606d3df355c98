"""Public arguments of :class:`~ml_inference_lb.GlobalInferenceService`, as TypedDicts.

One inference service in several Azure regions behind one global entry point. Each region is a
full :class:`~ml_inference_lb.InferenceCluster` (its own workspace, endpoint and deployments, as
Azure ML requires); the global load balancer is Azure Front Door Standard/Premium or Azure Traffic
Manager. Every field documents its default and what Azure does with it; the sources are in
``docs/global-load-balancing.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

import pulumi
from typing_extensions import NotRequired

LoadBalancerKind = Literal["front_door", "traffic_manager"]
FrontDoorSku = Literal["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"]
Routing = Literal["latency", "priority", "weighted", "performance"]


class RegionArgs(TypedDict):
    """One region of the service: where it runs, its share or rank, and its cluster."""

    location: str
    """Azure region name, e.g. ``"westeurope"`` (``"West Europe"`` is accepted and normalised).
    Unique in the service. The region's cluster is named ``<service name>-<location>``."""
    cluster: Mapping[str, Any]
    """:class:`~ml_inference_lb.InferenceClusterArgs` without ``location`` (set from ``location``).
    ``resource_group_name`` defaults to the service's; ``tags`` are merged over the service's."""
    priority: NotRequired[int]
    """Lower is preferred. Front Door: 1-5; Traffic Manager: 1-1000, unique per region with
    ``"priority"`` routing. Default: 1 (Front Door, all active) or the region's position (Traffic Manager)."""
    weight: NotRequired[int]
    """Share of traffic among regions of the same priority (Front Door) or with ``"weighted"``
    routing (Traffic Manager), 1-1000. Default 50 (Front Door) or 1 (Traffic Manager)."""


class ProbeArgs(TypedDict, total=False):
    """How the global load balancer checks each region. The protocol is always HTTPS on 443
    (the only way a managed online endpoint is reachable)."""

    path: str
    """Path probed on each region's endpoint host. Default ``"/"``. See
    ``docs/global-load-balancing.md`` for what a managed endpoint answers without credentials."""
    interval_seconds: int
    """Front Door: 1-255 s, default 100. Traffic Manager: 10 or 30 s, default 30."""
    request_type: Literal["GET", "HEAD"]
    """Front Door only. Default ``"GET"``."""
    sample_size: int
    """Front Door only: probe results considered per origin. Default 4."""
    successful_samples_required: int
    """Front Door only: successes among ``sample_size`` for an origin to be healthy. Default 3."""
    additional_latency_ms: int
    """Front Door only: latency sensitivity; origins this much slower than the fastest still get
    traffic. Default 50 (``"latency"``/``"priority"``) or 1000 (``"weighted"``, so that weights decide)."""
    timeout_seconds: int
    """Traffic Manager only: 5-10 s and shorter than the interval. Default 10 (9 at a 10 s interval)."""
    tolerated_failures: int
    """Traffic Manager only: failed probes before a region is degraded, 0-9. Default 3."""
    expected_status_codes: Sequence[str]
    """Traffic Manager only: status ranges that count as healthy, ``"200-299"`` or ``"401"``, at most 8.
    Default ``["200-299", "401"]``: an endpoint that demands credentials is up (see the docs for
    what that does and does not prove)."""
    custom_headers: Mapping[str, str]
    """Traffic Manager only: extra probe headers. ``Host`` is always each region's endpoint host;
    at most 8 headers in all."""


class RateLimitArgs(TypedDict, total=False):
    """A WAF rate-limit custom rule (Standard and Premium): Front Door counts the requests of each client
    (socket) IP address in a fixed window and blocks that client for the rest of the window once it passes
    ``requests``. Front Door's edge servers count separately, so below about 200 requests a minute some
    requests over the limit get through (``web-application-firewall/afds/waf-front-door-rate-limit.md``)."""

    requests: int
    """Requests allowed per client IP address in one window. Required. Microsoft advises a high value: about
    twice what one legitimate client sends (Front Door WAF best practices)."""
    window_minutes: Literal[1, 5]
    """The window, 1 or 5 minutes (the only two Azure offers). Default 1."""


class WafArgs(TypedDict, total=False):
    """The Front Door WAF policy, bound to the endpoint for every path.

    Premium (the default SKU) gets one by default: Microsoft's managed rule set and bot protection in
    prevention mode. Standard has no managed rules, so its policy holds only custom rules (``rate_limit``).
    """

    enabled: bool
    """False: no WAF policy (``plan`` then warns for two or more regions). Default True on Premium; on Standard
    a policy exists only when ``waf`` is given."""
    mode: Literal["prevention", "detection"]
    """``"prevention"`` blocks matching requests; ``"detection"`` only logs them (to the Front Door's
    ``FrontDoorWebApplicationFirewallLog``; use it while tuning). Default ``"prevention"``."""
    managed_rules: bool
    """``Microsoft_DefaultRuleSet`` in blocking mode (anomaly scoring). Premium only. Default True on Premium."""
    rule_set_version: str
    """Version of ``Microsoft_DefaultRuleSet``. Default ``"2.1"``."""
    bot_protection: bool
    """Add ``Microsoft_BotManagerRuleSet`` 1.1. Premium only. Default True on Premium."""
    rate_limit: RateLimitArgs
    """A per-client-IP rate limit on every request. Default: none."""
    policy_name: str
    """Letters and digits, starting with a letter, at most 128. Default: derived from the service name."""


class DiagnosticsArgs(TypedDict, total=False):
    """The global load balancer's resource logs and metrics, sent to a Log Analytics workspace."""

    enabled: bool
    """Default True. Front Door: access, health-probe and WAF logs; Traffic Manager: probe health events;
    both with all metrics."""
    log_analytics_workspace_id: pulumi.Input[str]
    """ARM id of the Log Analytics workspace. Default: the one the first region's cluster sends its endpoint
    logs to (its ``diagnostics.log_analytics_workspace_id``, or the workspace a new workspace comes with)."""


class LoadBalancerArgs(TypedDict, total=False):
    """The global entry point in front of the regions."""

    kind: LoadBalancerKind
    """``"front_door"`` (default: a reverse proxy at Microsoft's edge that sends the endpoint's own
    Host header and TLS name) or ``"traffic_manager"`` (DNS only)."""
    sku: FrontDoorSku
    """Front Door tier. Default ``"Premium_AzureFrontDoor"``: the tier with Microsoft's managed WAF rules and
    bot protection, which the default WAF uses. ``"Standard_AzureFrontDoor"`` has a lower base fee and
    custom WAF rules only (``waf.rate_limit``). Azure upgrades Standard to Premium in place; it cannot
    downgrade (see ``docs/global-load-balancing.md``, "SKU and WAF")."""
    routing: Routing
    """Front Door: ``"latency"`` (default), ``"priority"`` or ``"weighted"``.
    Traffic Manager: ``"priority"`` (default), ``"weighted"`` or ``"performance"``."""
    probe: ProbeArgs
    waf: WafArgs
    """Front Door only. Default: on Premium, managed rules and bot protection in prevention mode; on Standard,
    none (``plan`` warns when two or more regions are behind a global entry without a WAF)."""
    diagnostics: DiagnosticsArgs
    """Resource logs and metrics of the Front Door or Traffic Manager profile. Default: on, to the first
    region's Log Analytics workspace."""
    profile_name: str
    """Front Door profile (1-260) or Traffic Manager profile (1-63) name. Default ``<service name>-afd``
    or ``<service name>-tm``."""
    endpoint_name: str
    """Front Door endpoint name, 1-46 letters, digits and hyphens. Azure appends a hash to make the
    host name unique. Default: the service name."""
    dns_name: str
    """Traffic Manager relative DNS name (``<dns_name>.trafficmanager.net``), globally unique,
    1-63 characters. Default: ``<service name>-<5 random characters>``."""
    dns_ttl_seconds: int
    """Traffic Manager DNS TTL, 0-2147483647 s. Default 30: how long clients may keep a failed region."""


class GlobalInferenceServiceArgs(TypedDict):
    """Everything a :class:`~ml_inference_lb.GlobalInferenceService` needs."""

    resource_group_name: pulumi.Input[str]
    """Resource group of the global load balancer and, unless a region says otherwise, of every cluster."""
    regions: Sequence[RegionArgs]
    """At least one region, each location once."""
    load_balancer: NotRequired[LoadBalancerArgs]
    """Default: Front Door Premium with a WAF, latency routing, logs to Log Analytics."""
    tags: NotRequired[Mapping[str, str]]
    """Applied to the global resources and merged under each region's cluster tags."""
