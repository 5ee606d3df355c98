"""Turning captured Pulumi inputs into the ARM request body, as pulumi-azure-native does.

The provider drops the path parameters (they are in the URL), renames SDK names to wire names
(``enableHttpsTrafficOnly`` -> ``supportsHttpsTrafficOnly``, ``applicationType`` -> ``Application_Type``)
and moves flattened inputs back under their wire parent (``minimumTlsVersion`` ->
``properties.minimumTlsVersion``). Keys it does not know are kept where they are, so that the validator
reports them as unknown properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .schema import Json, Schema


@dataclass
class Conversion:
    """A body and the problems found while building it (SDK names used where Pulumi expects others)."""

    body: Any
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(path, message) pairs."""


def _pulumi_name(wire: str, spec: Json) -> str:
    return str(spec.get("client_name", wire))


def _lookup(schema: Schema, type_: Json, value: Any) -> dict[str, tuple[list[str], Json]]:
    """Pulumi name -> (wire path below this object, field spec), following flattened members."""
    table: dict[str, tuple[list[str], Json]] = {}
    for wire, spec in _fields_for_value(schema, type_, value).items():
        if spec.get("flatten") and spec["type"]["kind"] in ("inline", "model"):
            nested_value = value if isinstance(value, dict) else {}
            for name, (path, child) in _lookup(schema, spec["type"], nested_value).items():
                table.setdefault(name, ([wire, *path], child))
        elif not spec.get("readonly"):
            table[_pulumi_name(wire, spec)] = ([wire], spec)
    for wire, spec in _fields_for_value(schema, type_, value).items():
        if spec.get("readonly"):  # read-only members never shadow a writable flattened one
            table.setdefault(_pulumi_name(wire, spec), ([wire], spec))
    return table


def _fields_for_value(schema: Schema, type_: Json, value: Any) -> dict[str, Json]:
    """The fields of ``type_``, or of the subtype its discriminator value selects."""
    model = resolve_subtype(schema, type_, value)
    return schema.fields_of(model)


def resolve_subtype(schema: Schema, type_: Json, value: Any) -> Json:
    """Follow a discriminator: the type of the subtype ``value`` names (case-insensitively), else ``type_``."""
    if type_["kind"] != "model":
        return type_
    disc = schema.models[type_["model"]].get("discriminator")
    if not disc or not isinstance(value, dict):
        return type_
    given = value.get(disc["property"])
    for key, sub in disc["mapping"].items():
        if isinstance(given, str) and key.lower() == given.lower():
            return {"kind": "model", "model": sub}
    return type_


LIST_AS_MAP = frozenset({"userAssignedIdentities"})
"""Inputs pulumi-azure-native (v2 and later) takes as a list of ARM ids and sends as the map ``{id: {}}``
(its ``ManagedServiceIdentityArgs``: "The userAssignedIdentities dictionary keys will be ARM resource ids ...
The dictionary values can be empty objects ({}) in requests", on a ``Sequence[str]`` input)."""


def to_wire(schema: Schema, type_: Json, value: Any, path: str, notes: list[tuple[str, str]]) -> Any:
    """Convert one Pulumi input value of schema type ``type_`` to its wire form."""
    kind = type_["kind"]
    if kind == "map" and isinstance(value, list) and path.rsplit(".", 1)[-1] in LIST_AS_MAP:
        return {str(item): {} for item in value}
    if kind == "array" and isinstance(value, list):
        return [to_wire(schema, type_["items"], v, f"{path}[{i}]", notes) for i, v in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {k: to_wire(schema, type_["values"], v, f"{path}.{k}", notes) for k, v in value.items()}
    if kind not in ("model", "inline") or not isinstance(value, dict):
        return value
    table = _lookup(schema, type_, value)
    wire_names = {wire_path[-1]: name for name, (wire_path, _) in table.items() if name != wire_path[-1]}
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key in table:
            wire_path, spec = table[key]
            target = out
            for part in wire_path[:-1]:
                target = target.setdefault(part, {})
            target[wire_path[-1]] = to_wire(schema, spec["type"], item, where, notes)
            continue
        if key in wire_names:
            notes.append(
                (
                    where,
                    f"'{key}' is the wire name; pulumi-azure-native knows this input as '{wire_names[key]}' "
                    "and would not send it under this key",
                )
            )
        out[key] = item
    return out


def build_body(
    schema: Schema, root_model: str, inputs: dict[str, Any], path_params: tuple[str, ...], flatten: bool
) -> Conversion:
    """The ARM PUT body for a resource's Pulumi ``inputs``."""
    body_inputs = {k: v for k, v in inputs.items() if k not in path_params}
    root: Json = {"kind": "model", "model": root_model}
    notes: list[tuple[str, str]] = []
    if flatten:
        fields = schema.fields_of(root)
        props_type = fields["properties"]["type"]
        top = {k: v for k, v in body_inputs.items() if k in fields and not fields[k].get("readonly")}
        inner = {k: v for k, v in body_inputs.items() if k not in top}
        if "properties" in inner and isinstance(inner["properties"], dict):
            notes.append(("properties", "inputs of this resource are flattened; 'properties' is not a Pulumi input"))
        body = to_wire(schema, root, top, "", notes)
        if inner:
            body["properties"] = to_wire(schema, props_type, inner, "", notes)
        return Conversion(body, notes)
    return Conversion(to_wire(schema, root, body_inputs, "", notes), notes)
