"""Showing a backing server's output without its secrets."""

from __future__ import annotations

from collections.abc import Iterable

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
