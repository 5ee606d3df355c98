"""The feature-lookup example served with real Redis and PostgreSQL servers (issue 11, local side).

Real HTTP through the local endpoint with the key: the first request for an id reads PostgreSQL, the
second hits Redis; Redis down degrades to PostgreSQL; PostgreSQL down answers a clear 503 well inside
the request timeout; a crashed server is reported and restarted; nothing is left after shutdown.

One cluster serves the module's tests in file order (starting PostgreSQL and seeding it costs seconds);
each test leaves both servers up for the next, and the last one stops the cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psutil
import pytest
from local_helpers import Client, alive, wait_until

from ml_inference_lb.local import LocalCluster, serve

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "feature-lookup")
REQUEST_TIMEOUT_S = 5.0
"""The example's ``request_settings.request_timeout_ms``."""

events: list[str] = []


@pytest.fixture(scope="module")
def served() -> Iterator[LocalCluster]:
    with serve(EXAMPLE, on_event=events.append) as local:
        yield local


def _score(local: LocalCluster, entity: str) -> tuple[int, dict[str, object], float]:
    answer = Client(local.scoring_uri, local.key).score({"entity_id": entity}, timeout=REQUEST_TIMEOUT_S + 10)
    return answer.status, answer.body, answer.seconds


def _server_tree(local: LocalCluster, server: str) -> set[int]:
    pid = local.backing_pid(server)
    assert pid is not None, f"{server} is not running"
    root = psutil.Process(pid)
    return {root.pid, *(child.pid for child in root.children(recursive=True))}


def test_the_first_request_reads_postgresql_and_the_second_hits_redis(served: LocalCluster) -> None:
    status, first, _ = _score(served, "c-0042")
    assert status == 200, first
    assert first["features_from"] == "db" and first["cache"] == "up"
    status, second, _ = _score(served, "c-0042")
    assert status == 200, second
    assert second["features_from"] == "cache"
    assert second["churn_probability"] == first["churn_probability"]
    # The seed (1000 customers) is in the database: the last one exists, one more does not.
    assert _score(served, "c-1000")[0] == 200
    assert _score(served, "c-1001")[0] == 404


def test_redis_down_degrades_to_postgresql_without_failing_requests(served: LocalCluster) -> None:
    _score(served, "c-0100")  # cached
    served.stop_backing("redis")
    try:
        answers = [_score(served, entity) for entity in ("c-0100", "c-0101", "c-0100", "c-0102")]
        assert [a[0] for a in answers] == [200, 200, 200, 200], answers
        assert {a[1]["features_from"] for a in answers} == {"db"}
        assert {a[1]["cache"] for a in answers} == {"unavailable"}
    finally:
        served.start_backing("redis")


def test_postgresql_down_answers_a_clear_5xx_inside_the_request_timeout(served: LocalCluster) -> None:
    served.stop_backing("postgresql")
    try:
        status, body, seconds = _score(served, "c-0200")  # not cached: needs the database
        assert status == 503, body
        assert "PostgreSQL" in str(body.get("error")), body
        assert seconds < REQUEST_TIMEOUT_S, f"answered after {seconds:.1f} s"
    finally:
        served.start_backing("postgresql")
    wait_until(lambda: _score(served, "c-0200")[0] == 200, 20, "requests served from PostgreSQL again")


def test_a_crashed_server_is_reported_and_restarted(served: LocalCluster) -> None:
    before = served.backing_pid("redis")
    served.kill_backing("redis")
    wait_until(lambda: any("redis exited (signal SIGKILL)" in e for e in events), 10, "the crash to be reported")
    wait_until(
        lambda: served.backing_states["redis"] == "up" and served.backing_pid("redis") not in (None, before),
        20,
        "redis to be restarted",
    )
    assert any(e == "redis restarted" for e in events)
    # The restarted Redis is empty but takes the same password: requests fill it and then hit it again
    # (each of the replica's workers finds its broken connection once, and skips the cache for a while).
    wait_until(lambda: _score(served, "c-0300")[1].get("features_from") == "cache", 30, "a cache hit again")
    assert served.fatal is None


def test_the_servers_are_gone_after_shutdown(served: LocalCluster) -> None:
    servers = _server_tree(served, "redis") | _server_tree(served, "postgresql")
    assert len(servers) >= 3  # redis-server, the postmaster and its background processes
    workdir = served.workdir
    assert served.backing.postgres is not None
    data = served.backing.postgres.root
    assert os.path.isdir(os.path.join(data, "data")) and os.stat(data).st_mode & 0o777 == 0o700
    assert os.stat(workdir).st_mode & 0o777 == 0o700
    served.stop()
    assert alive(servers) == set()
    assert not os.path.exists(workdir) and not os.path.exists(data)
