"""When to restart a supervised process that exited, and when to give up on it.

One policy for every kind of process the local target supervises (replicas, the router, and any
server added beside them). A process that exits is restarted at once the first time; if the
replacement exits again before it has run ``stable_after_s``, the next restart waits
``initial_backoff_s``, then twice as long each time, up to ``max_backoff_s`` (Kubernetes restarts a
crashing container the same way, "CrashLoopBackOff"). After ``max_crashes`` such crashes in a row the
local target gives up on it and says so: a replica's deployment is marked failed and answers 503; a
router that cannot be restarted stops ``local up`` with an error.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    """Back-off and budget for restarting a process that exited (see the module docstring)."""

    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_crashes: int = 5
    """Crashes in a row (each within ``stable_after_s`` of its start) at which the local target gives up."""
    stable_after_s: float = 10.0
    """A process that ran this long before exiting starts a new count (a replica: this long after it
    became ready; one that was never ready always counts as a crash in a row)."""

    def __post_init__(self) -> None:
        if self.initial_backoff_s < 0 or self.max_backoff_s < self.initial_backoff_s:
            raise ValueError("RestartPolicy: need 0 <= initial_backoff_s <= max_backoff_s")
        if self.max_crashes < 1 or self.stable_after_s < 0:
            raise ValueError("RestartPolicy: max_crashes must be at least 1 and stable_after_s not negative")

    def delay(self, crashes: int) -> float:
        """Seconds to wait before the restart that follows the ``crashes``-th crash in a row."""
        if crashes <= 1:
            return 0.0
        return float(min(self.max_backoff_s, self.initial_backoff_s * 2.0 ** (crashes - 2)))


@dataclass
class CrashCount:
    """Consecutive crashes of one supervised slot (a replica index, the router)."""

    crashes: int = 0

    def record(self, policy: RestartPolicy, ran_for_s: float) -> float | None:
        """Count an exit after ``ran_for_s`` seconds of running; the delay before the restart, or None
        when the budget is spent."""
        self.crashes = 1 if ran_for_s >= policy.stable_after_s else self.crashes + 1
        if self.crashes >= policy.max_crashes:
            return None
        return policy.delay(self.crashes)
