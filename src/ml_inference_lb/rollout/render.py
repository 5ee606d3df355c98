"""A rollout report as text (what a reviewer reads in CI) or JSON."""

from __future__ import annotations

import json
from typing import Any

from .simulate import RolloutReport


def report_document(report: RolloutReport) -> dict[str, Any]:
    return {
        "safe": report.safe,
        "steps": [
            {
                "index": index,
                "op": result.step.op,
                "type": result.step.resource.type,
                "name": result.step.resource.name,
                "changed": list(result.step.changed),
                "reason": result.step.reason,
                "skipped": result.step.skipped,
                "traffic_after": result.traffic_after,
                "notes": list(result.notes),
            }
            for index, result in enumerate(report.steps, start=1)
        ],
        "violations": [
            {"step": v.step, "invariant": v.invariant, "message": v.message, "recipe": v.recipe}
            for v in report.violations
        ],
    }


def render_report(report: RolloutReport, *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(report_document(report), indent=2)
    if not report.steps and not report.violations:
        return "No changes: the second `pulumi up` does nothing."
    lines = ["The next `pulumi up`, in order:"]
    for index, result in enumerate(report.steps, start=1):
        step = result.step
        detail = step.reason or (f"changes {', '.join(step.changed[:6])}" if step.changed else "")
        if len(step.changed) > 6 and not step.reason:
            detail += f" (+{len(step.changed) - 6} more)"
        skipped = f" [skipped: {step.skipped}]" if step.skipped else ""
        lines.append(f"  {index:>3}. {step.label}{skipped}" + (f": {detail}" if detail else ""))
        for note in result.notes:
            lines.append(f"       note: {note}")
        lines.append(f"       traffic: {result.traffic_after or 'no endpoint'}")
    if report.violations:
        lines.append(f"{len(report.violations)} invariant(s) broken:")
        for violation in report.violations:
            lines.append(f"  {violation}")
            lines.append(f"      safe recipe: {violation.recipe}")
    else:
        lines.append(
            "Every invariant holds: traffic stays at 100 %, nothing taking traffic is deleted, no live "
            "instance count drops, nothing stateful is replaced, no secret leaves the secret path."
        )
    return "\n".join(lines)
