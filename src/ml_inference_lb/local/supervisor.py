"""The control loop of one served cluster: probes, restarts, scaling and routing updates.

:class:`Supervisor` runs in one thread of :class:`~ml_inference_lb.local.cluster.LocalCluster`. Each
tick it reaps replicas that exited (restarting them, or reporting a deployment that failed to start),
probes readiness of starting replicas and liveness (or startup) of running ones, adds or drains
replicas to reach the desired count, asks each deployment's autoscaler, and rewrites Traefik's routing
when anything it depends on changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..spec.model import DeploymentSpec, ProbeSpec
from .autoscale import Autoscaler, MetricsReader
from .probes import probe
from .replicas import Replica, new_replica
from .traefik import TraefikProcess
from .traefik_config import DeploymentPlan, ServingPlan, dynamic_config

TICK_S = 0.1
DRAIN_S = 1.0
"""A replica removed by scale-in leaves the routing this long before it is stopped (SIGTERM, graceful)."""


@dataclass
class DeploymentState:
    """One deployment as served: its replicas (running and draining) and what it should have."""

    spec: DeploymentSpec
    plan: DeploymentPlan
    desired: int
    replicas: list[Replica] = field(default_factory=list)
    draining: list[tuple[float, Replica]] = field(default_factory=list)
    failed: str | None = None
    autoscaler: Autoscaler | None = None
    next_index: int = 0

    def ready_ports(self) -> list[int]:
        return [r.port for r in self.replicas if r.state == "ready"]


def failure_excerpt(lines: list[str], limit: int = 30) -> list[str]:
    """The part of a replica's log that explains why it stopped.

    For a failed ``init()``: the user's traceback, from the inference server's "User's init function
    failed" line to the end of the first chained exception. Otherwise the last ``limit`` lines.
    """
    start = next((i for i, line in enumerate(lines) if "init function failed" in line), None)
    if start is None:
        return lines[-limit:]
    end = next(
        (i for i in range(start, len(lines)) if "The above exception was the direct cause" in lines[i]), len(lines)
    )
    return [line for line in lines[start:end] if line.strip()][:limit]


class Supervisor:
    """Keeps every deployment's replicas at their desired count, healthy, and routed."""

    def __init__(
        self,
        deployments: dict[str, DeploymentState],
        *,
        plan: ServingPlan,
        traefik: TraefikProcess,
        metrics: MetricsReader,
        logdir: str,
        lock: threading.RLock,
        on_event: Callable[[str], None],
    ):
        self.deployments = deployments
        self.plan = plan
        self.traefik = traefik
        self.metrics = metrics
        self.logdir = logdir
        self.lock = lock
        self.on_event = on_event
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe")
        self._last_written: dict[str, Any] | None = None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def add_replica(self, d: DeploymentState, index: int | None = None) -> Replica:
        idx = d.next_index if index is None else index
        if index is None:
            d.next_index += 1
        replica = new_replica(d.spec, idx, self.logdir)
        replica.next_liveness_at = replica.started_at + self.restart_probe(d, replica).initial_delay_s
        d.replicas.append(replica)
        return replica

    def run(self, stop: threading.Event) -> None:
        """The loop: one :meth:`tick` every ``TICK_S`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception as error:  # the loop must survive anything; report and go on
                self.on_event(f"supervisor error: {error!r}")
            stop.wait(TICK_S)

    def tick(self) -> None:
        now = time.monotonic()
        checks: list[tuple[DeploymentState, Replica, str]] = []
        with self.lock:
            for d in self.deployments.values():
                if d.failed:
                    continue
                self._reap(d, now)
                for r in d.replicas:
                    readiness_due = now >= r.started_at + d.spec.probes.readiness.initial_delay_s
                    if r.state == "starting" and r.process.running() and readiness_due:
                        checks.append((d, r, "readiness"))
                    if r.state in ("starting", "ready") and r.process.running() and now >= r.next_liveness_at:
                        checks.append((d, r, "liveness"))
        futures = [
            (d, r, kind, self._pool.submit(probe, r.port, "/", float(self._probe_spec(d, kind, r).timeout_s)))
            for d, r, kind in checks
        ]
        with self.lock:
            for d, r, kind, future in futures:
                ok = future.result()
                if kind == "readiness" and ok and r.state == "starting":
                    r.state = "ready"
                    if d.spec.probes.startup is not None:  # startup done: liveness takes over from here
                        r.liveness_failures = 0
                        r.next_liveness_at = now + d.spec.probes.liveness.initial_delay_s
                    self.on_event(f"{d.spec.name}: replica {r.index} ready on port {r.port}")
                elif kind == "liveness":
                    self._liveness(d, r, ok, now)
            self._drain(now)
        self._autoscale(now)
        self.write_config()

    def _probe_spec(self, d: DeploymentState, kind: str, r: Replica) -> ProbeSpec:
        return d.spec.probes.readiness if kind == "readiness" else self.restart_probe(d, r)

    @staticmethod
    def restart_probe(d: DeploymentState, r: Replica) -> ProbeSpec:
        """The probe whose failures restart ``r``: the startup probe (when given) until the replica is
        first ready, as Kubernetes runs it before liveness; then the liveness probe."""
        startup = d.spec.probes.startup
        return startup if (startup is not None and r.state == "starting") else d.spec.probes.liveness

    def _reap(self, d: DeploymentState, now: float) -> None:
        for r in list(d.replicas):
            if r.process.running():
                continue
            code = r.process.exit_code()
            if r.state == "starting" and r.restarts == 0:
                d.replicas.remove(r)
                if not d.ready_ports() and not any(x.state == "starting" for x in d.replicas):
                    lines = "\n".join(f"    | {line}" for line in failure_excerpt(r.process.log_tail(400)))
                    d.failed = (
                        f"deployment {d.spec.name!r} failed to start: replica {r.index} exited with code {code} before "
                        f"its first readiness probe (did the scoring script's init() raise?). "
                        f"From {r.process.log_path}:\n{lines}"
                    )
                    self.on_event(d.failed)
                else:
                    self.on_event(
                        f"{d.spec.name}: replica {r.index} exited with code {code} while starting; see {r.process.log_path}"
                    )
                    d.desired = max(len(d.replicas), 1) if d.desired > len(d.replicas) else d.desired
                continue
            self.on_event(f"{d.spec.name}: replica {r.index} exited (code {code}); restarting it")
            self._restart(d, r, now)

    def _restart(self, d: DeploymentState, r: Replica, now: float) -> None:
        """Replace ``r`` by a new process on a new port. Not the same port: until Traefik has reloaded
        the routing without ``r``, requests still sent to its port must be refused (and retried on
        another replica), not queued in a new server's backlog while its workers boot."""
        r.process.stop(grace_s=1.0)
        d.replicas.remove(r)
        fresh = self.add_replica(d, index=r.index)
        fresh.restarts = r.restarts + 1

    def _liveness(self, d: DeploymentState, r: Replica, ok: bool, now: float) -> None:
        liveness = self.restart_probe(d, r)
        r.next_liveness_at = now + liveness.period_s
        if ok:
            r.liveness_failures = 0
            return
        r.liveness_failures += 1
        if r.liveness_failures >= liveness.failure_threshold:
            self.on_event(
                f"{d.spec.name}: replica {r.index} failed its {'startup' if liveness is d.spec.probes.startup else 'liveness'} "
                f"probe {r.liveness_failures} times; restarting it"
            )
            self._restart(d, r, now)

    def _drain(self, now: float) -> None:
        for d in self.deployments.values():
            if d.failed:
                continue
            while len(d.replicas) < d.desired:
                self.add_replica(d)
                self.on_event(f"{d.spec.name}: scaling out to {d.desired}")
            while len(d.replicas) > d.desired and len(d.replicas) > 1:
                victim = max(d.replicas, key=lambda r: r.index)
                d.replicas.remove(victim)
                d.draining.append((now + DRAIN_S, victim))
                self.on_event(f"{d.spec.name}: scaling in to {d.desired}")
            for item in list(d.draining):
                when, victim = item
                if now >= when:
                    d.draining.remove(item)
                    threading.Thread(target=victim.process.stop, daemon=True).start()

    def _autoscale(self, now: float) -> None:
        scalers = [d for d in self.deployments.values() if d.autoscaler and not d.failed]
        if not scalers:
            return
        samples = self.metrics.sample(now, self._cpu_inputs())
        with self.lock:
            for d in scalers:
                assert d.autoscaler is not None
                if d.spec.name not in samples:
                    continue
                decision = d.autoscaler.decide(now, self.metrics, current=d.desired)
                if decision is not None and decision.count != d.desired:
                    self.on_event(f"{d.spec.name}: autoscale {d.desired} -> {decision.count} ({decision.reason})")
                    d.desired = decision.count

    def _cpu_inputs(self) -> dict[str, list[int]]:
        with self.lock:
            return {
                n: [r.process.pid for r in d.replicas if r.process.pid and r.state == "ready"]
                for n, d in self.deployments.items()
            }

    def dynamic(self) -> dict[str, Any]:
        with self.lock:
            ready = {n: d.ready_ports() for n, d in self.deployments.items()}
            serving = {n for n, d in self.deployments.items() if not d.failed}
        return dynamic_config(self.plan, ready, serving)

    def write_config(self) -> None:
        config = self.dynamic()
        if config != self._last_written:
            self.traefik.reload(config)
            self._last_written = config
