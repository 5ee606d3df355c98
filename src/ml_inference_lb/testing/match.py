"""Matchers for resource properties, after aws-cdk-lib's ``assertions.Match``.

A pattern is a plain value or a :class:`Matcher`. Plain dicts match *deep-partially* (the actual value
may have more keys, at any depth), plain lists match element by element with the same length, other
plain values match by equality. A matcher returns the list of mismatches it found, each with the path
where it found it, so a failing assertion can say exactly what differs.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

_ABSENT = object()


class Matcher(ABC):
    """Base class: ``mismatches(actual, path)`` returns one message per difference (empty = match)."""

    name = "matcher"

    @abstractmethod
    def mismatches(self, actual: Any, path: str) -> list[str]:
        """One message per difference between ``actual`` and what this matcher expects."""

    def matches(self, actual: Any) -> bool:
        return not self.mismatches(actual, "")

    def __repr__(self) -> str:
        return f"Match.{self.name}(...)"


def _at(path: str) -> str:
    return path or "(root)"


def as_matcher(pattern: Any, *, partial: bool = True) -> Matcher:
    """A plain pattern as a matcher (dicts deep-partial when ``partial``)."""
    if isinstance(pattern, Matcher):
        return pattern
    if isinstance(pattern, Mapping):
        return _ObjectMatch(pattern, partial=partial)
    if isinstance(pattern, list | tuple):
        return _ArrayMatch(list(pattern), subset=False, partial=partial)
    return _Exact(pattern)


class _Exact(Matcher):
    name = "exact"

    def __init__(self, expected: Any) -> None:
        self.expected = expected

    def mismatches(self, actual: Any, path: str) -> list[str]:
        if isinstance(self.expected, Mapping | list | tuple):
            return as_matcher(self.expected, partial=False).mismatches(actual, path)
        if actual is _ABSENT:
            return [f"{_at(path)}: missing, expected {self.expected!r}"]
        if actual != self.expected or isinstance(actual, bool) != isinstance(self.expected, bool):
            return [f"{_at(path)}: expected {self.expected!r}, got {actual!r}"]
        return []


class _ObjectMatch(Matcher):
    name = "object_like"

    def __init__(self, pattern: Mapping[str, Any], *, partial: bool) -> None:
        self.pattern = dict(pattern)
        self.partial = partial
        self.name = "object_like" if partial else "object_equals"

    def mismatches(self, actual: Any, path: str) -> list[str]:
        if not isinstance(actual, Mapping):
            return [f"{_at(path)}: expected an object, got {_describe(actual)}"]
        found: list[str] = []
        for key, expected in self.pattern.items():
            where = f"{path}.{key}" if path else key
            found += as_matcher(expected, partial=self.partial).mismatches(actual.get(key, _ABSENT), where)
        if not self.partial:
            extra = sorted(set(actual) - set(self.pattern))
            found += [f"{_at(path)}: unexpected key {key!r}" for key in extra]
        return found


class _ArrayMatch(Matcher):
    name = "array_with"

    def __init__(self, pattern: Sequence[Any], *, subset: bool, partial: bool = True) -> None:
        self.pattern = list(pattern)
        self.subset = subset
        self.partial = partial
        self.name = "array_with" if subset else "array_equals"

    def mismatches(self, actual: Any, path: str) -> list[str]:
        if not isinstance(actual, list):
            return [f"{_at(path)}: expected an array, got {_describe(actual)}"]
        matchers = [as_matcher(p, partial=self.partial) for p in self.pattern]
        if not self.subset:
            if len(actual) != len(matchers):
                return [f"{_at(path)}: expected {len(matchers)} elements, got {len(actual)}"]
            found: list[str] = []
            for i, (matcher, item) in enumerate(zip(matchers, actual, strict=True)):
                found += matcher.mismatches(item, f"{path}[{i}]")
            return found
        start = 0
        for index, matcher in enumerate(matchers):  # each pattern element, in order, somewhere after the last
            hit = next((i for i in range(start, len(actual)) if matcher.matches(actual[i])), None)
            if hit is None:
                return [f"{_at(path)}: no element (from index {start}) matches pattern element {index}: {matcher!r}"]
            start = hit + 1
        return []


class _AnyValue(Matcher):
    name = "any_value"

    def mismatches(self, actual: Any, path: str) -> list[str]:
        if actual is _ABSENT or actual is None:
            return [f"{_at(path)}: expected a value, but it is {'missing' if actual is _ABSENT else 'null'}"]
        return []


class _Absent(Matcher):
    name = "absent"

    def mismatches(self, actual: Any, path: str) -> list[str]:
        return [] if actual is _ABSENT else [f"{_at(path)}: expected no value, got {actual!r}"]


class _Regexp(Matcher):
    name = "string_like_regexp"

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def mismatches(self, actual: Any, path: str) -> list[str]:
        if not isinstance(actual, str) or not self.pattern.search(actual):
            return [f"{_at(path)}: expected a string matching /{self.pattern.pattern}/, got {_describe(actual)}"]
        return []


class _Not(Matcher):
    name = "not_"

    def __init__(self, pattern: Any) -> None:
        self.inner = as_matcher(pattern)

    def mismatches(self, actual: Any, path: str) -> list[str]:
        return (
            [f"{_at(path)}: expected not to match {self.inner!r}, got {actual!r}"] if self.inner.matches(actual) else []
        )


def _describe(value: Any) -> str:
    return "nothing (missing)" if value is _ABSENT else f"{type(value).__name__} {value!r}"


class Match:
    """Factories for matchers (``Match.object_like({...})``, ``Match.array_with([...])``...)."""

    @staticmethod
    def object_like(pattern: Mapping[str, Any]) -> Matcher:
        """The value is an object holding at least these keys, matched deep-partially."""
        return _ObjectMatch(pattern, partial=True)

    @staticmethod
    def object_equals(pattern: Mapping[str, Any]) -> Matcher:
        """The value is an object with exactly these keys (and nested values exactly equal)."""
        return _ObjectMatch(pattern, partial=False)

    @staticmethod
    def array_with(pattern: Sequence[Any]) -> Matcher:
        """The value is an array containing elements matching these patterns, in this order."""
        return _ArrayMatch(pattern, subset=True)

    @staticmethod
    def array_equals(pattern: Sequence[Any]) -> Matcher:
        """The value is an array of exactly these elements (objects inside still match deep-partially)."""
        return _ArrayMatch(pattern, subset=False)

    @staticmethod
    def exact(pattern: Any) -> Matcher:
        """The value equals the pattern exactly (no partial object matching inside)."""
        return _Exact(pattern)

    @staticmethod
    def any_value() -> Matcher:
        """Any value that is present and not null."""
        return _AnyValue()

    @staticmethod
    def absent() -> Matcher:
        """The key is not set at all."""
        return _Absent()

    @staticmethod
    def string_like_regexp(pattern: str) -> Matcher:
        """A string in which this regular expression is found."""
        return _Regexp(pattern)

    @staticmethod
    def not_(pattern: Any) -> Matcher:
        """Anything the pattern does not match."""
        return _Not(pattern)
