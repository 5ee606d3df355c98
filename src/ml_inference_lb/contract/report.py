"""Coverage of the contract checker: which types, API versions and how many properties it checks.

``python -m ml_inference_lb.contract --report`` prints it; ``--examples DIR`` also plans every program
under ``DIR`` and counts the property paths those programs actually send.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .contracts import CONTRACTS, Contract
from .schema import Json, Schema, load

_RULE_KEYS = ("pattern", "minimum", "maximum", "min_length", "max_length", "min_items", "max_items")


@dataclass
class TypeCoverage:
    """What the checker knows about one resource type's request body."""

    contract: Contract
    properties: int
    """Writable property paths in the body (array items as ``[]``, map values as ``{}``)."""
    required: int
    enums: int
    constraints: int
    paths: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    """Property paths (of ``paths``) the examples actually send."""


def _walk(schema: Schema, type_: Json, path: str, seen: tuple[str, ...]) -> Iterator[tuple[str, Json]]:
    kind = type_["kind"]
    if kind == "array":
        yield from _walk(schema, type_["items"], f"{path}[]", seen)
    elif kind == "map":
        yield from _walk(schema, type_["values"], f"{path}{{}}", seen)
    elif kind in ("model", "inline"):
        name = type_.get("model", "")
        if name and name in seen:
            return
        models = [type_]
        if name:
            disc = schema.models[name].get("discriminator")
            models += [{"kind": "model", "model": sub} for sub in (disc or {}).get("mapping", {}).values()]
        for model in models:
            for wire, spec in schema.fields_of(model).items():
                if spec.get("readonly"):
                    continue
                where = f"{path}.{wire}" if path else wire
                yield where, spec
                yield from _walk(schema, spec["type"], where, (*seen, name, model.get("model", "")))


def type_coverage(contract: Contract) -> TypeCoverage:
    schema = load(contract.schema_file)
    fields: dict[str, Json] = dict(_walk(schema, {"kind": "model", "model": contract.root_model}, "", ()))
    return TypeCoverage(
        contract,
        properties=len(fields),
        required=sum(1 for f in fields.values() if f.get("required")),
        enums=sum(1 for f in fields.values() if f["type"]["kind"] in ("enum", "const")),
        constraints=sum(1 for f in fields.values() for k in _RULE_KEYS if k in f),
        paths=set(fields),
    )


def sent_paths(value: Any, path: str = "") -> Iterator[str]:
    """Property paths present in a body (same notation as ``TypeCoverage.properties``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            yield where
            yield from sent_paths(item, where)
    elif isinstance(value, list):
        for item in value:
            yield from sent_paths(item, f"{path}[]")


def coverage(examples_dir: str | None = None) -> list[TypeCoverage]:
    """Coverage of every contract; with ``examples_dir``, also what its programs send."""
    table = {c.pulumi_type: type_coverage(c) for c in CONTRACTS}
    if examples_dir:
        from ..plan.engine import run_directory
        from .check import request_body

        for name in sorted(os.listdir(examples_dir)):
            directory = os.path.join(examples_dir, name)
            if not os.path.isfile(os.path.join(directory, "__main__.py")):
                continue
            for resource in run_directory(directory).resources:
                entry = table.get(resource.type)
                if entry is not None:
                    body, _ = request_body(entry.contract, dict(resource.inputs), resource.name)
                    entry.sent.update(p for p in map(_generic, sent_paths(body)) if p in entry.paths)
    return list(table.values())


def _generic(path: str) -> str:
    """Map keys are free-form: ``tags.app`` counts as ``tags``."""
    for prefix in ("tags.", "properties.environmentVariables.", "properties.traffic.", "properties.mirrorTraffic."):
        if path.startswith(prefix):
            return prefix.rstrip(".")
    return path


def render(rows: list[TypeCoverage], with_sent: bool) -> str:
    lines = [
        "| Pulumi type | ARM type | provider API | schema API | properties | required | enums | constraints |"
        + (" sent by examples |" if with_sent else ""),
        "|---|---|---|---|---:|---:|---:|---:|" + ("---:|" if with_sent else ""),
    ]
    for row in rows:
        c = row.contract
        schema_version = load(c.schema_file).api_version
        short = c.pulumi_type.removeprefix("azure-native:")
        sent = f" {len(row.sent)} |" if with_sent else ""
        lines.append(
            f"| {short} | {c.arm_type} | {c.provider_api_version} | {schema_version} | {row.properties} "
            f"| {row.required} | {row.enums} | {row.constraints} |{sent}"
        )
    total = sum(r.properties for r in rows)
    lines.append("")
    lines.append(
        f"{len(rows)} resource types checked, {total} writable property paths, "
        f"{sum(r.enums for r in rows)} with enums, {sum(r.required for r in rows)} required, "
        f"{sum(r.constraints for r in rows)} constraints (pattern/range/length/items)."
        + (f" The examples send {sum(len(r.sent) for r in rows)} distinct property paths." if with_sent else "")
    )
    return "\n".join(lines)
