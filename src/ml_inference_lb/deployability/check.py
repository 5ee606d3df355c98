"""Run the rules over a plan: every finding, waived ones marked with their reason."""

from __future__ import annotations

from collections.abc import Iterable

from ..plan.engine import PlanResult
from .catalog import RULES
from .graph import PlanGraph
from .model import Finding, Measurements, Report, Rule, Waiver


def check_plan(
    plan: PlanResult,
    measurements: Measurements | None = None,
    *,
    waivers: Iterable[Waiver] = (),
    rules: Iterable[Rule] = RULES,
) -> Report:
    """Findings of every rule for ``plan``; waivers are the program's (``plan.waivers``) plus ``waivers``."""
    measured = measurements or Measurements()
    graph = PlanGraph(plan)
    all_waivers = [*plan.waivers, *waivers]
    findings: list[Finding] = []
    skipped: list[tuple[str, str]] = []
    for rule in rules:
        missing = [need for need in rule.needs if not getattr(measured, need)]
        if missing:
            skipped.append((rule.id, f"needs the measurement {', '.join(missing)}"))
            continue
        for hit in rule.check(graph, measured):
            waiver = next((w for w in all_waivers if w.covers(rule, hit.resource)), None)
            findings.append(
                Finding(
                    rule=rule.id,
                    name=rule.name,
                    severity=rule.severity,
                    resource=hit.resource,
                    type=hit.type,
                    message=hit.message,
                    fix=rule.fix,
                    source=rule.source,
                    waived=waiver.reason if waiver is not None else None,
                )
            )
    return Report(findings=tuple(findings), skipped=tuple(skipped))


def render_findings(report: Report) -> str:
    """Findings as text, for after the plan's tree: errors, then warnings, then waived ones."""
    if not report.findings and not report.skipped:
        return "Deployability: no findings."
    order = {"error": 0, "warning": 1}
    lines = [f"Deployability: {_summary(report)}"]
    ranked = sorted(report.findings, key=lambda f: (f.waived is not None, order[f.severity], f.rule))
    for finding in ranked:
        lines.append(f"  {finding}")
        if finding.waived is None:
            lines.append(f"      fix: {finding.fix}")
            lines.append(f"      source: {finding.source}")
    for rule_id, why in report.skipped:
        lines.append(f"  [skipped] {rule_id}: {why}")
    return "\n".join(lines)


def _summary(report: Report) -> str:
    errors = sum(1 for f in report.findings if f.blocking)
    warnings = sum(1 for f in report.findings if f.severity == "warning" and f.waived is None)
    waived = sum(1 for f in report.findings if f.waived is not None)
    return f"{errors} errors, {warnings} warnings, {waived} waived, {len(report.skipped)} rules skipped"
