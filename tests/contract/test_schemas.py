"""The vendored schemas are what the generator makes from the pinned SDKs, and are internally whole."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from ml_inference_lb.contract import CONTRACTS
from ml_inference_lb.contract.generate import SCHEMA_DIR, SOURCES, build
from ml_inference_lb.contract.schema import load


def _refs(type_: dict[str, Any]) -> list[str]:
    kind = type_["kind"]
    if kind == "model":
        return [type_["model"]]
    if kind == "array":
        return _refs(type_["items"])
    if kind == "map":
        return _refs(type_["values"])
    if kind == "inline":
        return [r for f in type_["fields"].values() for r in _refs(f["type"])]
    return []


def test_ml_schema_is_what_azure_ai_ml_generates() -> None:
    """azure-ai-ml is installed with the test extra: the vendored ML file must not drift from it."""
    pytest.importorskip("azure.ai.ml")
    source = next(s for s in SOURCES if s.provider == "Microsoft.MachineLearningServices")
    with open(os.path.join(SCHEMA_DIR, source.file), encoding="utf-8") as handle:
        vendored = json.load(handle)
    regenerated = json.loads(json.dumps(build(source)))
    assert regenerated == vendored, f"regenerate with: python -m ml_inference_lb.contract.generate --only {source.file}"


def test_preview_pool_schema_is_what_the_vendored_rest_spec_excerpt_generates() -> None:
    source = next(s for s in SOURCES if s.style == "swagger")
    with open(os.path.join(SCHEMA_DIR, source.file), encoding="utf-8") as handle:
        vendored = json.load(handle)
    assert json.loads(json.dumps(build(source))) == vendored


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.pulumi_type)
def test_every_contract_resolves(contract: Any) -> None:
    schema = load(contract.schema_file)
    assert contract.root_model in schema.models
    dangling = [
        (name, ref)
        for name, model in schema.models.items()
        for field in model.get("fields", {}).values()
        for ref in _refs(field["type"])
        if ref not in schema.models
    ]
    enums = {
        f["type"]["enum"]
        for m in schema.models.values()
        for f in m.get("fields", {}).values()
        if f["type"]["kind"] == "enum"
    }
    assert not dangling
    assert enums <= set(schema.enums)
