"""`ml-inference-lb diff`, `plan --from`, `plan --fail-on` and the contract checker's rules: output and exit codes."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLES, TINY

from ml_inference_lb.cli import main
from ml_inference_lb.contract.__main__ import main as contract_main

QUICKSTART = os.path.join(EXAMPLES, "quickstart")
TESTS = os.path.dirname(os.path.abspath(__file__))
LOOSE_ENDPOINT = {"endpoint_ignore": ["properties.traffic", "properties.mirrorTraffic"]}


def write_raw(folder: Path, **fault: object) -> str:
    """The raw stack of deployability_programs.py as a program folder, with a seeded fault."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: raw-cli\nruntime: python\n")
    (folder / "__main__.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {TESTS!r})
            from deployability_programs import raw_program
            raw_program(**{fault!r})
            """
        )
    )
    return str(folder)


def write_cluster(folder: Path, extra: str = "") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: rollout-cli\nruntime: python\n")
    (folder / "__main__.py").write_text(
        textwrap.dedent(
            f"""
            from ml_inference_lb import InferenceCluster
            deployment = {{
                "name": "blue", "traffic_percent": 100,
                "model": {{"path": {os.path.join(TINY, "model")!r}, "name": "tiny"}},
                "code": {{"path": {os.path.join(TINY, "src")!r}, "scoring_script": "score.py"}},
                "environment": {{"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
                                 "conda_file": {os.path.join(TINY, "conda.yml")!r}, "name": "tiny-env"}},
            }}
            InferenceCluster("c", {{"resource_group_name": "rg", "deployments": [deployment]{extra}}})
            """
        )
    )
    return str(folder)


def test_diff_of_a_safe_change_exits_0_and_lists_the_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_cluster(tmp_path / "old")
    new = write_cluster(tmp_path / "new", ', "request_settings": {"request_timeout_ms": 9000}')
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert "1. update OnlineDeployment 'c-blue'" in out and "Every invariant holds" in out


def test_diff_exits_1_and_names_the_step_that_breaks_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_raw(tmp_path / "old", **LOOSE_ENDPOINT)
    new = write_raw(tmp_path / "new", **LOOSE_ENDPOINT, tags={"team": "ml"})
    assert main(["diff", old, new, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["safe"] is False
    traffic = [v for v in document["violations"] if v["invariant"] == "TRAFFIC"]
    assert document["steps"][traffic[0]["step"] - 1]["name"] == "endpoint"


def test_plan_from_is_the_same_as_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write_raw(tmp_path / "old", **LOOSE_ENDPOINT)
    new = write_raw(tmp_path / "new", **LOOSE_ENDPOINT, tags={"team": "ml"})
    assert main(["plan", new, "--from", old]) == 1
    assert "[TRAFFIC] step" in capsys.readouterr().out
    assert main(["plan", write_raw(tmp_path / "fixed", tags={"team": "ml"}), "--from", write_raw(tmp_path / "v1")]) == 0


def test_diff_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    assert main(["diff", str(tmp_path / "nope"), QUICKSTART]) == 2


def test_plan_prints_findings_after_the_tree_and_fails_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_raw(tmp_path / "broken", provision_network=False)
    assert main(["plan", broken, "--names-only"]) == 0
    out = capsys.readouterr().out
    assert out.index("+ azure-native:machinelearningservices:OnlineDeployment") < out.index("Deployability: 2 errors")
    assert main(["plan", broken, "--names-only", "--fail-on", "error"]) == 1
    assert main(["plan", write_raw(tmp_path / "clean"), "--names-only", "--fail-on", "warning"]) == 0
    warned = write_raw(tmp_path / "warned", random_workspace_name=False)
    assert main(["plan", warned, "--fail-on", "error"]) == 0
    assert main(["plan", warned, "--fail-on", "warning"]) == 1


def test_plan_json_has_a_findings_list_and_measurements_run_the_measured_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    measurements = tmp_path / "measured.json"
    measurements.write_text(json.dumps({"model_load_seconds": {"*": 900}, "vcpu_quota": {"standardDSv2Family": 8}}))
    assert main(["plan", QUICKSTART, "--json", "--measurements", str(measurements)]) == 0
    document = json.loads(capsys.readouterr().out)
    rules = {f["rule"] for f in document["findings"]}
    assert {"MLI018", "MLI020"} <= rules and document["skipped_rules"] == []
    assert set(document["findings"][0]) >= {"rule", "severity", "resource", "message", "fix", "source", "waived"}


def test_a_bad_measurements_file_is_a_clear_error(tmp_path: Path) -> None:
    measurements = tmp_path / "measured.json"
    measurements.write_text(json.dumps({"load": 3}))
    with pytest.raises(SystemExit, match="unknown measurement"):
        main(["plan", QUICKSTART, "--measurements", str(measurements)])


def test_contract_checker_reports_the_rules_and_fails_on_unwaived_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_raw(tmp_path / "broken", provision_network=False)
    assert contract_main([broken]) == 1
    assert "MLI001" in capsys.readouterr().out
    assert contract_main([broken, "--no-rules"]) == 0
    waived = write_raw(
        tmp_path / "waived",
        provision_network=False,
        waivers=[("MLI001", "deployment-blue", "provisioned by the platform"), ("MLI001", "deployment-green", "same")],
    )
    assert contract_main([waived]) == 0
    assert "[waived: provisioned by the platform] MLI001" in capsys.readouterr().out
