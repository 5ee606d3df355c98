"""Render a plan: a readable resource tree, or one JSON object for machines."""

from __future__ import annotations

import json
from typing import Any

from .engine import PlanResult, RegisteredResource
from .uploads import upload_lines, uploads

PLAN_SCHEMA = "ml-inference-lb/plan/v1"
"""Version of the ``plan --json`` document (docs/plan-format.md); bumped on any incompatible change."""


def plan_document(result: PlanResult) -> dict[str, Any]:
    """The ``plan --json`` document (schema in docs/plan-format.md); secrets are ``"[secret]"``. ``uploads`` lists
    each model and code folder's files and what the ignore rules left out (docs/assets.md, "Uploads")."""
    return {
        "schema": PLAN_SCHEMA,
        "project": result.project,
        "stack": result.stack,
        "resources": [resource_entry(r) for r in result.resources],
        "outputs": result.outputs,
        "uploads": uploads(result),
    }


def resource_entry(r: RegisteredResource) -> dict[str, Any]:
    """One resource: what it is, its inputs, and the options that decide what Pulumi does with it."""
    return {
        "type": r.type,
        "name": r.name,
        "parent": r.parent_name,
        "inputs": r.inputs,
        "urn": r.urn,
        "parentUrn": r.parent,
        "custom": r.custom,
        "dependsOn": sorted(set(r.dependencies)),
        "propertyDependencies": {key: sorted(set(urns)) for key, urns in r.property_dependencies if urns},
        "ignoreChanges": list(r.ignore_changes),
        "deletedWith": r.deleted_with,
        "protect": r.protect,
        "replaceOnChanges": list(r.replace_on_changes),
        "aliases": list(r.aliases),
        "additionalSecretOutputs": list(r.additional_secret_outputs),
        "retainOnDelete": r.retain_on_delete,
        "deleteBeforeReplace": r.delete_before_replace,
        "provider": r.provider,
        "secretPaths": list(r.secret_paths),
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
    lines += upload_lines(result)
    if result.outputs:
        lines.append("Outputs:")
        for key, value in result.outputs.items():
            lines.append(f"    {key}: {json.dumps(value, sort_keys=True)}")
    return "\n".join(lines)
