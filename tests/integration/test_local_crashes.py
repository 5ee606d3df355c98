"""Crashes under load: replicas killed again and again (whole process group or the gunicorn master
alone) cost no request, and a master killed alone takes its workers with it."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import psutil
import pytest
from local_helpers import Answer, Client, alive, echo_cluster, echo_deployment, wait_until

from ml_inference_lb.local import LocalCluster, serve
from ml_inference_lb.local.restarts import RestartPolicy

pytestmark = pytest.mark.integration

KILLS = 12
"""Kills in one run, alternately the whole process group and the gunicorn master alone. Issue 13 saw 4
failed requests in 15 kills (~210,000 requests): failures come per kill (a request in flight on the
killed replica), not per request, so the test kills often (as soon as all three replicas serve again)
under a load that keeps every worker busy, rather than sending many requests. Before the fix this test
lost 53 of 10,319 requests (502 and 503)."""
POLICY = RestartPolicy(stable_after_s=1.0)
"""Each replica is killed every few seconds: with the default ``stable_after_s`` (10 s) that would be a
crash loop, backed off and given up; these kills are separate crashes."""


def _kill(local: LocalCluster, index: int, master_only: bool) -> int:
    pid = local.replica_pids("blue")[index]
    if master_only:
        os.kill(pid, signal.SIGKILL)
    else:
        os.killpg(pid, signal.SIGKILL)
    return pid


def test_replicas_killed_again_and_again_under_load_cost_no_request() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, instance_count=3), name="crashes")
    with serve(spec, restart_policy=POLICY) as local:
        client = Client(local.scoring_uri, local.key)
        results: list[Answer | Exception] = []
        lock = threading.Lock()
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                try:
                    answer: Answer | Exception = client.score({"data": [1], "sleep": 0.01})
                except Exception as error:  # a connection error is a failed request
                    answer = error
                with lock:
                    results.append(answer)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        kills: Counter[str] = Counter()
        try:
            for number in range(KILLS):
                # Kill only while every replica serves, so the test measures crashes, not an outage.
                wait_until(lambda: local.status()["blue"].ready == 3, 30, "three ready replicas")
                local.wait_routed()  # and Traefik routes to them (one crash at a time, not two)
                time.sleep(0.3)
                master_only = number % 2 == 1
                _kill(local, number % 3, master_only)
                kills["master" if master_only else "group"] += 1
                wait_until(lambda: local.status()["blue"].ready < 3, 10, "the supervisor to notice the crash")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        failures = Counter(
            type(r).__name__ if isinstance(r, Exception) else r.status
            for r in results
            if isinstance(r, Exception) or r.status != 200
        )
        assert kills == Counter({"group": KILLS // 2, "master": KILLS // 2})
        assert len(results) > 1000, len(results)
        assert failures == Counter(), f"{sum(failures.values())} of {len(results)} requests failed: {failures}"


def test_a_master_killed_alone_takes_its_workers_with_it() -> None:
    """Starting or serving, a replica whose gunicorn master dies leaves no worker behind."""
    spec = echo_cluster(
        echo_deployment("blue", traffic_percent=100, env={"WORKER_COUNT": "3"}),
        # Workers busy loading a model for 60 s: they notice nothing until init() returns.
        echo_deployment("slow", env={"WORKER_COUNT": "3", "INIT_SLEEP": "60"}),
        name="orphans",
    )
    local = LocalCluster(spec)
    starting = threading.Thread(target=local.start)
    starting.start()
    try:

        def workers_of(deployment: str) -> tuple[psutil.Process, set[int]]:
            pids = local.replica_pids(deployment)
            if not pids:
                return psutil.Process(os.getpid()), set()
            master = psutil.Process(pids[0])
            return master, {p.pid for p in master.children(recursive=True)}

        wait_until(lambda: len(workers_of("slow")[1]) == 3, 30, "the slow replica's three workers")
        master, workers = workers_of("slow")
        master.kill()  # while starting: before the fix its workers lived on, orphaned, until init() ended
        wait_until(lambda: not alive(workers), 10, "the starting replica's workers to exit")
        starting.join(timeout=60)
        master, workers = workers_of("blue")
        assert len(workers) == 3
        master.kill()  # while serving
        wait_until(lambda: not alive(workers), 10, "the serving replica's workers to exit")
        wait_until(lambda: local.status()["blue"].ready == 1, 30, "the replacement replica")
        local.wait_routed()
        assert Client(local.scoring_uri, local.key).score().status == 200
    finally:
        starting.join(timeout=60)
        local.stop()
