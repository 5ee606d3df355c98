"""Local autoscale: the spec's Azure Monitor rules, evaluated on measured load, with cool-downs.

Azure's semantics are kept: a scale-out happens when *any* Increase rule holds over its window, a
scale-in only when *every* Decrease rule holds (and no Increase rule does); each action moves by the rule's ``change_count``
within ``min_instances``..``max_instances``, and no rule acts again before the cool-down of the last
action has passed. ``time_scale`` shortens every window and cool-down (never the load thresholds).

Metrics measured locally (per deployment unless noted):

* ``RequestsPerMinute``: requests routed to the deployment, per minute, over the window;
* ``ConnectionsActive`` (endpoint): requests in flight at the endpoint, averaged over the window
  (busy time / window, Little's law) - the local stand-in for Azure's active connections;
* ``RequestLatency`` (ms, average) and ``RequestLatency_P50/P90/P95/P99`` (ms, from the histogram);
* ``CpuUtilizationPercentage`` / ``CpuMemoryUtilizationPercentage``: mean over replicas of their
  process tree's share of this machine's CPUs / memory, aggregated over the window.

Other metrics (GPU, disk, new connections) cannot be measured here: their rules are reported once
and never fire.

Schedules (Azure Monitor recurring profiles) are applied on the wall clock: the active profile's
bounds (see :mod:`.schedules`) replace the default ones while it is in force, and a count outside them
moves to the nearest bound at once, before any rule and whatever the cool-down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ..spec.model import DeploymentSpec, ScaleRuleSpec
from .metrics import LoadSample, MetricsReader, quantile_from_buckets
from .schedules import Profile, active_profile

__all__ = ["SUPPORTED_METRICS", "TRAEFIK_METRICS", "Autoscaler", "Decision", "LoadSample", "MetricsReader", "measure"]

SUPPORTED_METRICS = frozenset(
    {
        "RequestsPerMinute",
        "ConnectionsActive",
        "RequestLatency",
        "RequestLatency_P50",
        "RequestLatency_P90",
        "RequestLatency_P95",
        "RequestLatency_P99",
        "CpuUtilizationPercentage",
        "CpuMemoryUtilizationPercentage",
    }
)
TRAEFIK_METRICS = SUPPORTED_METRICS - {"CpuUtilizationPercentage", "CpuMemoryUtilizationPercentage"}
"""Metrics read from Traefik's Prometheus endpoint (the others come from psutil): Traefik records them
only when a deployment has a rule on one of them."""
_QUANTILES = {
    "RequestLatency_P50": 0.5,
    "RequestLatency_P90": 0.9,
    "RequestLatency_P95": 0.95,
    "RequestLatency_P99": 0.99,
}


@dataclass(frozen=True)
class Decision:
    count: int
    reason: str


def _aggregate(values: Sequence[float], aggregation: str) -> float | None:
    if not values:
        return None
    if aggregation == "Minimum":
        return min(values)
    if aggregation == "Maximum":
        return max(values)
    if aggregation == "Total":
        return sum(values)
    return sum(values) / len(values)


def measure(
    metric: str, aggregation: str, samples: Sequence[LoadSample], endpoint_samples: Sequence[Sequence[LoadSample]] = ()
) -> float | None:
    """The value of ``metric`` over ``samples`` (one deployment's window), or None if not measurable."""
    if len(samples) < 2:
        return None
    first, last = samples[0], samples[-1]
    elapsed = last.at - first.at
    if elapsed <= 0:
        return None
    if metric == "RequestsPerMinute":
        return (last.requests - first.requests) / elapsed * 60.0
    if metric == "ConnectionsActive":
        windows = [s for s in endpoint_samples if len(s) >= 2] or [samples]
        return sum((w[-1].busy_seconds - w[0].busy_seconds) / max(w[-1].at - w[0].at, 1e-9) for w in windows)
    if metric == "RequestLatency":
        done = last.requests - first.requests
        return (last.busy_seconds - first.busy_seconds) / done * 1000.0 if done > 0 else None
    if metric in _QUANTILES:
        seconds = quantile_from_buckets(first.buckets, last.buckets, _QUANTILES[metric])
        return None if seconds is None else seconds * 1000.0
    if metric == "CpuUtilizationPercentage":
        return _aggregate([s.cpu_percent for s in samples if s.cpu_percent is not None], aggregation)
    if metric == "CpuMemoryUtilizationPercentage":
        return _aggregate([s.memory_percent for s in samples if s.memory_percent is not None], aggregation)
    return None


class Autoscaler:
    """Decides the replica count of one deployment from its autoscale rules and measured load."""

    def __init__(self, spec: DeploymentSpec, time_scale: float = 1.0, clock: Callable[[], datetime] | None = None):
        """``clock`` gives the wall-clock time (aware) at which schedules are evaluated; windows and
        cool-downs are measured on the monotonic ``now`` passed to :meth:`decide`."""
        assert spec.autoscale is not None
        self.spec = spec
        self.autoscale = spec.autoscale
        self.time_scale = time_scale
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.unsupported = sorted({r.metric for r in self.autoscale.rules if r.metric not in SUPPORTED_METRICS})
        self._quiet_until = 0.0
        self.profile()  # an unknown schedule time zone is reported now, not at every decision

    def profile(self) -> Profile:
        """The autoscale profile in force now: the default one or a schedule's."""
        return active_profile(self.autoscale, self.clock())

    def initial_count(self) -> int:
        """The replica count to start with: the active profile's default."""
        return self.profile().default_instances

    def _window_s(self, rule: ScaleRuleSpec) -> float:
        return rule.window_minutes * 60.0 * self.time_scale

    def _holds(self, rule: ScaleRuleSpec, now: float, reader: MetricsReader) -> tuple[bool, float | None]:
        window = self._window_s(rule)
        samples = reader.window(self.spec.name, now, window)
        endpoint = (
            [reader.window(name, now, window) for name in reader.deployments()] if rule.scope == "endpoint" else []
        )
        value = measure(rule.metric, rule.aggregation, samples, endpoint)
        if value is None:
            return False, None
        return (value > rule.threshold if rule.direction == "Increase" else value < rule.threshold), value

    def decide(self, now: float, reader: MetricsReader, current: int) -> Decision | None:
        """The new count, or None to stay; respects the cool-down of the last action (but not for a
        count outside the active profile's bounds, which moves at once)."""
        profile = self.profile()
        low, high = profile.min_instances, profile.max_instances
        if current < low or current > high:
            return Decision(min(max(current, low), high), f"outside {low}..{high} of the {profile.name} profile")
        if now < self._quiet_until:
            return None
        rules = [r for r in self.autoscale.rules if r.metric in SUPPORTED_METRICS]
        for rule in (r for r in rules if r.direction == "Increase"):
            holds, value = self._holds(rule, now, reader)
            if holds:  # at max_instances the load still rules out a scale-in
                return self._act(now, rule, min(high, current + rule.change_count), value) if current < high else None
        decrease = [r for r in rules if r.direction == "Decrease"]
        if decrease and current > low:
            results = [self._holds(r, now, reader) for r in decrease]
            if all(holds for holds, _ in results):
                return self._act(
                    now, decrease[0], max(low, current - max(r.change_count for r in decrease)), results[0][1]
                )
        return None

    def _act(self, now: float, rule: ScaleRuleSpec, count: int, value: float | None) -> Decision:
        self._quiet_until = now + rule.cooldown_minutes * 60.0 * self.time_scale
        shown = "n/a" if value is None else f"{value:.1f}"
        sign = ">" if rule.direction == "Increase" else "<"
        return Decision(count, f"{rule.metric} {shown} {sign} {rule.threshold:g} over {rule.window_minutes} min")
