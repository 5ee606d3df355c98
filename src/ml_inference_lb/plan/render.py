"""Render a plan: a readable resource tree, or one JSON object for machines.

Both list resources in the order the program created them (see ``engine.in_creation_order``) and
every mapping with its keys sorted, so two plans of the same program are byte-identical and a
change shows as a small diff in review. The tree prints every value in full: nested mappings and
lists one entry a line, multi-line strings as indented blocks. The traffic step (an ARM deployment
that PUTs the endpoint with its traffic) leads with its live and mirrored traffic split.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .engine import PlanResult, RegisteredResource
from .uploads import upload_lines, uploads

ONLINE_ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
INDENT = "    "


def sorted_keys(value: Any) -> Any:
    """``value`` with every mapping's keys in sorted order, recursively."""
    if isinstance(value, Mapping):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value


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
        "outputs": sorted_keys(result.outputs),
        "uploads": uploads(result),
    }


def resource_entry(r: RegisteredResource) -> dict[str, Any]:
    """One resource: what it is, its inputs, and the options that decide what Pulumi does with it."""
    return {
        "type": r.type,
        "name": r.name,
        "parent": r.parent_name,
        "inputs": sorted_keys(r.inputs),
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
    return json.dumps(plan_document(result), indent=2)


def value_lines(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` as lines: scalars inline, mappings and lists nested, multi-line strings as blocks."""
    if isinstance(value, Mapping) and value:
        lines = [f"{indent}{key}:"]
        for child in sorted(value):
            lines += value_lines(str(child), value[child], indent + INDENT)
        return lines
    if isinstance(value, list) and value:
        lines = [f"{indent}{key}:"]
        for item in value:
            lines += _item_lines(item, indent + INDENT)
        return lines
    if isinstance(value, str) and "\n" in value:
        return [f"{indent}{key}: |"] + [f"{indent}{INDENT}{line}" for line in value.rstrip("\n").split("\n")]
    return [f"{indent}{key}: {json.dumps(value)}"]


def _item_lines(item: Any, indent: str) -> list[str]:
    """A list item as ``- value``; a mapping's first key shares the dash's line, like YAML."""
    if isinstance(item, Mapping) and item:
        lines: list[str] = []
        for child in sorted(item):
            lines += value_lines(str(child), item[child], indent + "  ")
        return [f"{indent}- {lines[0].lstrip()}", *lines[1:]]
    if isinstance(item, list) and item:
        nested = [line for element in item for line in _item_lines(element, indent + "  ")]
        return [f"{indent}- {nested[0].lstrip()}", *nested[1:]]
    return [f"{indent}- {json.dumps(item)}"]


def traffic_split(resource: RegisteredResource) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Live and mirrored traffic of the endpoint an ARM template deployment PUTs, if it is the traffic step."""
    template = (resource.inputs.get("properties") or {}).get("template")
    if not isinstance(template, Mapping):
        return None
    for body in template.get("resources") or []:
        if isinstance(body, Mapping) and body.get("type") == ONLINE_ENDPOINT_TYPE:
            properties = body.get("properties") or {}
            return dict(properties.get("traffic") or {}), dict(properties.get("mirrorTraffic") or {})
    return None


def _percentages(shares: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {share}%" for name, share in sorted(shares.items())) or "none"


def resource_lines(resource: RegisteredResource, indent: str) -> list[str]:
    lines = []
    split = traffic_split(resource)
    if split is not None:
        live, mirror = split
        lines.append(f"{indent}=> live traffic: {_percentages(live)}")
        lines.append(f"{indent}=> mirror traffic: {_percentages(mirror)}")
    for key in sorted(resource.inputs):
        lines += value_lines(key, resource.inputs[key], indent)
    return lines


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
                lines.extend(resource_lines(r, indent + INDENT))
            walk(r.urn, indent + INDENT)

    walk(None, "")
    lines += upload_lines(result)
    if result.outputs:
        lines.append("Outputs:")
        for key in sorted(result.outputs):
            lines += value_lines(key, result.outputs[key], INDENT)
    return "\n".join(lines)
