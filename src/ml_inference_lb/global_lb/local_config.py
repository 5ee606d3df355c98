"""The router configuration of the multi-region local target: pure functions of a :class:`RouterPlan`.

Traefik's static file (entry points) and dynamic file (key check, failover chain of weighted tiers,
one service per region with a health check of the Traffic Manager kind). No I/O;
:mod:`ml_inference_lb.global_lb.local` runs the processes. See that module for the design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..local.traefik_config import duration, internal_rule, key_rule, unauthorized_middlewares
from .model import GlobalSpec

LOOPBACK = "127.0.0.1"
SCORE_PATHS = "(Path(`/score`) || Path(`/swagger.json`))"
RETRY_ATTEMPTS = 10
RETRY_INITIAL_INTERVAL = "50ms"
"""Back-off doubles from 50 ms: ten attempts span about 25 s, many probe intervals."""
MIN_PROBE_INTERVAL_S = 0.1


@dataclass(frozen=True)
class RegionRoute:
    """What the router needs to know about one served region."""

    location: str
    priority: int
    weight: int
    port: int
    """The region's own scoring port (its LocalCluster), which accepts the service's key."""

    @property
    def service(self) -> str:
        return f"region-{self.location}"


@dataclass(frozen=True)
class RouterPlan:
    port: int
    internal_port: int
    key: str
    deny_secret: str
    internal_secret: str
    regions: tuple[RegionRoute, ...]
    tiers: tuple[tuple[RegionRoute, ...], ...]
    """Regions grouped by failover order: tier 0 takes traffic while any of its regions is up."""
    probe_interval_s: float


def tiers_of(spec: GlobalSpec, routes: tuple[RegionRoute, ...]) -> tuple[tuple[RegionRoute, ...], ...]:
    """Failover tiers with the Azure load balancer's semantics (see the module docstring)."""
    lb = spec.load_balancer
    if lb.kind == "traffic_manager" and lb.routing in ("Weighted", "Performance"):
        if lb.routing == "Performance":
            routes = tuple(RegionRoute(r.location, r.priority, 1, r.port) for r in routes)
        return (routes,)
    priorities = sorted({r.priority for r in routes})
    return tuple(tuple(r for r in routes if r.priority == p) for p in priorities)


def probe_interval(spec: GlobalSpec, time_scale: float) -> float:
    return max(MIN_PROBE_INTERVAL_S, spec.load_balancer.probe_interval_s * time_scale)


def static_config(plan: RouterPlan, dynamic_dir: str) -> dict[str, Any]:
    return {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {
            "web": {"address": f"{LOOPBACK}:{plan.port}"},
            "internal": {"address": f"{LOOPBACK}:{plan.internal_port}"},
        },
        "providers": {"providersThrottleDuration": "100ms", "file": {"directory": dynamic_dir, "watch": True}},
        # The regions' health as the router sees it: traefik_service_server_up (services label only).
        "metrics": {
            "prometheus": {
                "manualRouting": True,
                "addEntryPointsLabels": False,
                "addRoutersLabels": False,
                "addServicesLabels": True,
            }
        },
        "log": {"level": "ERROR"},
    }


def dynamic_config(plan: RouterPlan, generation: int = 0) -> dict[str, Any]:
    """The router's routing: key check, failover chain of weighted tiers, region health checks."""
    auth = key_rule((plan.key,))
    interval = plan.probe_interval_s
    # The probe reaches the region without credentials: 401 from its front end means "up".
    health = {
        "path": "/score",
        "status": 401,
        "interval": duration(interval),
        "timeout": duration(max(0.05, interval * 0.8)),
    }
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {
        **unauthorized_middlewares(plan.deny_secret),
        "retry": {
            "retry": {
                "attempts": RETRY_ATTEMPTS,
                "initialInterval": RETRY_INITIAL_INTERVAL,
                "status": ["502", "503"],
                "retryNonIdempotentMethod": True,
            }
        },
    }
    for region in plan.regions:
        services[region.service] = {
            "loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{region.port}"}], "healthCheck": health}
        }

    tier_names = []
    for number, tier in enumerate(plan.tiers):
        if len(tier) == 1:
            tier_names.append(tier[0].service)
            continue
        name = f"tier-{number}"
        services[name] = {
            "weighted": {
                "services": [{"name": r.service, "weight": r.weight} for r in tier],
                "healthCheck": {},
            }
        }
        tier_names.append(name)
    entry = tier_names[-1]
    for number in range(len(tier_names) - 2, -1, -1):
        name = f"failover-{number}"
        services[name] = {"failover": {"service": tier_names[number], "fallback": entry, "healthCheck": {}}}
        entry = name

    routers["score"] = {
        "entryPoints": ["web"],
        "rule": f"{SCORE_PATHS} && {auth}",
        "priority": 200,
        "middlewares": ["retry"],
        "service": entry,
    }
    routers["unauthorized"] = {
        "entryPoints": ["web"],
        "rule": f"{SCORE_PATHS} && !{auth}",
        "priority": 100,
        "middlewares": ["bearer-challenge", "deny"],
        "service": "noop@internal",
    }
    routers["generation"] = {
        "entryPoints": ["internal"],
        "rule": f"Path(`/generation/{generation}`) && {internal_rule(plan.internal_secret)}",
        "service": "noop@internal",
    }
    routers["metrics"] = {
        "entryPoints": ["internal"],
        "rule": f"Path(`/metrics`) && {internal_rule(plan.internal_secret)}",
        "service": "prometheus@internal",
    }
    return {"http": {"routers": routers, "services": services, "middlewares": middlewares}}
