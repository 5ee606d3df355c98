"""check_dist: the sdist holds every tracked file but the repository tooling; the wheel the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from check_dist import dist_problems, sdist_problems, tracked_files, wheel_problems
from conftest import ROOT, git

TRACKED = [
    ".ci/run",
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/ml_inference_lb/__init__.py",
    "src/ml_inference_lb/contract/schemas/storage-2024-01-01.json",
    "tests/conftest.py",
    "tests/golden/quickstart.json",
    "examples/quickstart/__main__.py",
]
GOOD_SDIST = [n for n in TRACKED if not n.startswith((".ci/", ".gitignore"))] + [
    "PKG-INFO",
    "setup.cfg",
    "src/ml_inference_lb.egg-info/SOURCES.txt",
]
GOOD_WHEEL = [
    "ml_inference_lb/__init__.py",
    "ml_inference_lb/contract/schemas/storage-2024-01-01.json",
    "ml_inference_lb-0.1.0.dist-info/METADATA",
]


def test_a_complete_sdist_and_wheel_pass() -> None:
    assert sdist_problems(TRACKED, GOOD_SDIST) == []
    assert wheel_problems(TRACKED, GOOD_WHEEL, "ml_inference_lb-0.1.0.dist-info") == []


def test_an_sdist_without_what_its_tests_need_fails() -> None:
    members = [n for n in GOOD_SDIST if n not in {"tests/conftest.py", "tests/golden/quickstart.json"}]
    assert sdist_problems(TRACKED, members) == [
        "sdist lacks tests/conftest.py",
        "sdist lacks tests/golden/quickstart.json",
    ]


def test_an_sdist_with_stray_or_tooling_files_fails() -> None:
    problems = sdist_problems(TRACKED, [*GOOD_SDIST, "tests/__pycache__/conftest.cpython-311.pyc", ".ci/run"])
    assert problems == [
        "sdist holds .ci/run, which is not a tracked file it should hold",
        "sdist holds tests/__pycache__/conftest.cpython-311.pyc, which is not a tracked file it should hold",
    ]


def test_a_wheel_without_its_schemas_or_with_tests_fails() -> None:
    members = [GOOD_WHEEL[0], GOOD_WHEEL[2], "tests/conftest.py"]
    assert wheel_problems(TRACKED, members, "ml_inference_lb-0.1.0.dist-info") == [
        "wheel lacks ml_inference_lb/contract/schemas/storage-2024-01-01.json",
        "wheel holds tests/conftest.py, which is not a tracked package file",
    ]


def test_a_real_build_from_a_manifest_without_the_examples_fails(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for name in tracked_files(ROOT):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    manifest = repo / "MANIFEST.in"
    manifest.write_text(manifest.read_text().replace("graft examples\n", ""))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "-q", "--outdir", str(dist), str(repo)],
        check=True,
        capture_output=True,
    )
    problems = dist_problems(repo, dist)
    assert problems and all(p.startswith("sdist lacks examples/") for p in problems)
    assert "sdist lacks examples/quickstart/__main__.py" in problems
