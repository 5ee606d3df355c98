"""Validating an ARM request body against a vendored schema.

Checks, at every level: unknown properties (with the likely intended name: a snake_case key's camelCase
form, or the closest known name), required properties, read-only properties sent, types, enum values
(ARM compares them case-insensitively, so a case difference is a warning), discriminators, patterns,
numeric ranges, string lengths and array sizes. Values the plan cannot know (``[unknown]``), secrets
(``[secret]``) and ARM template expressions (``[...]`` inside a template) are not checked.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

from .schema import Json, Schema
from .wire import resolve_subtype

Severity = Literal["error", "warning"]
OPAQUE = ("[unknown]", "[secret]")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


@dataclass(frozen=True)
class Finding:
    """One problem at a path inside a body."""

    path: str
    message: str
    severity: Severity = "error"


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Validator:
    """Validates values against one schema; ``expressions`` treats ``[...]`` strings as ARM expressions."""

    def __init__(self, schema: Schema, *, expressions: bool = False) -> None:
        self.schema = schema
        self.expressions = expressions
        self.findings: list[Finding] = []
        self.checked = 0
        """How many property values were checked (for the coverage report)."""

    def _add(self, path: str, message: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(path or "(body)", message, severity))

    def _opaque(self, value: Any) -> bool:
        if isinstance(value, str):
            if value in OPAQUE:
                return True
            if self.expressions and value.startswith("[") and value.endswith("]") and not value.startswith("[["):
                return True
        return False

    def check(self, type_: Json, value: Any, path: str) -> None:
        self.checked += 1
        if self._opaque(value) or value is None:
            return
        kind = type_["kind"]
        checker = getattr(self, f"_check_{kind.replace('-', '_')}")
        checker(type_, value, path)

    # -- scalars ---------------------------------------------------------------------------------
    def _expect(self, ok: bool, value: Any, wanted: str, path: str) -> bool:
        if not ok:
            self._add(path, f"expected {wanted}, got {type(value).__name__} {value!r}")
        return ok

    def _check_string(self, type_: Json, value: Any, path: str) -> None:
        self._expect(isinstance(value, str), value, "a string", path)

    def _check_integer(self, type_: Json, value: Any, path: str) -> None:
        self._expect(isinstance(value, int) and not isinstance(value, bool), value, "an integer", path)

    def _check_number(self, type_: Json, value: Any, path: str) -> None:
        self._expect(isinstance(value, int | float) and not isinstance(value, bool), value, "a number", path)

    def _check_boolean(self, type_: Json, value: Any, path: str) -> None:
        self._expect(isinstance(value, bool), value, "a boolean", path)

    def _check_any(self, type_: Json, value: Any, path: str) -> None:
        return

    def _check_date_time(self, type_: Json, value: Any, path: str) -> None:
        self._expect(isinstance(value, str), value, "an ISO-8601 date-time string", path)

    def _check_duration(self, type_: Json, value: Any, path: str) -> None:
        wanted = "an ISO-8601 duration string such as 'PT5M'"
        if self._expect(isinstance(value, str), value, wanted, path) and not _DURATION.match(value):
            self._add(path, f"{value!r} is not an ISO-8601 duration (e.g. 'PT30S', 'PT5M', 'P1D')")

    def _check_enum(self, type_: Json, value: Any, path: str) -> None:
        self._match_known(self.schema.enums[type_["enum"]], value, path, type_["enum"])

    def _check_const(self, type_: Json, value: Any, path: str) -> None:
        self._match_known([str(type_["value"])], value, path, "constant")

    def _match_known(self, known: list[str], value: Any, path: str, name: str) -> None:
        if not self._expect(isinstance(value, str), value, f"one of {known}", path):
            return
        if value in known:
            return
        folded = [k for k in known if k.lower() == value.lower()]
        if folded:
            self._add(
                path,
                f"{value!r} differs in case from Azure's value {folded[0]!r} ({name}); ARM compares enums "
                "case-insensitively, but use Azure's spelling",
                "warning",
            )
            return
        self._add(path, f"{value!r} is not a known {name} value; Azure accepts {known}")

    # -- containers ------------------------------------------------------------------------------
    def _check_array(self, type_: Json, value: Any, path: str) -> None:
        if self._expect(isinstance(value, list), value, "an array", path):
            for i, item in enumerate(value):
                self.check(type_["items"], item, f"{path}[{i}]")

    def _check_map(self, type_: Json, value: Any, path: str) -> None:
        if self._expect(isinstance(value, dict), value, "an object (map)", path):
            for key, item in value.items():
                self.check(type_["values"], item, f"{path}.{key}" if path else key)

    def _check_inline(self, type_: Json, value: Any, path: str) -> None:
        self._check_object(type_, value, path)

    def _check_model(self, type_: Json, value: Any, path: str) -> None:
        self._check_object(type_, value, path)

    def _check_object(self, type_: Json, value: Any, path: str) -> None:
        if not self._expect(isinstance(value, dict), value, "an object", path):
            return
        type_, known_subtype = self._discriminate(type_, value, path)
        fields = self.schema.fields_of(type_)
        for wire, field in fields.items():
            if field.get("required") and not field.get("readonly") and wire not in value:
                self._add(_join(path, wire), f"required property '{wire}' is missing")
        for key, item in value.items():
            where = _join(path, key)
            spec = fields.get(key)
            if spec is None:
                if known_subtype:  # an unknown subtype's members are unknown too: one error is enough
                    self._add(where, self._unknown_message(key, fields))
                continue
            if spec.get("readonly"):
                self._add(where, f"'{key}' is read-only: Azure ignores it in a PUT", "warning")
            self.check(spec["type"], item, where)
            if not self._opaque(item):
                self._constraints(spec, item, where)

    def _discriminate(self, type_: Json, value: dict[str, Any], path: str) -> tuple[Json, bool]:
        """The subtype ``value`` selects, and whether it is a known one."""
        if type_["kind"] != "model":
            return type_, True
        disc: Json | None = self.schema.models[type_["model"]].get("discriminator")
        if not disc:
            return type_, True
        resolved = resolve_subtype(self.schema, type_, value)
        given = value.get(disc["property"])
        if resolved is type_ and given is not None and not self._opaque(given):  # missing: the required check
            known = sorted(disc["mapping"])
            where = _join(path, disc["property"])
            self._add(where, f"{given!r} is not a known '{disc['property']}'; Azure accepts {known}")
            return resolved, False
        return resolved, True

    def _unknown_message(self, key: str, fields: dict[str, Json]) -> str:
        known = sorted(w for w, s in fields.items() if not s.get("readonly"))
        if "_" in key and camel(key) in fields:
            return (
                f"unknown property '{key}': a snake_case key where Azure expects '{camel(key)}' "
                "(the Pulumi SDK does not rename keys nested inside plain dicts or Union-typed inputs)"
            )
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown property '{key}': Azure does not define it here ({hint}known: {', '.join(known)})"

    def _constraints(self, spec: Json, value: Any, path: str) -> None:
        pattern = spec.get("pattern")
        if pattern and isinstance(value, str) and not re.search(pattern, value):
            self._add(path, f"{value!r} does not match Azure's pattern {pattern!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in spec and value < spec["minimum"]:
                self._add(path, f"{value} is below Azure's minimum {spec['minimum']}")
            if "maximum" in spec and value > spec["maximum"]:
                self._add(path, f"{value} is above Azure's maximum {spec['maximum']}")
        if isinstance(value, str):
            if "min_length" in spec and len(value) < spec["min_length"]:
                self._add(path, f"{value!r} is shorter than Azure's minimum length {spec['min_length']}")
            if "max_length" in spec and len(value) > spec["max_length"]:
                self._add(path, f"{value!r} is longer than Azure's maximum length {spec['max_length']}")
        if isinstance(value, list):
            if "min_items" in spec and len(value) < spec["min_items"]:
                self._add(path, f"{len(value)} items, Azure requires at least {spec['min_items']}")
            if "max_items" in spec and len(value) > spec["max_items"]:
                self._add(path, f"{len(value)} items, Azure allows at most {spec['max_items']}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
