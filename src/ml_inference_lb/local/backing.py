"""The backing servers of one served cluster: the real Redis and PostgreSQL its deployments use.

:class:`BackingServers` reads ``ClusterSpec.backing`` (docs/backing-services.md, "Contract between the
spec and the targets"): one Redis server when a cache is declared, one PostgreSQL server with the
declared databases and their seeds when a database is declared. Ports are free loopback ports chosen
when the cluster is built, passwords are generated then (``secrets``); the replicas get them through
:func:`~ml_inference_lb.spec.connection.connection_environment`, the same variables as on Azure plus
``PGPASSWORD`` and ``REDIS_PASSWORD``. Nothing prints or logs a password.

Each server is a :class:`~ml_inference_lb.local.supervised.Supervised` process: one that exits is
reported and restarted on the same port with the same password (Redis empty, PostgreSQL with its
data), with the replicas' :class:`~ml_inference_lb.local.restarts.RestartPolicy`; one that keeps
crashing stops the run with an error, as a router that cannot be restarted does.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable

from ..spec.backing_model import DatabaseUseSpec, DeploymentBackingSpec
from ..spec.connection import PostgresEndpoint, RedisEndpoint, connection_environment
from ..spec.model import ClusterSpec, DeploymentSpec
from .backing_binaries import postgres_bin_dir, redis_server_binary
from .errors import LocalTargetError
from .postgres_server import PostgresServer
from .probes import LOOPBACK, free_port
from .redis_server import RedisServer, server_env
from .restarts import RestartPolicy
from .supervised import Supervised
from .unprivileged import postgres_account

BackingServer = RedisServer | PostgresServer


class BackingServers:
    """The cluster's Redis and PostgreSQL servers (either may be absent)."""

    def __init__(
        self,
        spec: ClusterSpec,
        *,
        workdir: str,
        logdir: str,
        policy: RestartPolicy,
        on_event: Callable[[str], None],
        on_give_up: Callable[[str], None],
    ):
        backing = spec.backing
        self.spec = spec
        self.logdir = logdir
        self.role = spec.endpoint.name or spec.endpoint.name_prefix
        self._role_password = secrets.token_urlsafe(24)
        self.redis: RedisServer | None = None
        self.postgres: PostgresServer | None = None
        if backing is not None and backing.cache is not None:
            self.redis = RedisServer(
                redis_server_binary(),
                directory=os.path.join(workdir, "redis"),
                log_path=os.path.join(logdir, "redis.log"),
                port=free_port(),
                password=secrets.token_urlsafe(24),
            )
        if backing is not None and backing.database is not None:
            bin_dir = postgres_bin_dir()
            account = postgres_account()
            self.postgres = PostgresServer(
                bin_dir,
                root_prefix=f"ml-inference-lb-{spec.name}-postgres-",
                logdir=logdir,
                port=free_port(),
                superuser_password=secrets.token_urlsafe(24),
                account=account,
            )
        self._held: set[str] = set()
        self.supervised: dict[str, Supervised] = {
            server.name: Supervised(
                server.name,
                start=server.start,
                running=self._running_check(server),
                describe_exit=self._exit_check(server),
                policy=policy,
                on_event=on_event,
                on_give_up=on_give_up,
            )
            for server in self.servers()
        }

    def servers(self) -> list[BackingServer]:
        return [s for s in (self.redis, self.postgres) if s is not None]

    def secrets(self) -> list[str]:
        """Every password of this run (to blank anything kept or shown)."""
        found = [self._role_password]
        if self.redis is not None:
            found.append(self.redis.password)
        if self.postgres is not None:
            found.append(self.postgres.superuser_password)
        return found

    # ----- what the replicas see --------------------------------------------------------------------

    def environment(self, deployment: DeploymentSpec) -> dict[str, str]:
        """The deployment's connection variables (docs/backing-services.md), passwords included."""
        return self._environment(deployment.name, deployment.backing)

    def _environment(self, name: str, uses: DeploymentBackingSpec) -> dict[str, str]:
        postgres = (
            PostgresEndpoint(LOOPBACK, self.postgres.port, self.role, "disable", self._role_password)
            if self.postgres is not None
            else None
        )
        redis = (
            RedisEndpoint(LOOPBACK, self.redis.port, ssl=False, cluster=False, password=self.redis.password)
            if self.redis is not None
            else None
        )
        return {k: str(v) for k, v in connection_environment(name, uses, postgres, redis).items()}

    # ----- lifecycle ------------------------------------------------------------------------------

    def start(self, on_event: Callable[[str], None]) -> None:
        """Start the servers, create the role and databases, run the seeds (in the spec's order)."""
        if self.redis is not None:
            self.redis.start()
            self.supervised[self.redis.name].started()
            on_event(f"redis ready on {LOOPBACK}:{self.redis.port}")
        if self.postgres is not None:
            self.postgres.initialize()
            self.postgres.start()
            self.supervised[self.postgres.name].started()
            self._prepare_databases()
            on_event(f"postgresql ready on {LOOPBACK}:{self.postgres.port}")

    def _prepare_databases(self) -> None:
        assert self.postgres is not None and self.spec.backing is not None and self.spec.backing.database is not None
        databases = self.spec.backing.database.databases
        self.postgres.create_role_and_databases(self.role, self._role_password, [db.name for db in databases])
        seed_log = os.path.join(self.logdir, "seed.log")
        for db in databases:
            for step in db.seed:
                if step.kind == "sql":
                    self.postgres.psql(
                        ["-d", db.name, "-f", step.path],
                        user=self.role,
                        password=self._role_password,
                        what=f"seed {step.path} (database {db.name!r})",
                        log_path=seed_log,
                    )
                else:
                    uses = DeploymentBackingSpec(cache=False, database=DatabaseUseSpec(db.name, None))
                    env = {**server_env(), **self._environment(f"seed-{db.name}", uses)}
                    self.postgres.run_python_seed(step.path, env, seed_log, self.secrets())

    def close(self) -> None:
        """No restart from now on (the cluster is stopping)."""
        for supervised in self.supervised.values():
            supervised.close()

    def stop(self) -> None:
        for server in self.servers():
            server.stop()

    def remove_data(self, keep: bool, on_event: Callable[[str], None]) -> None:
        """Remove PostgreSQL's folder (after :meth:`stop`); ``keep`` keeps it (it holds no password in
        clear: PostgreSQL stores SCRAM verifiers, and the ``--pwfile`` is gone)."""
        if self.postgres is None or not self.postgres.root:
            return
        if keep:
            on_event(f"PostgreSQL data kept: {self.postgres.root}")
        else:
            shutil.rmtree(self.postgres.root, ignore_errors=True)

    # ----- supervision and tests ------------------------------------------------------------------

    def _running_check(self, server: BackingServer) -> Callable[[], bool]:
        return lambda: server.name in self._held or server.running()

    @staticmethod
    def _exit_check(server: BackingServer) -> Callable[[], str]:
        return lambda: server.process.exit_description() if server.process else "not started"

    def server(self, name: str) -> BackingServer:
        found = {s.name: s for s in self.servers()}
        if name not in found:
            raise LocalTargetError(f"this cluster runs no {name!r} server; it runs {sorted(found) or 'none'}")
        return found[name]

    def hold_down(self, name: str) -> None:
        """Stop a server and keep it stopped (no restart) until :meth:`bring_up`: an outage, for tests."""
        server = self.server(name)
        self._held.add(name)
        server.stop()

    def bring_up(self, name: str) -> None:
        server = self.server(name)
        server.start()
        self._held.discard(name)
        self.supervised[name].started()

    def states(self) -> dict[str, str]:
        """``up``, ``restarting``, ``failed`` or ``held down``, by server name."""
        return {name: ("held down" if name in self._held else s.state) for name, s in self.supervised.items()}
