"""Shared parts of the local-target benchmarks: a load generator, CPU accounting, extra Traefik
instances started against the same replicas, and the machine's load during a run.

Not part of the test suite; needs the ``local`` and ``bench`` extras.
"""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from ml_inference_lb.local.probes import free_port
from ml_inference_lb.local.traefik import find_traefik, traefik_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICKSTART = os.path.join(ROOT, "examples", "quickstart")
RESULTS = os.path.join(ROOT, "benchmarks", "results")

Pick = Callable[[], tuple[int, dict[str, str]]]
"""Where one worker sends its next request: (port, headers)."""


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and their children."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every process of this machine has used (all cores), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [float(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    requests: int
    seconds: float
    latencies: list[float]
    errors: Counter[str]
    versions: Counter[str]
    lb_cpu: float
    replicas_cpu: float
    client_cpu: float
    machine_cpu: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")

    def per_request_ms(self, cpu: float) -> float:
        return 1000 * cpu / self.requests if self.requests else float("nan")

    @property
    def other_load_cores(self) -> float:
        """Cores used by everything but the benchmark (client, load balancer, replicas) meanwhile."""
        return max(0.0, self.machine_cpu - self.lb_cpu - self.replicas_cpu - self.client_cpu) / self.seconds


def run_load(
    pick: Callable[[], Pick],
    body: bytes,
    concurrency: int,
    seconds: float,
    lb: list[int],
    replicas: list[int],
    version_of: Callable[[bytes], str] | None = None,
) -> Sample:
    """``concurrency`` threads, each with one HTTP/1.1 connection per target, for ``seconds``."""
    import psutil

    me = psutil.Process()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(target: Pick) -> None:
        connections: dict[int, http.client.HTTPConnection] = {}
        mine: list[float] = []
        my_errors: Counter[str] = Counter()
        my_versions: Counter[str] = Counter()
        while time.perf_counter() < deadline:
            port, headers = target()
            conn = connections.get(port) or connections.setdefault(
                port, http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            )
            start = time.perf_counter()
            try:
                conn.request("POST", "/score", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                my_errors[type(error).__name__] += 1
                continue
            if response.status != 200:
                my_errors[str(response.status)] += 1
                continue
            mine.append(time.perf_counter() - start)
            if version_of is not None:
                my_versions[version_of(payload)] += 1
        for conn in connections.values():
            conn.close()
        with lock:
            latencies.extend(mine)
            errors.update(my_errors)
            versions.update(my_versions)

    lb0, rep0, me0, machine0 = cpu_seconds(lb), cpu_seconds(replicas), _own_cpu(me), machine_busy_seconds()
    threads = [threading.Thread(target=worker, args=(pick(),)) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    return Sample(
        requests=len(latencies),
        seconds=elapsed,
        latencies=latencies,
        errors=errors,
        versions=versions,
        lb_cpu=cpu_seconds(lb) - lb0,
        replicas_cpu=cpu_seconds(replicas) - rep0,
        client_cpu=_own_cpu(me) - me0,
        machine_cpu=machine_busy_seconds() - machine0,
    )


def _own_cpu(proc: Any) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


@dataclass
class ExtraTraefik:
    """A Traefik started beside the served cluster, with a configuration of the benchmark's own."""

    port: int
    process: subprocess.Popen[bytes]
    workdir: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def extra_traefik(
    static: dict[str, Any], dynamic: dict[str, Any], port: int, env: dict[str, str] | None = None
) -> Iterator[ExtraTraefik]:
    """Run Traefik with these two configurations (the static one gets a file provider of its own)
    and the Go runtime settings of the local target's Traefik (or ``env``)."""
    workdir = tempfile.mkdtemp(prefix="ml-inference-lb-bench-")
    os.makedirs(os.path.join(workdir, "dynamic"))
    static = {**static, "providers": {"file": {"directory": os.path.join(workdir, "dynamic"), "watch": False}}}
    with open(os.path.join(workdir, "traefik.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(static, handle)
    with open(os.path.join(workdir, "dynamic", "routing.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(dynamic, handle)
    with open(os.path.join(workdir, "traefik.log"), "wb") as log:
        process = subprocess.Popen(
            [find_traefik(), f"--configFile={workdir}/traefik.yml"],
            env=env or traefik_env(workdir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port)
        time.sleep(0.5)
        yield ExtraTraefik(port, process, workdir)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def plain_proxy(replica_ports: list[int]) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The reference pass: Traefik with one router and no middleware, round robin over the replicas."""
    port = free_port()
    static = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {"web": {"address": f"127.0.0.1:{port}"}},
        "log": {"level": "ERROR"},
    }
    dynamic = {
        "http": {
            "routers": {"all": {"entryPoints": ["web"], "rule": "PathPrefix(`/`)", "service": "replicas"}},
            "services": {
                "replicas": {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{p}"} for p in replica_ports]}}
            },
        }
    }
    return static, dynamic, port


def _wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
