"""The plan as an ARM template: every planned resource's request body, for policy tools (Checkov, PSRule...).

``arm_template(result)`` turns each registered Azure resource into one ARM template resource: its type
and the API version pulumi-azure-native sends, its Azure name, and the request body Azure would receive
(``location``, ``properties``, ``sku``, ``identity``, ``tags``, ``kind``...), rebuilt by the contract
checker (:func:`ml_inference_lb.contract.check.request_body`: one rebuild, used by both). ``dependsOn``
follows what Pulumi waits for. The document is a *description for scanners*, not a deployment artefact:
see ``docs/security-scan.md`` for what it leaves out and how values unknown offline and secrets appear.

ARM template syntax used here (Microsoft Learn, ``azure-resource-manager/templates/syntax.md``,
``template-expressions.md``, ``scope-extension-resources.md``, ``template-parameters.md``):

- a string that starts with ``[`` and ends with ``]`` is an expression; a literal one is written ``[[...``;
- extension resources (role assignments, diagnostic settings) name what they extend in ``scope``;
- ``securestring`` parameters are never logged or shown by ARM; a secret is one, without a default value;
- ``metadata`` objects are ignored by Resource Manager and may sit on the template and on each resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..contract.check import PROVIDER_DEFAULT_VALUE, request_body
from ..contract.contracts import BY_PULUMI_TYPE, Contract, needs_contract
from .engine import SECRET_TEXT, PlanResult, RegisteredResource

TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
UNKNOWN_TEXT = "[unknown]"
SCOPE_PARAMS = ("scope", "resourceUri")
"""Path parameters that name the resource an extension resource applies to."""
RESOURCE_GROUP_PARAM = "resourceGroupName"
ARM_DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"
GENERATOR = "ml-inference-lb plan --format arm"


@dataclass(frozen=True)
class Omitted:
    """A registered resource that is not in the template, and why."""

    name: str
    type: str
    reason: str


@dataclass
class _Parameters:
    """Template parameters standing for values the plan cannot know (secrets, values known only after deploy)."""

    declared: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, kind: str, resource: str, path: str) -> str:
        name = f"{kind}{len([p for p in self.declared if p.startswith(kind)]) + 1}"
        what = "a secret" if kind == "secret" else "a value known only after deployment"
        self.declared[name] = {
            "type": "securestring" if kind == "secret" else "string",
            "metadata": {"description": f"{what}: {resource} {path}"},
        }
        return f"[parameters('{name}')]"


@dataclass(frozen=True)
class ArmExport:
    """The template, and which registered resources it leaves out."""

    template: dict[str, Any]
    omitted: tuple[Omitted, ...]
    logical_names: Mapping[tuple[str, str], str]
    """(ARM type, ARM name) -> Pulumi logical name, for tools that report findings by ARM name."""


def arm_template(result: PlanResult) -> dict[str, Any]:
    """The ARM template of ``result``'s request bodies (see :func:`export`)."""
    return export(result).template


def export(result: PlanResult) -> ArmExport:
    """Every Azure resource of the plan as an ARM template resource, plus what was left out and why."""
    params = _Parameters()
    exported: list[tuple[RegisteredResource, Contract, dict[str, Any]]] = []
    name_parts: dict[str, list[str]] = {}
    omitted: list[Omitted] = []
    for resource in result.resources:
        if not needs_contract(resource.type, resource.custom):
            continue
        contract = BY_PULUMI_TYPE.get(resource.type)
        reason = _why_omitted(contract)
        if contract is None or reason:
            omitted.append(Omitted(resource.name, resource.type, reason or "no contract: its body cannot be rebuilt"))
            continue
        name_parts[resource.urn] = _name_parts(resource, contract, params)
        exported.append((resource, contract, _resource(resource, contract, params, name_parts[resource.urn])))

    ids = {r.urn: _resource_id_expression(entry, name_parts[r.urn]) for r, _, entry in exported}
    by_urn = {r.urn: r for r in result.resources}
    children: dict[str, list[str]] = {}
    for r in result.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)
    for resource, _, entry in exported:
        waits_for = _exported_dependencies(resource, by_urn, children, ids)
        if waits_for:
            entry["dependsOn"] = [ids[urn] for urn in waits_for]

    template: dict[str, Any] = {
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {
            "generator": GENERATOR,
            "project": result.project,
            "stack": result.stack,
            "notDeployable": "Request bodies planned offline under Pulumi's mocks, for policy tools. Ids of "
            "resources the stack creates use the placeholder subscription of the mocks; resources may span "
            "resource groups. See docs/security-scan.md.",
            "omitted": [{"name": o.name, "type": o.type, "reason": o.reason} for o in omitted],
        },
        "parameters": params.declared,
        "resources": [entry for _, _, entry in exported],
    }
    names = {(c.arm_type, _arm_name(r, c)): r.name for r, c, _ in exported}
    return ArmExport(template, tuple(omitted), names)


def _why_omitted(contract: Contract | None) -> str:
    if contract is None:
        return ""
    if contract.data_plane:
        return "implemented by the provider against the data plane, not ARM: no ARM request body"
    if " (POST)" in contract.arm_type:
        return "an action (POST) the stack calls, not a resource Azure stores"
    return ""


def _resource(
    resource: RegisteredResource, contract: Contract, params: _Parameters, parts: list[str]
) -> dict[str, Any]:
    body, _ = request_body(contract, dict(resource.inputs), resource.name)
    body = dict(body) if isinstance(body, dict) else {}
    entry: dict[str, Any] = {
        "type": contract.arm_type,
        "apiVersion": contract.provider_api_version,
        "name": _name_value(parts),
    }
    scope = _scope(resource)
    if scope is not None:
        entry["scope"] = _literal(scope)
    nested = contract.arm_type == ARM_DEPLOYMENT_TYPE
    for key, value in body.items():
        if key in ("type", "apiVersion", "name", "dependsOn", "scope"):
            continue  # template syntax the body cannot carry
        entry[key] = _template_value(value, resource.name, key, params, nested and key == "properties")
    if entry.get("location") == PROVIDER_DEFAULT_VALUE:
        entry["location"] = "[resourceGroup().location]"  # what the provider sends: the group's location
    if nested and isinstance(entry.get("properties"), dict):
        # The inline template's own expressions are evaluated inside it, as in the deployment Azure receives.
        entry["properties"].setdefault("expressionEvaluationOptions", {"scope": "inner"})
    entry["metadata"] = {
        "pulumi": {
            "type": resource.type,
            "name": resource.name,
            "urn": resource.urn,
            "resourceGroup": resource.inputs.get(RESOURCE_GROUP_PARAM),
        }
    }
    return entry


def _arm_name(resource: RegisteredResource, contract: Contract) -> str:
    """The ARM name: the resource's name segments, parent first (``workspace/endpoint``)."""
    parts = [
        str(resource.inputs.get(p, UNKNOWN_TEXT))
        for p in contract.path_params
        if p not in (RESOURCE_GROUP_PARAM, *SCOPE_PARAMS)
    ]
    return "/".join(parts) if parts else resource.name


def _name_parts(resource: RegisteredResource, contract: Contract, params: _Parameters) -> list[str]:
    """Each name segment as an ARM expression fragment: a quoted literal, or ``parameters('...')`` where the
    provider picks the name at deploy time (a role assignment's GUID)."""
    parts = []
    for param in contract.path_params:
        if param in (RESOURCE_GROUP_PARAM, *SCOPE_PARAMS):
            continue
        value = resource.inputs.get(param, UNKNOWN_TEXT)
        if value in (UNKNOWN_TEXT, SECRET_TEXT):
            parts.append(params.add("unknown", resource.name, param)[1:-1])
        else:
            parts.append(_quote(str(value)))
    return parts or [_quote(resource.name)]


def _name_value(parts: list[str]) -> str:
    if all(p.startswith("'") for p in parts):
        return _literal("/".join(p[1:-1].replace("''", "'") for p in parts))
    if len(parts) == 1:
        return f"[{parts[0]}]"
    return f"[format({_quote('/'.join('{' + str(i) + '}' for i in range(len(parts))))}, {', '.join(parts)})]"


def _scope(resource: RegisteredResource) -> str | None:
    for param in SCOPE_PARAMS:
        if param in resource.inputs:
            return str(resource.inputs[param])
    return None


def _literal(text: str) -> str:
    """A literal string in ARM template syntax (``[`` at the start would make it an expression)."""
    return "[" + text if text.startswith("[") else text


def _template_value(value: Any, resource: str, path: str, params: _Parameters, inner_template: bool) -> Any:
    if value == SECRET_TEXT:
        return params.add("secret", resource, path)
    if value == UNKNOWN_TEXT:
        return params.add("unknown", resource, path)
    if isinstance(value, dict):
        return {
            k: _template_value(v, resource, f"{path}.{k}", params, inner_template and k != "parameters")
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_template_value(v, resource, f"{path}[{i}]", params, inner_template) for i, v in enumerate(value)]
    if isinstance(value, str) and not inner_template:
        return _literal(value)
    return value


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _resource_id_expression(entry: Mapping[str, Any], parts: list[str]) -> str:
    """``[resourceId(...)]`` (or ``[extensionResourceId(...)]``) of an exported resource, for ``dependsOn``."""
    arm_type = str(entry["type"])
    segments = ", ".join(parts)
    if "scope" in entry:
        scope = str(entry["scope"])
        scope = scope[1:] if scope.startswith("[[") else scope
        return f"[extensionResourceId({_quote(scope)}, {_quote(arm_type)}, {segments})]"
    # Without the resource group argument: the template describes the plan as one deployment (the group of
    # each resource is in its metadata), and scanners resolve this form (Checkov's ARM graph reads it).
    return f"[resourceId({_quote(arm_type)}, {segments})]"


def _exported_dependencies(
    resource: RegisteredResource,
    by_urn: Mapping[str, RegisteredResource],
    children: Mapping[str, list[str]],
    exported: Mapping[str, str],
) -> list[str]:
    """URNs of exported resources ``resource`` waits for. A dependency on a component waits for its
    children; one on a resource that is not exported (random strings, uploads) waits for what it waits for."""
    found: list[str] = []
    seen: set[str] = {resource.urn}
    stack = list(reversed(resource.dependencies))
    while stack:
        urn = stack.pop()
        if urn in seen:
            continue
        seen.add(urn)
        if urn in exported:
            found.append(urn)
            continue
        other = by_urn.get(urn)
        if other is None:
            continue
        stack.extend(reversed(children.get(urn, []) if not other.custom else list(other.dependencies)))
    return sorted(set(found), key=found.index)
