"""Render a plan: a readable resource tree, or one JSON object for machines."""

from __future__ import annotations

import json
from typing import Any

from .engine import PlanResult, RegisteredResource


def plan_document(result: PlanResult) -> dict[str, Any]:
    """``{"resources": [{"type", "name", "parent", "inputs"}, ...], "outputs": {...}}``; secrets are ``"[secret]"``."""
    return {
        "resources": [
            {"type": r.type, "name": r.name, "parent": r.parent_name, "inputs": r.inputs} for r in result.resources
        ],
        "outputs": result.outputs,
    }


def render_json(result: PlanResult) -> str:
    return json.dumps(plan_document(result), indent=2, sort_keys=False)


def render_tree(result: PlanResult, show_inputs: bool = True) -> str:
    children: dict[str | None, list[RegisteredResource]] = {}
    known = {r.urn for r in result.resources}
    for r in result.resources:
        parent = r.parent if r.parent in known else None
        children.setdefault(parent, []).append(r)
    lines = [f"Plan for {result.project} (stack {result.stack}): {len(result.resources)} resources"]

    def walk(parent: str | None, indent: str) -> None:
        for r in children.get(parent, []):
            lines.append(f"{indent}+ {r.type}  {r.name}")
            if show_inputs:
                for key, value in r.inputs.items():
                    text = json.dumps(value, sort_keys=True)
                    if len(text) > 160:
                        text = text[:157] + "..."
                    lines.append(f"{indent}    {key}: {text}")
            walk(r.urn, indent + "    ")

    walk(None, "")
    if result.outputs:
        lines.append("Outputs:")
        for key, value in result.outputs.items():
            lines.append(f"    {key}: {json.dumps(value, sort_keys=True)}")
    return "\n".join(lines)
