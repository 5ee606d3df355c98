"""What the next ``pulumi up`` does, in order: Pulumi's step generator, modelled on two plans.

The model (docs/rollout.md, pulumi/pulumi developer-docs/architecture/resource-registration.md):

- Registrations are processed in program order. A resource with no old state is **created**. Otherwise
  ``ignoreChanges`` paths take their old value (Pulumi docs, ignoreChanges), the inputs are diffed, and a
  change to a replace-triggering input (``replacements.py``, plus ``replaceOnChanges``) **replaces** it;
  any other change **updates** it with a full PUT of the resulting inputs (pulumi-azure-native PR #3042).
- A replacement creates the new resource first and deletes the old one with the deletions at the end;
  with ``deleteBeforeReplace`` the old one is deleted first.
- After the program, resources it no longer registers are **deleted** in reverse dependency order; one
  whose ``deletedWith`` target is deleted too is skipped (Pulumi docs, deletedWith). Deleting or replacing
  a ``protect``-ed resource fails the update (Pulumi docs, protect).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..deployability.graph import property_dependencies
from ..plan.engine import PlanResult, RegisteredResource
from .replacements import replace_triggers, replaces_on_any_change, touches

Op = Literal["create", "update", "create-replacement", "delete-replaced", "delete-before-replace", "delete"]


@dataclass(frozen=True)
class Step:
    """One operation Pulumi performs, in the order the model runs them."""

    op: Op
    resource: RegisteredResource
    """The new registration (create, update, create-replacement) or the old state (deletes)."""
    old: RegisteredResource | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    """Inputs the provider sends: the new inputs with ignored paths taken from the old state."""
    changed: tuple[str, ...] = ()
    """Input paths that differ from the old state."""
    reason: str = ""
    skipped: str | None = None
    """Why Pulumi skips the provider call (``deletedWith``), if it does."""
    refused: str | None = None
    """Why Pulumi itself refuses the step (``protect``)."""

    @property
    def label(self) -> str:
        return f"{self.op} {self.resource.type.split(':')[-1]} '{self.resource.name}'"


def _tokens(path: str) -> list[str | int]:
    return [int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"\[\d+\]|[^.\[\]]+", path)]


def _step(value: Any, token: str | int) -> tuple[bool, Any]:
    if isinstance(token, int):
        return (True, value[token]) if isinstance(value, list) and token < len(value) else (False, None)
    return (True, value[token]) if isinstance(value, Mapping) and token in value else (False, None)


def _get(value: Any, tokens: list[str | int]) -> tuple[bool, Any]:
    for token in tokens:
        found, value = _step(value, token)
        if not found:
            return False, None
    return True, value


def get_path(value: Any, path: str) -> tuple[bool, Any]:
    """(found, value) at a dotted input path such as ``properties.traffic`` or ``profiles[0].capacity``."""
    return _get(value, _tokens(path))


def _set(value: Any, tokens: list[str | int], item: Any) -> None:
    found, container = _get(value, tokens[:-1])
    last = tokens[-1]
    if found and isinstance(container, dict) and isinstance(last, str):
        container[last] = item
    elif found and isinstance(container, list) and isinstance(last, int) and last < len(container):
        container.__setitem__(last, item)


def apply_ignore_changes(new: Mapping[str, Any], old: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The inputs Pulumi uses: ``new`` with each ignored path set to its old value, where the old state has one."""
    result = copy.deepcopy(dict(new))
    for path in paths:
        if path == "*":
            return copy.deepcopy(dict(old))
        tokens = _tokens(path)
        found, value = _get(old, tokens)
        if found and _get(result, tokens[:-1])[0]:
            _set(result, tokens, copy.deepcopy(value))
    return result


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    """Leaf paths where two input trees differ (lists compare whole)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                found.append(sub)
            else:
                found.extend(changed_paths(old[key], new[key], sub))
        return found
    return [] if old == new else [path or "(all)"]


def _match_old(new: RegisteredResource, old_by_urn: Mapping[str, RegisteredResource]) -> RegisteredResource | None:
    """The old state this registration continues: same URN, or an alias (a URN, or ``type::name``)."""
    if new.urn in old_by_urn:
        return old_by_urn[new.urn]
    for alias in new.aliases:
        if alias in old_by_urn:
            return old_by_urn[alias]
        kind, _, name = alias.partition("::")
        wanted_type = new.type if kind in ("", "*") else kind
        wanted_name = new.name if name in ("", "*") else name
        for old in old_by_urn.values():
            if old.type == wanted_type and old.name == wanted_name:
                return old
    return None


def _dependencies(resource: RegisteredResource) -> set[str]:
    urns = set(resource.dependencies)
    for deps in property_dependencies(resource).values():
        urns.update(deps)
    if resource.parent:
        urns.add(resource.parent)
    return urns


def _delete_order(doomed: list[RegisteredResource]) -> list[RegisteredResource]:
    """Dependents before what they depend on (Pulumi deletes in reverse dependency order)."""
    remaining = {r.urn: r for r in doomed}
    ordered: list[RegisteredResource] = []
    while remaining:
        # A resource can go once nothing still remaining depends on it.
        needed = {dep for r in remaining.values() for dep in _dependencies(r)}
        ready = [r for urn, r in remaining.items() if urn not in needed] or list(remaining.values())
        for resource in sorted(ready, key=lambda r: [x.urn for x in doomed].index(r.urn), reverse=True):
            ordered.append(resource)
            del remaining[resource.urn]
    return ordered


def plan_steps(old: PlanResult, new: PlanResult) -> list[Step]:
    """Every step of the ``pulumi up`` that takes a stack deployed from ``old`` to ``new``."""
    old_by_urn = {r.urn: r for r in old.resources if r.custom}
    matched: set[str] = set()
    steps: list[Step] = []
    replaced: list[RegisteredResource] = []
    for resource in (r for r in new.resources if r.custom):
        previous = _match_old(resource, old_by_urn)
        if previous is None:
            steps.append(Step("create", resource, body=resource.inputs))
            continue
        matched.add(previous.urn)
        body = apply_ignore_changes(resource.inputs, previous.inputs, resource.ignore_changes)
        changes = changed_paths(previous.inputs, body)
        if not changes:
            continue
        triggers = (*replace_triggers(resource.type, "location" in body), *resource.replace_on_changes)
        why = [c for c in changes if replaces_on_any_change(resource.type) or any(touches(c, t) for t in triggers)]
        if not why:
            steps.append(Step("update", resource, previous, body, tuple(changes)))
            continue
        refused = "protected: Pulumi refuses to replace it" if previous.protect or resource.protect else None
        reason = f"replace-triggering change to {', '.join(why)}"
        if resource.delete_before_replace:
            steps.append(Step("delete-before-replace", previous, previous, reason=reason, refused=refused))
            steps.append(Step("create-replacement", resource, previous, body, tuple(changes), reason))
        else:
            steps.append(Step("create-replacement", resource, previous, body, tuple(changes), reason, refused=refused))
            replaced.append(previous)
    gone = [r for urn, r in old_by_urn.items() if urn not in matched]
    doomed_urns = {r.urn for r in gone}
    for resource in _delete_order(gone + replaced):
        op: Op = "delete-replaced" if resource in replaced else "delete"
        target = resource.deleted_with
        skipped = f"deleted with '{target.split('::')[-1]}'" if target and target in doomed_urns else None
        refused = "protected: Pulumi refuses to delete it" if resource.protect else None
        steps.append(Step(op, resource, resource, skipped=skipped, refused=refused))
    return steps
