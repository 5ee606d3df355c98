"""What a deployability rule is, what it reports, what it may be given, and how a finding is waived."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..spec.versioning import unversioned

if TYPE_CHECKING:
    from .graph import PlanGraph

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Hit:
    """One place where a rule is broken: the resource's logical name and what is wrong there."""

    resource: str
    type: str
    message: str


@dataclass(frozen=True)
class Measurements:
    """Facts no plan holds, measured elsewhere (``ml-inference-lb check``, a load test, the quota page).

    Rules that need one of these are skipped, and reported as skipped, when it is missing.
    """

    model_load_seconds: Mapping[str, float] = field(default_factory=dict)
    """Seconds from container start until the model answers, by deployment name: the Azure name, or the name an
    ``InferenceCluster`` versions (``blue`` for ``blue-3f2a9c``); ``"*"``: any."""
    vcpu_quota: Mapping[str, int] = field(default_factory=dict)
    """vCPUs free for managed online endpoints, by VM family as Azure's quota page names it
    (``"standardDSv2Family"``) or by instance type (``"Standard_DS3_v2"``)."""

    def load_seconds(self, deployment: str) -> float | None:
        """By the Azure name ``deployment``, else by the name it versions, else ``"*"``."""
        base = unversioned(deployment)
        for key in (deployment, base, "*"):
            if key is not None and key in self.model_load_seconds:
                return float(self.model_load_seconds[key])
        return None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Measurements:
        """From ``{"model_load_seconds": {...}, "vcpu_quota": {...}}`` (the ``--measurements`` JSON file)."""
        unknown = set(data) - {"model_load_seconds", "vcpu_quota"}
        if unknown:
            raise ValueError(f"unknown measurement(s) {sorted(unknown)}: use model_load_seconds and vcpu_quota")
        load = data.get("model_load_seconds") or {}
        quota = data.get("vcpu_quota") or {}
        if not isinstance(load, Mapping) or not isinstance(quota, Mapping):
            raise ValueError("model_load_seconds and vcpu_quota are objects keyed by name")
        return cls(
            model_load_seconds={str(k): float(v) for k, v in load.items()},
            vcpu_quota={str(k): int(v) for k, v in quota.items()},
        )


Check = Callable[["PlanGraph", Measurements], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A fact about Azure (or Pulumi) that decides whether a plan deploys and keeps serving."""

    id: str
    """Stable identifier (``MLI001``): waivers and CI filters name it; never reused for another rule."""
    name: str
    """Stable slug, e.g. ``managed-network-not-provisioned``."""
    statement: str
    """One line: what must hold."""
    source: str
    """Where Azure or Pulumi says so: doc page, REST definition, SDK source or issue thread."""
    severity: Severity
    fix: str
    """What to change."""
    check: Check
    needs: tuple[str, ...] = ()
    """Measurements the rule cannot run without (``Measurements`` field names)."""


@dataclass(frozen=True)
class Waiver:
    """A rule switched off for one resource, with the reason a reviewer reads."""

    rule: str
    """Rule id or name."""
    resource: str
    """Logical (Pulumi) name of the resource."""
    reason: str

    def covers(self, rule: Rule, resource: str) -> bool:
        return self.rule in (rule.id, rule.name) and self.resource == resource


@dataclass(frozen=True)
class Finding:
    """A rule broken by one resource of the plan."""

    rule: str
    name: str
    severity: Severity
    resource: str
    type: str
    message: str
    fix: str
    source: str
    waived: str | None = None
    """The waiver's reason, when the program waived this rule for this resource."""

    @property
    def blocking(self) -> bool:
        """An error nobody waived: the plan would not deploy (or would break serving)."""
        return self.severity == "error" and self.waived is None

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "resource": self.resource,
            "type": self.type,
            "message": self.message,
            "fix": self.fix,
            "source": self.source,
            "waived": self.waived,
        }

    def __str__(self) -> str:
        state = f"waived: {self.waived}" if self.waived is not None else self.severity
        return f"[{state}] {self.rule} {self.name}: {self.resource} ({self.type}): {self.message}"


@dataclass(frozen=True)
class Report:
    """Every rule's findings for one plan, and the rules that could not run."""

    findings: tuple[Finding, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    """(rule id, why) for rules that need a measurement nobody gave."""

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def as_json(self) -> list[dict[str, object]]:
        return [f.as_json() for f in self.findings]
