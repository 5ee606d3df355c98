"""Rules about what the public can reach: a global entry in front of several regions without a WAF."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..plan.engine import RegisteredResource
from .graph import AFD_ORIGIN, TM_ENDPOINT, PlanGraph
from .model import Hit, Measurements, Rule

FD_PROFILE = "azure-native:cdn:Profile"
FD_SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
TM_PROFILE = "azure-native:trafficmanager:Profile"
FRONT_DOOR_SKUS = ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor")


def _same_profile(resource: RegisteredResource, profile: RegisteredResource) -> bool:
    keys = ("profileName", "resourceGroupName")
    return all(resource.inputs.get(k) == profile.inputs.get(k) for k in keys)


def _binds_waf(policy: RegisteredResource) -> bool:
    parameters = policy.inputs.get("parameters")
    if not isinstance(parameters, Mapping) or parameters.get("type") != "WebApplicationFirewall":
        return False
    waf = parameters.get("wafPolicy")
    return isinstance(waf, Mapping) and bool(waf.get("id"))


def global_entry_without_waf(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    """Front Door profiles with two or more origins and no WAF security policy; Traffic Manager profiles with
    two or more endpoints (DNS only: nothing filters the requests that reach the regions)."""
    for profile in graph.of_type(FD_PROFILE):
        sku = profile.inputs.get("sku")
        if not isinstance(sku, Mapping) or sku.get("name") not in FRONT_DOOR_SKUS:
            continue
        origins = [o for o in graph.of_type(AFD_ORIGIN) if _same_profile(o, profile)]
        if len(origins) < 2:
            continue
        if any(_binds_waf(p) for p in graph.of_type(FD_SECURITY_POLICY) if _same_profile(p, profile)):
            continue
        yield Hit(
            profile.name,
            profile.type,
            f"Front Door sends the public to {len(origins)} regions and no WAF policy is bound to its endpoint: "
            "no managed rules, bot protection or rate limit filter what reaches the regions",
        )
    for profile in graph.of_type(TM_PROFILE):
        inline = profile.inputs.get("endpoints")
        count = len(inline) if isinstance(inline, list) else 0
        count += len([e for e in graph.of_type(TM_ENDPOINT) if _same_profile(e, profile)])
        if count >= 2:
            yield Hit(
                profile.name,
                profile.type,
                f"Traffic Manager resolves clients to {count} public regional endpoints and cannot hold a WAF "
                "(it answers DNS only): nothing filters or rate-limits the requests that reach the regions",
            )


RULES = (
    Rule(
        id="MLI021",
        name="global-entry-without-waf",
        statement="A public global entry (Front Door or Traffic Manager) in front of two or more regions has a WAF "
        "policy.",
        source=(
            "MicrosoftDocs/azure-docs articles/web-application-firewall/afds/waf-front-door-best-practices.md "
            '("For internet-facing applications, we recommend that you enable a web application firewall (WAF) and '
            'configure it to use managed rules"; "add rate limiting"); articles/frontdoor/standard-premium/'
            "tier-comparison.md (managed rule sets and bot protection: Premium only; custom rules: both tiers)"
        ),
        severity="warning",
        fix=(
            "Front Door: keep the default sku Premium_AzureFrontDoor and its WAF (load_balancer.waf), or on Standard "
            "give load_balancer.waf.rate_limit. Traffic Manager answers DNS only and has no WAF: use kind "
            "'front_door', or waive the rule with the reason (docs/global-load-balancing.md, 'SKU and WAF')."
        ),
        check=global_entry_without_waf,
    ),
)
