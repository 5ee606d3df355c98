"""Check 2: start one deployment for real, as the local target starts a replica (the Azure ML
inference server with the scoring script, the model, the deployment's environment variables and its backing
services' connection variables (``backing``, see ``check/backing.py``),
through ``_entry/replica.py`` and the launcher), and measure it.

Measured: seconds from process start until the server answers its health route (what the local
target's readiness probe calls), the resident memory of the gunicorn master and of each worker after
``init()`` (psutil), the distributions every worker has loaded (for the drift check), and the answers
to the sample requests.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..local._entry.replica import IMPORTS_REPORT_ENV
from ..local.probes import probe
from ..local.replicas import new_replica, replica_env
from ..local.supervisor import failure_excerpt
from ..local.traefik_config import INTERNAL_HEADER
from ..spec.model import DeploymentSpec
from .samples import SampleResult, send_sample

MIB = 1024 * 1024
POLL_S = 0.1


@dataclass(frozen=True)
class Imports:
    python: str
    distributions: dict[str, str]


@dataclass(frozen=True)
class Measured:
    cluster: str
    deployment: str
    workers: int
    ready_s: float | None = None
    failure: str | None = None
    """Why the deployment did not start (it exited, or was not ready in time); None when it did."""
    log_excerpt: tuple[str, ...] = ()
    log_path: str | None = None
    master_rss_mib: float | None = None
    worker_rss_mib: float | None = None
    """The largest worker's resident memory after ``init()``."""
    imports: Imports | None = None
    samples: tuple[SampleResult, ...] = field(default_factory=tuple)

    @property
    def subject(self) -> str:
        return f"{self.cluster}/{self.deployment}"

    def as_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "deployment": self.deployment,
            "workers": self.workers,
            "ready_seconds": None if self.ready_s is None else round(self.ready_s, 3),
            "failure": self.failure,
            "log": self.log_path,
            "master_rss_mib": _round(self.master_rss_mib),
            "worker_rss_mib": _round(self.worker_rss_mib),
            "python": self.imports.python if self.imports else None,
            "samples": [
                {
                    "file": s.file,
                    "status": s.status,
                    "json": s.json_body,
                    "error": s.error,
                    "seconds": round(s.seconds, 3),
                }
                for s in self.samples
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def worker_count(spec: DeploymentSpec) -> int:
    """``WORKER_COUNT`` as the replica gets it (the deployment's variable, else the local target's 1)."""
    try:
        return max(1, int(replica_env(spec, 0, shell={}).get("WORKER_COUNT", "1")))
    except ValueError:
        return 1


def start_and_measure(
    cluster: str,
    spec: DeploymentSpec,
    samples: Sequence[str],
    *,
    timeout_s: float,
    request_timeout_s: float,
    backing: Mapping[str, str] | None = None,
) -> Measured:
    """Start ``spec``'s replica 0, wait until ready (or exit, or ``timeout_s``), measure, score, stop.
    ``backing`` is its backing services' connection variables, as `local up` hands them to a replica."""
    workers = worker_count(spec)
    workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-check-{spec.name}-")
    secret = secrets.token_urlsafe(32)
    report_prefix = os.path.join(workdir, "imports")
    started = time.monotonic()
    replica = new_replica(spec, 0, workdir, secret, backing=backing, extra_env={IMPORTS_REPORT_ENV: report_prefix})
    headers = {INTERNAL_HEADER: secret}
    keep = False
    try:
        ready_s, failure = _wait_ready(replica.process, replica.port, headers, started, timeout_s)
        if failure is not None:
            keep = True
            excerpt = tuple(failure_excerpt(replica.process.log_tail(400)))
            return Measured(
                cluster, spec.name, workers, failure=failure, log_excerpt=excerpt, log_path=replica.process.log_path
            )
        imports = _wait_imports(report_prefix, workers)
        master, worker = _memory(replica.process.pid)
        results = tuple(send_sample(replica.port, path, headers, request_timeout_s) for path in samples)
        keep = not all(r.ok for r in results)
        return Measured(
            cluster,
            spec.name,
            workers,
            ready_s=ready_s,
            master_rss_mib=master,
            worker_rss_mib=worker,
            imports=imports,
            samples=results,
            log_path=replica.process.log_path if keep else None,
        )
    finally:
        replica.process.stop(grace_s=2.0)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(
    process: Any, port: int, headers: dict[str, str], started: float, timeout_s: float
) -> tuple[float | None, str | None]:
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        if not process.running():
            return None, f"the inference server exited ({process.exit_description()}) before it was ready"
        if probe(port, "/", 1.0, headers):
            return time.monotonic() - started, None
        time.sleep(POLL_S)
    return None, f"not ready within {timeout_s:g} s (raise --startup-timeout if the model is that slow)"


def _wait_imports(prefix: str, workers: int, timeout_s: float = 15.0) -> Imports | None:
    """Every worker's report (each writes it once its ``init()`` has run), merged."""
    deadline = time.monotonic() + timeout_s
    files: list[str] = []
    while time.monotonic() < deadline:
        files = glob.glob(f"{prefix}.*.json")
        if len(files) >= workers:
            break
        time.sleep(POLL_S)
    merged: dict[str, str] = {}
    python = ""
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            continue
        python = report.get("python", python)
        merged.update(report.get("distributions", {}))
    return Imports(python, merged) if files else None


def _memory(pid: int | None) -> tuple[float | None, float | None]:
    """Resident memory (MiB) of the server's master process and of its largest worker."""
    try:
        import psutil
    except ImportError:  # the local extra brings it
        return None, None
    if pid is None:
        return None, None
    try:
        master = psutil.Process(pid)
        children = master.children(recursive=True)
        master_rss = master.memory_info().rss / MIB
        worker_rss = max((c.memory_info().rss for c in children), default=0) / MIB
    except psutil.Error:
        return None, None
    return master_rss, (worker_rss or None)
