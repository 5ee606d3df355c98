"""The `ml-inference-lb plan` command: tree and JSON output, config, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLES, TINY

from ml_inference_lb.cli import main

PLAN_RESOURCE_KEYS = {
    "type",
    "name",
    "parent",
    "inputs",
    "urn",
    "parentUrn",
    "custom",
    "dependsOn",
    "propertyDependencies",
    "ignoreChanges",
    "deletedWith",
    "protect",
    "replaceOnChanges",
    "aliases",
    "additionalSecretOutputs",
    "retainOnDelete",
    "deleteBeforeReplace",
    "provider",
    "secretPaths",
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ml_inference_lb.cli", *args], capture_output=True, text=True, timeout=120
    )


def write_program(folder: Path, body: str) -> Path:
    (folder / "Pulumi.yaml").write_text("name: cli-test\nruntime: python\n")
    (folder / "__main__.py").write_text(textwrap.dedent(body))
    return folder


def test_plan_quickstart_json_is_one_object_with_resources_and_outputs() -> None:
    done = run_cli("plan", os.path.join(EXAMPLES, "quickstart"), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {
        "schema",
        "project",
        "stack",
        "resources",
        "outputs",
        "uploads",
        "findings",
        "skipped_rules",
    }
    assert document["schema"] == "ml-inference-lb/plan/v1"
    assert {u["field"] for u in document["uploads"]} == {"deployments[0].model", "deployments[0].code"}
    for resource in document["resources"]:
        assert set(resource) == PLAN_RESOURCE_KEYS
    types = [r["type"] for r in document["resources"]]
    assert types.count("azure-native:machinelearningservices:OnlineDeployment") == 2
    assert document["outputs"]["primary_key"] == "[secret]"
    assert "mock-primary" not in done.stdout


def test_plan_tree_shows_parents_and_inputs() -> None:
    done = run_cli("plan", os.path.join(EXAMPLES, "quickstart"))
    assert done.returncode == 0, done.stderr
    assert "+ ml-inference-lb:index:InferenceCluster  iris" in done.stdout
    assert "    + azure-native:machinelearningservices:OnlineEndpoint  iris-endpoint" in done.stdout
    assert "authMode" in done.stdout and 'primary_key: "[secret]"' in done.stdout


def test_config_is_passed_to_the_program(tmp_path: Path) -> None:
    write_program(
        tmp_path,
        f"""
        import pulumi
        from ml_inference_lb import InferenceCluster
        config = pulumi.Config()
        InferenceCluster("c", {{
            "resource_group_name": config.require("rg"),
            "deployments": [{{"name": "blue", "traffic_percent": 100,
                "model": {{"path": {os.path.join(TINY, "model")!r}}},
                "environment": {{"asset_id": "azureml:env:1"}}}}],
        }})
        """,
    )
    done = run_cli("plan", str(tmp_path), "--json", "--config", "rg=rg-from-config")
    assert done.returncode == 0, done.stderr
    endpoint = next(r for r in json.loads(done.stdout)["resources"] if r["name"] == "c-endpoint")
    assert endpoint["inputs"]["resourceGroupName"] == "rg-from-config"


def test_invalid_args_exit_non_zero_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    write_program(
        tmp_path,
        """
        from ml_inference_lb import InferenceCluster
        InferenceCluster("c", {"resource_group_name": "rg", "deployments": [
            {"name": "b", "traffic_percent": 50, "model": {"asset_id": "m"}, "environment": {"asset_id": "e"}}]})
        """,
    )
    done = run_cli("plan", str(tmp_path))
    assert done.returncode == 2
    assert "deployments[0].name: 'b' is 1 characters" in done.stderr
    assert "deployments[*].traffic_percent" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_missing_program_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(tmp_path)]) == 2
    assert "has no __main__.py" in capsys.readouterr().err


def test_bad_config_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="key=value"):
        main(["plan", EXAMPLES, "--config", "novalue"])


def write_failing_program(folder: Path) -> Path:
    write_program(folder, "import helper\nhelper.make()\n")
    (folder / "helper.py").write_text('def make():\n    settings = {"a": 1}\n    return settings["b"]\n')
    return folder


def test_program_error_shows_the_programs_frames_and_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_failing_program(tmp_path)
    assert main(["plan", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f'{tmp_path / "__main__.py"}", line 2, in <module>' in err
    assert f'{tmp_path / "helper.py"}", line 3, in make' in err
    assert 'return settings["b"]' in err
    assert err.rstrip().splitlines()[-1].startswith("KeyError: 'b'")
    assert "--debug" in err
    for hidden in ("runpy", "site-packages", "pulumi/runtime", "ml_inference_lb/plan", "ml_inference_lb/cli.py"):
        assert hidden not in err
    assert len(err.splitlines()) <= 8


def test_debug_shows_every_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_failing_program(tmp_path)
    assert main(["plan", str(tmp_path), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "pulumi/runtime/stack.py" in err and "helper.py" in err
    assert main(["--debug", "plan", str(tmp_path)]) == 1
    assert "pulumi/runtime/stack.py" in capsys.readouterr().err


def test_error_inside_the_library_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The program's own line is shown; the frames inside Pulumi are not.
    write_program(tmp_path, "import pulumi\npulumi.CustomResource('t:i:T', '')\n")
    assert main(["plan", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f'{tmp_path / "__main__.py"}", line 2' in err
    assert "TypeError: Missing resource name argument" in err
    assert "pulumi/resource.py" not in err


def test_missing_config_names_the_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_program(
        tmp_path, "import pulumi\npulumi.Config().require('rg')\npulumi.Config('azure-native').require('location')\n"
    )
    assert main(["plan", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--config rg=<value>" in err
    assert "pulumi config set" not in err and "Traceback" not in err
    assert main(["plan", str(tmp_path), "--config", "rg=x"]) == 2
    assert "--config azure-native:location=<value>" in capsys.readouterr().err


def test_missing_secret_config_says_secure_values_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_program(tmp_path, "import pulumi\npulumi.Config().require_secret('token')\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  cli-test:token:\n    secure: AAABAxyz\n")
    assert main(["plan", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--config token=<value>" in err and "secure" in err


def test_a_file_instead_of_a_folder_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_program(tmp_path, "")
    assert main(["plan", str(tmp_path / "__main__.py")]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and f"give its folder: {tmp_path}" in err
    assert main(["plan", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_help_describes_the_commands_and_the_exit_codes() -> None:
    top = run_cli("--help").stdout
    plan_help = run_cli("plan", "--help").stdout
    assert "Run a Pulumi Python program offline under Pulumi's mocks" in plan_help
    for text in (top, plan_help):
        assert "exit codes:" in text
        assert "  1  " in text and "  2  " in text
    assert "  0    the plan was printed" in plan_help


def test_a_closed_pipe_ends_the_plan_quietly() -> None:
    # `true` exits at once, so the plan (seconds later) writes into a closed pipe.
    command = f"{sys.executable} -m ml_inference_lb.cli plan {os.path.join(EXAMPLES, 'quickstart')} | true"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert done.stderr == ""
