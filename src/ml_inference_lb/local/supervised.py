"""One supervised process that must keep running: restarted with back-off when it exits, given up on
loudly when it keeps failing.

The router (Traefik) of a served cluster and of a multi-region service is one; a backing server run
beside the replicas would be another. The owner calls :meth:`Supervised.check` from its control loop;
a restart runs on its own thread (starting a router waits until it serves), so the loop goes on
supervising the replicas meanwhile. Replicas are supervised per deployment by
:class:`~ml_inference_lb.local.supervisor.Supervisor` with the same :class:`RestartPolicy`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from .restarts import CrashCount, RestartPolicy

SupervisedState = Literal["up", "restarting", "failed"]


class Supervised:
    """Keeps one process running; ``state`` is ``up``, ``restarting`` or ``failed`` (gave up)."""

    def __init__(
        self,
        name: str,
        *,
        start: Callable[[], None],
        running: Callable[[], bool],
        describe_exit: Callable[[], str],
        policy: RestartPolicy,
        on_event: Callable[[str], None],
        on_give_up: Callable[[str], None],
    ):
        self.name = name
        self._start = start
        self._running = running
        self._describe_exit = describe_exit
        self.policy = policy
        self._on_event = on_event
        self._on_give_up = on_give_up
        self._crashes = CrashCount()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.state: SupervisedState = "up"
        self.started_at = time.monotonic()
        self.restarts = 0
        self.failure: str | None = None
        self._thread: threading.Thread | None = None

    def started(self) -> None:
        """Record a start made by the owner (the first one)."""
        self.started_at = time.monotonic()

    def check(self, now: float) -> None:
        """Called from the owner's loop: notice an exit and schedule the restart."""
        with self._lock:
            if self.state != "up" or self._closed.is_set() or self._running():
                return
            exit_description = self._describe_exit()
            delay = self._crashes.record(self.policy, now - self.started_at)
            if delay is None:
                self._give_up(f"{self.name} exited ({exit_description}) {self._crashes.crashes} times in a row")
                return
            self.state = "restarting"
        self._on_event(f"{self.name} exited ({exit_description}); restarting it in {delay:.1f} s")
        self._thread = threading.Thread(target=self._restart, args=(delay,), name=f"restart-{self.name}", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 30.0) -> None:
        """No restart from now on (the owner is stopping); waits for a restart under way to end, so
        that the owner stops the process it started rather than miss it."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def _restart(self, delay: float) -> None:
        while not self._closed.wait(delay):
            try:
                self._start()
            except Exception as error:  # reported, counted, retried with back-off
                with self._lock:
                    next_delay = self._crashes.record(self.policy, 0.0)
                    if next_delay is None:
                        self._give_up(f"{self.name} could not be restarted ({self._crashes.crashes} attempts): {error}")
                        return
                self._on_event(f"{self.name} could not be restarted: {error}; trying again in {next_delay:.1f} s")
                delay = next_delay
                continue
            with self._lock:
                self.state = "up"
                self.started_at = time.monotonic()
                self.restarts += 1
            self._on_event(f"{self.name} restarted")
            return

    def _give_up(self, message: str) -> None:
        self.state = "failed"
        self.failure = f"{message}; gave up (restart policy: at most {self.policy.max_crashes} in a row)"
        self._on_give_up(self.failure)
