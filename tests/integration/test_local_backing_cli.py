"""`ml-inference-lb local up examples/feature-lookup`: real Redis and PostgreSQL behind the command, no
password in what it prints or logs, and no server left after a SIGKILL of the command (its parent-death
signal, set again by setpriv after the change of user when PostgreSQL runs as another account). A closed
terminal (SIGHUP) stops it like Ctrl-C, through the same ``LocalCluster.stop`` that
test_local_backing.py checks for leftovers; test_local_cleanup.py checks SIGHUP itself."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest
from local_helpers import Client, alive, wait_until

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "feature-lookup")
SERVERS = ("redis-server", "postgres")


def _local_up() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ml_inference_lb.cli", "local", "up", EXAMPLE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_until_key(process: subprocess.Popen[str], timeout: float = 120.0) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while not any(line.startswith("key: ") for line in lines):
        assert time.monotonic() < deadline, f"no key from `local up` in time: {lines}"
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, f"`local up` ended early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line.strip())
    return lines


def _value(lines: list[str], name: str) -> str:
    return next(line.split(": ", 1)[1] for line in lines if line.startswith(f"{name}: "))


def _tree(process: subprocess.Popen[str]) -> list[psutil.Process]:
    return psutil.Process(process.pid).children(recursive=True)


def _passwords(children: list[psutil.Process]) -> set[str]:
    for child in children:
        try:
            env = child.environ()
        except psutil.Error:
            continue
        if "PGPASSWORD" in env:
            return {env["PGPASSWORD"], env["REDIS_PASSWORD"]}
    raise AssertionError("no replica with PGPASSWORD")


def _workdir(children: list[psutil.Process]) -> str:
    traefik = next(p for p in children if "traefik" in p.name())
    config = next(arg for arg in traefik.cmdline() if arg.startswith("--configFile="))
    return os.path.dirname(config.split("=", 1)[1])


def _postgres_folder(children: list[psutil.Process]) -> str:
    postmaster = next(p for p in children if p.name() == "postgres" and "-D" in p.cmdline())
    argv = postmaster.cmdline()
    return os.path.dirname(argv[argv.index("-D") + 1])


def _cleanup(process: subprocess.Popen[str], pids: set[int], *folders: str) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    for pid in alive(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def test_local_up_serves_the_example_and_a_sigkill_takes_the_servers_along() -> None:
    process = _local_up()
    pids: set[int] = set()
    workdir = logdir = data = ""
    try:
        lines = _read_until_key(process)
        logdir = next(line.split("logs in ", 1)[1].split(" ")[0] for line in lines if "logs in " in line)
        answer = Client(_value(lines, "scoring_uri"), _value(lines, "key")).score({"entity_id": "c-0042"})
        assert answer.status == 200 and answer.body["features_from"] == "db", answer.body
        children = _tree(process)
        pids = {p.pid for p in children}
        servers = {p.pid for p in children if p.name() in SERVERS}
        assert {p.name() for p in children if p.pid in servers} == set(SERVERS)
        passwords = _passwords(children)
        workdir, data = _workdir(children), _postgres_folder(children)
        process.kill()  # SIGKILL: no handler runs; the parent-death signal must end the servers
        process.wait(timeout=10)
        wait_until(lambda: alive(servers) == set(), 15, "the servers to die with `local up`")
        printed = "\n".join(lines) + (process.stdout.read() if process.stdout else "")
        printed += process.stderr.read() if process.stderr else ""
        for password in passwords:
            assert password not in printed
            for name in os.listdir(logdir):
                with open(os.path.join(logdir, name), encoding="utf-8", errors="replace") as handle:
                    assert password not in handle.read(), name
    finally:
        _cleanup(process, pids, workdir, logdir, data)  # nothing removes them after a SIGKILL
