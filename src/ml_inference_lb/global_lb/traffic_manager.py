"""Azure Traffic Manager in front of the regions' endpoints (``azure-native.trafficmanager``, API 2022-04-01).

One profile (routing method, DNS name and TTL, an HTTPS monitor on 443 with expected status ranges)
holding one external endpoint per region whose target is the region's endpoint host. Each endpoint
carries its own probe header ``Host: <endpoint host>`` because the host differs per region.
Traffic Manager answers DNS only: see ``docs/global-load-balancing.md`` for what that means for TLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from . import naming, rules
from .diagnostics import build_lb_diagnostics
from .model import GlobalSpec, TrafficManagerSpec

TM_DOMAIN = "trafficmanager.net"
ENDPOINT_TYPE = "Microsoft.Network/trafficManagerProfiles/externalEndpoints"


@dataclass(frozen=True)
class TrafficManagerRefs:
    hostname: pulumi.Output[str]
    profile_id: pulumi.Output[str]
    resources: tuple[pulumi.Resource, ...]


def dns_name(spec: GlobalSpec, tm: TrafficManagerSpec, parent: pulumi.Resource) -> pulumi.Output[str]:
    if tm.dns_name is not None:
        return pulumi.Output.from_input(tm.dns_name)
    suffix = random.RandomString(
        naming.child(spec.name, naming.TM_DNS_SUFFIX),
        length=5,
        upper=False,
        special=False,
        numeric=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    prefix = tm.dns_name_prefix
    name: pulumi.Output[str] = suffix.result.apply(lambda s: f"{prefix}-{s}")
    return name


def build_traffic_manager(
    spec: GlobalSpec,
    tm: TrafficManagerSpec,
    hosts: Mapping[str, pulumi.Output[str]],
    parent: pulumi.Resource,
    log_destination: pulumi.Input[str] | None = None,
) -> TrafficManagerRefs:
    relative = dns_name(spec, tm, parent)
    monitor: dict[str, Any] = {
        "protocol": "HTTPS",
        "port": 443,
        "path": tm.probe_path,
        "interval_in_seconds": tm.probe_interval_s,
        "timeout_in_seconds": tm.probe_timeout_s,
        "tolerated_number_of_failures": tm.tolerated_failures,
        "expected_status_code_ranges": [{"min": r.low, "max": r.high} for r in tm.expected_status],
    }
    if tm.custom_headers:
        monitor["custom_headers"] = [{"name": k, "value": v} for k, v in tm.custom_headers]
    # The endpoints live inside the profile, not as separate Endpoint resources: the profile is
    # updated by PUT, and a PUT without its endpoints removes them (docs/global-load-balancing.md).
    endpoints = [
        {
            "name": region.location,
            "type": ENDPOINT_TYPE,
            "target": hosts[region.location],
            "endpoint_status": "Enabled",
            "endpoint_location": region.location,
            "priority": region.priority,
            "weight": region.weight,
            "custom_headers": [{"name": "Host", "value": hosts[region.location]}],
        }
        for region in spec.regions
    ]
    profile = azure_native.trafficmanager.Profile(
        naming.child(spec.name, naming.TM_PROFILE),
        profile_name=tm.profile_name,
        resource_group_name=spec.resource_group_name,
        location="global",
        profile_status="Enabled",
        traffic_routing_method=tm.routing,
        dns_config={"relative_name": relative, "ttl": tm.dns_ttl_s},
        monitor_config=monitor,
        endpoints=endpoints,
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    hostname = pulumi.Output.all(profile.dns_config, relative).apply(lambda pair: _fqdn(pair[0], pair[1]))
    diagnostics = build_lb_diagnostics(
        naming.child(spec.name, naming.TM_DIAGNOSTICS),
        tm.diagnostics,
        log_destination,
        profile.id,
        rules.TM_LOG_CATEGORIES,
        parent,
    )
    resources: tuple[pulumi.Resource, ...] = (profile,) if diagnostics is None else (profile, diagnostics)
    return TrafficManagerRefs(hostname=hostname, profile_id=profile.id, resources=resources)


def _fqdn(dns_config: Any, relative_name: str) -> str:
    """Azure's reported FQDN, or the documented ``<relative name>.trafficmanager.net`` before it reports one."""
    reported = dns_config.get("fqdn") if isinstance(dns_config, Mapping) else getattr(dns_config, "fqdn", None)
    return str(reported) if reported else f"{relative_name}.{TM_DOMAIN}"
