"""The local target for a :class:`GlobalSpec`: every region served on loopback, one router in front.

Each region is a :class:`~ml_inference_lb.local.LocalCluster` (its own Traefik, replicas and key, as
each Azure region has its own endpoint and keys). A top-level Traefik plays the global load balancer:

* entry point ``web`` checks the service's own key (``Authorization: Bearer <key>``, else 401) and
  sends ``/score`` and ``/swagger.json`` to the region tiers with a retry middleware;
* regions are grouped in **tiers by priority** (lowest first). Inside a tier, a weighted service splits
  traffic by the regions' weights. Tiers are chained with Traefik ``failover`` services, so the next
  tier takes all traffic only when every region of the tier before is down. This is Front Door's
  priority-then-weight rule and Traffic Manager's ``Priority`` routing. Traffic Manager ``Weighted``
  and ``Performance`` routing make one tier; on loopback every region is equally near, so
  ``Performance`` splits evenly;
* each region sits behind a hop (an internal entry point of the same Traefik) whose router replaces
  the caller's ``Authorization`` with that region's key. Locally this stands for the credential that
  every Azure region accepts: an Entra token, or the same key set in each region;
* each hop has an active health check that works like the Traffic Manager probe of the Azure target:
  ``GET /score`` without credentials, where ``401`` means the region's front end is up. A stopped
  region refuses the connection and is marked DOWN. The probe interval is the spec's interval times
  ``time_scale``.

A request that meets a dying region (connection refused or reset, answered 502 or 503 by the hop)
is retried with exponential back-off until the health check has moved traffic to the next tier, so
a caller sees no failed request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..local import LocalCluster, LocalTargetError
from ..local.probes import free_port
from ..local.traefik import TraefikProcess, find_traefik
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


def _htpasswd(user: str, password: str) -> str:
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()  # htpasswd {SHA} format
    return f"{user}:{{SHA}}{digest}"


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def dynamic_config(plan: RouterPlan) -> dict[str, Any]:
    """The router's routing: key check, failover chain of weighted tiers, hops, health checks."""
    auth = f"Header(`Authorization`, `Bearer {plan.key}`)"
    interval = plan.probe_interval_s
    health = {
        "path": "/score",
        "status": 401,
        "headers": {PROBE_HEADER: "1"},
        "interval": _ms(interval),
        "timeout": _ms(max(0.05, interval * 0.8)),
    }
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {
        "deny": {"basicAuth": {"users": [_htpasswd("ml-inference-lb", plan.deny_secret)], "realm": "key"}},
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


class LocalGlobalService:
    """Every region of a :class:`GlobalSpec` on loopback behind one router. Use :func:`serve_global`."""

    def __init__(
        self,
        spec: GlobalSpec,
        *,
        port: int = 0,
        time_scale: float = 1.0,
        startup_timeout_s: float = 120.0,
        on_event: Callable[[str], None] | None = None,
    ):
        self.spec = spec
        self.time_scale = time_scale
        self._on_event = on_event or (lambda _msg: None)
        self.regions: dict[str, LocalCluster] = {
            r.location: LocalCluster(
                r.cluster, startup_timeout_s=startup_timeout_s, on_event=self._region_event(r.location)
            )
            for r in spec.regions
        }
        self.key = secrets.token_urlsafe(32)
        self._port = port
        self.workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-global-{spec.name}-")
        self._traefik: TraefikProcess | None = None
        self.plan: RouterPlan | None = None
        self._stopped: set[str] = set()

    def _region_event(self, location: str) -> Callable[[str], None]:
        return lambda message: self._on_event(f"[{location}] {message}")

    @property
    def scoring_uri(self) -> str:
        if self.plan is None:
            raise LocalTargetError("the global service is not started")
        return f"http://{LOOPBACK}:{self.plan.port}/score"

    def start(self) -> None:
        try:
            self._start_regions()
            routes = tuple(
                RegionRoute(
                    location=r.location,
                    priority=r.priority,
                    weight=r.weight,
                    port=self.regions[r.location].port,
                    key=self.regions[r.location].key,
                    hop_port=free_port(),
                )
                for r in self.spec.regions
            )
            self.plan = RouterPlan(
                port=self._port or free_port(),
                api_port=free_port(),
                key=self.key,
                deny_secret=secrets.token_urlsafe(32),
                regions=routes,
                tiers=tiers_of(self.spec, routes),
                probe_interval_s=probe_interval(self.spec, self.time_scale),
            )
            self._traefik = TraefikProcess(find_traefik(), self.workdir, self.plan.api_port)
            self._traefik.start(static_config(self.plan, self._traefik.dynamic_dir), dynamic_config(self.plan))
            self.wait_for_regions({r.location: "UP" for r in routes}, timeout_s=30.0)
        except BaseException:
            self.stop()
            raise

    def _start_regions(self) -> None:
        errors: list[BaseException] = []

        def start(region: LocalCluster) -> None:
            try:
                region.start()
            except BaseException as error:  # reported together below
                errors.append(error)

        threads = [threading.Thread(target=start, args=(c,)) for c in self.regions.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise LocalTargetError("a region could not start:\n" + "\n".join(f"  - {e}" for e in errors))

    def region_status(self) -> dict[str, str]:
        """The router's live view of each region: ``"UP"`` or ``"DOWN"`` (missing while loading)."""
        if self._traefik is None or self.plan is None:
            return {}
        view = {}
        for region in self.plan.regions:
            servers = self._traefik.server_status(region.hop_service)
            if servers:
                view[region.location] = next(iter(servers.values()))
        return view

    def wait_for_regions(self, expected: dict[str, str], timeout_s: float) -> None:
        """Wait until the router sees each region as given (``{"westeurope": "DOWN"}``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self.region_status()
            if all(status.get(k) == v for k, v in expected.items()):
                return
            time.sleep(0.05)
        raise LocalTargetError(
            f"timed out after {timeout_s:.0f} s waiting for regions {expected}: {self.region_status()}"
        )

    def stop_region(self, location: str) -> None:
        """Take a whole region down (its Traefik and every replica), as a regional outage would."""
        if location not in self.regions:
            raise LocalTargetError(f"no region {location!r}; the service has {sorted(self.regions)}")
        if location not in self._stopped:
            self._stopped.add(location)
            self._on_event(f"[{location}] stopping the whole region")
            self.regions[location].stop()

    def stop(self) -> None:
        for location in self.regions:
            if location not in self._stopped:
                self._stopped.add(location)
                self.regions[location].stop()
        if self._traefik is not None:
            self._traefik.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def serve_global(
    spec: GlobalSpec,
    *,
    port: int = 0,
    time_scale: float = 1.0,
    startup_timeout_s: float = 120.0,
    on_event: Callable[[str], None] | None = None,
) -> Iterator[LocalGlobalService]:
    """Serve every region of ``spec`` on loopback behind one router for the ``with`` block.

    ``time_scale`` multiplies the spec's probe interval (0.01 turns Front Door's 100 s into 1 s) so a
    test can watch a failover. Every process is stopped on exit.
    """
    service = LocalGlobalService(
        spec, port=port, time_scale=time_scale, startup_timeout_s=startup_timeout_s, on_event=on_event
    )
    service.start()
    try:
        yield service
    finally:
        service.stop()
