"""Nothing outlives `local up`: a closed terminal (SIGHUP) and a SIGKILL end every child; the work
directory with the key goes; the logs of a failed run stay, and a kept work directory holds no secret."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import psutil
import pytest
from local_helpers import PROGRAM, alive, echo_cluster, echo_deployment, read_endpoint, wait_until

from ml_inference_lb.local import serve

pytestmark = pytest.mark.integration


def _local_up(*extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ml_inference_lb.cli", "local", "up", PROGRAM, "--config", "replicas=1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children_and_workdir(process: subprocess.Popen[str]) -> tuple[set[int], str]:
    children = psutil.Process(process.pid).children(recursive=True)
    traefik = next(p for p in children if "traefik" in p.name())
    config = next(arg for arg in traefik.cmdline() if arg.startswith("--configFile="))
    return {p.pid for p in children}, os.path.dirname(config.split("=", 1)[1])


def _kill_leftovers(pids: set[int]) -> None:
    for pid in alive(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def test_a_closed_terminal_stops_every_child_and_removes_the_key() -> None:
    process = _local_up()
    children: set[int] = set()
    try:
        read_endpoint(process)
        children, workdir = _children_and_workdir(process)
        assert len(children) >= 3 and os.path.isdir(workdir)
        process.send_signal(signal.SIGHUP)
        assert process.wait(timeout=30) == 0
        assert alive(children) == set()
        assert not os.path.exists(workdir)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        _kill_leftovers(children)


def test_children_die_with_local_up_even_when_it_is_killed() -> None:
    process = _local_up()
    children: set[int] = set()
    try:
        read_endpoint(process)
        children, _ = _children_and_workdir(process)
        process.kill()  # SIGKILL: nothing in `local up` runs; the kernel must take the children down
        process.wait(timeout=10)
        wait_until(lambda: not alive(children), 15, "every child of the killed `local up` to exit")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        _kill_leftovers(children)


def test_a_failed_start_keeps_its_logs_where_the_error_says() -> None:
    process = _local_up("--config", "failInit=the weights are missing")
    _stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "the weights are missing" in stderr
    logs = [word.rstrip(":.,") for word in stderr.split() if word.endswith(".log:") or word.endswith(".log")]
    assert logs, stderr
    for path in logs:
        assert os.path.isfile(path), f"{path} named in the error is gone"
        with open(path, encoding="utf-8", errors="replace") as handle:
            assert "the weights are missing" in handle.read()


def test_an_interrupted_run_keeps_its_logs_and_says_where() -> None:
    """Issue 15: after Ctrl-C the logs were gone with the work directory."""
    process = _local_up()
    logdir = ""
    try:
        read_endpoint(process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        kept = [line.split("logs kept in ", 1)[1].strip() for line in stdout.splitlines() if "logs kept in " in line]
        assert kept, stdout + stderr
        logdir = kept[0]
        assert os.path.isfile(os.path.join(logdir, "traefik.log")), os.listdir(logdir)
        replica_logs = [name for name in os.listdir(logdir) if name != "traefik.log" and name.endswith(".log")]
        assert replica_logs, os.listdir(logdir)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if logdir:
            shutil.rmtree(logdir, ignore_errors=True)


def test_a_kept_work_directory_holds_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_INFERENCE_LB_KEEP_WORKDIR", "1")
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="keep")
    with serve(spec) as local:
        key, secrets = local.key, list(local.internal_headers().values())
        workdir, logdir = local.workdir, local.logdir
    try:
        files = [os.path.join(folder, name) for folder, _, names in os.walk(workdir) for name in names]
        assert any(name.endswith("routing.yml") for name in files), files
        for path in files:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            assert key not in text and not any(secret in text for secret in secrets), path
        assert os.path.isfile(os.path.join(logdir, "traefik.log"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(logdir, ignore_errors=True)
