"""Azure Front Door Standard/Premium in front of the regions' endpoints (``azure-native.cdn``, API 2025-06-01).

Profile → endpoint → one origin group (health probe and load-balancing settings) → one origin per
region (the endpoint's scoring host, sent as Host and checked against its certificate) → a route for
the scoring paths, HTTPS only, no caching. Premium can add a WAF policy
(``azure-native.frontdoor.Policy``, Microsoft.Network/FrontDoorWebApplicationFirewallPolicies) bound
to the endpoint by a security policy: by default on Premium (Microsoft's managed rules and bot protection),
and on either tier with a rate-limit custom rule. Access, health-probe and WAF logs go to Log Analytics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from . import naming, rules
from .diagnostics import build_lb_diagnostics
from .model import FrontDoorSpec, GlobalSpec, RateLimitSpec

RATE_LIMIT_RULE = "RateLimitPerClientIp"
TEST_NET_1 = "192.0.2.0/24"


@dataclass(frozen=True)
class FrontDoorRefs:
    hostname: pulumi.Output[str]
    profile_id: pulumi.Output[str]
    resources: tuple[pulumi.Resource, ...]


def build_front_door(
    spec: GlobalSpec,
    fd: FrontDoorSpec,
    hosts: Mapping[str, pulumi.Output[str]],
    parent: pulumi.Resource,
    log_destination: pulumi.Input[str] | None = None,
) -> FrontDoorRefs:
    """``hosts``: each region's endpoint host (``<endpoint>.<region>.inference.ml.azure.com``) by location;
    ``log_destination``: the Log Analytics workspace the profile's logs go to (None: no diagnostic setting)."""
    opts = pulumi.ResourceOptions(parent=parent)
    tags = dict(spec.tags)
    profile = azure_native.cdn.Profile(
        naming.child(spec.name, naming.FD_PROFILE),
        profile_name=fd.profile_name,
        resource_group_name=spec.resource_group_name,
        location="Global",
        sku={"name": fd.sku},
        origin_response_timeout_seconds=fd.origin_response_timeout_s,
        tags=tags,
        opts=opts,
    )
    endpoint = azure_native.cdn.AFDEndpoint(
        naming.child(spec.name, naming.FD_ENDPOINT),
        endpoint_name=fd.endpoint_name,
        profile_name=profile.name,
        resource_group_name=spec.resource_group_name,
        location="Global",
        enabled_state="Enabled",
        auto_generated_domain_name_label_scope="TenantReuse",
        tags=tags,
        opts=opts,
    )
    group = azure_native.cdn.AFDOriginGroup(
        naming.child(spec.name, naming.FD_ORIGIN_GROUP),
        origin_group_name=naming.FD_ORIGIN_GROUP,
        profile_name=profile.name,
        resource_group_name=spec.resource_group_name,
        health_probe_settings={
            "probe_path": fd.probe_path,
            "probe_protocol": "Https",
            "probe_request_type": fd.probe_request_type,
            "probe_interval_in_seconds": fd.probe_interval_s,
        },
        load_balancing_settings={
            "sample_size": fd.sample_size,
            "successful_samples_required": fd.successful_samples_required,
            "additional_latency_in_milliseconds": fd.additional_latency_ms,
        },
        session_affinity_state="Disabled",
        opts=opts,
    )
    origins = []
    for region in spec.regions:
        host = hosts[region.location]
        origins.append(
            azure_native.cdn.AFDOrigin(
                naming.child(spec.name, naming.origin(region.location)),
                origin_name=region.location,
                origin_group_name=group.name,
                profile_name=profile.name,
                resource_group_name=spec.resource_group_name,
                host_name=host,
                origin_host_header=host,
                http_port=80,
                https_port=443,
                priority=region.priority,
                weight=region.weight,
                enforce_certificate_name_check=True,
                enabled_state="Enabled",
                opts=opts,
            )
        )
    route = azure_native.cdn.Route(
        naming.child(spec.name, naming.FD_ROUTE),
        route_name=naming.FD_ROUTE,
        endpoint_name=endpoint.name,
        profile_name=profile.name,
        resource_group_name=spec.resource_group_name,
        origin_group={"id": group.id},
        patterns_to_match=list(rules.SCORING_PATTERNS),
        supported_protocols=["Https"],
        forwarding_protocol="HttpsOnly",
        https_redirect="Disabled",
        link_to_default_domain="Enabled",
        enabled_state="Enabled",
        # An origin group without origins cannot take a route: create the origins first.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=origins),
    )
    resources: list[pulumi.Resource] = [profile, endpoint, group, *origins, route]
    if fd.waf is not None:
        resources.extend(_waf(spec, fd, profile, endpoint, parent))
    diagnostics = build_lb_diagnostics(
        naming.child(spec.name, naming.FD_DIAGNOSTICS),
        fd.diagnostics,
        log_destination,
        profile.id,
        rules.FD_LOG_CATEGORIES,
        parent,
    )
    if diagnostics is not None:
        resources.append(diagnostics)
    return FrontDoorRefs(hostname=endpoint.host_name, profile_id=profile.id, resources=tuple(resources))


def _waf(
    spec: GlobalSpec,
    fd: FrontDoorSpec,
    profile: azure_native.cdn.Profile,
    endpoint: azure_native.cdn.AFDEndpoint,
    parent: pulumi.Resource,
) -> list[pulumi.Resource]:
    assert fd.waf is not None  # the caller checks; kept for the type checker
    waf = fd.waf
    managed: list[dict[str, Any]] = []
    if waf.managed_rules:
        managed.append(
            {
                "rule_set_type": "Microsoft_DefaultRuleSet",
                "rule_set_version": waf.rule_set_version,
                "rule_set_action": "Block",
            }
        )
    if waf.bot_protection:
        managed.append({"rule_set_type": "Microsoft_BotManagerRuleSet", "rule_set_version": "1.1"})
    custom = [_rate_limit_rule(waf.rate_limit)] if waf.rate_limit is not None else []
    policy = azure_native.frontdoor.Policy(
        naming.child(spec.name, naming.WAF_POLICY),
        policy_name=waf.policy_name,
        resource_group_name=spec.resource_group_name,
        location="Global",
        sku={"name": fd.sku},
        policy_settings={"enabled_state": "Enabled", "mode": waf.mode, "request_body_check": "Enabled"},
        managed_rules={"managed_rule_sets": managed},
        custom_rules={"rules": custom},
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    security = azure_native.cdn.SecurityPolicy(
        naming.child(spec.name, naming.FD_SECURITY_POLICY),
        security_policy_name=naming.FD_SECURITY_POLICY,
        profile_name=profile.name,
        resource_group_name=spec.resource_group_name,
        parameters={
            "type": "WebApplicationFirewall",
            "waf_policy": {"id": policy.id},
            "associations": [{"domains": [{"id": endpoint.id}], "patterns_to_match": ["/*"]}],
        },
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return [policy, security]


def _rate_limit_rule(limit: RateLimitSpec) -> dict[str, Any]:
    """A rate-limit custom rule on every request. Azure requires a match condition: "not from TEST-NET-1
    (192.0.2.0/24)", a documentation range no client uses, matches all (Azure-Samples' quickstart template
    ``quickstarts/microsoft.cdn/front-door-standard-premium-rate-limit``). Counted per socket IP address."""
    return {
        "name": RATE_LIMIT_RULE,
        "priority": 100,
        "enabled_state": "Enabled",
        "rule_type": "RateLimitRule",
        "rate_limit_threshold": limit.requests,
        "rate_limit_duration_in_minutes": limit.window_minutes,
        "match_conditions": [
            {
                "match_variable": "RemoteAddr",
                "operator": "IPMatch",
                "negate_condition": True,
                "match_value": [TEST_NET_1],
            }
        ],
        "action": "Block",
    }
