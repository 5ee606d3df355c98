"""Which clusters (and multi-region services) a program defined: the offline engine reads this to
serve them locally.

Every ``InferenceCluster`` records its validated spec here when it is constructed, and every
``GlobalInferenceService`` its global spec. The plan and local targets read the specs, never the args.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_specs: ContextVar[list[Any] | None] = ContextVar("ml_inference_lb_specs", default=None)
_services: ContextVar[list[Any] | None] = ContextVar("ml_inference_lb_services", default=None)
_waivers: ContextVar[list[Any] | None] = ContextVar("ml_inference_lb_waivers", default=None)


def start() -> tuple[list[Any], list[Any]]:
    """Begin collecting in this context; returns the lists of cluster specs and of global service
    specs, which fill as the program builds its components."""
    clusters: list[Any] = []
    services: list[Any] = []
    _specs.set(clusters)
    _services.set(services)
    return clusters, services


def record(spec: Any) -> None:
    collected = _specs.get()
    if collected is not None:
        collected.append(spec)


def record_service(spec: Any) -> None:
    collected = _services.get()
    if collected is not None:
        collected.append(spec)


def start_waivers() -> list[Any]:
    """Begin collecting deployability waivers (``ml_inference_lb.deployability.waive``) in this context."""
    waivers: list[Any] = []
    _waivers.set(waivers)
    return waivers


def record_waiver(waiver: Any) -> bool:
    """Record a waiver; False when no plan is collecting (a real ``pulumi up``), where waivers mean nothing."""
    collected = _waivers.get()
    if collected is None:
        return False
    collected.append(waiver)
    return True
