"""Supervision: the router (Traefik) killed under load is restarted and said so; a router that cannot
be restarted stops `local up` with an error; a replica in a crash loop is restarted with back-off,
then its deployment is marked failed and answers 503 naming it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest
from local_helpers import PROGRAM, Answer, Client, echo_cluster, echo_deployment, read_endpoint, wait_until

from ml_inference_lb.local import serve

pytestmark = pytest.mark.integration


def test_traefik_killed_under_load_is_restarted_and_reported() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, instance_count=2), name="router")
    events: list[str] = []
    with serve(spec, on_event=events.append) as local:
        client = Client(local.scoring_uri, local.key)
        results: list[tuple[float, Answer | Exception]] = []
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                try:
                    answer: Answer | Exception = client.score(timeout=5)
                except Exception as error:  # refused while the router is down
                    answer = error
                results.append((time.monotonic(), answer))

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        try:  # a failed wait must still stop the clients, or pytest never exits
            time.sleep(1.0)
            old = local.traefik_pid
            assert old is not None
            killed_at = time.monotonic()
            os.kill(old, signal.SIGKILL)
            wait_until(
                lambda: local.router_state == "restarting" or local.traefik_pid != old, 5, "the supervisor to notice"
            )
            wait_until(lambda: local.router_state == "up" and local.traefik_pid != old, 30, "traefik to be restarted")
            back_at = time.monotonic()
            time.sleep(1.5)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)

    assert any("traefik exited (signal SIGKILL); restarting it" in e for e in events), events
    assert any(e == "traefik restarted" for e in events), events
    assert not psutil.pid_exists(old) or psutil.Process(old).status() != psutil.STATUS_ZOMBIE
    after = [a for at, a in results if at > back_at + 0.5]
    assert len(after) > 20 and all(isinstance(a, Answer) and a.status == 200 for a in after)
    failed = [at for at, a in results if isinstance(a, Exception) or a.status != 200]
    assert all(killed_at - 0.5 <= at <= back_at for at in failed), "requests failed outside the router's restart"


def test_a_router_that_cannot_restart_stops_local_up_with_an_error() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ml_inference_lb.cli", "local", "up", PROGRAM, "--config", "replicas=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        scoring_uri, _key = read_endpoint(process)
        port = int(scoring_uri.split(":")[2].split("/")[0])
        traefik = next(p for p in psutil.Process(process.pid).children() if "traefik" in p.name())
        squatter = socket.socket()
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        traefik.kill()
        traefik.wait(timeout=5)
        deadline = time.monotonic() + 5
        while True:  # take the public port before the restart can (the first restart comes at once)
            try:
                squatter.bind(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("the router came back on its port before the test could take it")
                time.sleep(0.005)
        squatter.listen()
        code = process.wait(timeout=90)
        stderr = process.stderr.read() if process.stderr else ""
        squatter.close()
        assert code == 1, stderr
        assert "error:" in stderr and "traefik could not be restarted" in stderr, stderr
        assert "address already in use" in stderr.lower() or "bind" in stderr.lower(), stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_a_crash_loop_backs_off_then_fails_the_deployment_with_503(tmp_path: object) -> None:
    marker = os.path.join(str(tmp_path), "broken-model")
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, env={"FAIL_INIT_FILE": marker}), name="crashloop")
    events: list[str] = []
    with serve(spec, on_event=events.append) as local:
        client = Client(local.scoring_uri, local.key)
        assert client.score().status == 200
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write("every start from now on fails in init()")
        started = time.monotonic()
        local.kill_replica("blue", 0)
        wait_until(lambda: local.status()["blue"].failed is not None, 60, "the deployment to be marked failed")
        took = time.monotonic() - started
        restarts = [e for e in events if e.startswith("blue: replica 0 exited")]
        delays = [float(m.group(1)) for e in restarts if (m := re.search(r"restarting it in ([0-9.]+) s", e))]
        status = local.status()["blue"]
        answer = client.score()
        pinned = client.score(headers={"azureml-model-deployment": local.spec.deployment_names["blue"]})

    assert 3 <= len(restarts) <= 5, restarts  # the budget, not 28 restarts in 30 s
    assert delays == sorted(delays) and delays[-1] >= 1.0, delays  # exponential back-off
    assert took >= sum(delays)
    assert "FAILED" in str(status) and "crashed" in str(status), status
    for response in (answer, pinned):
        assert response.status == 503, response
        assert "blue" in response.body["message"] and "crashed" in response.body["message"], response.body
