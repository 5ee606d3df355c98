"""A collector of validation problems, so one pass reports every problem with its args path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ..errors import InferenceClusterArgsError, Problem

T = TypeVar("T")


class Problems:
    """Accumulates problems; :meth:`raise_if_any` raises them together."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        problem = Problem(path, message)
        if problem not in self._items:  # a pool-level problem is met once per deployment
            self._items.append(problem)

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self, component: str = "InferenceCluster") -> None:
        if self._items:
            raise InferenceClusterArgsError(self._items, component)

    # --- typed readers: each returns a usable value and records a problem when the given one is wrong

    def unknown_keys(self, path: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        for key in given:
            if key not in allowed_set:
                self.add(join(path, key), f"unknown field; allowed fields: {', '.join(sorted(allowed_set))}")

    def mapping(self, path: str, value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add(path, f"must be a dict, got {type(value).__name__}")
            return {}
        return value

    def integer(
        self,
        path: str,
        value: Any,
        default: int,
        low: int | None = None,
        high: int | None = None,
    ) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"must be a whole number{_range_text(low, high)}, got {value!r}")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(path, f"must be{_range_text(low, high)}, got {value}")
        return value

    def number(self, path: str, value: Any, low: float | None = None, high: float | None = None) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(path, f"must be a number, got {value!r}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(path, f"must be{_range_text(low, high)}, got {value}")
        return float(value)

    def boolean(self, path: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, f"must be True or False, got {value!r}")
            return default
        return value

    def string(self, path: str, value: Any, default: str | None = None) -> str | None:
        if value is None:
            return default
        if not isinstance(value, str):
            self.add(path, f"must be a string, got {type(value).__name__}")
            return default
        return value

    def choice(self, path: str, value: Any, choices: Iterable[str], default: str) -> str:
        options = tuple(choices)
        if value is None:
            return default
        if value not in options:
            self.add(path, f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
            return default
        return str(value)

    def each(self, path: str, value: Any, read: Callable[[str, Any], T]) -> list[T]:
        if value is None:
            return []
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            self.add(path, f"must be a list, got {type(value).__name__}")
            return []
        return [read(f"{path}[{i}]", item) for i, item in enumerate(value)]


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" at least {low}"
    if high is not None:
        return f" at most {high}"
    return ""
