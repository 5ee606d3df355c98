"""``ml-inference-lb scan``: Checkov over each target's ARM export; fails on findings nobody accepted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEFAULT_TARGETS = "security/checkov"


def add_scan_command(commands: Any) -> None:
    scan = commands.add_parser(
        "scan",
        help="run Checkov over each target's ARM export and fail on findings not accepted with a reason",
        description="Plan each target offline, export its request bodies as an ARM template, scan them all with "
        "Checkov (offline), and compare with the target's accepted findings (docs/security-scan.md). Exit 0 when "
        "every finding is accepted with a reason and every accepted entry still occurs, 1 otherwise.",
    )
    scan.add_argument("names", nargs="*", metavar="TARGET", help="target names (default: every file in --targets)")
    scan.add_argument("--targets", default=DEFAULT_TARGETS, help=f"folder of target files (default {DEFAULT_TARGETS})")
    scan.add_argument("--checkov", help="path of the checkov executable (default: checkov on PATH)")
    scan.add_argument(
        "--examples", metavar="DIR", help="also fail when a program folder under DIR has no target (CI: examples)"
    )
    scan.add_argument(
        "--update",
        action="store_true",
        help="rewrite the target files for today's findings (reasons kept; new ones get an empty reason to fill in)",
    )
    scan.set_defaults(handler=_scan)


def _scan(ns: argparse.Namespace) -> int:
    from . import CheckovError, compare, find_checkov, load_targets, missing_targets, render, scan_targets, updated

    targets = load_targets(ns.targets, ns.names)
    try:
        findings = scan_targets(targets, find_checkov(ns.checkov))
    except CheckovError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if ns.update:
        for target in targets:
            with open(target.file, "w", encoding="utf-8") as handle:
                handle.write(updated(target, findings))
        targets = load_targets(ns.targets, ns.names)
    verdicts = [compare(t, findings) for t in targets]
    print(render(verdicts))
    missing = missing_targets(targets, ns.examples) if ns.examples else []
    for name in missing:
        print(f"{name}: FAILED (no target file in {ns.targets} scans {ns.examples}/{name})")
    return 0 if all(v.passed for v in verdicts) and not missing else 1
