"""The plan lists resources in the order the program creates them, identically from run to run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import EXAMPLES

from ml_inference_lb.plan import render_json, render_tree, run_directory

# One process prints the tree and the JSON of a plan, so each hash seed costs one program run.
PRINT_BOTH = textwrap.dedent(
    """
    import sys
    from ml_inference_lb.plan import render_json, render_tree, run_directory
    result = run_directory(sys.argv[1])
    print(render_tree(result))
    print(render_json(result))
    """
)


def write_program(folder: Path, body: str) -> Path:
    (folder / "Pulumi.yaml").write_text("name: order-test\nruntime: python\n")
    (folder / "__main__.py").write_text(textwrap.dedent(body))
    return folder


def test_resources_are_in_the_order_the_program_creates_them(tmp_path: Path) -> None:
    # "first" waits for an input that resolves late, so Pulumi sends its registration after "second".
    write_program(
        tmp_path,
        """
        import asyncio
        import pulumi
        late = pulumi.Output.from_input(asyncio.sleep(0.2, result="late"))
        pulumi.CustomResource("test:index:Thing", "first", {"value": late})
        pulumi.CustomResource("test:index:Thing", "second", {"value": "now"})
        component = pulumi.ComponentResource("test:index:Group", "group")
        pulumi.CustomResource("test:index:Thing", "child-late", {"value": late}, pulumi.ResourceOptions(parent=component))
        pulumi.CustomResource("test:index:Thing", "child-now", {}, pulumi.ResourceOptions(parent=component))
        """,
    )
    result = run_directory(str(tmp_path))
    assert [r.name for r in result.resources] == ["first", "second", "group", "child-late", "child-now"]
    assert [r["name"] for r in json.loads(render_json(result))["resources"]] == [
        "first",
        "second",
        "group",
        "child-late",
        "child-now",
    ]
    tree = render_tree(result, show_inputs=False).splitlines()
    assert tree[1:] == [
        "+ test:index:Thing  first",
        "+ test:index:Thing  second",
        "+ test:index:Group  group",
        "    + test:index:Thing  child-late",
        "    + test:index:Thing  child-now",
    ]


def test_quickstart_plan_is_identical_across_runs_and_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", PRINT_BOTH, os.path.join(EXAMPLES, "quickstart")],
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_quickstart_order_follows_the_component_code() -> None:
    result = run_directory(os.path.join(EXAMPLES, "quickstart"))
    names = [r.name for r in result.resources]
    # The component creates the workspace, the endpoint, each deployment with its autoscale, traffic, then logs.
    in_code_order = [
        "iris-workspace",
        "iris-endpoint",
        "iris-blue",
        "iris-blue-autoscale",
        "iris-green",
        "iris-green-autoscale",
        "iris-traffic",
        "iris-endpoint-diagnostics",
    ]
    assert [n for n in names if n in in_code_order] == in_code_order
