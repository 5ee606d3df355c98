"""``python -m ml_inference_lb.contract``: the coverage report, or a check of one program folder: its request
bodies against Azure's definitions, then the deployability rules (docs/deployability.md). Exits 1 on a contract
error or an unwaived error finding."""

from __future__ import annotations

import argparse
import sys

from ..errors import InferenceClusterArgsError
from .check import CheckStats, check_resources
from .report import coverage, render

DESCRIPTION = (
    "Plan a Pulumi program offline and check every ARM request body it would send against Azure's "
    "published API definitions (vendored), then the deployability rules; or, with --report, show which "
    "resource types and properties are checked."
)
EXIT_CODES = """exit codes:
  0  no errors (warnings may be listed)
  1  Azure would reject a request body, or a deployability rule found an unwaived error (each is
     listed), or the program raised an error
  2  invalid command line or folder, missing config, or invalid InferenceCluster arguments"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml_inference_lb.contract",
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--report", action="store_true", help="print which types and properties are checked")
    parser.add_argument("--examples", help="with --report: also count what the programs under this folder send")
    parser.add_argument("program", nargs="?", help="a Pulumi program folder to plan offline and check")
    parser.add_argument(
        "--no-rules", action="store_true", help="check request bodies only, without the deployability rules"
    )
    parser.add_argument("--measurements", metavar="FILE", help="JSON of measured facts for the deployability rules")
    parser.add_argument("--debug", action="store_true", help="on a program error, print every frame")
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

    try:
        plan = run_directory(args.program)
    except (InferenceClusterArgsError, FileNotFoundError, NotADirectoryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from ..program_errors import report_error

        message, code = report_error(error, args.program, "dev", args.debug)
        print(message, file=sys.stderr)
        return code
    stats = CheckStats()
    violations = check_resources(((r.type, r.name, r.custom, r.inputs) for r in plan.resources), stats)
    for violation in violations:
        print(violation)
    errors = [v for v in violations if v.severity == "error"]
    print(
        f"{args.program}: {stats.resources} request bodies checked against Azure's API definitions: "
        f"{len(errors)} errors, {len(violations) - len(errors)} warnings"
    )
    blocking = 0
    if not args.no_rules:
        report = check_deployability(plan, load_measurements(args.measurements))
        print(render_findings(report))
        blocking = len(report.blocking)
    return 1 if errors or blocking else 0


if __name__ == "__main__":
    raise SystemExit(main())
