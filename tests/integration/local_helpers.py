"""Helpers for the local-target integration tests: small clusters of the echo fixture, and HTTP load.

Imported by the test modules of this folder (pytest puts the folder on sys.path)."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ml_inference_lb import InferenceCluster
from ml_inference_lb.plan import run
from ml_inference_lb.spec.model import ClusterSpec

ECHO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "echo")
PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "program")
"""A Pulumi program with one cluster of the echo fixture, for the `local up` command's tests."""
FAST_PROBES = {
    "readiness": {"initial_delay_seconds": 0, "period_seconds": 1, "timeout_seconds": 1, "failure_threshold": 3},
    "liveness": {"initial_delay_seconds": 1, "period_seconds": 1, "timeout_seconds": 1, "failure_threshold": 30},
}


def echo_deployment(name: str, **overrides: Any) -> dict[str, Any]:
    env = {"WORKER_COUNT": "2", **overrides.pop("env", {})}
    deployment: dict[str, Any] = {
        "name": name,
        "model": {"path": os.path.join(ECHO, "model"), "name": "echo"},
        "code": {"path": os.path.join(ECHO, "src"), "scoring_script": "score.py"},
        "environment": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", "name": "echo-env"},
        "environment_variables": env,
        "instance_count": 1,
    }
    deployment.update(overrides)
    return deployment


def echo_cluster(*deployments: Mapping[str, Any], name: str = "itest", **overrides: Any) -> ClusterSpec:
    """The validated spec of a test cluster, built through the public args like a user program."""
    args: dict[str, Any] = {
        "resource_group_name": "rg-local-tests",
        "endpoint": {"auth_mode": "key"},
        "probes": FAST_PROBES,
        "request_settings": {"request_timeout_ms": 5000, "max_concurrent_requests_per_instance": 50},
        "deployments": list(deployments),
    }
    args.update(overrides)
    result = run(lambda: InferenceCluster(name, args))
    spec: ClusterSpec = result.specs[0]
    return spec


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    seconds: float


class Client:
    """A minimal HTTP client for the local endpoint (one connection per call, loopback only)."""

    def __init__(self, scoring_uri: str, key: str):
        url = urlparse(scoring_uri)
        assert url.hostname == "127.0.0.1"
        self.port = int(url.port or 80)
        self.key = key

    def score(
        self,
        payload: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
        path: str = "/score",
        timeout: float = 10.0,
    ) -> Answer:
        body = json.dumps(payload or {"data": [1]}).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        token = self.key if key is None else key
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        start = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"text": raw.decode("utf-8", "replace")}
        if not isinstance(parsed, dict):
            parsed = {"value": parsed}
        return Answer(response.status, parsed, time.perf_counter() - start)


def run_load(
    call: Callable[[], Answer],
    *,
    threads: int,
    seconds: float,
    max_requests: int = 5000,
    during: Callable[[], None] | None = None,
    during_at: float = 0.0,
) -> list[Answer | Exception]:
    """Call ``call`` from ``threads`` threads for ``seconds`` (bounded by ``max_requests``)."""
    results: list[Answer | Exception] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(results) >= max_requests:
                    return
            try:
                answer: Answer | Exception = call()
            except Exception as error:  # a connection error is a failed request for the test
                answer = error
            with lock:
                results.append(answer)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    if during is not None:
        time.sleep(during_at)
        during()
    for t in pool:
        t.join(timeout=seconds + 30)
    return results


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def process_tree(pid: int) -> list[Any]:
    """``pid`` and every live descendant, as psutil processes."""
    import psutil

    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def alive(pids: set[int]) -> set[int]:
    """The pids of ``pids`` that still run (zombies count as gone: their parent reaps them)."""
    import psutil

    running = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
        except psutil.NoSuchProcess:
            continue
    return running


def read_endpoint(process: Any, timeout: float = 60.0) -> tuple[str, str]:
    """The ``scoring_uri:`` and ``key:`` lines a running ``local up`` prints (its stdout is a pipe)."""
    import select

    values: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while "key" not in values:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if not ready:
            if time.monotonic() > deadline:
                raise AssertionError("no scoring_uri/key from `local up` in time")
            continue
        line = process.stdout.readline()
        assert line, f"`local up` ended early: {process.stderr.read() if process.stderr else ''}"
        name, sep, value = line.strip().partition(": ")
        if sep and name in ("scoring_uri", "key"):
            values[name] = value
    return values["scoring_uri"], values["key"]
