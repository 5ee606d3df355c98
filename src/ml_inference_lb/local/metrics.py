"""Measured load per deployment: Traefik's Prometheus counters and the replicas' CPU and memory.

Every deployment is one Traefik service (``deployment-<name>``), so its request count and
request-duration histogram come straight from Traefik's service metrics (one per attempt: a request
replayed on another replica counts twice; one rejected with 429 before reaching a replica does not).
CPU and memory come from psutil over each replica's process tree. :class:`MetricsReader` keeps a short history of samples so
that autoscale rules can ask for a metric over their time window.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .traefik_config import ServingPlan

SAMPLE_INTERVAL_S = 0.5
HISTORY_S = 3600.0
_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass
class LoadSample:
    """Cumulative counters and point-in-time gauges of one deployment at one moment."""

    at: float
    requests: float = 0.0
    busy_seconds: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)
    """Request-duration histogram: upper bound (s) -> cumulative count."""
    cpu_percent: float | None = None
    memory_percent: float | None = None


def parse_service_metrics(text: str, services: dict[str, str]) -> dict[str, LoadSample]:
    """Sum Traefik's ``traefik_service_*`` series per deployment (``services``: service@file -> name)."""
    out = {name: LoadSample(at=0.0) for name in services.values()}
    for line in text.splitlines():
        if not line.startswith("traefik_service_"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group("labels") or ""))
        name = services.get(labels.get("service", ""))
        if name is None:
            continue
        value = float(m.group("value"))
        sample = out[name]
        metric = m.group("name")
        if metric == "traefik_service_requests_total":
            sample.requests += value
        elif metric == "traefik_service_request_duration_seconds_sum":
            sample.busy_seconds += value
        elif metric == "traefik_service_request_duration_seconds_bucket":
            le = math.inf if labels.get("le") == "+Inf" else float(labels.get("le", "inf"))
            sample.buckets[le] = sample.buckets.get(le, 0.0) + value
    return out


def quantile_from_buckets(old: dict[float, float], new: dict[float, float], q: float) -> float | None:
    """The q-quantile (seconds) of requests completed between two histogram snapshots."""
    bounds = sorted(new)
    counts = [new[b] - old.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    target = q * counts[-1]
    previous_bound, previous_count = 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=False):
        if count >= target:
            if math.isinf(bound):
                return previous_bound
            span = count - previous_count
            fraction = (target - previous_count) / span if span > 0 else 1.0
            return previous_bound + (bound - previous_bound) * fraction
        previous_bound, previous_count = bound, count
    return previous_bound


def process_tree_usage(pids: list[int]) -> tuple[float | None, float | None]:
    """Mean CPU % (of the whole machine) and memory % per replica, over each replica's process tree."""
    import psutil

    cpu: list[float] = []
    mem: list[float] = []
    ncpu = psutil.cpu_count() or 1
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            cpu.append(sum(_cpu(p) for p in procs) / ncpu)
            mem.append(sum(_mem(p) for p in procs))
        except psutil.Error:
            continue
    if not cpu:
        return None, None
    return sum(cpu) / len(cpu), sum(mem) / len(mem)


_CPU_CACHE: dict[int, object] = {}


def _cpu(proc: object) -> float:
    import psutil

    assert isinstance(proc, psutil.Process)
    cached = _CPU_CACHE.setdefault(proc.pid, proc)  # cpu_percent compares with this object's last call
    try:
        return float(cached.cpu_percent(None))  # type: ignore[attr-defined]
    except psutil.Error:
        _CPU_CACHE.pop(proc.pid, None)
        return 0.0


def _mem(proc: object) -> float:
    import psutil

    assert isinstance(proc, psutil.Process)
    try:
        return float(proc.memory_percent())
    except psutil.Error:
        return 0.0


class MetricsReader:
    """Samples every deployment's load at most every ``SAMPLE_INTERVAL_S`` and keeps an hour of history."""

    def __init__(self, fetch: Callable[[], str], plan: ServingPlan):
        self._fetch = fetch
        self._services = {f"{d.service}@file": d.name for d in plan.deployments}
        self._history: dict[str, deque[LoadSample]] = {d.name: deque() for d in plan.deployments}
        self._last_at = -math.inf

    def sample(self, now: float, pids: dict[str, list[int]]) -> dict[str, LoadSample]:
        if now - self._last_at >= SAMPLE_INTERVAL_S:
            self._last_at = now
            try:
                parsed = parse_service_metrics(self._fetch(), self._services)
            except OSError:
                parsed = {}
            for name, sample in parsed.items():
                sample.at = now
                sample.cpu_percent, sample.memory_percent = process_tree_usage(pids.get(name, []))
                history = self._history[name]
                history.append(sample)
                while history and now - history[0].at > HISTORY_S:
                    history.popleft()
        return self.latest()

    def deployments(self) -> list[str]:
        return list(self._history)

    def latest(self) -> dict[str, LoadSample]:
        return {name: h[-1] for name, h in self._history.items() if h}

    def window(self, deployment: str, now: float, window_s: float) -> list[LoadSample]:
        """The samples of the last ``window_s`` seconds, oldest first; empty until the window is covered."""
        history = self._history.get(deployment)
        if not history or now - history[0].at < window_s * 0.9:
            return []
        return [s for s in history if now - s.at <= window_s + SAMPLE_INTERVAL_S]
