"""Which clusters a program defined: the offline engine reads this to serve them locally.

Every ``InferenceCluster`` records its validated spec here when it is constructed. The plan and
local targets read the specs, never the args.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_specs: ContextVar[list[Any] | None] = ContextVar("ml_inference_lb_specs", default=None)


def start() -> list[Any]:
    """Begin collecting specs in this context; returns the list that fills as clusters are built."""
    collected: list[Any] = []
    _specs.set(collected)
    return collected


def record(spec: Any) -> None:
    collected = _specs.get()
    if collected is not None:
        collected.append(spec)
