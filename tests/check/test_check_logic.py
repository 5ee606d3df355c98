"""`ml-inference-lb check`: each check's logic, shown to catch a seeded fault (no process is started)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from conftest import TINY, cluster_args, tiny_deployment

from ml_inference_lb.check.capacity import capacity_rows, quota_lines, sku_lines_and_demand
from ml_inference_lb.check.drift import drift_line, read_pins
from ml_inference_lb.check.model import CheckLine, CheckReport
from ml_inference_lb.check.probes import memory_line, probe_budgets, probe_line
from ml_inference_lb.check.run import Imports
from ml_inference_lb.check.samples import sample_files
from ml_inference_lb.cli import quota_pairs, sample_pairs
from ml_inference_lb.deployability.skus import PROVENANCE, SKUS, sku
from ml_inference_lb.spec.build import build_spec
from ml_inference_lb.spec.model import ClusterSpec, DeploymentSpec


def cluster(*deployments: dict[str, Any], name: str = "demo", **overrides: Any) -> ClusterSpec:
    return build_spec(name, cluster_args(*deployments, **overrides))


def deployment(**overrides: Any) -> DeploymentSpec:
    return cluster(tiny_deployment("blue", traffic_percent=100, **overrides)).deployments[0]


# ----- probes ---------------------------------------------------------------------------------------


def test_azure_default_probes_give_310_s() -> None:
    assert probe_budgets(deployment()) == {"liveness": 310.0, "readiness": 310.0}


def test_a_probe_budget_under_twice_the_start_warns_and_under_the_start_fails() -> None:
    short = deployment(probes={"readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3}})
    assert probe_line("demo/blue", short, 2.0).status == "ok"  # 7 s >= 2 x 2 s
    warned = probe_line("demo/blue", short, 5.0)  # 7 s < 10 s
    assert warned.status == "warn" and "readiness 7 s" in warned.message and "10 s" in warned.hint
    failed = probe_line("demo/blue", short, 8.0)  # 7 s < 8 s
    assert failed.status == "fail" and "ResourceNotReady" in failed.message


def test_a_startup_probe_is_the_budget_that_covers_the_start() -> None:
    spec = deployment(
        probes={
            "readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3},
            "startup": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 60},
        }
    )
    assert probe_budgets(spec) == {"startup": 121.0}
    assert probe_line("demo/blue", spec, 8.0).status == "ok"
    assert probe_line("demo/blue", spec, 61.0).status == "warn"


# ----- memory ---------------------------------------------------------------------------------------


def test_memory_per_worker_times_worker_count_against_the_sku() -> None:
    small = deployment(instance_type="Standard_DS1_v2")  # 3.5 GiB = 3584 MiB
    assert memory_line("d", small, 4, 100.0, 500.0).status == "ok"  # 2100 MiB, 59 %
    assert memory_line("d", small, 4, 100.0, 750.0).status == "warn"  # 3100 MiB, 86 %
    failed = memory_line("d", small, 4, 100.0, 900.0)  # 3700 MiB > 3584 MiB
    assert failed.status == "fail" and "WORKER_COUNT 4" in failed.message and "OOM" in failed.message
    assert memory_line("d", small, 1, 100.0, None).status == "skip"


# ----- SKUs and capacity ----------------------------------------------------------------------------


def test_the_sku_data_carries_its_sources_and_the_documented_numbers() -> None:
    assert len(SKUS) == 85 and PROVENANCE["retrieved"]
    assert "reference-managed-online-endpoints-vm-sku-list" in PROVENANCE["sources"]["skus"]
    ds3 = sku("Standard_DS3_v2")
    assert ds3 is not None and (ds3.family, ds3.vcpus, ds3.memory_gib, ds3.gpus) == ("standardDSv2Family", 4, 14.0, 0)
    a100 = sku("standard_nc24ads_a100_v4")
    assert a100 is not None and a100.gpus == 1 and a100.skips_upgrade_reserve
    assert all(s.vcpus > 0 and s.family for s in SKUS.values())


def test_a_sku_managed_endpoints_do_not_support_fails() -> None:
    managed = cluster(tiny_deployment("blue", traffic_percent=100, instance_type="Standard_D2s_v3"))
    lines, demand = sku_lines_and_demand((managed,))
    assert [(line.status, line.check) for line in lines] == [("fail", "sku")] and demand == []
    assert "Standard_D2s_v3 is not in the managed online endpoint SKU list" in lines[0].message


def test_on_the_pool_backend_an_unlisted_sku_warns_and_no_reserve_is_counted() -> None:
    pool = cluster(
        tiny_deployment("blue", traffic_percent=100, instance_count=2),
        backend="inference_pool",
        endpoint={"auth_mode": "aad_token"},
        pool={"name": "p", "instance_type": "Standard_D2s_v3"},
    )
    lines, _ = sku_lines_and_demand((pool,))
    assert [line.status for line in lines] == ["warn"] and "unconfirmed" in lines[0].message
    listed = cluster(
        tiny_deployment("blue", traffic_percent=100, instance_count=2),
        backend="inference_pool",
        endpoint={"auth_mode": "aad_token"},
        pool={"name": "p", "instance_type": "Standard_DS3_v2"},
    )
    _, demand = sku_lines_and_demand((listed,))
    (row,) = capacity_rows(demand)
    assert row["vcpus"] == {"steady": 8, "max": 8, "reserve": 8, "rollout": 16}


def test_capacity_steady_max_reserve_and_rollout_per_family() -> None:
    spec = cluster(
        tiny_deployment("blue", traffic_percent=100),
        tiny_deployment("green"),
        location="westeurope",
        pool={
            "instance_type": "Standard_DS3_v2",
            "instance_count": 2,
            "autoscale": {"min_instances": 1, "max_instances": 5},
        },
    )
    _, demand = sku_lines_and_demand((spec,))
    (row,) = capacity_rows(demand)
    assert (row["region"], row["family"]) == ("westeurope", "standardDSv2Family")
    # per deployment: 2 at rest, 5 at most, ceil(5 x 1.2) = 6 with the reserve; 4 vCPUs each
    assert row["vcpus"] == {"steady": 16, "max": 40, "reserve": 48, "rollout": 72}
    assert row["gpus"] == {"steady": 0, "max": 0, "reserve": 0, "rollout": 0}
    assert [line.status for line in quota_lines([row], {})] == ["skip"]
    assert [line.status for line in quota_lines([row], {"standardDSv2Family": 100})] == ["ok"]
    assert [line.status for line in quota_lines([row], {"standarddsv2family": 60})] == ["warn"]  # rollout 72 > 60
    exceeded = quota_lines([row], {"standardDSv2Family": 40})  # 48 > 40
    assert exceeded[0].status == "fail" and "OutOfQuota" in exceeded[0].message


def test_gpu_skus_count_gpus_and_skip_the_reserve_where_azure_says_so() -> None:
    spec = cluster(
        tiny_deployment("blue", traffic_percent=100, instance_type="Standard_NC24ads_A100_v4", instance_count=3)
    )
    _, demand = sku_lines_and_demand((spec,))
    (row,) = capacity_rows(demand)
    assert row["vcpus"] == {"steady": 72, "max": 72, "reserve": 72, "rollout": 144}
    assert row["gpus"] == {"steady": 3, "max": 3, "reserve": 3, "rollout": 6}


def test_every_region_of_a_service_is_its_own_quota_row() -> None:
    west = cluster(tiny_deployment("blue", traffic_percent=100), name="w", location="westeurope")
    north = cluster(tiny_deployment("blue", traffic_percent=100), name="n", location="northeurope")
    _, demand = sku_lines_and_demand((west, north))
    assert [row["region"] for row in capacity_rows(demand)] == ["northeurope", "westeurope"]


# ----- drift ----------------------------------------------------------------------------------------


def write(tmp_path: Any, name: str, text: str) -> str:
    path = os.path.join(str(tmp_path), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


CONDA = """name: env
dependencies:
  - python=3.11
  - conda-forge::numpy=1.26
  - pip
  - pip:
      - azureml-inference-server-http==1.5.1
      - Flask>=3,<4
      - requests  # no version: nothing to compare
"""


def test_pins_are_read_from_conda_and_pip_sections() -> None:
    pins = {p.name: p.specifier for p in read_pins(_conda())}
    assert pins == {
        "python": "==3.11.*",
        "numpy": "==1.26.*",
        "azureml-inference-server-http": "==1.5.1",
        "flask": "<4,>=3",
    }


def _conda() -> str:
    import tempfile

    directory = tempfile.mkdtemp()
    return write(directory, "env.yml", CONDA)


def test_drift_warns_when_the_run_imported_another_version_than_the_file_pins() -> None:
    path = _conda()
    same = Imports("3.11.9", {"azureml-inference-server-http": "1.5.1", "Flask": "3.1.0", "numpy": "1.26.4"})
    assert drift_line("d", path, same).status == "ok"
    drifted = Imports("3.12.1", {"azureml-inference-server-http": "1.6.0", "Flask": "3.1.0", "numpy": "2.0.1"})
    line = drift_line("d", path, drifted)
    assert line.status == "warn" and line.data["compared"] == 4
    assert sorted(d.split(":")[0] for d in line.details) == ["azureml-inference-server-http", "numpy", "python"]
    assert drift_line("d", None, same).status == "skip"


def test_pip_requirements_files_are_read_too(tmp_path: Any) -> None:
    path = write(tmp_path, "requirements.txt", "scikit-learn==1.4.2\n-r other.txt\njoblib\n")
    assert [(p.name, p.specifier) for p in read_pins(path)] == [("scikit-learn", "==1.4.2")]
    assert drift_line("d", path, Imports("3.11.9", {"scikit_learn": "1.5.0"})).status == "warn"


# ----- samples, options, report ---------------------------------------------------------------------


def test_samples_come_from_the_option_then_the_scoring_folder_then_the_program_folder(tmp_path: Any) -> None:
    spec = deployment()
    program = str(tmp_path)
    assert sample_files("demo", spec, program, {}) == ([], "nowhere")
    write(tmp_path, "sample-request.json", "{}")
    assert sample_files("demo", spec, program, {})[1] == "the program's folder"
    given = {"demo/blue": ["a.json"], "green": ["b.json"]}
    assert sample_files("demo", spec, program, given) == ([os.path.abspath("a.json")], "--sample")
    assert os.path.isdir(os.path.join(TINY, "src"))


def test_malformed_options_end_the_command_with_what_to_write() -> None:
    assert quota_pairs(["standardDSv2Family=24"]) == {"standardDSv2Family": 24}
    with pytest.raises(SystemExit, match="FAMILY=vCPUs"):
        quota_pairs(["standardDSv2Family=many"])
    assert sample_pairs(["blue=a.json", "blue=b.json"]) == {"blue": ["a.json", "b.json"]}
    with pytest.raises(SystemExit, match="DEPLOYMENT=FILE"):
        sample_pairs(["a.json"])


def test_exit_code_fails_on_fail_and_with_strict_on_warn_and_json_carries_the_schema() -> None:
    warn_only = CheckReport("d", (CheckLine("drift", "x", "warn", "m"), CheckLine("plan", "plan", "ok", "m")))
    assert warn_only.exit_code() == 0 and warn_only.exit_code(strict=True) == 1
    failed = CheckReport("d", (CheckLine("start", "x", "fail", "m", "h", ("tb",)),))
    assert failed.exit_code() == 1
    document = json.loads(json.dumps(failed.as_json()))
    assert document["schema_version"] == 1 and document["result"] == "fail"
    assert document["summary"] == {"ok": 0, "warn": 0, "fail": 1, "skip": 0}
    assert document["checks"][0] == {
        "check": "start",
        "subject": "x",
        "status": "fail",
        "message": "m",
        "hint": "h",
        "details": ["tb"],
        "data": {},
    }
