"""Child processes the local target starts: each in its own process group, logged to a file, killed whole.

Every process (a replica's gunicorn master and workers, Traefik) is started with ``start_new_session`` so
that stopping it signals the whole group: SIGTERM first, SIGKILL after a grace period. Nothing the local
target starts outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence


class ManagedProcess:
    """One child process group with its combined stdout/stderr in ``log_path``."""

    def __init__(self, argv: Sequence[str], *, env: Mapping[str, str], log_path: str, cwd: str | None = None):
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def exit_code(self) -> int | None:
        return None if self._popen is None else self._popen.poll()

    def stop(self, grace_s: float = 3.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after ``grace_s``; reap the leader."""
        popen = self._popen
        if popen is None:
            return
        pgid = popen.pid  # start_new_session: the leader's pid is the group id
        _signal_group(pgid, signal.SIGTERM)
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
