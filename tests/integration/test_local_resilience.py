"""Failures through the local endpoint: a killed replica, a replica failing readiness or liveness,
over-limit load (429) and the request timeout."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import psutil
import pytest
from local_helpers import Answer, Client, echo_cluster, echo_deployment, run_load, wait_until

from ml_inference_lb.local import serve

pytestmark = pytest.mark.integration


def _failures(results: list[Answer | Exception]) -> list[object]:
    return [
        r if isinstance(r, Exception) else (r.status, r.body)
        for r in results
        if isinstance(r, Exception) or r.status != 200
    ]


def test_a_replica_killed_under_load_costs_no_request() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, instance_count=3), name="kill")
    with serve(spec) as local:
        client = Client(local.scoring_uri, local.key)
        victim_pid = local.replica_pids("blue")[0]
        results = run_load(
            lambda: client.score({"data": [1], "sleep": 0.01}),
            threads=6,
            seconds=4.0,
            during=lambda: local.kill_replica("blue", 0),
            during_at=1.0,
        )
        assert len(results) > 50
        assert _failures(results) == []
        assert not psutil.pid_exists(victim_pid) or psutil.Process(victim_pid).status() == psutil.STATUS_ZOMBIE
        # The supervisor restarts the crashed replica, and it takes traffic again.
        wait_until(lambda: local.status()["blue"].ready == 3, 30, "the killed replica to be restarted")
        local.wait_routed()
        served = Counter(client.score().body["replica"] for _ in range(30))
        assert "blue-0" in served, served


def test_a_replica_failing_readiness_gets_no_traffic() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, instance_count=2), name="ready")
    with serve(spec) as local:
        client = Client(local.scoring_uri, local.key)
        assert {client.score().body["replica"] for _ in range(10)} == {"blue-0", "blue-1"}
        stuck_port = local.replica_ports("blue")[0]
        stuck = psutil.Process(local.replica_pids("blue")[0])
        group = [stuck, *stuck.children(recursive=True)]
        for p in group:
            p.send_signal(signal.SIGSTOP)  # alive but unresponsive: its readiness probe times out
        try:
            url = f"http://127.0.0.1:{stuck_port}"
            # Three readiness failures in a row (FAST_PROBES: period 1 s, timeout 1 s) take it out.
            wait_until(lambda: url not in local.routed_servers("blue"), 15, "the replica to leave the routing")
            answers = [client.score(timeout=3) for _ in range(40)]
            assert {(a.status, a.body["replica"]) for a in answers} == {(200, "blue-1")}
            assert max(a.seconds for a in answers) < 2.5  # none waited on the stuck replica (timeout 5 s)
        finally:
            for p in group:
                p.send_signal(signal.SIGCONT)
        wait_until(lambda: local.routed_servers("blue").get(url) == "UP", 15, "the replica to be routed again")
        assert "blue-0" in {client.score().body["replica"] for _ in range(10)}


def test_a_replica_failing_liveness_is_restarted() -> None:
    probes = {
        "readiness": {"initial_delay_seconds": 0, "period_seconds": 1, "timeout_seconds": 1},
        # The replacement boots within initial_delay, else liveness would kill it too (as Azure would).
        "liveness": {"initial_delay_seconds": 8, "period_seconds": 1, "timeout_seconds": 1, "failure_threshold": 2},
    }
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, instance_count=1), name="live", probes=probes)
    started = time.monotonic()
    with serve(spec) as local:
        old = local.replica_pids("blue")[0]
        time.sleep(max(0.0, 8.5 - (time.monotonic() - started)))  # past the old replica's initial delay
        os.killpg(old, signal.SIGSTOP)
        wait_until(lambda: local.replica_pids("blue") not in ([], [old]), 15, "the supervisor to replace the replica")
        wait_until(lambda: local.status()["blue"].ready == 1, 30, "the new replica to be ready")
        local.wait_routed()
        assert Client(local.scoring_uri, local.key).score().status == 200
        assert not psutil.pid_exists(old) or psutil.Process(old).status() == psutil.STATUS_ZOMBIE


def test_over_limit_load_gets_429_and_slow_requests_time_out() -> None:
    spec = echo_cluster(
        echo_deployment("blue", traffic_percent=100, instance_count=1, env={"WORKER_COUNT": "4"}),
        name="limits",
        request_settings={"request_timeout_ms": 1500, "max_concurrent_requests_per_instance": 2},
    )
    with serve(spec) as local:
        client = Client(local.scoring_uri, local.key)
        # Azure admits 2 x 2 x 1 = 4 requests at once; 10 clients keep 6 over the limit.
        results = run_load(lambda: client.score({"data": [1], "sleep": 0.3}), threads=10, seconds=2.0)
        statuses = Counter(r.status if isinstance(r, Answer) else type(r).__name__ for r in results)
        assert set(statuses) == {200, 429}, statuses
        assert statuses[429] > statuses[200] / 2, statuses
        # One at a time stays within the limit.
        assert {client.score({"data": [1], "sleep": 0.05}).status for _ in range(5)} == {200}
        # Past request_timeout_ms the endpoint answers 408, as Azure does, instead of waiting for the replica.
        start = time.monotonic()
        late = client.score({"data": [1], "sleep": 3})
        assert late.status == 408
        assert time.monotonic() - start < 2.9
