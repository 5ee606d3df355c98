"""Backing servers beside small echo clusters: seeds (SQL then Python, in order), a failing seed, a server
that keeps crashing."""

from __future__ import annotations

import glob
import os
import tempfile
from typing import Any

import psutil
import pytest
from local_helpers import echo_cluster, echo_deployment, wait_until

from ml_inference_lb.local import serve
from ml_inference_lb.local.errors import LocalTargetError
from ml_inference_lb.local.restarts import RestartPolicy

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
