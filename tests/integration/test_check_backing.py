"""`ml-inference-lb check examples/feature-lookup`: the cluster declares Redis and PostgreSQL, so check
starts them as `local up` does (seeds included), starts and scores the deployment against them, and
stops them afterwards, also when interrupted: no server process and no PostgreSQL folder is left."""

from __future__ import annotations

import glob
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import psutil
import pytest
from conftest import EXAMPLES
from local_helpers import alive, wait_until

from ml_inference_lb.check import CheckLine, run_check

pytestmark = pytest.mark.integration

EXAMPLE = os.path.join(EXAMPLES, "feature-lookup")
SERVERS = ("redis-server", "postgres")
CHECK_FOLDERS = os.path.join(tempfile.gettempdir(), "ml-inference-lb-check-features-*")


def _check_folders() -> set[str]:
    """check's work and log folders for this example (PostgreSQL's own is found from its process)."""
    return set(glob.glob(CHECK_FOLDERS))


def _servers(root: psutil.Process) -> list[psutil.Process]:
    """The Redis and PostgreSQL processes under ``root`` (one that ends while listed is left out)."""
    found = []
    for p in root.children(recursive=True):
        try:
            if p.name() in SERVERS:
                found.append(p)
        except psutil.Error:
            continue
    return found


def _postmaster(servers: list[psutil.Process]) -> psutil.Process | None:
    """The running PostgreSQL server (not initdb's bootstrap backend)."""
    for p in servers:
        try:
            if p.name() == "postgres" and "-D" in p.cmdline() and "-p" in p.cmdline():
                return p
        except psutil.Error:
            continue
    return None


def _postgres_folder(servers: list[psutil.Process]) -> str:
    postmaster = _postmaster(servers)
    assert postmaster is not None, servers
    argv = postmaster.cmdline()
    return os.path.dirname(argv[argv.index("-D") + 1])


def test_check_starts_the_backing_servers_scores_the_deployment_and_stops_them() -> None:
    seen: dict[str, Any] = {}

    def on_line(line: CheckLine) -> None:
        if line.check == "start" and not seen:  # the servers run while the deployment is measured
            servers = _servers(psutil.Process())
            seen["pids"] = {p.pid for p in servers}
            seen["names"] = {p.name() for p in servers}
            seen["folder"] = _postgres_folder(servers) if _postmaster(servers) else ""

    before = _check_folders()
    report = run_check(EXAMPLE, on_line=on_line)
    text = "\n".join(f"{line.status} {line.check} {line.subject} {line.message}" for line in report.lines)
    try:
        starts = [line for line in report.lines if line.check == "start"]
        assert [line.status for line in starts] == ["ok"], text
        samples = [line for line in report.lines if line.check == "sample"]
        assert [line.status for line in samples] == ["ok"], text
        # run() answers 503 without PostgreSQL and 404 without the seeded row: a 2xx needs both
        assert 200 <= samples[0].data["status"] < 300 and samples[0].data["json"] is True, samples[0].data
        assert seen["names"] == set(SERVERS), seen
        assert alive(seen["pids"]) == set(), "a backing server outlived `check`"
        assert not os.path.exists(seen["folder"]), "PostgreSQL's folder outlived `check`"
        assert _check_folders() <= before, "check's work or log folder outlived it"
    finally:
        for pid in alive(seen.get("pids", set())):
            os.kill(pid, signal.SIGKILL)
        if seen.get("folder"):
            shutil.rmtree(seen["folder"], ignore_errors=True)


def test_ctrl_c_during_check_stops_the_backing_servers() -> None:
    before = _check_folders()
    process = subprocess.Popen(
        [sys.executable, "-m", "ml_inference_lb.cli", "check", EXAMPLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    pids: set[int] = set()
    folder = ""
    try:
        deadline = time.monotonic() + 120
        servers: list[psutil.Process] = []
        while not (_postmaster(servers) and any(p.name() == "redis-server" for p in servers)):  # both up
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "check started no backing server in time"
            select.select([], [], [], 0.2)
            servers = _servers(psutil.Process(process.pid))
        pids = {p.pid for p in servers}
        folder = _postgres_folder(servers)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        wait_until(lambda: alive(pids) == set(), 15, "the backing servers to stop after Ctrl-C")
        assert not os.path.exists(folder), "PostgreSQL's folder outlived an interrupted `check`"
        assert _check_folders() <= before, "check's work or log folder outlived an interrupted `check`"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pid in alive(pids):
            os.kill(pid, signal.SIGKILL)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def test_a_failing_seed_fails_the_cluster_stops_the_servers_and_keeps_the_seed_log(tmp_path: Any) -> None:
    program = shutil.copytree(EXAMPLE, tmp_path / "feature-lookup")
    (program / "seed.sql").write_text("CREATE TABLE broken (;\n", encoding="utf-8")
    seen: dict[str, set[int]] = {"pids": set()}
    stop = threading.Event()

    def watch() -> None:  # the servers' pids while they run (the seed fails within seconds)
        while not stop.is_set():
            seen["pids"] |= {p.pid for p in _servers(psutil.Process())}
            time.sleep(0.05)

    before = _check_folders()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        report = run_check(str(program))
    finally:
        stop.set()
        watcher.join()
    kept = _check_folders() - before
    try:
        (start,) = [line for line in report.lines if line.check == "start"]
        assert (start.status, start.subject) == ("fail", "features"), start
        assert not report.deployments
        text = "\n".join(start.details)
        assert "seed" in text and "logs kept in" in text, text
        assert seen["pids"] and alive(seen["pids"]) == set(), "a backing server outlived the failed check"
        (logdir,) = kept  # only the logs, which say why; no work folder
        with open(os.path.join(logdir, "seed.log"), encoding="utf-8") as handle:
            assert "syntax error" in handle.read()
    finally:
        for pid in alive(seen["pids"]):
            os.kill(pid, signal.SIGKILL)
        for folder in kept:
            shutil.rmtree(folder, ignore_errors=True)
