"""One cluster served on loopback: Traefik in front, replicas of every deployment behind it.

:class:`LocalCluster` owns the work directory, the logs, Traefik, the status responder and the
replicas' lifecycle (start, wait until ready, stop), and offers the public API (status, replica pids
and ports, kill, scale); its :class:`~ml_inference_lb.local.supervisor.Supervisor` thread keeps the
replicas and the router healthy, scaled and routed. :func:`serve` is the context manager for tests and
scripts; ``ml-inference-lb local up`` uses the same class.

**Secrets.** Each run makes a key (the endpoint's, printed as ``key:``) and an internal secret that
opens the internal ports (Traefik's per-deployment entry points and internal routes, the replicas, the
status responder). Both are in Traefik's configuration files only, in an owner-only work directory
(0700, files 0600) that is removed when the cluster stops. With ``ML_INFERENCE_LB_KEEP_WORKDIR=1`` it
is kept for debugging, with every secret in it blanked.

**Logs** (the replicas' and Traefik's) are in their own directory, :attr:`LocalCluster.logdir`. They
are removed on a clean stop and kept when the run failed (the start failed, a deployment failed, the
router could not be restarted, or the ``with`` block of :func:`serve` raised), or always with
``keep_logs=True`` (``local up`` keeps them, since it is only ever stopped by a signal) or
``ML_INFERENCE_LB_KEEP_WORKDIR=1``.
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
from .autoscale import TRAEFIK_METRICS, Autoscaler, LoadSample, MetricsReader
from .backing import BackingServers
from .errors import LocalTargetError
from .probes import free_port, port_is_free
from .restarts import RestartPolicy
from .status_responder import StatusResponder
from .supervised import Supervised
from .supervisor import DeploymentState, Supervisor
from .traefik import TraefikProcess, find_traefik
from .traefik_config import DeploymentPlan, ServingPlan, static_config

KEEP_WORKDIR_ENV = "ML_INFERENCE_LB_KEEP_WORKDIR"
DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024
"""Requests with a larger body get 413. Azure documents no request size for managed online endpoints
(see docs/local-target.md); this bound keeps one request from filling the load balancer's memory."""


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    ready: int
    desired: int
    failed: str | None = None
    """Why the deployment cannot serve (it failed to start, or its replicas keep crashing), or None."""
    restarting: int = 0
    """Replicas waiting for their restart (back-off after a crash)."""

    def __str__(self) -> str:
        if self.failed:
            return f"{self.name}: FAILED ({self.failed.splitlines()[0]})"
        text = f"{self.name}: {self.ready}/{self.desired} ready"
        return f"{text}, {self.restarting} restarting" if self.restarting else text


def check_servable(spec: ClusterSpec) -> None:
    """Raise :class:`LocalTargetError` for what cannot run offline: assets known only by id, environment
    variables whose value is a ``pulumi.Output``, and Key Vault references."""
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
        for key, _ in d.secret_environment:
            problems.append(
                f"deployments[{i}] ({d.name}).secret_environment_variables.{key}: a Key Vault reference, which "
                "Azure ML resolves when the container starts (secret injection, docs/security.md) and the local "
                "target, offline, cannot; to run the deployment locally, give the program a variant that sets the "
                "variable in environment_variables from a local value (e.g. os.environ)"
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
        restart_policy: RestartPolicy | None = None,
        max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES,
        extra_keys: tuple[str, ...] = (),
        keep_logs: bool | None = None,
    ):
        """``extra_keys`` are accepted as well as the cluster's own key (a multi-region service's key,
        standing for the Entra token every region accepts). ``keep_logs``: True keeps the logs
        whatever happens, None keeps them when the run failed, False never."""
        check_servable(spec)
        if port and not port_is_free(port):
            raise LocalTargetError(f"port {port} on 127.0.0.1 is already in use: pick another with --port, or free it")
        traefik_binary = find_traefik()
        self.spec = spec
        self.time_scale = time_scale
        self.startup_timeout_s = startup_timeout_s
        self.restart_policy = restart_policy or RestartPolicy()
        self._on_event = on_event or (lambda _msg: None)
        self._keep_logs = keep_logs
        self.key = secrets.token_urlsafe(32)
        self._internal_secret = secrets.token_urlsafe(32)
        self.workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-{spec.name}-")
        self.logdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-{spec.name}-logs-")
        self.fatal: str | None = None
        """Why the cluster stopped serving for good (its router or a backing server could not be
        restarted), or None."""
        self._failed_run = False
        try:
            self.backing = BackingServers(
                spec,
                workdir=self.workdir,
                logdir=self.logdir,
                policy=self.restart_policy,
                on_event=self._on_event,
                on_give_up=self._server_gave_up,
            )
        except BaseException:  # a missing wheel, no account for PostgreSQL: nothing started yet
            shutil.rmtree(self.workdir, ignore_errors=True)
            shutil.rmtree(self.logdir, ignore_errors=True)
            raise
        plans = tuple(
            DeploymentPlan(
                name=d.name,
                index=i,
                traffic_percent=d.traffic_percent,
                mirror_percent=d.mirror_percent,
                timeout_ms=d.request.timeout_ms,
                max_concurrent_per_instance=d.request.max_concurrent_requests_per_instance,
                azure_name=d.azure_name,
            )
            for i, d in enumerate(spec.deployments)
        )
        self._responder = StatusResponder(self._internal_secret, {d.name: d.azure_name for d in spec.deployments})
        self.plan = ServingPlan(
            cluster=spec.name,
            port=port or free_port(),
            internal_port=free_port(),
            keys=(self.key, *extra_keys),
            deployments=plans,
            deny_secret=secrets.token_urlsafe(32),
            internal_secret=self._internal_secret,
            status_port=self._responder.port,
            max_request_body_bytes=max_request_body_bytes,
            metrics=any(
                d.autoscale is not None and any(r.metric in TRAEFIK_METRICS for r in d.autoscale.rules)
                for d in spec.deployments
            ),
        )
        scalers = {d.name: Autoscaler(d, time_scale=time_scale) for d in spec.deployments if autoscale and d.autoscale}
        self._deployments = {
            d.name: DeploymentState(
                spec=d,
                plan=p,
                desired=(
                    scalers[d.name].initial_count()
                    if d.name in scalers
                    else (d.autoscale.default_instances if d.autoscale else d.instance_count)
                ),
                autoscaler=scalers.get(d.name),
                backing_env=self.backing.environment(d),
            )
            for d, p in zip(spec.deployments, plans, strict=False)
        }
        self._traefik = TraefikProcess(
            traefik_binary,
            self.workdir,
            self.plan.internal_port,
            self._internal_secret,
            os.path.join(self.logdir, "traefik.log"),
        )
        self._metrics = MetricsReader(self._traefik.metrics_text, self.plan) if self.plan.metrics else None
        self._lock = threading.RLock()
        self._supervisor = Supervisor(
            self._deployments,
            plan=self.plan,
            traefik=self._traefik,
            metrics=self._metrics,
            responder=self._responder,
            logdir=self.logdir,
            lock=self._lock,
            on_event=self._on_event,
            policy=self.restart_policy,
        )
        self._supervisor.router = Supervised(
            "traefik",
            start=self._start_router,
            running=self._traefik.running,
            describe_exit=lambda: self._traefik.process.exit_description() if self._traefik.process else "not started",
            policy=self.restart_policy,
            on_event=self._on_event,
            on_give_up=self._router_gave_up,
        )
        self._supervisor.servers = list(self.backing.supervised.values())
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
                name: DeploymentStatus(name, len(d.ready_ports()), d.desired, d.failed, len(d.pending))
                for name, d in self._deployments.items()
            }

    @property
    def router_state(self) -> str:
        """``up``, ``restarting`` (Traefik exited and is being restarted) or ``failed`` (gave up)."""
        router = self._supervisor.router
        return router.state if router is not None else "up"

    def replica_pids(self, deployment: str) -> list[int]:
        """Process-group leader pid of each running replica of ``deployment``, by replica index."""
        with self._lock:
            replicas = sorted(self._deployments[deployment].replicas, key=lambda r: r.index)
            return [r.process.pid for r in replicas if r.process.pid and r.process.running()]

    @property
    def traefik_pid(self) -> int | None:
        """Pid of the Traefik process (for measurements)."""
        return self._traefik.pid

    def replica_ports(self, deployment: str, ready_only: bool = True) -> list[int]:
        """Loopback ports of the replicas of ``deployment`` (the ready ones by default), by replica index."""
        with self._lock:
            replicas = sorted(self._deployments[deployment].replicas, key=lambda r: r.index)
            return [r.port for r in replicas if r.state == "ready" or not ready_only]

    def internal_headers(self) -> dict[str, str]:
        """The header that opens the internal ports (replicas, Traefik's internal entry points) for
        this run; for measurements and tests that call a replica directly."""
        from .traefik_config import INTERNAL_HEADER

        return {INTERNAL_HEADER: self._internal_secret}

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

    def backing_pid(self, server: str) -> int | None:
        """Pid of the ``redis`` or ``postgresql`` server (its process group leader), or None when it is not running."""
        found = self.backing.server(server)
        return found.pid if found.running() else None

    def kill_backing(self, server: str) -> None:
        """SIGKILL the ``redis`` or ``postgresql`` server's process group, as a crash would; the
        supervisor reports it and restarts it."""
        process = self.backing.server(server).process
        if process is not None:
            process.kill()

    def stop_backing(self, server: str) -> None:
        """Stop the ``redis`` or ``postgresql`` server and keep it stopped (an outage) until
        :meth:`start_backing`."""
        self.backing.hold_down(server)

    def start_backing(self, server: str) -> None:
        """Start again a server stopped with :meth:`stop_backing` (same port, same password)."""
        self.backing.bring_up(server)

    @property
    def backing_states(self) -> dict[str, str]:
        """``up``, ``restarting``, ``failed`` or ``held down``, by backing server (``redis``, ``postgresql``)."""
        return self.backing.states()

    def scale(self, deployment: str, count: int) -> None:
        """Set the replica count of one deployment by hand (autoscale may change it again)."""
        with self._lock:
            self._deployments[deployment].desired = count

    def routed_servers(self, deployment: str) -> dict[str, str]:
        """The replicas Traefik routes ``deployment`` to, in the newest routing it has loaded:
        ``http://127.0.0.1:<port>`` -> ``"UP"`` (a replica out of the routing is absent)."""
        routing = self._supervisor.loaded_routing()
        return {f"http://127.0.0.1:{p}": "UP" for p in (routing or {}).get(deployment, [])}

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise LocalTargetError(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def wait_routed(self, timeout_s: float = 30.0) -> None:
        """Wait until Traefik routes with the newest routing (exactly the ready replicas)."""
        self._supervisor.write_config()
        generation = self._supervisor.generation
        self.wait_for(lambda: self._traefik.loaded(generation), timeout_s, "traefik to load the routing")

    def log_path(self, deployment: str, index: int = 0) -> str:
        return os.path.join(self.logdir, f"{deployment}-{index}.log")

    def last_load(self) -> dict[str, LoadSample]:
        return self._metrics.latest() if self._metrics else {}

    # ----- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self._responder.start()
        try:
            self.backing.start(self._on_event)
            self._start_router()
            self._supervisor.router.started()  # type: ignore[union-attr]
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
            self._failed_run = True
            self.stop()
            raise

    def _start_router(self) -> None:
        """Start Traefik with the current routing (also how the supervisor restarts it)."""
        self._supervisor.write_config()
        self._traefik.start(
            static_config(self.plan, self._traefik.dynamic_dir),
            self._supervisor.dynamic(),
            lambda: self._supervisor.generation,
        )

    def _server_gave_up(self, message: str) -> None:
        self.fatal = f"cluster {self.spec.name!r} stopped serving: {message}; see the server logs in {self.logdir}"
        self._failed_run = True
        self._on_event(f"error: {self.fatal}")

    def _router_gave_up(self, message: str) -> None:
        self.fatal = f"cluster {self.spec.name!r} stopped serving: {message}; see {self._traefik.log_path}"
        self._failed_run = True
        self._on_event(f"error: {self.fatal}")

    def failed(self) -> bool:
        """True when something in this run failed (kept logs tell what)."""
        with self._lock:
            deployments_failed = any(d.failed or d.given_up for d in self._deployments.values())
        return self._failed_run or self.fatal is not None or deployments_failed

    def stop(self, *, failed: bool = False) -> None:
        """Stop every replica and Traefik (whole process groups), remove the work directory (and the
        logs, unless kept: see the module docstring). ``failed`` marks the run as failed. Idempotent."""
        self._failed_run = self._failed_run or failed
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._supervisor.router is not None:
            self._supervisor.router.close()  # no restart now, and none left under way
        self.backing.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._supervisor.close()
        with self._lock:
            replicas = [r for d in self._deployments.values() for r in d.replicas + [r for _, r in d.draining]]
        stoppers = [threading.Thread(target=r.process.stop) for r in replicas]
        for t in stoppers:
            t.start()
        self._traefik.stop()
        for t in stoppers:
            t.join(timeout=10)
        self.backing.stop()  # after the replicas, which would log every lost connection
        self._responder.close()
        self._cleanup()

    def _cleanup(self) -> None:
        keep_all = os.environ.get(KEEP_WORKDIR_ENV) == "1"
        if keep_all:
            self._traefik.redact([self.key, self._internal_secret, *self.plan.keys])
            self._on_event(f"work directory kept (secrets blanked): {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self.backing.remove_data(keep_all, self._on_event)
        keep_logs = keep_all or self._keep_logs is True or (self._keep_logs is None and self.failed())
        if keep_logs:
            self._on_event(f"logs kept in {self.logdir}")
        else:
            shutil.rmtree(self.logdir, ignore_errors=True)

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
            if self.fatal:
                raise LocalTargetError(self.fatal)
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
    restart_policy: RestartPolicy | None = None,
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES,
    keep_logs: bool | None = None,
) -> Iterator[LocalCluster]:
    """Serve **one** InferenceCluster on loopback for the duration of the ``with`` block.

    ``source`` is a :class:`ClusterSpec` or the folder of a Pulumi program. From a folder it serves the
    program's only InferenceCluster, or the one named ``cluster``. A program that declares several (a
    ``GlobalInferenceService`` declares one per region) needs ``cluster=`` to pick one region, served
    on its own without the global router; :func:`ml_inference_lb.global_lb.local.serve_global` serves
    every region behind the router, as ``local up`` does.

    ``port`` 0 picks a free port. ``time_scale`` multiplies every autoscale window and cool-down (0.01
    turns a 5-minute window into 3 s) so a test can watch a scale-out; probes keep the spec's timings.
    ``restart_policy`` sets the back-off and budget of restarts (:class:`RestartPolicy`);
    ``max_request_body_bytes`` the body size past which requests get 413; ``keep_logs`` when the logs
    outlive the block (default: when the run failed). Every process is stopped on exit.
    """
    spec = source if isinstance(source, ClusterSpec) else _one_cluster(source, cluster, stack, config)
    local = LocalCluster(
        spec,
        port=port,
        time_scale=time_scale,
        startup_timeout_s=startup_timeout_s,
        on_event=on_event,
        autoscale=autoscale,
        restart_policy=restart_policy,
        max_request_body_bytes=max_request_body_bytes,
        keep_logs=keep_logs,
    )
    local.start()
    try:
        yield local
    except BaseException:
        local.stop(failed=True)
        raise
    finally:
        local.stop()


def _one_cluster(directory: str, name: str | None, stack: str, config: dict[str, str] | None) -> ClusterSpec:
    from ..plan import run_directory

    result = run_directory(directory, stack=stack, config=config)
    specs: tuple[ClusterSpec, ...] = tuple(result.specs)
    if not specs:
        raise LocalTargetError(f"the program in {directory} declares no InferenceCluster: nothing to serve")
    names = [s.name for s in specs]
    if name is not None:
        chosen = [s for s in specs if s.name == name]
        if not chosen:
            raise LocalTargetError(f"no InferenceCluster named {name!r}; the program declares {names}")
        return chosen[0]
    if len(specs) > 1:
        services = [service.name for service in result.services]
        hint = (
            f"; to serve every region behind the global router use serve_global({directory!r}) "
            "from ml_inference_lb.global_lb.local (what `local up` does)"
            if services
            else ""
        )
        raise LocalTargetError(
            f"the program in {directory} declares {len(specs)} InferenceClusters ({', '.join(names)}): "
            f"serve() serves one, pick it with cluster=<name>{hint}"
        )
    return specs[0]
