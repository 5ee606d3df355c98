"""The contract check: every registered Azure resource's request body against Azure's definitions.

``check_plan(result)`` runs over a :class:`~ml_inference_lb.plan.PlanResult`; ``check_resource`` over
one resource's captured inputs. A ``resources.Deployment`` is checked twice: its own body, and every
resource its inline ARM template PUTs (the traffic update re-PUTs the whole online endpoint).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..plan.engine import PlanResult
from .contracts import BY_ARM_TYPE, BY_PULUMI_TYPE, Contract, needs_contract
from .schema import Schema, load
from .validate import Severity, Validator
from .wire import build_body

# Keys of a resource in an ARM template that are template syntax, not part of the PUT body.
TEMPLATE_KEYS = frozenset(
    {"type", "apiVersion", "name", "dependsOn", "condition", "copy", "comments", "scope", "metadata"}
)
PROVIDER_DEFAULT_VALUE = "(filled in by the provider)"


@dataclass(frozen=True)
class Violation:
    """One way a registered resource's request body disagrees with Azure's definition."""

    resource: str
    """The resource's logical (Pulumi) name."""
    type: str
    path: str
    """Where in the ARM request body (``properties.requestSettings.requestTimeout``)."""
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.resource} ({self.type}) {self.path}: {self.message}"


@dataclass
class CheckStats:
    """What a check looked at, for the coverage report."""

    resources: int = 0
    values: int = 0


def check_resource(
    pulumi_type: str, inputs: Mapping[str, Any], name: str = "", *, custom: bool = True, stats: CheckStats | None = None
) -> list[Violation]:
    """Check one resource's captured (wire, camelCase) Pulumi inputs against its contract."""
    if not needs_contract(pulumi_type, custom):
        return []
    contract = BY_PULUMI_TYPE.get(pulumi_type)
    if contract is None:
        return [
            Violation(
                name,
                pulumi_type,
                "(type)",
                f"no contract for {pulumi_type}: the library registers it, but nothing checks its request body "
                "against Azure's definition. Add a Contract to ml_inference_lb/contract/contracts.py (and its schema).",
            )
        ]
    body, violations = request_body(contract, dict(inputs), name)
    violations += _validate(contract, body, name, pulumi_type, "", expressions=False, stats=stats)
    if contract.arm_type == "Microsoft.Resources/deployments":
        violations += _check_template(body, name, pulumi_type, stats)
    return violations


def check_plan(result: PlanResult) -> list[Violation]:
    """Check every resource a plan registered; returns errors and warnings (see ``Violation.severity``)."""
    return check_resources((r.type, r.name, r.custom, r.inputs) for r in result.resources)


def check_resources(
    items: Iterable[tuple[str, str, bool, Mapping[str, Any]]], stats: CheckStats | None = None
) -> list[Violation]:
    """Check (type, logical name, custom, inputs) tuples; ``stats`` counts what was looked at."""
    violations: list[Violation] = []
    for pulumi_type, name, custom, inputs in items:
        violations += check_resource(pulumi_type, inputs, name, custom=custom, stats=stats)
    return violations


def errors(violations: Iterable[Violation]) -> list[Violation]:
    """Only the violations Azure would reject (not the warnings)."""
    return [v for v in violations if v.severity == "error"]


def request_body(contract: Contract, inputs: dict[str, Any], name: str) -> tuple[Any, list[Violation]]:
    """The ARM request body for a resource's captured inputs, and the problems found building it."""
    schema = load(contract.schema_file)
    if contract.data_plane:
        return inputs, []
    inputs = {contract.input_renames.get(k, k): v for k, v in inputs.items()}
    conversion = build_body(schema, contract.root_model, inputs, contract.path_params, contract.flatten_properties)
    body = conversion.body
    for key in contract.provider_defaults:
        if isinstance(body, dict) and key not in body and "resourceGroupName" in inputs:
            body[key] = PROVIDER_DEFAULT_VALUE
    violations = [Violation(name, contract.pulumi_type, path, message) for path, message in conversion.notes]
    return body, violations


def _validate(
    contract: Contract,
    body: Any,
    name: str,
    pulumi_type: str,
    prefix: str,
    *,
    expressions: bool,
    stats: CheckStats | None,
) -> list[Violation]:
    validator = Validator(schema_of(contract), expressions=expressions)
    validator.check({"kind": "model", "model": contract.root_model}, body, "")
    if stats is not None:
        stats.resources += 1
        stats.values += validator.checked
    return [Violation(name, pulumi_type, _where(prefix, f.path), f.message, f.severity) for f in validator.findings]


def schema_of(contract: Contract) -> Schema:
    """The contract's schema, with the enum values the contract adds (``Contract.enum_additions``)."""
    schema = load(contract.schema_file)
    if not contract.enum_additions:
        return schema
    enums = dict(schema.enums)
    for name, extra in contract.enum_additions.items():
        enums[name] = [*enums[name], *extra]
    return dataclasses.replace(schema, enums=enums)


def _where(prefix: str, path: str) -> str:
    if path == "(body)":
        return prefix.rstrip(".") or path
    return prefix + path


def _check_template(body: Any, name: str, pulumi_type: str, stats: CheckStats | None) -> list[Violation]:
    template = body.get("properties", {}).get("template") if isinstance(body, dict) else None
    if not isinstance(template, dict):
        return []
    violations: list[Violation] = []
    for index, resource in enumerate(template.get("resources") or []):
        prefix = f"properties.template.resources[{index}]."
        if not isinstance(resource, dict):
            continue
        arm_type, api_version = str(resource.get("type", "")), str(resource.get("apiVersion", ""))
        contract = BY_ARM_TYPE.get((arm_type.lower(), api_version))
        if contract is None:
            violations.append(
                Violation(
                    name,
                    pulumi_type,
                    prefix + "type",
                    f"the inline ARM template PUTs {arm_type} at API {api_version}, which has no contract: "
                    "add one in ml_inference_lb/contract/contracts.py",
                )
            )
            continue
        embedded = {k: v for k, v in resource.items() if k not in TEMPLATE_KEYS}
        violations += _validate(contract, embedded, name, pulumi_type, prefix, expressions=True, stats=stats)
    return violations
