"""The one error type the library raises for invalid arguments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the arguments: where (an args path) and what to change."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InferenceClusterArgsError(ValueError):
    """Raised before any resource is registered when the args are invalid.

    It lists every problem at once, each with its args path
    (``deployments[1].traffic_percent: ...``), so a user fixes them in one go.
    """

    def __init__(self, problems: Sequence[Problem], component: str = "InferenceCluster") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.component = component
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"invalid {component} args ({count} {noun}):\n{lines}")
