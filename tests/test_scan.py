"""The Checkov gate (`ml-inference-lb scan`): accepted findings, the comparison, and how Checkov is run.

Checkov itself runs in CI (`.ci/run`, its own virtual environment, over every example and the seeded
fixture). Here a stand-in executable answers like Checkov (`-d DIR ... -o json`), so the gate's own logic
(mapping findings to Pulumi names, refusing a report that skipped resources, the verdicts and exit codes)
is tested on every run without it.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, ROOT

from ml_inference_lb.cli import main
from ml_inference_lb.scan import (
    Accepted,
    CheckovError,
    Finding,
    Target,
    Template,
    compare,
    load_target,
    load_targets,
    missing_targets,
    scan,
    updated,
)
from ml_inference_lb.scan.checkov import _unique_ids

TARGETS = os.path.join(ROOT, "security", "checkov")
SEEDED = os.path.join(ROOT, "tests", "fixtures", "scan-seeded", "targets")

FAKE_CHECKOV = """\
#!{python}
# Answers like `checkov -d DIR --framework arm -o json`: a storage account with publicNetworkAccess
# 'Enabled' fails CKV_AZURE_59. SKIP=n reads n resources fewer (a parsing gap).
import json, os, sys
folder = sys.argv[sys.argv.index("-d") + 1]
failed, count = [], 0
for name in sorted(os.listdir(folder)):
    document = json.load(open(os.path.join(folder, name)))
    for resource in document["resources"]:
        count += 1
        if resource["type"] == "Microsoft.Storage/storageAccounts" and \\
                resource.get("properties", {{}}).get("publicNetworkAccess") == "Enabled":
            failed.append({{"check_id": "CKV_AZURE_59", "check_name": "Ensure that Storage accounts disallow public access",
                           "file_path": "/" + name, "resource": resource["type"] + "." + resource["name"]}})
count -= int(os.environ.get("SKIP", "0"))
print(json.dumps({{"check_type": "arm", "results": {{"failed_checks": failed, "passed_checks": []}},
                  "summary": {{"resource_count": count, "parsing_errors": 0}}}}))
sys.exit(1 if failed else 0)
"""


@pytest.fixture
def fake_checkov(tmp_path: Path) -> str:
    path = tmp_path / "checkov"
    path.write_text(FAKE_CHECKOV.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def storage(name: str, public: bool) -> dict[str, object]:
    return {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2024-01-01",
        "name": name,
        "properties": {"publicNetworkAccess": "Enabled" if public else "Disabled"},
    }


def template(target: str, *resources: dict[str, object]) -> Template:
    names = {f"{r['type']}.{r['name']}": f"logical-{r['name']}" for r in resources}
    return Template(target, {"resources": list(resources)}, names)


def test_findings_are_named_by_pulumi_logical_name(fake_checkov: str) -> None:
    found = scan([template("a", storage("open", True), storage("closed", False))], fake_checkov)
    assert found == [
        Finding("a", "CKV_AZURE_59", "logical-open", "Ensure that Storage accounts disallow public access")
    ]


def test_a_report_that_skipped_resources_is_refused(fake_checkov: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIP", "1")
    with pytest.raises(CheckovError, match="could hide"):
        scan([template("a", storage("open", True))], fake_checkov)


def test_resources_sharing_a_type_and_name_are_scanned_in_separate_files(fake_checkov: str) -> None:
    twins = [storage("same", True), storage("same", True), storage("other", True)]
    assert [len(p["resources"]) for p in _unique_ids({"resources": twins})] == [2, 1]
    # both twins are read: the count check passes and each is reported (once, as the same finding)
    assert len(scan([template("a", *twins)], fake_checkov)) == 2


def test_missing_checkov_says_how_to_install_it() -> None:
    with pytest.raises(CheckovError, match="own virtual environment"):
        from ml_inference_lb.scan import find_checkov

        find_checkov("/nonexistent/checkov")


def target(*accepted: Accepted) -> Target:
    return Target(name="t", file="/x/t.yaml", program="/x/program", accepted=accepted)


def test_the_verdict_fails_on_new_unexplained_and_stale_entries() -> None:
    found = [Finding("t", "CKV_1", "a"), Finding("t", "CKV_2", "b"), Finding("other", "CKV_9", "z")]
    ok = compare(target(Accepted("CKV_1", "a", "why"), Accepted("CKV_2", "b", "why")), found)
    assert ok.passed and len(ok.accepted) == 2
    new = compare(target(Accepted("CKV_1", "a", "why")), found)
    assert not new.passed and [f.check for f in new.new] == ["CKV_2"]
    unexplained = compare(target(Accepted("CKV_1", "a", "why"), Accepted("CKV_2", "b", "")), found)
    assert not unexplained.passed and unexplained.unexplained[0].check == "CKV_2"
    stale = compare(
        target(Accepted("CKV_1", "a", "why"), Accepted("CKV_2", "b", "why"), Accepted("CKV_3", "c", "x")), found
    )
    assert not stale.passed and stale.stale[0].check == "CKV_3"


def test_update_keeps_reasons_adds_new_entries_empty_and_drops_stale(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "program: ../p\naccepted:\n- {check: CKV_1, resource: a, reason: kept}\n- {check: CKV_3, resource: c, reason: old}\n"
    )
    before = load_target(str(path))
    path.write_text(updated(before, [Finding("t", "CKV_1", "a"), Finding("t", "CKV_2", "b")]))
    after = load_target(str(path))
    assert after.program == before.program
    assert [(a.check, a.reason) for a in after.accepted] == [("CKV_1", "kept"), ("CKV_2", "")]


def test_cli_exit_codes(tmp_path: Path, fake_checkov: str, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: scanned\nruntime: python\n")
    (program / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi_azure_native as azure_native
            azure_native.storage.StorageAccount("open", account_name="openacct", resource_group_name="rg",
                kind="StorageV2", sku={"name": "Standard_GRS"}, public_network_access="Enabled")
            """
        )
    )
    targets = tmp_path / "targets"
    targets.mkdir()
    (targets / "one.yaml").write_text("program: ../program\naccepted: []\n")
    args = ["scan", "--targets", str(targets), "--checkov", fake_checkov]
    assert main(args) == 1
    assert "new finding: CKV_AZURE_59 on open" in capsys.readouterr().out
    assert main([*args, "--update"]) == 1  # the new entry has no reason yet
    data = yaml.safe_load((targets / "one.yaml").read_text())
    data["accepted"][0]["reason"] = "a test fixture"
    (targets / "one.yaml").write_text(yaml.safe_dump(data))
    assert main(args) == 0
    assert main([*args, "--examples", str(tmp_path)]) == 0
    assert main(["scan", "--targets", str(targets), "--checkov", "/nonexistent"]) == 2


def test_every_example_is_a_scan_target_and_every_accepted_finding_has_a_reason() -> None:
    targets = load_targets(TARGETS)
    assert not missing_targets(targets, EXAMPLES), "add a target file in security/checkov (docs/security-scan.md)"
    for t in targets:
        assert os.path.isfile(os.path.join(t.program, "__main__.py")), t.file
        for entry in t.accepted:
            assert len(entry.reason) > 20, f"{t.file}: {entry.check} on {entry.resource} needs a reason"


def test_seeded_fixture_leaves_its_public_storage_account_unaccepted() -> None:
    (seeded,) = load_targets(SEEDED)
    assert not [a for a in seeded.accepted if a.resource == "seeded-public-storage"]
    text = json.dumps([a.resource for a in seeded.accepted])
    assert "tiny-" in text
