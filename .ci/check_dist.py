"""Check the built sdist and wheel hold exactly what they should.

    python .ci/check_dist.py DIST_DIR

The sdist holds every tracked file but the repository tooling (``.ci/``, ``benchmarks/``,
``.gitignore``): the package, the tests with their fixtures and golden files, the examples the tests
plan, and the docs, so its tests run from the unpacked sdist (MANIFEST.in says why). The wheel holds
the package's tracked files (modules, ``py.typed``, the vendored schemas) and nothing else. Both carry
the version of ``src/ml_inference_lb/_version.py``. Exit status 1 lists every difference.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

NOT_IN_SDIST = (".ci/", "benchmarks/", ".gitignore")
# What setuptools writes into every sdist, beside the tracked files.
SDIST_GENERATED = re.compile(r"^(PKG-INFO|setup\.cfg|src/[^/]+\.egg-info/.+)$")
PACKAGE_DIR = "src/ml_inference_lb/"


def tracked_files(root: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def version_of(root: Path) -> str:
    text = (root / PACKAGE_DIR / "_version.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
    if not match:
        raise SystemExit("no __version__ in src/ml_inference_lb/_version.py")
    return match.group(1)


def sdist_problems(tracked: Iterable[str], members: Iterable[str]) -> list[str]:
    """``members``: the sdist's file names without their top folder."""
    expected = {name for name in tracked if not name.startswith(NOT_IN_SDIST)}
    present = {name for name in members if not SDIST_GENERATED.match(name)}
    return [f"sdist lacks {name}" for name in sorted(expected - present)] + [
        f"sdist holds {name}, which is not a tracked file it should hold" for name in sorted(present - expected)
    ]


def wheel_problems(tracked: Iterable[str], members: Iterable[str], dist_info: str) -> list[str]:
    expected = {name.removeprefix("src/") for name in tracked if name.startswith(PACKAGE_DIR)}
    present = {name for name in members if not name.startswith(dist_info + "/")}
    return [f"wheel lacks {name}" for name in sorted(expected - present)] + [
        f"wheel holds {name}, which is not a tracked package file" for name in sorted(present - expected)
    ]


def dist_problems(root: Path, dist: Path) -> list[str]:
    version = version_of(root)
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        return [f"expected one sdist and one wheel in {dist}, found {[p.name for p in sdists + wheels]}"]
    problems = []
    stem = f"ml_inference_lb-{version}"
    if sdists[0].name != f"{stem}.tar.gz":
        problems.append(f"sdist {sdists[0].name} does not carry version {version}")
    if not wheels[0].name.startswith(f"{stem}-"):
        problems.append(f"wheel {wheels[0].name} does not carry version {version}")
    tracked = tracked_files(root)
    with tarfile.open(sdists[0]) as archive:
        members = [m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile() and "/" in m.name]
    problems += sdist_problems(tracked, members)
    with zipfile.ZipFile(wheels[0]) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
    problems += wheel_problems(tracked, names, f"{stem}.dist-info")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parent.parent
    problems = dist_problems(root, Path(args[0]))
    for problem in problems:
        print(f"dist check: {problem}")
    if not problems:
        print("dist check: OK: the sdist holds every tracked file but .ci/ and benchmarks/, the wheel the package")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
