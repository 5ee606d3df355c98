"""The coverage report and the command-line check."""

from __future__ import annotations

import os

import pytest

from ml_inference_lb.contract import CONTRACTS
from ml_inference_lb.contract.__main__ import main
from ml_inference_lb.contract.report import coverage, render

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "examples")


def test_every_contract_has_properties_and_examples_send_known_paths_only() -> None:
    rows = coverage(EXAMPLES)
    assert len(rows) == len(CONTRACTS)
    for row in rows:
        assert row.properties > 0, row.contract.pulumi_type
        assert row.sent <= row.paths
    endpoint = next(r for r in rows if r.contract.pulumi_type.endswith(":OnlineEndpoint"))
    assert {"location", "properties.authMode", "properties.publicNetworkAccess"} <= endpoint.sent
    text = render(rows, with_sent=True)
    assert f"{len(CONTRACTS)} resource types checked, {sum(r.properties for r in rows)} writable property paths" in text


def test_cli_checks_a_program(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([os.path.join(EXAMPLES, "quickstart"), "--no-rules"]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().err
    assert main(["--report"]) == 0
    assert "| machinelearningservices:OnlineDeployment |" in capsys.readouterr().out
