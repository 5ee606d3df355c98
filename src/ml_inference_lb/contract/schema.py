"""Reading the vendored schemas (``schemas/*.json``, written by ``generate.py``).

A schema file holds ``models`` (name -> ``{"fields": {wire_name: field}, "discriminator"?: ...}``) and
``enums`` (name -> known values). A field is ``{"type": T, "required"?, "readonly"?, "client_name"?,
"flatten"?, "pattern"?, "minimum"?, "maximum"?, "min_length"?, "max_length"?, "min_items"?,
"max_items"?}``; a type ``T`` has a ``kind``: string, integer, number, boolean, any, duration, date-time,
enum (``enum``), const (``value``), model (``model``), inline (``fields``), array (``items``), map (``values``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class Schema:
    """One vendored schema file."""

    file: str
    provider: str
    api_version: str
    generated_from: str
    models: dict[str, Json]
    enums: dict[str, list[str]]

    def model(self, name: str) -> Json:
        return self.models[name]

    def fields_of(self, type_: Json) -> dict[str, Json]:
        """The fields of a ``model`` or ``inline`` type."""
        if type_["kind"] == "inline":
            fields: dict[str, Json] = type_["fields"]
            return fields
        model_fields: dict[str, Json] = self.models[type_["model"]].get("fields", {})
        return model_fields


@functools.cache
def load(file: str) -> Schema:
    """Load one schema file shipped in ``ml_inference_lb/contract/schemas``."""
    text = resources.files("ml_inference_lb.contract").joinpath("schemas", file).read_text(encoding="utf-8")
    data = json.loads(text)
    return Schema(
        file=file,
        provider=str(data["provider"]),
        api_version=str(data["api_version"]),
        generated_from=str(data["generated_from"]),
        models=data["models"],
        enums=data["enums"],
    )
