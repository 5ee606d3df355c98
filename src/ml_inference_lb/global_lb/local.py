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
* every region accepts the service's key as well as its own, so the router forwards the caller's
  request unchanged. Locally this stands for the credential that every Azure region accepts (a
  Microsoft Entra token, which the Azure target requires behind Front Door). No port of the router
  but ``web`` forwards anything, and ``web`` only with the key;
* each region has an active health check that works like the Traffic Manager probe of the Azure
  target: ``GET /score`` without credentials, where ``401`` means the region's front end is up. A
  stopped region refuses the connection and is marked DOWN. The probe interval is the spec's interval
  times ``time_scale``.

A request that meets a dying region (connection refused or reset, answered 502 or 503) is retried
with exponential back-off until the health check has moved traffic to the next tier, so a caller sees
no failed request. The router is supervised like a region's: restarted with back-off when it exits.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..local import LocalCluster, LocalTargetError
from ..local.probes import free_port
from ..local.restarts import RestartPolicy
from ..local.supervised import Supervised
from ..local.traefik import TraefikProcess, find_traefik
from .local_config import LOOPBACK, RegionRoute, RouterPlan, dynamic_config, probe_interval, static_config, tiers_of
from .model import GlobalSpec

_SERVER_UP = re.compile(r"^traefik_service_server_up\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)", re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_ROUTING = 1
"""The router's routing never changes while it runs: one generation."""


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
        restart_policy: RestartPolicy | None = None,
        keep_logs: bool | None = None,
    ):
        self.spec = spec
        self.time_scale = time_scale
        self._on_event = on_event or (lambda _msg: None)
        self.key = secrets.token_urlsafe(32)
        self._internal_secret = secrets.token_urlsafe(32)
        self.restart_policy = restart_policy or RestartPolicy()
        self.regions: dict[str, LocalCluster] = {
            r.location: LocalCluster(
                r.cluster,
                startup_timeout_s=startup_timeout_s,
                on_event=self._region_event(r.location),
                restart_policy=self.restart_policy,
                extra_keys=(self.key,),
                keep_logs=keep_logs,
            )
            for r in spec.regions
        }
        self._port = port
        self.workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-global-{spec.name}-")
        self.logdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-global-{spec.name}-logs-")
        self._keep_logs = keep_logs
        self._traefik: TraefikProcess | None = None
        self._router: Supervised | None = None
        self.plan: RouterPlan | None = None
        self.fatal: str | None = None
        self._stopped: set[str] = set()
        self._closing = threading.Event()
        self._watch: threading.Thread | None = None

    def _region_event(self, location: str) -> Callable[[str], None]:
        return lambda message: self._on_event(f"[{location}] {message}")

    @property
    def scoring_uri(self) -> str:
        if self.plan is None:
            raise LocalTargetError("the global service is not started")
        return f"http://{LOOPBACK}:{self.plan.port}/score"

    @property
    def traefik_pid(self) -> int | None:
        return self._traefik.pid if self._traefik else None

    @property
    def router_state(self) -> str:
        return self._router.state if self._router else "up"

    def start(self) -> None:
        try:
            self._start_regions()
            routes = tuple(
                RegionRoute(r.location, r.priority, r.weight, self.regions[r.location].port) for r in self.spec.regions
            )
            self.plan = RouterPlan(
                port=self._port or free_port(),
                internal_port=free_port(),
                key=self.key,
                deny_secret=secrets.token_urlsafe(32),
                internal_secret=self._internal_secret,
                regions=routes,
                tiers=tiers_of(self.spec, routes),
                probe_interval_s=probe_interval(self.spec, self.time_scale),
            )
            self._traefik = TraefikProcess(
                find_traefik(),
                self.workdir,
                self.plan.internal_port,
                self._internal_secret,
                os.path.join(self.logdir, "traefik.log"),
            )
            self._start_router()
            self._router = Supervised(
                "global router (traefik)",
                start=self._start_router,
                running=self._traefik.running,
                describe_exit=self._router_exit,
                policy=self.restart_policy,
                on_event=self._on_event,
                on_give_up=self._router_gave_up,
            )
            self._router.started()
            self._watch = threading.Thread(target=self._watch_router, name="global-router-watch", daemon=True)
            self._watch.start()
            self.wait_for_regions({r.location: "UP" for r in routes}, timeout_s=30.0)
        except BaseException:
            self.stop()
            raise

    def _start_router(self) -> None:
        assert self._traefik is not None and self.plan is not None
        self._traefik.start(
            static_config(self.plan, self._traefik.dynamic_dir), dynamic_config(self.plan, _ROUTING), lambda: _ROUTING
        )

    def _router_exit(self) -> str:
        process = self._traefik.process if self._traefik else None
        return process.exit_description() if process else "not started"

    def _router_gave_up(self, message: str) -> None:
        self.fatal = f"service {self.spec.name!r} stopped serving: {message}"
        self._on_event(f"error: {self.fatal}")

    def _watch_router(self) -> None:
        while not self._closing.wait(0.1):
            if self._router is not None:
                self._router.check(time.monotonic())

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
        try:
            text = self._traefik.metrics_text()
        except OSError:
            return {}
        services = {f"{r.service}@file": r.location for r in self.plan.regions}
        view = {}
        for match in _SERVER_UP.finditer(text):
            labels = dict(_LABEL.findall(match.group("labels")))
            location = services.get(labels.get("service", ""))
            if location is not None:
                view[location] = "UP" if float(match.group("value")) == 1.0 else "DOWN"
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
        self._closing.set()
        if self._router is not None:
            self._router.close()
        if self._watch is not None:
            self._watch.join(timeout=5)
        for location in self.regions:
            if location not in self._stopped:
                self._stopped.add(location)
                self.regions[location].stop(failed=self.fatal is not None)
        if self._traefik is not None:
            self._traefik.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self._keep_logs or (self._keep_logs is None and self.fatal is not None):
            self._on_event(f"router logs kept in {self.logdir}")
        else:
            shutil.rmtree(self.logdir, ignore_errors=True)


@contextmanager
def serve_global(
    source: GlobalSpec | str,
    *,
    port: int = 0,
    service: str | None = None,
    time_scale: float = 1.0,
    startup_timeout_s: float = 120.0,
    stack: str = "dev",
    config: dict[str, str] | None = None,
    on_event: Callable[[str], None] | None = None,
    restart_policy: RestartPolicy | None = None,
    keep_logs: bool | None = None,
) -> Iterator[LocalGlobalService]:
    """Serve every region of a GlobalInferenceService on loopback behind one router, for the ``with`` block.

    ``source`` is a :class:`GlobalSpec` or the folder of a Pulumi program; from a folder it serves the
    program's only GlobalInferenceService, or the one named ``service``: each region's cluster with its
    own router and key, and the global router in front (what ``local up`` does with that folder).
    ``time_scale`` multiplies the spec's probe interval (0.01 turns Front Door's 100 s into 1 s) so a
    test can watch a failover. Every process is stopped on exit.
    """
    spec = source if isinstance(source, GlobalSpec) else _one_service(source, service, stack, config)
    global_service = LocalGlobalService(
        spec,
        port=port,
        time_scale=time_scale,
        startup_timeout_s=startup_timeout_s,
        on_event=on_event,
        restart_policy=restart_policy,
        keep_logs=keep_logs,
    )
    global_service.start()
    try:
        yield global_service
    finally:
        global_service.stop()


def _one_service(directory: str, name: str | None, stack: str, config: dict[str, str] | None) -> GlobalSpec:
    from ..plan import run_directory

    services: list[GlobalSpec] = list(run_directory(directory, stack=stack, config=config).services)
    names = [s.name for s in services]
    if not services:
        raise LocalTargetError(
            f"the program in {directory} declares no GlobalInferenceService; serve its InferenceCluster "
            "with ml_inference_lb.local.serve"
        )
    if name is not None:
        chosen = [s for s in services if s.name == name]
        if not chosen:
            raise LocalTargetError(f"no GlobalInferenceService named {name!r}; the program declares {names}")
        return chosen[0]
    if len(services) > 1:
        raise LocalTargetError(f"the program in {directory} declares {names}: pick one with service=<name>")
    return services[0]
