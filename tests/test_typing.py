"""Typed as InferenceClusterArgs, a user's program gets a misspelt key caught by a type checker (mypy here)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import EXAMPLES, ROOT
from mypy import api as mypy_api

MISSPELT_INLINE = """
from ml_inference_lb import InferenceCluster

InferenceCluster("c", {"resource_group_name": "rg", "deployments": [
    {"name": "blue", "traffic_percnt": 100, "model": {"asset_id": "m"}, "environment": {"asset_id": "e"}}]})
"""


def readme_quickstart() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    match = re.search(r"^## Quickstart\n\n```python\n(.*?)^```", readme, re.M | re.S)
    assert match, "README has a Quickstart python block"
    return match.group(1)


def test_typed_args_let_mypy_catch_a_misspelt_key(tmp_path: Path) -> None:
    with open(os.path.join(EXAMPLES, "quickstart", "__main__.py"), encoding="utf-8") as handle:
        example = handle.read()
    misspelt = example.replace('"traffic_percent": traffic_percent', '"traffic_percnt": traffic_percent')
    assert misspelt != example
    files = {
        "readme_quickstart.py": readme_quickstart(),
        "example_quickstart.py": example,
        "misspelt_typed.py": misspelt,
        "misspelt_plain_dict.py": MISSPELT_INLINE,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out, err, _ = mypy_api.run(
        [
            "--config-file",
            os.path.join(ROOT, "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--no-error-summary",
            *(str(tmp_path / name) for name in files),
        ]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out + err
    assert errors[0].startswith(str(tmp_path / "misspelt_typed.py"))
    assert 'Extra key "traffic_percnt" for TypedDict "DeploymentArgs"' in errors[0]
    # A plain dict passes the type checker (InferenceCluster also takes a Mapping): hence the README's advice.
