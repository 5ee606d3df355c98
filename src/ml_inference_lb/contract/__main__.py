"""``python -m ml_inference_lb.contract``: the coverage report, or a check of one program folder: its request
bodies against Azure's definitions, then the deployability rules (docs/deployability.md). Exits 1 on a contract
error or an unwaived error finding."""

from __future__ import annotations

import argparse
import sys

from .check import check_plan
from .report import coverage, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml_inference_lb.contract", description=__doc__)
    parser.add_argument("--report", action="store_true", help="print which types and properties are checked")
    parser.add_argument("--examples", help="with --report: also count what the programs under this folder send")
    parser.add_argument("program", nargs="?", help="a Pulumi program folder to plan offline and check")
    parser.add_argument(
        "--no-rules", action="store_true", help="check request bodies only, without the deployability rules"
    )
    parser.add_argument("--measurements", metavar="FILE", help="JSON of measured facts for the deployability rules")
    args = parser.parse_args(argv)
    if args.report:
        print(render(coverage(args.examples), with_sent=bool(args.examples)))
        return 0
    if not args.program:
        parser.error("give --report or a program folder")
    from ..cli import load_measurements
    from ..deployability import check_plan as check_deployability
    from ..deployability import render_findings
    from ..plan.engine import run_directory

    plan = run_directory(args.program)
    violations = check_plan(plan)
    for violation in violations:
        print(violation)
    errors = [v for v in violations if v.severity == "error"]
    print(f"{len(errors)} errors, {len(violations) - len(errors)} warnings", file=sys.stderr)
    blocking = 0
    if not args.no_rules:
        report = check_deployability(plan, load_measurements(args.measurements))
        print(render_findings(report))
        blocking = len(report.blocking)
    return 1 if errors or blocking else 0


if __name__ == "__main__":
    raise SystemExit(main())
