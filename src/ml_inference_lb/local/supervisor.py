"""The control loop of one served cluster: probes, restarts, scaling and routing updates.

:class:`Supervisor` runs in one thread of :class:`~ml_inference_lb.local.cluster.LocalCluster`. Each
tick it

* reaps replicas that exited: a replica that exits before it was ever ready on its first start has
  failed to start (``init()`` raised); any other exit, like ``failure_threshold`` liveness failures,
  is a crash, restarted with the back-off of the
  :class:`~ml_inference_lb.local.restarts.RestartPolicy`, and a replica slot that keeps crashing is
  given up. A deployment with no replica left that runs or will run is *failed*: it leaves the
  routing and requests pinned to it get 503 naming it;
* probes readiness (Azure's readiness probe: ``failure_threshold`` failures in a row take a replica out
  of the routing, ``success_threshold`` successes bring it back) and liveness (or the startup probe);
* adds or drains replicas to reach the desired count, asks each deployment's autoscaler;
* checks the router (Traefik) and the backing servers (Redis, PostgreSQL), restarted like a replica
  (see :mod:`~ml_inference_lb.local.supervised`);
* rewrites Traefik's routing when anything it depends on changed, numbering each version so that
  callers can wait until Traefik has loaded it.
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
from .restarts import CrashCount, RestartPolicy
from .status_responder import StatusResponder
from .supervised import Supervised
from .traefik import TraefikProcess
from .traefik_config import INTERNAL_HEADER, DeploymentPlan, ServingPlan, dynamic_config

TICK_S = 0.1
DRAIN_S = 1.0
"""A replica removed by scale-in leaves the routing this long before it is stopped (SIGTERM, graceful)."""


@dataclass
class PendingRestart:
    index: int
    at: float
    crashes: int


@dataclass
class DeploymentState:
    """One deployment as served: its replicas (running, draining, waiting to restart) and what it should have."""

    spec: DeploymentSpec
    plan: DeploymentPlan
    desired: int
    replicas: list[Replica] = field(default_factory=list)
    draining: list[tuple[float, Replica]] = field(default_factory=list)
    pending: list[PendingRestart] = field(default_factory=list)
    crashes: dict[int, CrashCount] = field(default_factory=dict)
    given_up: dict[int, str] = field(default_factory=dict)
    """Replica slots that kept crashing, with why; they are not restarted."""
    failed: str | None = None
    autoscaler: Autoscaler | None = None
    next_index: int = 0
    backing_env: dict[str, str] = field(default_factory=dict, repr=False)
    """The connection variables of the backing services it uses (passwords included: never shown)."""

    def ready_ports(self) -> list[int]:
        return [r.port for r in self.replicas if r.state == "ready"]

    def slots(self) -> int:
        """Replica slots counted against the desired count: running, waiting to restart, given up."""
        return len(self.replicas) + len(self.pending) + len(self.given_up)

    def unavailable(self) -> str | None:
        """Why the deployment cannot take traffic now, or None when a replica is ready."""
        if self.failed:
            return self.failed.splitlines()[0]
        if self.ready_ports():
            return None
        if self.pending:
            soonest = min(self.pending, key=lambda p: p.at)
            wait = max(0.0, soonest.at - time.monotonic())
            return f"no replica is ready; replica {soonest.index} crashed and restarts in {wait:.1f} s"
        return "no replica is ready"


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
        metrics: MetricsReader | None,
        responder: StatusResponder,
        logdir: str,
        lock: threading.RLock,
        on_event: Callable[[str], None],
        policy: RestartPolicy,
    ):
        self.deployments = deployments
        self.plan = plan
        self.traefik = traefik
        self.metrics = metrics
        self.responder = responder
        self.logdir = logdir
        self.lock = lock
        self.on_event = on_event
        self.policy = policy
        self.router: Supervised | None = None
        self.servers: list[Supervised] = []
        """The backing servers (Redis, PostgreSQL), checked and restarted like the router."""
        self.generation = 0
        self._routing: dict[int, dict[str, list[int]]] = {}
        self._last_written: dict[str, Any] | None = None
        self._write_lock = threading.Lock()
        self._probe_headers = {INTERNAL_HEADER: plan.internal_secret}
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe")

    def close(self) -> None:
        """Release the probe threads (after the loop has ended; the router is closed before)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ----- replicas --------------------------------------------------------------------------------

    def add_replica(self, d: DeploymentState, index: int | None = None) -> Replica:
        idx = d.next_index if index is None else index
        if index is None:
            d.next_index += 1
        replica = new_replica(d.spec, idx, self.logdir, self.plan.internal_secret, backing=d.backing_env)
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
                self._restart_due(d, now)
                for r in d.replicas:
                    if not r.process.running():
                        continue
                    if self._readiness_due(d, r, now):
                        checks.append((d, r, "readiness"))
                    if now >= r.next_liveness_at:
                        checks.append((d, r, "liveness"))
        # A replica that exited leaves the routing now, not after this tick's probes (which may wait
        # for their timeouts): until Traefik reloads, requests sent to it fail and are replayed.
        self.write_config()
        futures = [
            (
                d,
                r,
                kind,
                self._pool.submit(
                    probe, r.port, "/", float(self._probe_spec(d, kind, r).timeout_s), self._probe_headers
                ),
            )
            for d, r, kind in checks
        ]
        with self.lock:
            for d, r, kind, future in futures:
                ok = future.result()
                if kind == "readiness":
                    self._readiness(d, r, ok, now)
                else:
                    self._liveness(d, r, ok, now)
            self._drain(now)
        if self.router is not None:
            self.router.check(now)
        for server in self.servers:
            server.check(now)
        self._autoscale(now)
        self.write_config()

    @staticmethod
    def _readiness_due(d: DeploymentState, r: Replica, now: float) -> bool:
        """A starting replica is probed every tick after ``initial_delay`` (it joins as soon as it
        answers); a running one every readiness ``period``."""
        if r.state == "starting":
            return now >= r.started_at + d.spec.probes.readiness.initial_delay_s
        return now >= r.next_readiness_at

    def _probe_spec(self, d: DeploymentState, kind: str, r: Replica) -> ProbeSpec:
        return d.spec.probes.readiness if kind == "readiness" else self.restart_probe(d, r)

    @staticmethod
    def restart_probe(d: DeploymentState, r: Replica) -> ProbeSpec:
        """The probe whose failures restart ``r``: the startup probe (when given) until the replica is
        first ready, as Kubernetes runs it before liveness; then the liveness probe."""
        startup = d.spec.probes.startup
        return startup if (startup is not None and r.state == "starting") else d.spec.probes.liveness

    def _readiness(self, d: DeploymentState, r: Replica, ok: bool, now: float) -> None:
        readiness = d.spec.probes.readiness
        r.next_readiness_at = now + readiness.period_s
        if r.state == "starting":
            if ok:
                r.state = "ready"
                r.ready_at = now
                if d.spec.probes.startup is not None:  # startup done: liveness takes over from here
                    r.liveness_failures = 0
                    r.next_liveness_at = now + d.spec.probes.liveness.initial_delay_s
                self.on_event(f"{d.spec.name}: replica {r.index} ready on port {r.port}")
            return
        if ok:
            r.readiness_failures = 0
            r.readiness_successes += 1
            if r.state == "unready" and r.readiness_successes >= readiness.success_threshold:
                r.state = "ready"
                self.on_event(f"{d.spec.name}: replica {r.index} passes its readiness probe again: back in the routing")
            return
        r.readiness_successes = 0
        r.readiness_failures += 1
        if r.state == "ready" and r.readiness_failures >= readiness.failure_threshold:
            r.state = "unready"
            self.on_event(
                f"{d.spec.name}: replica {r.index} failed its readiness probe {r.readiness_failures} times: "
                "out of the routing"
            )

    def _reap(self, d: DeploymentState, now: float) -> None:
        for r in list(d.replicas):
            if r.process.running():
                continue
            exit_description = r.process.exit_description()
            if r.ready_at is None and r.restarts == 0 and r.index not in d.crashes:
                self._remove(d, r)
                self._failed_start(d, r, exit_description)
            else:
                self._crashed(d, r, now, f"exited ({exit_description})")

    def _remove(self, d: DeploymentState, r: Replica) -> None:
        """Take ``r`` out of the deployment (hence out of the next routing) and stop its process group
        (the workers may outlive their master) on another thread: this tick must not wait for it."""
        d.replicas.remove(r)
        threading.Thread(target=r.process.stop, kwargs={"grace_s": 1.0}, daemon=True).start()

    def _crashed(self, d: DeploymentState, r: Replica, now: float, what: str) -> None:
        """``r`` died or failed its liveness probe: restart it after the policy's back-off, or give up.

        The replacement gets a new port: until Traefik has reloaded the routing without ``r``, requests
        still sent to its port must be refused (and replayed on another replica), not queued in a new
        server's backlog while its workers boot."""
        self._remove(d, r)
        crashes = d.crashes.setdefault(r.index, CrashCount())
        # Only time served counts as a stable run: a replica whose init() fails after a slow start (or
        # on a busy machine) would otherwise start a new count each time and never be given up.
        served_s = 0.0 if r.ready_at is None else now - r.ready_at
        delay = crashes.record(self.policy, served_s)
        if delay is None:
            lines = "\n".join(f"    | {line}" for line in failure_excerpt(r.process.log_tail(400)))
            d.given_up[r.index] = (
                f"replica {r.index} crashed {crashes.crashes} times in a row (last: {what}); "
                f"gave up. From {r.process.log_path}:\n{lines}"
            )
            self.on_event(f"{d.spec.name}: {d.given_up[r.index]}")
            self._fail_if_empty(d)
            return
        d.pending.append(PendingRestart(r.index, now + delay, crashes.crashes))
        when = "now" if delay == 0 else f"in {delay:.1f} s (crash {crashes.crashes} in a row)"
        self.on_event(f"{d.spec.name}: replica {r.index} {what}; restarting it {when}")

    def _failed_start(self, d: DeploymentState, r: Replica, exit_description: str) -> None:
        lines = "\n".join(f"    | {line}" for line in failure_excerpt(r.process.log_tail(400)))
        reason = (
            f"deployment {d.spec.name!r} failed to start: replica {r.index} exited ({exit_description}) before "
            f"its first readiness probe (did the scoring script's init() raise?). From {r.process.log_path}:\n{lines}"
        )
        if not d.ready_ports() and not any(x.state == "starting" for x in d.replicas) and not d.pending:
            d.failed = reason
            self.on_event(reason)
        else:
            self.on_event(
                f"{d.spec.name}: replica {r.index} exited ({exit_description}) while starting; see {r.process.log_path}"
            )
            d.desired = max(d.slots(), 1) if d.desired > d.slots() else d.desired

    def _fail_if_empty(self, d: DeploymentState) -> None:
        if d.replicas or d.pending:
            return
        first = next(iter(d.given_up.values()))
        d.failed = f"deployment {d.spec.name!r} failed: {first}"
        self.on_event(d.failed)

    def _restart_due(self, d: DeploymentState, now: float) -> None:
        for pending in [p for p in d.pending if now >= p.at]:
            d.pending.remove(pending)
            fresh = self.add_replica(d, index=pending.index)
            fresh.restarts = pending.crashes

    def _liveness(self, d: DeploymentState, r: Replica, ok: bool, now: float) -> None:
        liveness = self.restart_probe(d, r)
        r.next_liveness_at = now + liveness.period_s
        if ok:
            r.liveness_failures = 0
            return
        r.liveness_failures += 1
        if r.liveness_failures >= liveness.failure_threshold:
            kind = "startup" if liveness is d.spec.probes.startup else "liveness"
            self._crashed(d, r, now, f"failed its {kind} probe {r.liveness_failures} times")

    def _drain(self, now: float) -> None:
        for d in self.deployments.values():
            if d.failed:
                continue
            while d.slots() < d.desired:
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

    # ----- autoscale -------------------------------------------------------------------------------

    def _autoscale(self, now: float) -> None:
        scalers = [d for d in self.deployments.values() if d.autoscaler and not d.failed]
        if not scalers:
            return
        samples = self.metrics.sample(now, self._cpu_inputs()) if self.metrics else {}
        with self.lock:
            for d in scalers:
                assert d.autoscaler is not None
                if self.metrics is None or d.spec.name not in samples:
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

    # ----- routing ---------------------------------------------------------------------------------

    def routing(self) -> tuple[dict[str, list[int]], dict[str, str]]:
        """Ready ports by deployment, and why each deployment that cannot serve cannot."""
        with self.lock:
            ready = {n: d.ready_ports() for n, d in self.deployments.items()}
            unavailable = {n: why for n, d in self.deployments.items() if (why := d.unavailable()) is not None}
        return ready, unavailable

    def dynamic(self, generation: int | None = None) -> dict[str, Any]:
        ready, unavailable = self.routing()
        return dynamic_config(self.plan, ready, unavailable, self.generation if generation is None else generation)

    def write_config(self) -> None:
        """Write the routing when it changed, as a new generation."""
        with self._write_lock:
            self._write_config()

    def _write_config(self) -> None:
        ready, unavailable = self.routing()
        for name in self.deployments:
            self.responder.set_reason(name, unavailable.get(name))
        unchanged = dynamic_config(self.plan, ready, unavailable, self.generation)
        if unchanged == self._last_written:
            return
        self.generation += 1
        config = dynamic_config(self.plan, ready, unavailable, self.generation)
        self._routing[self.generation] = ready
        self._routing.pop(self.generation - 5, None)
        self.traefik.reload(config)
        self._last_written = config

    def loaded_routing(self) -> dict[str, list[int]] | None:
        """The ready ports of the newest routing Traefik has loaded, or None if it serves none of ours."""
        for generation in sorted(self._routing, reverse=True):
            if self.traefik.loaded(generation):
                return self._routing[generation]
        return None
