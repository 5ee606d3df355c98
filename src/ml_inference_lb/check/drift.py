"""Check 4: the packages the deployment's environment file pins against the versions the local run
actually imported (``importlib.metadata`` for every module loaded in the replica's workers).

A mismatch means the local run tested other code than Azure will run. Read from the environment file:
the conda file's ``dependencies`` (``name=1.2`` is conda's prefix match, ``name==1.2.3`` exact, other
specifiers as PEP 440) and its ``pip:`` list, or a pip requirements file (``*.txt``). Conda and PyPI
names can differ (``pytorch`` / ``torch``): only names that match a distribution the run imported are
compared. Requirements are parsed with ``packaging`` (the PyPA's own parser, which pip vendors).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .model import CheckLine
from .run import Imports

CONDA_SPEC = re.compile(r"^(?:[\w.-]+::)?([A-Za-z0-9_.-]+)\s*(==|=|>=|<=|>|<|!=|~=|\s)?\s*([^\s#]*)")


@dataclass(frozen=True)
class Pin:
    name: str
    """Canonical (PEP 503) name."""
    specifier: str
    """PEP 440 specifier set, e.g. ``==1.5.1`` or ``==1.26.*`` (conda's ``=1.26``)."""
    source: str
    """The line as written."""

    def allows(self, version: str) -> bool:
        try:
            return SpecifierSet(self.specifier).contains(Version(version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            return True  # cannot tell: say nothing rather than something wrong


def read_pins(path: str) -> list[Pin]:
    """Every versioned requirement of a conda environment file or a pip requirements file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".txt"):
        return [pin for line in text.splitlines() if (pin := _pip_pin(line)) is not None]
    document = yaml.safe_load(text) or {}
    pins: list[Pin] = []
    for item in document.get("dependencies") or []:
        if isinstance(item, str):
            pin = _conda_pin(item)
            if pin is not None:
                pins.append(pin)
        elif isinstance(item, dict):
            for line in item.get("pip") or []:
                pin = _pip_pin(str(line))
                if pin is not None:
                    pins.append(pin)
    return pins


def _pip_pin(line: str) -> Pin | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return None
    if not str(requirement.specifier):
        return None
    return Pin(canonicalize_name(requirement.name), str(requirement.specifier), line)


def _conda_pin(line: str) -> Pin | None:
    match = CONDA_SPEC.match(line.strip())
    if match is None or not match.group(3):
        return None
    name, operator, version = match.group(1), (match.group(2) or "=").strip() or "=", match.group(3)
    if operator == "=":  # conda: "1.26" means 1.26.*, "1.26.4" means 1.26.4(.*)
        specifier = f"=={version}" if version.endswith("*") else f"=={version}.*"
        if version.count(".") >= 2:
            specifier = f"=={version}"
    else:
        specifier = f"{operator}{version}"
    return Pin(canonicalize_name(name), specifier, line.strip())


def drift_line(subject: str, environment_file: str | None, imports: Imports | None) -> CheckLine:
    if environment_file is None:
        return CheckLine(
            "drift",
            subject,
            "skip",
            "the environment has no conda file here (an image or a registered asset): what Azure runs is not compared",
        )
    if imports is None:
        return CheckLine("drift", subject, "skip", "the run reported no imported modules")
    try:
        pins = read_pins(environment_file)
    except (OSError, yaml.YAMLError) as error:
        return CheckLine(
            "drift", subject, "warn", f"cannot read {environment_file}: {error}", "fix the environment file"
        )
    imported: dict[str, str] = {canonicalize_name(name): version for name, version in imports.distributions.items()}
    mismatches: list[str] = []
    compared = 0
    for pin in pins:
        if pin.name == "python":
            compared += 1
            if not pin.allows(imports.python):
                mismatches.append(f"python: the file says {pin.source!r}, the local run is Python {imports.python}")
            continue
        version = imported.get(pin.name)
        if version is None:
            continue
        compared += 1
        if not pin.allows(version):
            mismatches.append(f"{pin.name}: the file pins {pin.source!r}, the local run imported {version}")
    data: dict[str, Any] = {
        "environment_file": environment_file,
        "pins": len(pins),
        "compared": compared,
        "mismatches": mismatches,
    }
    name = os.path.basename(environment_file)
    if mismatches:
        return CheckLine(
            "drift",
            subject,
            "warn",
            f"{len(mismatches)} of {compared} pinned package(s) in {name} differ from what the local run imported: "
            "this check tested other code than Azure will run",
            f"install the pinned versions locally (pip install -r / conda env update -f {name}), or update {name}",
            details=tuple(mismatches),
            data=data,
        )
    return CheckLine(
        "drift", subject, "ok", f"{compared} pinned package(s) in {name} match what the local run imported", data=data
    )
