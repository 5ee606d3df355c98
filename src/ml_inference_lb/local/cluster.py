"""One cluster served on loopback: Traefik in front, replicas of every deployment behind it.

:class:`LocalCluster` owns the work directory, Traefik and the replicas' lifecycle (start, wait until
ready, stop), and offers the public API (status, replica pids and ports, kill, scale); its
:class:`~ml_inference_lb.local.supervisor.Supervisor` thread keeps the replicas healthy, scaled and
routed. :func:`serve` is the context manager for tests and scripts; ``ml-inference-lb local up`` uses
the same class.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..spec.model import ClusterSpec
from .autoscale import Autoscaler, LoadSample, MetricsReader
from .errors import LocalTargetError
from .probes import free_port, port_is_free
from .supervisor import DeploymentState, Supervisor
from .traefik import TraefikProcess, find_traefik
from .traefik_config import DeploymentPlan, ServingPlan, static_config


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


def check_servable(spec: ClusterSpec) -> None:
    """Raise :class:`LocalTargetError` for what cannot run offline: assets known only by id, and environment
    variables whose value is a ``pulumi.Output``."""
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
                f"deployments[{i}] ({d.name}).code: "
                + (f"given only as asset_id {asset!r}; " if asset else "missing; ")
                + "give code.path (the folder of the scoring script) and code.scoring_script to serve it locally"
            )
        for key in d.unresolved_env:
            problems.append(
                f"deployments[{i}] ({d.name}).environment_variables.{key}: a pulumi.Output (for example a "
                "secret), which only Pulumi resolves and the local target, running offline, cannot; give a plain "
                "string when the program runs locally (e.g. read it from os.environ)"
            )
    if problems:
        raise LocalTargetError(
            f"cannot serve cluster {spec.name!r} locally:\n" + "\n".join(f"  - {p}" for p in problems)
        )


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
                azure_name=d.azure_name,
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
            d.name: DeploymentState(
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
        self._supervisor = Supervisor(
            self._deployments,
            plan=self.plan,
            traefik=self._traefik,
            metrics=self._metrics,
            logdir=self.logdir,
            lock=self._lock,
            on_event=self._on_event,
        )
        self._stop = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

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
                expected = {
                    n: {f"http://127.0.0.1:{p}" for p in d.ready_ports()}
                    for n, d in self._deployments.items()
                    if not d.failed
                }
            return all(set(self.routed_servers(name)) == urls for name, urls in expected.items())

        self.wait_for(routed, timeout_s, "traefik to load the routing")

    def log_path(self, deployment: str, index: int = 0) -> str:
        return os.path.join(self.logdir, f"{deployment}-{index}.log")

    def last_load(self) -> dict[str, LoadSample]:
        return self._metrics.latest()

    # ----- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._traefik.start(static_config(self.plan, self._traefik.dynamic_dir), self._supervisor.dynamic())
        except LocalTargetError:
            self._cleanup_dir()
            raise
        try:
            with self._lock:
                for d in self._deployments.values():
                    for _ in range(d.desired):
                        self._supervisor.add_replica(d)
            self._thread = threading.Thread(
                target=self._supervisor.run, args=(self._stop,), name=f"supervisor-{self.spec.name}", daemon=True
            )
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
        self._supervisor.close()
        self._cleanup_dir()

    def _cleanup_dir(self) -> None:
        if os.environ.get("ML_INFERENCE_LB_KEEP_WORKDIR") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _wait_started(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                pending = [
                    d.spec.name
                    for d in self._deployments.values()
                    if not d.failed
                    and (len(d.ready_ports()) < d.desired or any(r.state == "starting" for r in d.replicas))
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


def load_specs(directory: str, *, stack: str = "dev", config: dict[str, str] | None = None) -> tuple[ClusterSpec, ...]:
    """Run the Pulumi program in ``directory`` offline and return the spec of every InferenceCluster."""
    from ..plan import run_directory

    result = run_directory(directory, stack=stack, config=config)
    if not result.specs:
        raise LocalTargetError(f"the program in {directory} declares no InferenceCluster: nothing to serve")
    return tuple(result.specs)


def load_program(
    directory: str, *, stack: str = "dev", config: dict[str, str] | None = None
) -> tuple[tuple[ClusterSpec, ...], tuple[Any, ...]]:
    """Run the Pulumi program in ``directory`` offline: the clusters to serve on their own, and the
    multi-region services (whose regions' clusters are served behind the service's router instead)."""
    from ..plan import run_directory

    result = run_directory(directory, stack=stack, config=config)
    if not result.specs:
        raise LocalTargetError(f"the program in {directory} declares no InferenceCluster: nothing to serve")
    in_services = {region.cluster_name for service in result.services for region in service.regions}
    return tuple(s for s in result.specs if s.name not in in_services), tuple(result.services)


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
                raise LocalTargetError(
                    f"no InferenceCluster named {cluster!r}; the program declares {[s.name for s in specs]}"
                )
            spec = chosen[0]
        else:
            spec = specs[0]
    else:
        spec = source
    local = LocalCluster(
        spec,
        port=port,
        time_scale=time_scale,
        startup_timeout_s=startup_timeout_s,
        on_event=on_event,
        autoscale=autoscale,
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()
