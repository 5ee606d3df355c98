"""One cluster served on loopback: Traefik in front, replicas of every deployment behind it.

:class:`LocalCluster` owns the processes and a control loop (one thread) that probes replicas,
restarts the ones that fail liveness, applies autoscale decisions and rewrites Traefik's routing
whenever the set of ready replicas changes. :func:`serve` is the context manager for tests and
scripts; ``ml-inference-lb local up`` uses the same class.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..spec.model import ClusterSpec, DeploymentSpec, ProbeSpec
from .autoscale import Autoscaler, LoadSample, MetricsReader
from .errors import LocalTargetError
from .probes import free_port, port_is_free, probe
from .replicas import Replica, new_replica
from .traefik import TraefikProcess, find_traefik
from .traefik_config import DeploymentPlan, ServingPlan, dynamic_config, static_config

TICK_S = 0.1
DRAIN_S = 1.0
"""A replica removed by scale-in leaves the routing this long before it is stopped (SIGTERM, graceful)."""


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    ready: int
    desired: int
    failed: str | None = None
    """Why the deployment cannot serve (every replica failed to start), or None."""

    def __str__(self) -> str:
        if self.failed:
            return f"{self.name}: FAILED"
        return f"{self.name}: {self.ready}/{self.desired} ready"


@dataclass
class _Deployment:
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


def check_servable(spec: ClusterSpec) -> None:
    """Raise :class:`LocalTargetError` for what cannot run offline (assets known only by id)."""
    problems = []
    for i, d in enumerate(spec.deployments):
        if d.model.path is None:
            problems.append(
                f"deployments[{i}] ({d.name}).model: given only as asset_id {d.model.asset_id!r}, which cannot "
                "be served offline; give model.path (a local folder or file with the model) to serve it locally"
            )
        if d.code is None or d.code.path is None:
            asset = d.code.asset_id if d.code else None
            problems.append(
                f"deployments[{i}] ({d.name}).code: " + (f"given only as asset_id {asset!r}; " if asset else "missing; ")
                + "give code.path (the folder of the scoring script) and code.scoring_script to serve it locally"
            )
    if problems:
        raise LocalTargetError(f"cannot serve cluster {spec.name!r} locally:\n" + "\n".join(f"  - {p}" for p in problems))


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


class LocalCluster:
    """A served cluster. Use :func:`serve`, or :meth:`start` then :meth:`stop`."""

    def __init__(
        self,
        spec: ClusterSpec,
        *,
        port: int = 0,
        time_scale: float = 1.0,
        startup_timeout_s: float = 120.0,
        on_event: Callable[[str], None] | None = None,
        autoscale: bool = True,
    ):
        check_servable(spec)
        if port and not port_is_free(port):
            raise LocalTargetError(f"port {port} on 127.0.0.1 is already in use: pick another with --port, or free it")
        traefik_binary = find_traefik()
        self.spec = spec
        self.time_scale = time_scale
        self.startup_timeout_s = startup_timeout_s
        self._on_event = on_event or (lambda _msg: None)
        self.key = secrets.token_urlsafe(32)
        self.workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-{spec.name}-")
        self.logdir = os.path.join(self.workdir, "logs")
        os.makedirs(self.logdir)
        plans = tuple(
            DeploymentPlan(
                name=d.name,
                index=i,
                traffic_percent=d.traffic_percent,
                mirror_percent=d.mirror_percent,
                inner_port=free_port(),
                readiness=d.probes.readiness,
                timeout_ms=d.request.timeout_ms,
                max_concurrent_per_instance=d.request.max_concurrent_requests_per_instance,
            )
            for i, d in enumerate(spec.deployments)
        )
        self.plan = ServingPlan(
            cluster=spec.name,
            port=port or free_port(),
            api_port=free_port(),
            key=self.key,
            deployments=plans,
            deny_secret=secrets.token_urlsafe(32),
        )
        self._deployments = {
            d.name: _Deployment(
                spec=d,
                plan=p,
                desired=d.autoscale.default_instances if d.autoscale else d.instance_count,
                autoscaler=Autoscaler(d, time_scale=time_scale) if (autoscale and d.autoscale) else None,
            )
            for d, p in zip(spec.deployments, plans, strict=False)
        }
        self._traefik = TraefikProcess(traefik_binary, self.workdir, self.plan.api_port)
        self._metrics = MetricsReader(self._traefik.metrics_text, self.plan)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe")
        self._last_written: dict[str, Any] | None = None

    # ----- public API -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.plan.port

    @property
    def scoring_uri(self) -> str:
        return f"http://127.0.0.1:{self.plan.port}/score"

    def status(self) -> dict[str, DeploymentStatus]:
        with self._lock:
            return {
                name: DeploymentStatus(name, len(d.ready_ports()), d.desired, d.failed)
                for name, d in self._deployments.items()
            }

    def replica_pids(self, deployment: str) -> list[int]:
        """Process-group leader pid of each running replica of ``deployment``, by replica index."""
        with self._lock:
            replicas = sorted(self._deployments[deployment].replicas, key=lambda r: r.index)
            return [r.process.pid for r in replicas if r.process.pid and r.process.running()]

    @property
    def traefik_pid(self) -> int | None:
        """Pid of the Traefik process (for measurements)."""
        return self._traefik.process.pid

    def replica_ports(self, deployment: str, ready_only: bool = True) -> list[int]:
        """Loopback ports of the replicas of ``deployment`` (the ready ones by default), by replica index."""
        with self._lock:
            replicas = sorted(self._deployments[deployment].replicas, key=lambda r: r.index)
            return [r.port for r in replicas if r.state == "ready" or not ready_only]

    def kill_replica(self, deployment: str, index: int = 0) -> None:
        """SIGKILL one replica's whole process group, as a crash would; the supervisor restarts it.

        ``index`` is the replica's number (``<deployment>-<index>`` in its log file name and in the
        ``ML_INFERENCE_LB_REPLICA`` variable), kept across restarts."""
        with self._lock:
            replicas = self._deployments[deployment].replicas
            replica = next((r for r in replicas if r.index == index), None)
        if replica is None:
            raise LocalTargetError(f"{deployment} has no replica {index}; it has {sorted(r.index for r in replicas)}")
        replica.process.kill()

    def scale(self, deployment: str, count: int) -> None:
        """Set the replica count of one deployment by hand (autoscale may change it again)."""
        with self._lock:
            self._deployments[deployment].desired = count

    def routed_servers(self, deployment: str) -> dict[str, str]:
        """Traefik's live view of a deployment's replicas: ``http://127.0.0.1:<port>`` -> UP/DOWN."""
        return self._traefik.server_status(self._deployments[deployment].plan.replica_service)

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise LocalTargetError(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def wait_routed(self, timeout_s: float = 30.0) -> None:
        """Wait until Traefik routes to exactly the ready replicas of every serving deployment."""

        def routed() -> bool:
            with self._lock:
                expected = {n: {f"http://127.0.0.1:{p}" for p in d.ready_ports()} for n, d in self._deployments.items() if not d.failed}
            return all(set(self.routed_servers(name)) == urls for name, urls in expected.items())

        self.wait_for(routed, timeout_s, "traefik to load the routing")

    def log_path(self, deployment: str, index: int = 0) -> str:
        return os.path.join(self.logdir, f"{deployment}-{index}.log")

    def last_load(self) -> dict[str, LoadSample]:
        return self._metrics.latest()

    # ----- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._traefik.start(static_config(self.plan, self._traefik.dynamic_dir), self._dynamic())
        except LocalTargetError:
            self._cleanup_dir()
            raise
        try:
            with self._lock:
                for d in self._deployments.values():
                    for _ in range(d.desired):
                        self._add_replica(d)
            self._thread = threading.Thread(target=self._loop, name=f"supervisor-{self.spec.name}", daemon=True)
            self._thread.start()
            self._wait_started()
            self.wait_routed()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every replica and Traefik (whole process groups) and remove the work directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            replicas = [r for d in self._deployments.values() for r in d.replicas + [r for _, r in d.draining]]
        stoppers = [threading.Thread(target=r.process.stop) for r in replicas]
        for t in stoppers:
            t.start()
        self._traefik.stop()
        for t in stoppers:
            t.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._cleanup_dir()

    def _cleanup_dir(self) -> None:
        if os.environ.get("ML_INFERENCE_LB_KEEP_WORKDIR") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                pending = [
                    d.spec.name for d in self._deployments.values()
                    if not d.failed and (len(d.ready_ports()) < d.desired or any(r.state == "starting" for r in d.replicas))
                ]
                failed = [d for d in self._deployments.values() if d.failed]
            if not pending:
                if len(failed) == len(self._deployments):
                    raise LocalTargetError("no deployment could start:\n" + "\n".join(d.failed or "" for d in failed))
                return
            time.sleep(0.05)
        raise LocalTargetError(
            f"deployments {', '.join(pending)} were not ready within {self.startup_timeout_s:.0f} s; "
            f"see the replica logs in {self.logdir}"
        )

    # ----- control loop ---------------------------------------------------------------------------

    def _add_replica(self, d: _Deployment, index: int | None = None) -> Replica:
        idx = d.next_index if index is None else index
        if index is None:
            d.next_index += 1
        replica = new_replica(d.spec, idx, self.logdir)
        replica.next_liveness_at = replica.started_at + self._restart_probe(d, replica).initial_delay_s
        d.replicas.append(replica)
        return replica

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception as error:  # the loop must survive anything; report and go on
                self._on_event(f"supervisor error: {error!r}")
            self._stop.wait(TICK_S)

    def _tick(self) -> None:
        now = time.monotonic()
        checks: list[tuple[_Deployment, Replica, str]] = []
        with self._lock:
            for d in self._deployments.values():
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
        with self._lock:
            for d, r, kind, future in futures:
                ok = future.result()
                if kind == "readiness" and ok and r.state == "starting":
                    r.state = "ready"
                    if d.spec.probes.startup is not None:  # startup done: liveness takes over from here
                        r.liveness_failures = 0
                        r.next_liveness_at = now + d.spec.probes.liveness.initial_delay_s
                    self._on_event(f"{d.spec.name}: replica {r.index} ready on port {r.port}")
                elif kind == "liveness":
                    self._liveness(d, r, ok, now)
            self._drain(now)
        self._autoscale(now)
        self._write_config()

    def _probe_spec(self, d: _Deployment, kind: str, r: Replica) -> ProbeSpec:
        return d.spec.probes.readiness if kind == "readiness" else self._restart_probe(d, r)

    @staticmethod
    def _restart_probe(d: _Deployment, r: Replica) -> ProbeSpec:
        """The probe whose failures restart ``r``: the startup probe (when given) until the replica is
        first ready, as Kubernetes runs it before liveness; then the liveness probe."""
        startup = d.spec.probes.startup
        return startup if (startup is not None and r.state == "starting") else d.spec.probes.liveness

    def _reap(self, d: _Deployment, now: float) -> None:
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
                        f"Last lines of {r.process.log_path}:\n{lines}"
                    )
                    self._on_event(d.failed)
                else:
                    self._on_event(f"{d.spec.name}: replica {r.index} exited with code {code} while starting; see {r.process.log_path}")
                    d.desired = max(len(d.replicas), 1) if d.desired > len(d.replicas) else d.desired
                continue
            self._on_event(f"{d.spec.name}: replica {r.index} exited (code {code}); restarting it")
            self._restart(d, r, now)

    def _restart(self, d: _Deployment, r: Replica, now: float) -> None:
        """Replace ``r`` by a new process on a new port. Not the same port: until Traefik has reloaded
        the routing without ``r``, requests still sent to its port must be refused (and retried on
        another replica), not queued in a new server's backlog while its workers boot."""
        r.process.stop(grace_s=1.0)
        d.replicas.remove(r)
        fresh = self._add_replica(d, index=r.index)
        fresh.restarts = r.restarts + 1

    def _liveness(self, d: _Deployment, r: Replica, ok: bool, now: float) -> None:
        liveness = self._restart_probe(d, r)
        r.next_liveness_at = now + liveness.period_s
        if ok:
            r.liveness_failures = 0
            return
        r.liveness_failures += 1
        if r.liveness_failures >= liveness.failure_threshold:
            self._on_event(
                f"{d.spec.name}: replica {r.index} failed its {'startup' if liveness is d.spec.probes.startup else 'liveness'} "
                f"probe {r.liveness_failures} times; restarting it"
            )
            self._restart(d, r, now)

    def _drain(self, now: float) -> None:
        for d in self._deployments.values():
            if d.failed:
                continue
            while len(d.replicas) < d.desired:
                self._add_replica(d)
                self._on_event(f"{d.spec.name}: scaling out to {d.desired}")
            while len(d.replicas) > d.desired and len(d.replicas) > 1:
                victim = max(d.replicas, key=lambda r: r.index)
                d.replicas.remove(victim)
                d.draining.append((now + DRAIN_S, victim))
                self._on_event(f"{d.spec.name}: scaling in to {d.desired}")
            for item in list(d.draining):
                when, victim = item
                if now >= when:
                    d.draining.remove(item)
                    threading.Thread(target=victim.process.stop, daemon=True).start()

    def _autoscale(self, now: float) -> None:
        scalers = [d for d in self._deployments.values() if d.autoscaler and not d.failed]
        if not scalers:
            return
        samples = self._metrics.sample(now, self._cpu_inputs())
        with self._lock:
            for d in scalers:
                assert d.autoscaler is not None
                if d.spec.name not in samples:
                    continue
                decision = d.autoscaler.decide(now, self._metrics, current=d.desired)
                if decision is not None and decision.count != d.desired:
                    self._on_event(f"{d.spec.name}: autoscale {d.desired} -> {decision.count} ({decision.reason})")
                    d.desired = decision.count

    def _cpu_inputs(self) -> dict[str, list[int]]:
        with self._lock:
            return {n: [r.process.pid for r in d.replicas if r.process.pid and r.state == "ready"] for n, d in self._deployments.items()}

    def _dynamic(self) -> dict[str, Any]:
        with self._lock:
            ready = {n: d.ready_ports() for n, d in self._deployments.items()}
            serving = {n for n, d in self._deployments.items() if not d.failed}
        return dynamic_config(self.plan, ready, serving)

    def _write_config(self) -> None:
        config = self._dynamic()
        if config != self._last_written:
            self._traefik.reload(config)
            self._last_written = config


def load_specs(directory: str, *, stack: str = "dev", config: dict[str, str] | None = None) -> tuple[ClusterSpec, ...]:
    """Run the Pulumi program in ``directory`` offline and return the spec of every InferenceCluster."""
    from ..plan import run_directory

    result = run_directory(directory, stack=stack, config=config)
    if not result.specs:
        raise LocalTargetError(f"the program in {directory} declares no InferenceCluster: nothing to serve")
    return tuple(result.specs)


@contextmanager
def serve(
    source: ClusterSpec | str,
    *,
    port: int = 0,
    cluster: str | None = None,
    time_scale: float = 1.0,
    startup_timeout_s: float = 120.0,
    stack: str = "dev",
    config: dict[str, str] | None = None,
    on_event: Callable[[str], None] | None = None,
    autoscale: bool = True,
) -> Iterator[LocalCluster]:
    """Serve one cluster on loopback for the duration of the ``with`` block.

    ``source`` is a :class:`ClusterSpec` or the folder of a Pulumi program (its first InferenceCluster,
    or the one named ``cluster``). ``port`` 0 picks a free port. ``time_scale`` multiplies every
    autoscale window and cool-down (0.01 turns a 5-minute window into 3 s) so a test can watch a
    scale-out; probes keep the spec's timings. Every process is stopped on exit.
    """
    if isinstance(source, str):
        specs = load_specs(source, stack=stack, config=config)
        if cluster is not None:
            chosen = [s for s in specs if s.name == cluster]
            if not chosen:
                raise LocalTargetError(f"no InferenceCluster named {cluster!r}; the program declares {[s.name for s in specs]}")
            spec = chosen[0]
        else:
            spec = specs[0]
    else:
        spec = source
    local = LocalCluster(
        spec, port=port, time_scale=time_scale, startup_timeout_s=startup_timeout_s, on_event=on_event, autoscale=autoscale
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()
