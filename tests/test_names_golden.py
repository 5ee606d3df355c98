"""Name and URN stability: every example's resources keep their type, logical name, URN and Azure name.

A change here means users who upgrade the library would see Pulumi replace (delete and re-create)
Azure resources: endpoints with their keys and scoring URIs, workspaces, storage accounts.
The snapshots live in ``tests/golden/<example>.json``. When a change is intended (and aliased, or
documented as a breaking change), regenerate them with::

    UPDATE_GOLDEN=1 pytest tests/test_names_golden.py
"""

from __future__ import annotations

import json
import os

import pytest

from ml_inference_lb.plan import run_directory
from ml_inference_lb.testing.names import compare_names, name_snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
GOLDEN = os.path.join(ROOT, "tests", "golden")
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
HOW_TO_UPDATE = "If the change is intended, regenerate with: UPDATE_GOLDEN=1 pytest tests/test_names_golden.py"


def example_dirs() -> list[str]:
    return sorted(n for n in os.listdir(EXAMPLES) if os.path.isfile(os.path.join(EXAMPLES, n, "__main__.py")))


@pytest.mark.parametrize("example", example_dirs())
def test_names_and_urns_are_stable(example: str) -> None:
    snapshot = name_snapshot(run_directory(os.path.join(EXAMPLES, example)))
    path = os.path.join(GOLDEN, f"{example}.json")
    if UPDATE:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"example": example, "resources": [r.as_json() for r in snapshot]}, handle, indent=1)
            handle.write("\n")
        return
    if not os.path.isfile(path):
        pytest.fail(f"no golden name snapshot for example '{example}' ({path}). {HOW_TO_UPDATE}")
    with open(path, encoding="utf-8") as handle:
        stored = json.load(handle)["resources"]
    problems = compare_names(stored, snapshot)
    assert not problems, (
        f"example '{example}': names changed since tests/golden/{example}.json\n- "
        + "\n- ".join(problems)
        + f"\n{HOW_TO_UPDATE}"
    )


def test_every_golden_snapshot_has_an_example() -> None:
    stale = sorted(f for f in os.listdir(GOLDEN) if f.endswith(".json") and f[:-5] not in example_dirs())
    assert not stale, f"golden snapshots without an example (delete them): {stale}"


def _quickstart_golden() -> list[dict[str, object]]:
    with open(os.path.join(GOLDEN, "quickstart.json"), encoding="utf-8") as handle:
        resources: list[dict[str, object]] = json.load(handle)["resources"]
    return resources


def test_a_renamed_child_is_reported_with_the_alias_to_add() -> None:
    current = name_snapshot(run_directory(os.path.join(EXAMPLES, "quickstart")))
    stored = _quickstart_golden()
    endpoint = next(r for r in stored if r["type"] == "azure-native:machinelearningservices:OnlineEndpoint")
    endpoint["urn"] = str(endpoint["urn"]).replace("::iris-endpoint", "::iris-online-endpoint")
    endpoint["name"] = "iris-online-endpoint"
    problems = compare_names(stored, current)
    gone = [p for p in problems if "is gone" in p]
    assert len(gone) == 1 and len(problems) == 2  # the old URN is gone, the current one looks new
    assert "Upgrading users would see a replacement" in gone[0]
    assert 'aliases=[pulumi.Alias(name="iris-online-endpoint")]' in gone[0]


def test_a_changed_azure_name_is_reported_as_a_replacement() -> None:
    current = name_snapshot(run_directory(os.path.join(EXAMPLES, "quickstart")))
    stored = _quickstart_golden()
    account = next(r for r in stored if r["type"] == "azure-native:storage:StorageAccount")
    account["azure_name"] = "irisoldname"
    problems = compare_names(stored, current)
    assert len(problems) == 1
    assert "accountName" in problems[0] and "'irisoldname'" in problems[0]
    assert "Upgrading users would see a replacement" in problems[0]
