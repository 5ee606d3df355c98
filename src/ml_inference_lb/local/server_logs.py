"""Starting a backing server and showing its output without its secrets."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from .errors import LocalTargetError
from .processes import ManagedProcess

REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def redacted_tail(path: str, secrets: Iterable[str], lines: int = 20) -> str:
    """The last ``lines`` lines of the file at ``path``, indented, every secret blanked."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            tail = handle.read().splitlines()[-lines:]
    except OSError:
        return "    (no output)"
    return redact("\n".join(f"    | {line}" for line in tail), list(secrets))


def wait_until_serving(
    process: ManagedProcess,
    serving: Callable[[], bool],
    *,
    name: str,
    log_path: str,
    secrets: Iterable[str],
    timeout_s: float,
    not_serving: str,
    poll_s: float,
) -> None:
    """Wait until ``serving()`` holds for a started server; if it exits first, raise with its redacted log
    tail; if ``timeout_s`` passes, stop it and raise ``"<name> <not_serving> within ..."``."""
    deadline = time.monotonic() + timeout_s
    while not serving():
        if not process.running():
            raise LocalTargetError(
                f"{name} exited ({process.exit_description()}) while starting; from {log_path}:\n"
                + redacted_tail(log_path, secrets)
            )
        if time.monotonic() > deadline:
            process.stop()
            raise LocalTargetError(f"{name} {not_serving} within {timeout_s:.0f} s; see {log_path}")
        time.sleep(poll_s)
