"""Uploads of model and code folders: ignore files as the Azure ML CLI reads them, no links out, the plan shows them."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.plan import PlanResult
from ml_inference_lb.plan.render import plan_document, render_tree
from ml_inference_lb.spec.uploads import ignore_spec

MODEL_VERSION = "azure-native:machinelearningservices:ModelVersion"
BLOB = "azure-native:storage:Blob"


def _model_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "model"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def _plan(folder: Path) -> PlanResult:
    deployment = tiny_deployment("blue", traffic_percent=100, model={"path": str(folder), "name": "m"})
    return plan_cluster(cluster_args(deployment))


def _uploaded(result: PlanResult) -> set[str]:
    prefix = "demo-model-m/"
    return {r.name[len(prefix) :] for r in result.resources if r.type == BLOB and r.name.startswith(prefix)}


def _version(result: PlanResult) -> str:
    (model,) = [r for r in result.resources if r.type == MODEL_VERSION]
    return str(model.inputs["version"])


def _path_problem(folder: Path) -> str:
    deployment = tiny_deployment("blue", traffic_percent=100, model={"path": str(folder), "name": "m"})
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_spec("demo", cluster_args(deployment))
    problems = {p.path: p.message for p in caught.value.problems}
    assert list(problems) == ["deployments[0].model.path"], problems
    return problems["deployments[0].model.path"]


def test_dotfiles_and_caches_stay_home(tmp_path: Path) -> None:
    folder = _model_folder(
        tmp_path, {"model.pkl": "m", ".env": "SECRET=1", ".git/config": "x", "__pycache__/a.pyc": "c", "b.pyc": "c"}
    )
    assert _uploaded(_plan(folder)) == {"model.pkl"}


def test_amlignore_is_honoured(tmp_path: Path) -> None:
    folder = _model_folder(
        tmp_path, {"model.pkl": "m", "debug.log": "l", "data/raw.csv": "r", ".amlignore": "*.log\ndata/\n"}
    )
    assert _uploaded(_plan(folder)) == {"model.pkl"}


def test_gitignore_counts_only_without_amlignore(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", "debug.log": "l", "notes.txt": "n", ".gitignore": "*.log\n"})
    assert _uploaded(_plan(folder)) == {"model.pkl", "notes.txt"}
    (folder / ".amlignore").write_text("notes.txt\n")  # .amlignore wins whole: .gitignore is not read any more
    assert _uploaded(_plan(folder)) == {"model.pkl", "debug.log"}


def test_the_ignore_file_can_bring_back_what_the_defaults_leave_out(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", ".settings.json": "{}", ".amlignore": "!.settings.json\n"})
    assert _uploaded(_plan(folder)) == {"model.pkl", ".settings.json"}


def test_a_link_out_of_the_folder_is_an_error_with_the_path(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m"})
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "weights.bin").symlink_to(tmp_path / "secret.txt")
    message = _path_problem(folder)
    assert "weights.bin is a symbolic link to" in message and "outside the folder" in message
    assert ".amlignore" in message


def test_a_link_to_a_folder_outside_is_an_error_too(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m"})
    (tmp_path / "home").mkdir()
    (folder / "home").symlink_to(tmp_path / "home", target_is_directory=True)
    assert "home is a symbolic link" in _path_problem(folder)


def test_a_link_out_that_the_ignore_file_leaves_out_is_fine(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", ".amlignore": "weights.bin\n"})
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "weights.bin").symlink_to(tmp_path / "secret.txt")
    assert _uploaded(_plan(folder)) == {"model.pkl"}


def test_links_inside_the_folder_are_followed_under_their_own_name(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"v1/model.pkl": "m"})
    (folder / "current.pkl").symlink_to(folder / "v1" / "model.pkl")
    assert _uploaded(_plan(folder)) == {"current.pkl", "v1/model.pkl"}


def test_broken_and_looping_links_are_errors(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"sub/model.pkl": "m"})
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    assert "a loop" in _path_problem(folder)
    os.remove(folder / "sub" / "loop")
    (folder / "gone").symlink_to(tmp_path / "nothing-here")
    assert "does not exist" in _path_problem(folder)


def test_a_folder_with_nothing_left_to_upload_is_an_error(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", ".amlignore": "*\n"})
    assert "no file is left to upload" in _path_problem(folder)


def test_the_version_is_a_hash_of_exactly_the_uploaded_files(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", ".amlignore": "*.log\n"})
    before = _version(_plan(folder))
    (folder / "debug.log").write_text("noise")
    (folder / ".env").write_text("SECRET=2")
    assert _version(_plan(folder)) == before
    (folder / "model.pkl").write_text("m2")
    assert _version(_plan(folder)) != before


def test_the_plan_lists_what_goes_up_and_what_stays(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path, {"model.pkl": "m", "debug.log": "l", ".env": "S", ".amlignore": "*.log\n"})
    result = _plan(folder)
    tree = render_tree(result)
    assert "Uploads:" in tree
    line = next(line for line in tree.splitlines() if "deployments[0].model" in line)
    assert "1 file" in line and "model.pkl" in line
    assert ".env" in tree and "debug.log" in tree and ".amlignore" in tree
    (entry,) = [u for u in plan_document(result)["uploads"] if u["field"] == "deployments[0].model"]
    assert entry["files"] == ["model.pkl"]
    assert set(entry["left_out"]) == {".amlignore", ".env", "debug.log"}
    assert entry["ignore_file"] == ".amlignore"
    assert entry["path"] == str(folder) and entry["bytes"] == 1


def test_the_unchanged_tiny_model_keeps_its_version() -> None:
    # A folder without anything to leave out hashes as before (no new version after an upgrade of the library).
    assert (
        _version(plan_cluster(cluster_args())) == "3f7376bca84ddd66"
    )  # the version the library gave before ignore files


# --- the ignore-file semantics against azure-ai-ml's own implementation -------------------------------------------

SEGMENT = st.sampled_from(["a", "b", "data", "x.log", "model.pkl", "*", "**", "*.log", "?", "[ab]", "d*"])
PATTERN = st.builds(
    lambda neg, lead, parts, trail: (
        ("!" if neg else "") + ("/" if lead else "") + "/".join(parts) + ("/" if trail else "")
    ),
    st.booleans(),
    st.booleans(),
    st.lists(SEGMENT, min_size=1, max_size=3),
    st.booleans(),
)
NAMES = ("a", "b", "data", "x.log", "ab", "d1")
FILES = ["/".join(p) for depth in (1, 2, 3) for p in itertools.product(NAMES, repeat=depth)]
"""Every path up to three levels over a small alphabet: each generated ignore file is checked against all of them."""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(PATTERN, min_size=1, max_size=5))
def test_ignore_matching_agrees_with_azure_ai_ml(lines: list[str]) -> None:
    # The one known difference (docs/assets.md): a line starting "/**/" matches every file below a folder in
    # pathspec 1.x and nothing in azure-ai-ml's older copy of the same class.
    assume(not any(line.lstrip("!").startswith("/**/") for line in lines))
    from azure.ai.ml._utils._asset_utils import get_ignore_file  # azure-ai-ml: the [contract] extra

    folder = tempfile.mkdtemp()
    try:
        Path(folder, ".amlignore").write_text("\n".join(lines) + "\n")
        theirs = get_ignore_file(folder)
        ours, chosen = ignore_spec(folder, defaults=())
        assert chosen == ".amlignore"
        for file in FILES:
            expected = bool(theirs.is_file_excluded(os.path.join(folder, file)))
            assert ours.match_file(file) == expected, (lines, file)
    finally:
        shutil.rmtree(folder)
