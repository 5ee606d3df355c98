"""`ml-inference-lb check` for real: the quickstart passes; small programs written to a temporary folder
break one check each (init() raising, run() answering 500, a slow init() against a short probe budget,
an environment file pinning another version than the one imported)."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from typing import Any

import pytest
from conftest import EXAMPLES

from ml_inference_lb.check import CheckOptions, CheckReport, run_check
from ml_inference_lb.cli import main

pytestmark = pytest.mark.integration

IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"


def lines(report: CheckReport, check: str, subject: str) -> list[Any]:
    return [line for line in report.lines if line.check == check and line.subject == subject]


def write_program(root: Any, deployments: list[dict[str, Any]], scripts: dict[str, str], **cluster: Any) -> str:
    """A Pulumi program in ``root``: one cluster ``t``, each deployment with its own scoring folder."""
    root = str(root)
    os.makedirs(os.path.join(root, "model"), exist_ok=True)
    with open(os.path.join(root, "model", "weights.json"), "w", encoding="utf-8") as handle:
        json.dump({"scale": 2}, handle)
    for name, source in scripts.items():
        os.makedirs(os.path.join(root, name), exist_ok=True)
        with open(os.path.join(root, name, "score.py"), "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(source))
        with open(os.path.join(root, name, "sample-request.json"), "w", encoding="utf-8") as handle:
            handle.write('{"data": [1, 2]}')
    args = {"resource_group_name": "rg-check", "deployments": deployments, **cluster}
    with open(os.path.join(root, "Pulumi.yaml"), "w", encoding="utf-8") as handle:
        handle.write("name: check-test\nruntime: python\n")
    with open(os.path.join(root, "__main__.py"), "w", encoding="utf-8") as handle:
        handle.write(f"from ml_inference_lb import InferenceCluster\n\nInferenceCluster('t', {args!r})\n")
    return root


def deployment(name: str, root: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "model": {"path": os.path.join(str(root), "model"), "name": "m"},
        "code": {"path": os.path.join(str(root), name), "scoring_script": "score.py"},
        "environment": {"image": IMAGE, "name": f"{name}-env", **extra.pop("environment", {})},
        "environment_variables": {"WORKER_COUNT": "1"},
        **extra,
    }


GOOD_RUN = """
import json

def run(raw):
    return {"result": [x * 2 for x in json.loads(raw)["data"]]}
"""


def test_the_quickstart_passes() -> None:
    report = run_check(os.path.join(EXAMPLES, "quickstart"))
    assert report.exit_code() == 0, "\n".join(f"{line.status} {line.check} {line.message}" for line in report.lines)
    for name in ("blue", "green"):
        assert [line.status for line in lines(report, "sample", f"iris/{name}")] == ["ok"]
        assert [line.status for line in lines(report, "start", f"iris/{name}")] == ["ok"]
    assert {row["family"] for row in report.capacity} == {"standardDSv2Family"}


def test_init_raising_fails_with_the_traceback_and_run_answering_500_fails_the_sample(tmp_path: Any) -> None:
    crash = """
        def init():
            raise RuntimeError("the weights file is corrupt")
        def run(raw):
            return {}
    """
    bad_run = """
        def init():
            pass
        def run(raw):
            raise ValueError("cannot score this")
    """
    root = write_program(
        tmp_path,
        [deployment("crash", tmp_path, traffic_percent=100), deployment("badrun", tmp_path)],
        {"crash": crash, "badrun": bad_run},
    )
    report = run_check(root, CheckOptions(startup_timeout_s=120))
    (start,) = lines(report, "start", "t/crash")
    assert start.status == "fail" and "'crash'" in start.message and "exited" in start.message
    traceback = "\n".join(start.details)
    assert "init function failed" in traceback and "RuntimeError: the weights file is corrupt" in traceback
    assert "init()" in start.hint
    (sample,) = lines(report, "sample", "t/badrun")
    assert sample.status == "fail" and "answered 500" in sample.message
    assert report.exit_code() == 1
    for measured in report.deployments:  # a failed run keeps its log for the user; the test removes it
        assert measured["log"] and os.path.isfile(measured["log"])
        shutil.rmtree(os.path.dirname(measured["log"]))


def test_a_slow_init_against_a_short_probe_budget_and_a_drifted_pin_warn(tmp_path: Any, capsys: Any) -> None:
    slow = "import time\n\ndef init():\n    time.sleep(4)\n" + GOOD_RUN
    conda = os.path.join(str(tmp_path), "env.yml")
    with open(conda, "w", encoding="utf-8") as handle:
        handle.write("dependencies:\n  - pip:\n      - azureml-inference-server-http==1.0.0\n")
    probes = {"readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3}}  # 7 s < 2 x 4 s
    root = write_program(
        tmp_path,
        [deployment("slow", tmp_path, traffic_percent=100, environment={"conda_file": conda})],
        {"slow": slow},
        probes=probes,
    )
    code = main(["check", root, "--json", "--strict"])
    document = json.loads(capsys.readouterr().out)
    checks = {(c["check"], c["subject"]): c for c in document["checks"]}
    probe = checks[("probes", "t/slow")]
    ready = probe["data"]["ready_seconds"]
    assert ready >= 4
    # never ok: 7 s is under twice any start that includes a 4 s init(); a fail only if this machine took > 7 s
    assert probe["status"] == ("fail" if ready > 7 else "warn"), probe
    assert "readiness 7 s" in probe["message"]
    drift = checks[("drift", "t/slow")]
    assert drift["status"] == "warn" and "azureml-inference-server-http" in drift["details"][0]
    assert checks[("sample", "t/slow")]["status"] == "ok"
    assert code == 1 and document["result"] == "fail" and document["strict"]
