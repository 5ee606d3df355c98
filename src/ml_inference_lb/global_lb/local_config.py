"""The router configuration of the multi-region local target: pure functions of a :class:`RouterPlan`.

Traefik's static file (entry points) and dynamic file (key check, failover chain of weighted tiers,
one hop per region that swaps in the region's key, health checks with the Traffic Manager rule).
No I/O; :mod:`ml_inference_lb.global_lb.local` runs the processes. See that module for the design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..local.traefik_config import duration, sha_htpasswd
from .model import GlobalSpec

LOOPBACK = "127.0.0.1"
SCORE_PATHS = "(Path(`/score`) || Path(`/swagger.json`))"
PROBE_HEADER = "X-Ml-Inference-Lb-Probe"
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
    """The region's own scoring port (its LocalCluster)."""
    key: str
    """The region's own key."""
    hop_port: int

    @property
    def hop_service(self) -> str:
        return f"region-{self.location}"

    @property
    def upstream_service(self) -> str:
        return f"upstream-{self.location}"


@dataclass(frozen=True)
class RouterPlan:
    port: int
    api_port: int
    key: str
    deny_secret: str
    regions: tuple[RegionRoute, ...]
    tiers: tuple[tuple[RegionRoute, ...], ...]
    """Regions grouped by failover order: tier 0 takes traffic while any of its regions is up."""
    probe_interval_s: float


def tiers_of(spec: GlobalSpec, routes: tuple[RegionRoute, ...]) -> tuple[tuple[RegionRoute, ...], ...]:
    """Failover tiers with the Azure load balancer's semantics (see the module docstring)."""
    lb = spec.load_balancer
    if lb.kind == "traffic_manager" and lb.routing in ("Weighted", "Performance"):
        if lb.routing == "Performance":
            routes = tuple(RegionRoute(r.location, r.priority, 1, r.port, r.key, r.hop_port) for r in routes)
        return (routes,)
    priorities = sorted({r.priority for r in routes})
    return tuple(tuple(r for r in routes if r.priority == p) for p in priorities)


def probe_interval(spec: GlobalSpec, time_scale: float) -> float:
    return max(MIN_PROBE_INTERVAL_S, spec.load_balancer.probe_interval_s * time_scale)


def static_config(plan: RouterPlan, dynamic_dir: str) -> dict[str, Any]:
    entry_points: dict[str, Any] = {
        "web": {"address": f"{LOOPBACK}:{plan.port}"},
        "traefik": {"address": f"{LOOPBACK}:{plan.api_port}"},
    }
    for index, region in enumerate(plan.regions):
        entry_points[f"hop{index}"] = {"address": f"{LOOPBACK}:{region.hop_port}"}
    return {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": entry_points,
        "providers": {"providersThrottleDuration": "100ms", "file": {"directory": dynamic_dir, "watch": True}},
        "api": {"insecure": True, "dashboard": False},
        "ping": {"entryPoint": "traefik"},
        "log": {"level": "ERROR"},
    }


def dynamic_config(plan: RouterPlan) -> dict[str, Any]:
    """The router's routing: key check, failover chain of weighted tiers, hops, health checks."""
    auth = f"Header(`Authorization`, `Bearer {plan.key}`)"
    interval = plan.probe_interval_s
    health = {
        "path": "/score",
        "status": 401,
        "headers": {PROBE_HEADER: "1"},
        "interval": duration(interval),
        "timeout": duration(max(0.05, interval * 0.8)),
    }
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {
        "deny": {"basicAuth": {"users": [sha_htpasswd("ml-inference-lb", plan.deny_secret)], "realm": "key"}},
        "retry": {
            "retry": {
                "attempts": RETRY_ATTEMPTS,
                "initialInterval": RETRY_INITIAL_INTERVAL,
                "status": ["502", "503"],
                "retryNonIdempotentMethod": True,
            }
        },
    }
    for index, region in enumerate(plan.regions):
        services[region.upstream_service] = {"loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{region.port}"}]}}
        services[region.hop_service] = {
            "loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{region.hop_port}"}], "healthCheck": health}
        }
        middlewares[f"key-{region.location}"] = {
            "headers": {"customRequestHeaders": {"Authorization": f"Bearer {region.key}"}}
        }
        routers[f"hop-{region.location}"] = {
            "entryPoints": [f"hop{index}"],
            "rule": "PathPrefix(`/`)",
            "priority": 10,
            "middlewares": [f"key-{region.location}"],
            "service": region.upstream_service,
        }
        # The probe reaches the region without credentials: 401 from its front end means "up".
        routers[f"probe-{region.location}"] = {
            "entryPoints": [f"hop{index}"],
            "rule": f"Header(`{PROBE_HEADER}`, `1`)",
            "priority": 20,
            "service": region.upstream_service,
        }

    tier_names = []
    for number, tier in enumerate(plan.tiers):
        if len(tier) == 1:
            tier_names.append(tier[0].hop_service)
            continue
        name = f"tier-{number}"
        services[name] = {
            "weighted": {
                "services": [{"name": r.hop_service, "weight": r.weight} for r in tier],
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
        "middlewares": ["deny"],
        "service": "noop@internal",
    }
    return {"http": {"routers": routers, "services": services, "middlewares": middlewares}}
