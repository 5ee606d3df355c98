"""The release checks' own tests: each check is shown to catch a seeded fault and to pass a good build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CI = Path(__file__).resolve().parent.parent
ROOT = CI.parent
sys.path.insert(0, str(CI))


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
