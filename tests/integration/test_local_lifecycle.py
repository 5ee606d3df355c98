"""Start and stop: `local up` prints the two lines scripts parse, serves, and leaves no process behind."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys

import psutil
import pytest
from local_helpers import PROGRAM, Client, echo_cluster, echo_deployment, read_endpoint

from ml_inference_lb.local import serve

pytestmark = pytest.mark.integration


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _descendants(pid: int) -> set[int]:
    return {p.pid for p in psutil.Process(pid).children(recursive=True)}


def test_serve_leaves_no_process_behind() -> None:
    spec = echo_cluster(
        echo_deployment("blue", traffic_percent=80, instance_count=2),
        echo_deployment("green", traffic_percent=20),
        name="life",
    )
    before = _descendants(os.getpid())
    with serve(spec) as local:
        started = _descendants(os.getpid()) - before
        assert Client(local.scoring_uri, local.key).score().status == 200
        # traefik plus, per replica, the gunicorn master and its WORKER_COUNT=2 workers
        assert len(started) >= 1 + 3 * 3
        workdir = local.workdir
    assert _alive(started) == set()
    assert not os.path.exists(workdir)


def test_local_up_prints_uri_and_key_serves_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ml_inference_lb.cli", "local", "up", PROGRAM, "--config", "replicas=2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        scoring_uri, key = read_endpoint(process)
        assert scoring_uri.startswith("http://127.0.0.1:") and scoring_uri.endswith("/score")
        children = _descendants(process.pid)
        assert len(children) >= 3  # traefik and two replicas at least
        answer = Client(scoring_uri, key).score({"data": [1]})
        assert answer.status == 200 and answer.body["label"] == "echo-model"
        # Then each deployment with the Azure name its header takes (blue-3f2a9c), which pins it here too.
        assert select.select([process.stdout], [], [], 30)[0], "no deployment line from `local up`"
        shown = process.stdout.readline().strip()
        match = re.fullmatch(r"deployment: (\S+) \(azureml-model-deployment: (\S+)\)", shown)
        assert match and re.fullmatch(rf"{match[1]}-[0-9a-f]{{6}}", match[2]), shown
        pinned = Client(scoring_uri, key).score({"data": [1]}, headers={"azureml-model-deployment": match[2]})
        assert pinned.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert _alive(children) == set()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
