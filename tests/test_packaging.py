"""Every distribution the package imports directly is declared in pyproject.toml, where it is needed."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import os
import re
import sys
from collections.abc import Iterator

import pytest
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

PACKAGE = os.path.join(ROOT, "src", "ml_inference_lb")
# Modules that may import what only an extra installs (they are imported only when that extra is in use).
EXTRA_OF_FOLDER = {os.path.join(PACKAGE, "local"): "local"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {normalise(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]) for requirement in requirements}


def imports_of(path: str) -> Iterator[str]:
    """Absolute module names a source file imports (at any depth: imports inside functions count too)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@functools.cache
def installed_top_levels() -> dict[str, list[str]]:
    return dict(importlib.metadata.packages_distributions())


@functools.cache
def files_of(distribution: str) -> frozenset[str]:
    return frozenset(str(file) for file in importlib.metadata.files(distribution) or [])


@functools.cache
def distribution_of(module: str) -> str:
    """The installed distribution that provides ``module``; in a namespace package (``azure``, ``google``),
    the one that owns the module's own file."""
    parts = module.split(".")
    candidates = installed_top_levels().get(parts[0], [])
    if len(candidates) == 1:
        return normalise(candidates[0])
    for depth in range(len(parts), 1, -1):
        stem = "/".join(parts[:depth])
        owners = [d for d in candidates if {f"{stem}.py", f"{stem}/__init__.py"} & files_of(d)]
        if len(owners) == 1:
            return normalise(owners[0])
    raise AssertionError(f"cannot tell which distribution provides {module}: {candidates}")


def third_party_imports() -> dict[str, set[str]]:
    """Distribution -> the source files importing it."""
    found: dict[str, set[str]] = {}
    for folder, _, files in os.walk(PACKAGE):
        for file_name in files:
            if not file_name.endswith(".py"):
                continue
            path = os.path.join(folder, file_name)
            for module in imports_of(path):
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in {"__future__", "ml_inference_lb"}:
                    continue
                if os.path.isfile(os.path.join(folder, f"{top}.py")):
                    continue  # a script run by path (local/_entry) imports the file beside it
                found.setdefault(distribution_of(module), set()).add(path)
    return found


def test_every_direct_import_is_a_declared_dependency() -> None:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        project = tomllib.load(handle)["project"]
    base = requirement_names(project["dependencies"])
    extras = {name: requirement_names(reqs) for name, reqs in project["optional-dependencies"].items()}
    undeclared = []
    for dist, paths in sorted(third_party_imports().items()):
        for path in sorted(paths):
            extra = next((e for folder, e in EXTRA_OF_FOLDER.items() if path.startswith(folder + os.sep)), None)
            allowed = base | (extras[extra] if extra else set())
            if dist not in allowed:
                undeclared.append(f"{os.path.relpath(path, ROOT)} imports {dist}")
    assert not undeclared, "declare in pyproject.toml: " + "; ".join(undeclared)


def test_the_import_scan_sees_imports_inside_functions_and_namespace_packages() -> None:
    found = third_party_imports()
    assert os.path.join(PACKAGE, "plan", "engine.py") in found["protobuf"]
    assert os.path.join(PACKAGE, "local", "metrics.py") in found["psutil"]  # imported inside a function
