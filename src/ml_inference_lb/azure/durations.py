"""ISO-8601 durations as ARM wants them (``PT10S``)."""

from __future__ import annotations


def seconds(value: int) -> str:
    return f"PT{value}S"


def milliseconds(value: int) -> str:
    whole, rest = divmod(value, 1000)
    if rest == 0:
        return f"PT{whole}S"
    return f"PT{whole}.{rest:03d}".rstrip("0") + "S"


def minutes(value: int) -> str:
    return f"PT{value}M"
