"""Scan targets and their accepted findings: one YAML file per target, checked in next to each other.

A target is a Pulumi program (and optional stack config) whose ARM export is scanned. Its file lists
the findings a reviewer accepted, each with the reason::

    program: ../../examples/quickstart     # relative to this file
    config: {}                             # stack config for the plan (optional)
    accepted:
      - check: CKV_AZURE_35                 # Checkov check id
        resource: iris-storage              # Pulumi logical name
        reason: why this is acceptable here

The gate (:func:`compare`) fails on a finding nobody accepted, an accepted entry without a reason, and an
accepted entry that no longer occurs (remove it: the list stays the list of what is true today).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

from .checkov import Finding

HEADER = (
    "# Checkov findings accepted for this target's ARM export (ml-inference-lb plan --format arm).\n"
    "# Every entry needs a reason. Regenerate with `ml-inference-lb scan --update` (docs/security-scan.md);\n"
    "# new findings then appear with an empty reason, which fails the gate until someone writes one.\n"
)


@dataclass(frozen=True)
class Accepted:
    check: str
    resource: str
    reason: str


@dataclass(frozen=True)
class Target:
    name: str
    """The file's name without ``.yaml``."""
    file: str
    program: str
    """Absolute path of the Pulumi program folder."""
    config: Mapping[str, str] = field(default_factory=dict)
    accepted: tuple[Accepted, ...] = ()


def load_targets(folder: str, only: Iterable[str] = ()) -> list[Target]:
    """Every ``*.yaml`` target in ``folder`` (or only those named)."""
    wanted = set(only)
    targets = []
    for entry in sorted(os.listdir(folder)):
        name, ext = os.path.splitext(entry)
        if ext not in (".yaml", ".yml") or (wanted and name not in wanted):
            continue
        targets.append(load_target(os.path.join(folder, entry)))
    missing = wanted - {t.name for t in targets}
    if missing:
        raise ValueError(f"no target file for {sorted(missing)} in {folder}")
    return targets


def load_target(path: str) -> Target:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict) or not isinstance(data.get("program"), str):
        raise ValueError(f"{path}: give 'program' (the Pulumi program folder, relative to this file)")
    accepted = []
    for index, item in enumerate(data.get("accepted") or []):
        if not isinstance(item, dict) or not item.get("check") or not item.get("resource"):
            raise ValueError(f"{path}: accepted[{index}] needs 'check', 'resource' and 'reason'")
        accepted.append(Accepted(str(item["check"]), str(item["resource"]), str(item.get("reason") or "").strip()))
    config = data.get("config") or {}
    return Target(
        name=os.path.splitext(os.path.basename(path))[0],
        file=path,
        program=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), data["program"])),
        config={str(k): str(v) for k, v in config.items()},
        accepted=tuple(accepted),
    )


@dataclass(frozen=True)
class Verdict:
    """What the gate found for one target."""

    target: Target
    new: tuple[Finding, ...]
    """Findings nobody accepted: each fails the gate."""
    stale: tuple[Accepted, ...]
    """Accepted entries that no longer occur: each fails the gate (remove them)."""
    unexplained: tuple[Accepted, ...]
    """Accepted entries without a reason: each fails the gate."""
    accepted: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not (self.new or self.stale or self.unexplained)


def compare(target: Target, findings: Iterable[Finding]) -> Verdict:
    found = sorted(f for f in findings if f.target == target.name)
    keys = {(a.check, a.resource) for a in target.accepted}
    found_keys = {(f.check, f.resource) for f in found}
    return Verdict(
        target=target,
        new=tuple(f for f in found if (f.check, f.resource) not in keys),
        stale=tuple(a for a in target.accepted if (a.check, a.resource) not in found_keys),
        unexplained=tuple(a for a in target.accepted if not a.reason),
        accepted=tuple(f for f in found if (f.check, f.resource) in keys),
    )


def updated(target: Target, findings: Iterable[Finding]) -> str:
    """The target file rewritten for today's findings: reasons kept, new findings with an empty reason."""
    reasons = {(a.check, a.resource): a.reason for a in target.accepted}
    found = sorted({(f.check, f.resource): f for f in findings if f.target == target.name}.values())
    data = {
        "program": os.path.relpath(target.program, os.path.dirname(os.path.abspath(target.file))),
        "config": dict(target.config),
        "accepted": [
            {
                "check": f.check,
                "resource": f.resource,
                "title": f.title,
                "reason": reasons.get((f.check, f.resource), ""),
            }
            for f in found
        ],
    }
    return HEADER + yaml.safe_dump(data, sort_keys=False, width=110, allow_unicode=True)


def render(verdicts: Iterable[Verdict]) -> str:
    lines = []
    for verdict in verdicts:
        name = verdict.target.name
        state = "ok" if verdict.passed else "FAILED"
        lines.append(f"{name}: {state} ({len(verdict.accepted)} accepted, {len(verdict.new)} new)")
        for finding in verdict.new:
            lines.append(f"  new finding: {finding.check} on {finding.resource}: {finding.title}")
        for entry in verdict.unexplained:
            lines.append(f"  no reason given: {entry.check} on {entry.resource} ({verdict.target.file})")
        for entry in verdict.stale:
            lines.append(f"  no longer found, remove it: {entry.check} on {entry.resource} ({verdict.target.file})")
    return "\n".join(lines)
