"""examples/private-network: its scoring script (run in process, as the inference server would) and what the
program registers."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
from types import ModuleType

import pytest
from conftest import EXAMPLES

from ml_inference_lb.plan import run_directory

EXAMPLE = os.path.join(EXAMPLES, "private-network")


def load_score() -> ModuleType:
    spec = importlib.util.spec_from_file_location("private_network_score", os.path.join(EXAMPLE, "src", "score.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_are_signed_with_the_injected_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_MODEL_DIR", os.path.join(EXAMPLES, "quickstart", "model"))
    monkeypatch.setenv("RESPONSE_SIGNING_KEY", "k3y")
    score = load_score()
    score.init()
    with open(os.path.join(EXAMPLE, "sample-request.json"), encoding="utf-8") as handle:
        answer = score.run(handle.read())
    assert [p["class"] for p in answer["predictions"]] == ["setosa", "virginica"]
    canonical = json.dumps(answer["predictions"], sort_keys=True, separators=(",", ":")).encode()
    assert answer["signature"] == hmac.new(b"k3y", canonical, hashlib.sha256).hexdigest()


def test_refuses_to_start_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_MODEL_DIR", os.path.join(EXAMPLES, "quickstart", "model"))
    monkeypatch.delenv("RESPONSE_SIGNING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="Key Vault reference"):
        load_score().init()


def test_the_program_is_private_with_a_user_assigned_identity_and_a_reference() -> None:
    result = run_directory(EXAMPLE)
    by_name = {r.name: r for r in result.resources}
    assert by_name["iris-endpoint"].inputs["properties"]["publicNetworkAccess"] == "Disabled"
    assert by_name["iris-endpoint"].inputs["identity"]["type"] == "UserAssigned"
    assert by_name["iris-workspace"].inputs["managedNetwork"] == {"isolationMode": "AllowOnlyApprovedOutbound"}
    env = by_name["iris-blue"].inputs["properties"]["environmentVariables"]
    assert env["RESPONSE_SIGNING_KEY"].startswith("${{keyvault:https://kv-ml-secrets.vault.azure.net/secrets/")
    assert (
        by_name["iris-outbound-signing-key-vault"].inputs["properties"]["destination"]["subresourceTarget"] == "vault"
    )
    assert {"iris-workspace-pe", "iris-storage-blob-pe", "iris-secret-signing-key-reader"} <= set(by_name)
