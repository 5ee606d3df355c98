"""The coverage report and the command-line check."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_cli_checks_a_program_and_prints_its_verdict_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([os.path.join(EXAMPLES, "quickstart"), "--no-rules"]) == 0
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("request bodies checked against Azure's API definitions: 0 errors, 0 warnings")
    assert err == ""
    assert main(["--report"]) == 0
    assert "| machinelearningservices:OnlineDeployment |" in capsys.readouterr().out


def test_cli_help_is_plain_text_with_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":class:" not in text
    assert "exit codes:" in text and "  1  Azure would reject a request body, or a deployability rule" in text


def test_cli_reports_a_missing_folder_and_a_program_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "__main__.py").write_text("raise RuntimeError('boom')\n")
    assert main([str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: boom" in err and "runpy" not in err
