"""What a check reports: one line per check and subject, and the report they make together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "warn", "fail", "skip"]
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CheckLine:
    """One check of one subject (a deployment, a VM family in a region, the plan)."""

    check: str
    """``plan``, ``contract``, ``rules``, ``start``, ``sample``, ``probes``, ``memory``, ``drift``, ``sku``, ``capacity``."""
    subject: str
    """What was checked: ``iris/blue`` (cluster/deployment), ``westeurope/standardDSv2Family``, ``plan``."""
    status: Status
    message: str
    hint: str = ""
    """What to change when the status is ``warn`` or ``fail``."""
    details: tuple[str, ...] = ()
    """Extra lines: a traceback, log lines, findings."""
    data: dict[str, Any] = field(default_factory=dict)
    """The numbers behind the line, for ``--json``."""

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "status": self.status,
            "message": self.message,
            "hint": self.hint,
            "details": list(self.details),
            "data": self.data,
        }


@dataclass(frozen=True)
class CheckReport:
    directory: str
    lines: tuple[CheckLine, ...]
    capacity: tuple[dict[str, Any], ...] = ()
    """One row per region and VM family: vCPUs and GPUs at steady state, autoscale maximum, with the
    upgrade reserve and during a rollout; the quota when given."""
    deployments: tuple[dict[str, Any], ...] = ()
    """One row per deployment started: time to ready, memory, sample results."""

    def count(self, status: Status) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def exit_code(self, strict: bool = False) -> int:
        """1 on any ``fail``, or (``strict``) any ``warn``; else 0."""
        if self.count("fail") or (strict and self.count("warn")):
            return 1
        return 0

    def as_json(self, strict: bool = False) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "directory": self.directory,
            "result": "fail" if self.exit_code(strict) else "pass",
            "strict": strict,
            "summary": {status: self.count(status) for status in ("ok", "warn", "fail", "skip")},
            "checks": [line.as_json() for line in self.lines],
            "deployments": list(self.deployments),
            "capacity": list(self.capacity),
        }
