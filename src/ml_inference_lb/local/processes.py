"""Child processes the local target starts: each in its own process group, logged to a file, killed
whole, and dying with the local target whatever ends it.

Every process (a replica's gunicorn master and workers, Traefik) is started with ``start_new_session``
so that stopping it signals the whole group: SIGTERM first, SIGKILL after a grace period.

If the local target itself dies without stopping them (SIGKILL, a crash), each child gets SIGKILL from
the kernel: it is started through ``_entry/launch.py``, which sets ``PR_SET_PDEATHSIG`` before running
the program. Linux sends that signal when the *thread* that forked the child exits, so every child is
forked by one long-lived thread (:func:`spawn`), not by whichever thread asked for it (a short-lived
thread would take its children with it). Where ``prctl`` does not exist (macOS), a child of a killed
local target keeps running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

ENTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_entry")
LAUNCH = os.path.join(ENTRY, "launch.py")

_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawner_thread() -> ThreadPoolExecutor:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ml-inference-lb-spawner")
        return _spawner


def launch_argv(argv: Sequence[str], death_signal: signal.Signals = signal.SIGKILL) -> list[str]:
    """``argv`` run through the launcher that ties the child's life to this process."""
    return [sys.executable, "-I", LAUNCH, str(os.getpid()), str(int(death_signal)), "--", *argv]


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: str,
    cwd: str | None = None,
    stdin_data: bytes | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session, from the one long-lived spawner thread (see the module doc).

    ``stdin_data`` is written to the child's stdin (then closed): a way to hand it a secret that
    neither the command line nor the environment shows."""

    def start() -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                launch_argv(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    popen = _spawner_thread().submit(start).result()
    if stdin_data is not None and popen.stdin is not None:
        with contextlib.suppress(BrokenPipeError):
            popen.stdin.write(stdin_data)
        popen.stdin.close()
    return popen


class ManagedProcess:
    """One child process group with its combined stdout/stderr in ``log_path``."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: str,
        cwd: str | None = None,
        stdin_data: bytes | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
    ):
        """``stop_signal`` asks the group to end (PostgreSQL: SIGINT, its "fast shutdown")."""
        self.argv = list(argv)
        self.stop_signal = stop_signal
        self.env = dict(env)
        self.log_path = log_path
        self.cwd = cwd
        self._stdin_data = stdin_data
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._popen = spawn(self.argv, env=self.env, log_path=self.log_path, cwd=self.cwd, stdin_data=self._stdin_data)

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def running(self) -> bool:
        """True while the group leader runs (this also reaps it once it has exited: no zombie)."""
        return self._popen is not None and self._popen.poll() is None

    def exit_code(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def exit_description(self) -> str:
        """How the leader ended: ``code 3`` or ``signal SIGKILL``."""
        code = self.exit_code()
        if code is None:
            return "still running"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"signal {signal.Signals(-code).name}"
            return f"signal {-code}"
        return f"code {code}"

    def stop(self, grace_s: float = 3.0) -> None:
        """Stop the whole process group: ``stop_signal`` (SIGTERM), then SIGKILL after ``grace_s``; reap the leader."""
        popen = self._popen
        if popen is None:
            return
        pgid = popen.pid  # start_new_session: the leader's pid is the group id
        _signal_group(pgid, self.stop_signal)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and (popen.poll() is None or _group_alive(pgid)):
            time.sleep(0.05)
        _signal_group(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=5)

    def kill(self) -> None:
        """SIGKILL the whole group at once, as a crash would (used to simulate failures)."""
        if self._popen is not None:
            _signal_group(self._popen.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> list[str]:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read().splitlines()[-lines:]
        except OSError:
            return []


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
