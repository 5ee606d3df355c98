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
  every Azure region accepts (a Microsoft Entra token, which the Azure target requires behind Front Door);
* each hop has an active health check that works like the Traffic Manager probe of the Azure target:
  ``GET /score`` without credentials, where ``401`` means the region's front end is up. A stopped
  region refuses the connection and is marked DOWN. The probe interval is the spec's interval times
  ``time_scale``.

A request that meets a dying region (connection refused or reset, answered 502 or 503 by the hop)
is retried with exponential back-off until the health check has moved traffic to the next tier, so
a caller sees no failed request.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..local import LocalCluster, LocalTargetError
from ..local.probes import free_port
from ..local.traefik import TraefikProcess, find_traefik
from .local_config import LOOPBACK, RegionRoute, RouterPlan, dynamic_config, probe_interval, static_config, tiers_of
from .model import GlobalSpec


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
