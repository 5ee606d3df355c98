"""Validation of the ``load_balancer`` args: Front Door (with its WAF) or Traffic Manager.

Called by :func:`~ml_inference_lb.global_lb.build_global_spec` once the regions are read; records
problems in the same :class:`~ml_inference_lb.spec.problems.Problems` so one error lists them all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..spec.model import NewWorkspaceSpec
from ..spec.problems import Problems, join
from . import rules
from .model import (
    FrontDoorSpec,
    GlobalDiagnosticsSpec,
    RateLimitSpec,
    RegionSpec,
    StatusRange,
    TrafficManagerSpec,
    WafSpec,
)

FRONT_DOOR_ONLY = ("sku", "waf", "endpoint_name")
TRAFFIC_MANAGER_ONLY = ("dns_name", "dns_ttl_seconds")
PROBE_COMMON = ("path", "interval_seconds")
PROBE_FRONT_DOOR = ("request_type", "sample_size", "successful_samples_required", "additional_latency_ms")
PROBE_TRAFFIC_MANAGER = ("timeout_seconds", "tolerated_failures", "expected_status_codes", "custom_headers")
WAF_FIELDS = ("enabled", "mode", "managed_rules", "rule_set_version", "bot_protection", "rate_limit", "policy_name")
RATE_LIMIT_FIELDS = ("requests", "window_minutes")
DIAGNOSTICS_FIELDS = ("enabled", "log_analytics_workspace_id")
PREMIUM = "Premium_AzureFrontDoor"


# --- Front Door


def front_door_spec(
    problems: Problems, service: str, lb: Mapping[str, Any], placed: list[tuple[int, RegionSpec]]
) -> FrontDoorSpec:
    for key in TRAFFIC_MANAGER_ONLY:
        if key in lb:
            problems.add(join("load_balancer", key), "applies to kind 'traffic_manager' only")
    sku = problems.choice("load_balancer.sku", lb.get("sku"), rules.FD_SKUS, rules.FD_DEFAULT_SKU)
    routing_raw = lb.get("routing")
    if routing_raw == "performance":
        problems.add("load_balancer.routing", "'performance' is Traffic Manager's name: Front Door calls it 'latency'")
        routing_raw = None
    routing = problems.choice("load_balancer.routing", routing_raw, ("latency", "priority", "weighted"), "latency")
    _one_credential_everywhere(problems, placed)
    if routing == "priority":
        distinct_priorities(
            problems,
            placed,
            "with 'priority' routing Front Door regions form an ordered failover chain "
            "(use 'latency' or 'weighted' routing to share traffic among equal priorities)",
        )

    probe = problems.mapping("load_balancer.probe", lb.get("probe"))
    problems.unknown_keys("load_balancer.probe", probe, PROBE_COMMON + PROBE_FRONT_DOOR + PROBE_TRAFFIC_MANAGER)
    for key in PROBE_TRAFFIC_MANAGER:
        if key in probe:
            problems.add(join("load_balancer.probe", key), "applies to kind 'traffic_manager' only")
    sample_size = problems.integer("load_balancer.probe.sample_size", probe.get("sample_size"), 4, 1, 255)
    successes = problems.integer(
        "load_balancer.probe.successful_samples_required",
        probe.get("successful_samples_required"),
        min(3, sample_size),
        1,
        255,
    )
    if successes > sample_size:
        problems.add(
            "load_balancer.probe.successful_samples_required",
            f"{successes} is more than sample_size ({sample_size}): no origin could ever be healthy",
        )

    waf = _waf(problems, service, lb, sku)
    profile_name = _name(
        problems, "load_balancer.profile_name", lb.get("profile_name"), f"{service}-afd", rules.FD_PROFILE_MAX
    )
    endpoint_name = _name(
        problems, "load_balancer.endpoint_name", lb.get("endpoint_name"), service, rules.FD_ENDPOINT_MAX
    )
    timeouts = [d.request.timeout_ms for _, r in placed for d in r.cluster.deployments]
    origin_timeout = max(rules.FD_MIN_ORIGIN_TIMEOUT_S, math.ceil(max(timeouts, default=0) / 1000))
    return FrontDoorSpec(
        sku=sku,  # type: ignore[arg-type]
        routing=routing,  # type: ignore[arg-type]
        profile_name=profile_name,
        endpoint_name=endpoint_name,
        probe_path=_probe_path(problems, probe.get("path")),
        probe_interval_s=problems.integer(
            "load_balancer.probe.interval_seconds",
            probe.get("interval_seconds"),
            rules.FD_DEFAULT_PROBE_INTERVAL,
            rules.FD_MIN_PROBE_INTERVAL,
            rules.FD_MAX_PROBE_INTERVAL,
        ),
        probe_request_type=problems.choice(  # type: ignore[arg-type]
            "load_balancer.probe.request_type", probe.get("request_type"), ("GET", "HEAD"), "GET"
        ),
        sample_size=sample_size,
        successful_samples_required=successes,
        additional_latency_ms=problems.integer(
            "load_balancer.probe.additional_latency_ms",
            probe.get("additional_latency_ms"),
            rules.FD_WEIGHTED_LATENCY_MS if routing == "weighted" else rules.FD_DEFAULT_LATENCY_MS,
            0,
        ),
        origin_response_timeout_s=origin_timeout,
        waf=waf,
        diagnostics=diagnostics_spec(problems, lb, placed),
    )


def _one_credential_everywhere(problems: Problems, placed: list[tuple[int, RegionSpec]]) -> None:
    """Front Door may send any request to any region, so a caller's credential must work in all of them.
    Keys and Azure ML tokens belong to one endpoint; Microsoft Entra tokens do not."""
    if len(placed) < 2:
        return
    for position, region in placed:
        mode = region.cluster.endpoint.auth_mode
        if mode != "AADToken":
            problems.add(
                f"regions[{position}].cluster.endpoint.auth_mode",
                f"{'key' if mode == 'Key' else 'aml_token'} credentials belong to one region's endpoint, and Front "
                "Door sends each request to any region: set 'aad_token' in every region (a Microsoft Entra token "
                "works in all of them), or use kind 'traffic_manager' (clients call the resolved region with its key)",
            )


def _waf(problems: Problems, service: str, lb: Mapping[str, Any], sku: str) -> WafSpec | None:
    """The WAF policy: by default on Premium (managed rules, bot protection, prevention); on Standard only
    when asked, with custom rules alone (Standard has no managed rule sets: Front Door tier comparison)."""
    raw = problems.mapping("load_balancer.waf", lb.get("waf"))
    problems.unknown_keys("load_balancer.waf", raw, WAF_FIELDS)
    premium = sku == PREMIUM
    if not problems.boolean("load_balancer.waf.enabled", raw.get("enabled"), premium or "waf" in lb):
        return None
    managed = problems.boolean("load_balancer.waf.managed_rules", raw.get("managed_rules"), premium)
    bots = problems.boolean("load_balancer.waf.bot_protection", raw.get("bot_protection"), premium)
    for key, on in (("managed_rules", managed), ("bot_protection", bots)):
        if on and not premium:
            problems.add(
                f"load_balancer.waf.{key}",
                "Microsoft's managed rule sets need sku 'Premium_AzureFrontDoor' (Standard has custom rules only): "
                "set the sku to Premium, or leave this False and use waf.rate_limit",
            )
    rate_limit = _rate_limit(problems, raw.get("rate_limit"))
    if not (managed or bots or rate_limit):
        problems.add(
            "load_balancer.waf",
            "this WAF policy would hold no rule: give waf.rate_limit, turn on managed_rules or bot_protection "
            "(Premium), or set waf.enabled to False",
        )
    derived = re.sub(r"[^a-zA-Z0-9]", "", service)[:125] + "waf"
    policy_name = problems.string("load_balancer.waf.policy_name", raw.get("policy_name"), derived) or derived
    if not rules.WAF_POLICY_NAME_RE.match(policy_name):
        hint = "" if "policy_name" in raw else " (derived from the service name: set load_balancer.waf.policy_name)"
        problems.add(
            "load_balancer.waf.policy_name",
            f"{policy_name!r} is not a valid WAF policy name: start with a letter, then letters and digits, "
            f"at most 128{hint}",
        )
    mode = problems.choice("load_balancer.waf.mode", raw.get("mode"), ("prevention", "detection"), "prevention")
    return WafSpec(
        policy_name=policy_name,
        mode="Prevention" if mode == "prevention" else "Detection",
        managed_rules=managed,
        rule_set_version=problems.string("load_balancer.waf.rule_set_version", raw.get("rule_set_version"), "2.1")
        or "2.1",
        bot_protection=bots,
        rate_limit=rate_limit,
    )


def _rate_limit(problems: Problems, raw_value: Any) -> RateLimitSpec | None:
    if raw_value is None:
        return None
    path = "load_balancer.waf.rate_limit"
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, RATE_LIMIT_FIELDS)
    if "requests" not in raw:
        problems.add(f"{path}.requests", "required: the requests one client IP may send in a window")
    requests = problems.integer(f"{path}.requests", raw.get("requests"), 1, 1, rules.WAF_MAX_RATE_LIMIT)
    window = problems.integer(f"{path}.window_minutes", raw.get("window_minutes"), 1)
    if window not in rules.WAF_RATE_LIMIT_WINDOWS:
        problems.add(f"{path}.window_minutes", f"Front Door counts requests per 1 or 5 minutes, got {window}")
        window = 1
    return RateLimitSpec(requests=requests, window_minutes=window)  # type: ignore[arg-type]


def diagnostics_spec(
    problems: Problems, lb: Mapping[str, Any], placed: list[tuple[int, RegionSpec]]
) -> GlobalDiagnosticsSpec:
    """Where the load balancer's logs go: the given workspace, else the first region that has one."""
    path = "load_balancer.diagnostics"
    raw = problems.mapping(path, lb.get("diagnostics"))
    problems.unknown_keys(path, raw, DIAGNOSTICS_FIELDS)
    enabled = problems.boolean(f"{path}.enabled", raw.get("enabled"), True)
    given = raw.get("log_analytics_workspace_id")
    if not enabled or given is not None:
        return GlobalDiagnosticsSpec(enabled=enabled, log_analytics_workspace_id=given)
    for _, region in placed:
        cluster = region.cluster
        if cluster.diagnostics.log_analytics_workspace_id is not None or isinstance(
            cluster.workspace, NewWorkspaceSpec
        ):
            return GlobalDiagnosticsSpec(enabled=True, log_analytics_workspace_id=None, from_region=region.location)
    if placed:
        problems.add(
            f"{path}.log_analytics_workspace_id",
            "no region has a Log Analytics workspace to send the load balancer's logs to (each uses an existing "
            "workspace and gives no diagnostics.log_analytics_workspace_id): give one here, or set "
            f"{path}.enabled to False",
        )
    return GlobalDiagnosticsSpec(enabled=False, log_analytics_workspace_id=None)


# --- Traffic Manager


def traffic_manager_spec(
    problems: Problems, service: str, lb: Mapping[str, Any], placed: list[tuple[int, RegionSpec]]
) -> TrafficManagerSpec:
    for key in FRONT_DOOR_ONLY:
        if key in lb:
            problems.add(join("load_balancer", key), "applies to kind 'front_door' only")
    routing_raw = lb.get("routing")
    if routing_raw == "latency":
        problems.add("load_balancer.routing", "'latency' is Front Door's name: Traffic Manager calls it 'performance'")
        routing_raw = None
    routing = problems.choice("load_balancer.routing", routing_raw, ("priority", "weighted", "performance"), "priority")

    probe = problems.mapping("load_balancer.probe", lb.get("probe"))
    problems.unknown_keys("load_balancer.probe", probe, PROBE_COMMON + PROBE_FRONT_DOOR + PROBE_TRAFFIC_MANAGER)
    for key in PROBE_FRONT_DOOR:
        if key in probe:
            problems.add(join("load_balancer.probe", key), "applies to kind 'front_door' only")
    interval = problems.integer(
        "load_balancer.probe.interval_seconds", probe.get("interval_seconds"), rules.TM_DEFAULT_PROBE_INTERVAL
    )
    if interval not in rules.TM_PROBE_INTERVALS:
        problems.add(
            "load_balancer.probe.interval_seconds",
            f"Traffic Manager probes every 30 s (normal) or 10 s (fast), got {interval}",
        )
    timeout = problems.integer(
        "load_balancer.probe.timeout_seconds",
        probe.get("timeout_seconds"),
        min(rules.TM_MAX_PROBE_TIMEOUT, max(interval - 1, rules.TM_MIN_PROBE_TIMEOUT)),
        rules.TM_MIN_PROBE_TIMEOUT,
        rules.TM_MAX_PROBE_TIMEOUT,
    )
    if timeout >= interval and interval in rules.TM_PROBE_INTERVALS:
        problems.add(
            "load_balancer.probe.timeout_seconds",
            f"{timeout} s must be shorter than interval_seconds ({interval} s): at a 10 s interval use 5-9 s",
        )
    headers = _headers(problems, probe.get("custom_headers"))
    profile_name = _name(
        problems, "load_balancer.profile_name", lb.get("profile_name"), f"{service}-tm", rules.TM_NAME_MAX
    )
    dns_name = problems.string("load_balancer.dns_name", lb.get("dns_name"))
    if dns_name is not None:
        _name(problems, "load_balancer.dns_name", dns_name, dns_name, rules.TM_NAME_MAX)
    prefix = _fit(re.sub(r"[^a-zA-Z0-9-]+", "-", service).strip("-").lower(), rules.TM_NAME_MAX - 6) or "service"
    return TrafficManagerSpec(
        routing={"priority": "Priority", "weighted": "Weighted", "performance": "Performance"}[routing],  # type: ignore[arg-type]
        profile_name=profile_name,
        dns_name=dns_name,
        dns_name_prefix=prefix,
        dns_ttl_s=problems.integer(
            "load_balancer.dns_ttl_seconds", lb.get("dns_ttl_seconds"), rules.TM_DEFAULT_TTL, 0, rules.TM_MAX_TTL
        ),
        probe_path=_probe_path(problems, probe.get("path")),
        probe_interval_s=interval,
        probe_timeout_s=timeout,
        tolerated_failures=problems.integer(
            "load_balancer.probe.tolerated_failures",
            probe.get("tolerated_failures"),
            rules.TM_DEFAULT_TOLERATED_FAILURES,
            0,
            rules.TM_MAX_TOLERATED_FAILURES,
        ),
        expected_status=_status_ranges(problems, probe.get("expected_status_codes")),
        custom_headers=headers,
        diagnostics=diagnostics_spec(problems, lb, placed),
    )


def _status_ranges(problems: Problems, raw_value: Any) -> tuple[StatusRange, ...]:
    path = "load_balancer.probe.expected_status_codes"
    if raw_value is None:
        return rules.TM_DEFAULT_STATUS

    def read(item_path: str, item: Any) -> StatusRange:
        text = str(item) if isinstance(item, (str, int)) and not isinstance(item, bool) else ""
        match = rules.STATUS_RANGE_RE.match(text)
        if not match:
            problems.add(item_path, f"must be a status code or range such as '401' or '200-299', got {item!r}")
            return StatusRange(200, 299)
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not (100 <= low <= high <= 599):
            problems.add(item_path, f"{text!r} is not a range of HTTP status codes (100-599, low before high)")
        return StatusRange(low, high)

    ranges = tuple(problems.each(path, raw_value, read))
    if not ranges and not problems:
        problems.add(path, "give at least one range, or leave the field out for ['200-299', '401']")
    if len(ranges) > rules.TM_MAX_STATUS_RANGES:
        problems.add(path, f"{len(ranges)} ranges; Traffic Manager allows {rules.TM_MAX_STATUS_RANGES}")
    return ranges


def _headers(problems: Problems, raw_value: Any) -> tuple[tuple[str, str], ...]:
    path = "load_balancer.probe.custom_headers"
    raw = problems.mapping(path, raw_value)
    pairs: list[tuple[str, str]] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not rules.HEADER_NAME_RE.match(key):
            problems.add(path, f"{key!r} is not an HTTP header name")
        elif key.lower() == "host":
            problems.add(join(path, key), "Host is set for you: each region is probed with its own endpoint host")
        elif not isinstance(value, str):
            problems.add(join(path, key), f"must be a string, got {type(value).__name__}")
        else:
            pairs.append((key, value))
    if len(raw) + 1 > rules.TM_MAX_HEADERS:
        problems.add(path, f"{len(raw)} headers plus Host; Traffic Manager allows {rules.TM_MAX_HEADERS} in all")
    return tuple(pairs)


# --- shared helpers


def distinct_priorities(problems: Problems, placed: list[tuple[int, RegionSpec]], why: str) -> None:
    seen: dict[int, str] = {}
    for position, region in placed:
        if region.priority in seen:
            problems.add(
                f"regions[{position}].priority",
                f"{region.priority} is also the priority of {seen[region.priority]}: {why}, so give each "
                "region its own priority",
            )
        else:
            seen[region.priority] = region.location


def _probe_path(problems: Problems, value: Any) -> str:
    path = problems.string("load_balancer.probe.path", value, "/") or "/"
    if not path.startswith("/") or any(c.isspace() for c in path):
        problems.add("load_balancer.probe.path", f"must be an absolute URL path such as '/', got {path!r}")
    return path


def _name(problems: Problems, path: str, given: Any, derived: str, limit: int) -> str:
    value = problems.string(path, given)
    if value is None:
        value = _fit(re.sub(r"-{2,}", "-", re.sub(r"[^a-zA-Z0-9-]+", "-", derived)).strip("-"), limit)
        hint = f" (derived from the service name: set {path})"
    else:
        hint = ""
    if not (1 <= len(value) <= limit) or not rules.AFD_NAME_RE.match(value):
        problems.add(
            path,
            f"{value!r} is not a valid name: 1-{limit} letters, digits and hyphens, "
            f"starting and ending with a letter or digit{hint}",
        )
    return value


def _fit(value: str, limit: int) -> str:
    return value[:limit].rstrip("-")
