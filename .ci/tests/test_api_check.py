"""api_check: seeded breaks of the public API fail unless announced; additions pass; the baseline is found."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import api_check
import pytest
from api_check import main
from conftest import ROOT, git

# Every test compares with the same baseline commit: load it from git once (griffe objects are only read).
api_check.load_baseline = functools.cache(api_check.load_baseline)

CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n### Added\n- Something.\n\n## [0.0.9] - 2020-01-01\n\n- `{old}`\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this package's source, its first commit the API baseline."""
    repo = tmp_path_factory.mktemp("api") / "repo"
    shutil.copytree(ROOT / "src" / "ml_inference_lb", repo / "src" / "ml_inference_lb")
    (repo / ".ci").mkdir()
    (repo / "CHANGELOG.md").write_text(CHANGELOG.format(old="ml_inference_lb.args.DeploymentArgs.mirror_percent"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    (repo / ".ci" / "api-baseline").write_text("# the baseline\n" + git(repo, "rev-parse", "HEAD") + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "name the baseline")
    return repo


@pytest.fixture
def work(repo: Path) -> Iterator[Path]:
    yield repo
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "clean", "-qfd")


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    path = repo / "src" / "ml_inference_lb" / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def check(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--root", str(repo), *args])
    return code, capsys.readouterr().out


def test_the_unchanged_api_passes(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(work, capsys)
    assert code == 0, out
    assert "no v* tag yet: the commit .ci/api-baseline names" in out and "0 breaking change(s)" in out


def test_removing_a_typed_dict_field_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "args.py", "    mirror_percent: NotRequired[int]\n", "")
    code, out = check(work, capsys)
    assert code == 1
    assert "UNANNOUNCED: `ml_inference_lb.args.DeploymentArgs.mirror_percent`: Public object was removed" in out


def test_renaming_a_parameter_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "plan/render.py", "show_inputs: bool = True", "show_values: bool = True")
    edit(work, "plan/render.py", "if show_inputs:", "if show_values:")
    code, out = check(work, capsys)
    assert code == 1
    assert "UNANNOUNCED: `ml_inference_lb.plan.render.render_tree(show_inputs)`: Parameter was removed" in out


def test_a_field_made_required_or_retyped_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "args.py", "    code: NotRequired[CodeArgs]", "    code: CodeArgs")
    edit(work, "args.py", "    traffic_percent: NotRequired[int]", "    traffic_percent: NotRequired[float]")
    code, out = check(work, capsys)
    assert code == 1
    assert "`ml_inference_lb.args.DeploymentArgs.code`: TypedDict field became required" in out
    assert "`ml_inference_lb.args.DeploymentArgs.traffic_percent`: TypedDict field type changed: int -> float" in out


def test_removing_a_public_name_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "testing/__init__.py", '"compare_names", ', "")
    edit(work, "testing/__init__.py", "NameRecord, compare_names, name_snapshot", "NameRecord, name_snapshot")
    code, out = check(work, capsys)
    assert code == 1
    assert "`ml_inference_lb.testing.compare_names`: Public object was removed" in out


def test_additions_pass(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        work,
        "args.py",
        "    mirror_percent: NotRequired[int]\n",
        "    mirror_percent: NotRequired[int]\n    weight: NotRequired[int]\n",
    )
    edit(work, "plan/render.py", "show_inputs: bool = True)", "show_inputs: bool = True, width: int = 100)")
    edit(
        work,
        "plan/__init__.py",
        '__all__ = [\n    "PlanResult",',
        'def summary() -> str:\n    return ""\n\n\n__all__ = [\n    "summary",\n    "PlanResult",',
    )
    code, out = check(work, capsys)
    assert code == 0, out
    assert "0 breaking change(s)" in out


def test_an_announced_break_passes(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "args.py", "    mirror_percent: NotRequired[int]\n", "")
    changelog = work / "CHANGELOG.md"
    # Named only in an older release's section: not an announcement of this change.
    code, out = check(work, capsys)
    assert code == 1
    changelog.write_text(
        changelog.read_text().replace(
            "### Added",
            "### Removed\n- `ml_inference_lb.args.DeploymentArgs.mirror_percent` (deprecated in 0.0.9)\n\n### Added",
        )
    )
    code, out = check(work, capsys)
    assert code == 0, out
    assert "announced: `ml_inference_lb.args.DeploymentArgs.mirror_percent`" in out


def test_the_last_release_tag_is_the_baseline_in_a_clean_clone(
    work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(work, "args.py", "    mirror_percent: NotRequired[int]\n", "")
    git(work, "commit", "-qam", "drop mirror_percent")
    try:
        git(work, "tag", "v0.1.0", "HEAD~1")
        clone = tmp_path / "clone"
        subprocess.run(["git", "clone", "-q", str(work), str(clone)], check=True)
        (clone / ".ci" / "api-baseline").write_text("not-a-ref\n")  # ignored once a release is tagged
        code, out = check(clone, capsys)
        assert code == 1
        assert "the last release, tag v0.1.0" in out and "DeploymentArgs.mirror_percent" in out
    finally:
        git(work, "tag", "-d", "v0.1.0")
        git(work, "reset", "-q", "--hard", "HEAD~1")


def test_a_missing_baseline_is_an_error_not_a_pass(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(work), "--against", "no-such-ref"]) == 2
    assert "cannot load the public API at no-such-ref" in capsys.readouterr().err


def test_internal_modules_and_spec_constructors_are_not_api(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "azure/traffic.py", "def traffic_template(", "def arm_template(")
    edit(work, "azure/traffic.py", ": traffic_template(spec", ": arm_template(spec")
    edit(
        work,
        "spec/model.py",
        "    isolation_mode: str\n    container_registry_sku: str\n",
        "    container_registry_sku: str\n    isolation_mode: str\n",
    )
    code, out = check(work, capsys)
    assert code == 0, out


def test_removing_a_spec_field_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(work, "spec/model.py", "    log_retention_days: int\n", "")
    code, out = check(work, capsys)
    assert code == 1
    assert "`ml_inference_lb.spec.model.NewWorkspaceSpec.log_retention_days`: Public object was removed" in out
