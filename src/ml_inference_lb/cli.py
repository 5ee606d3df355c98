"""The ``ml-inference-lb`` command: ``plan`` and ``diff`` (offline engine), ``scan`` (Checkov gate) and ``local up``
(local target)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from ._version import __version__
from .errors import InferenceClusterArgsError


def config_pairs(values: Sequence[str]) -> dict[str, str]:
    """``--config key=value`` options as a dict; a malformed one ends the command with a clear message."""
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --config takes key=value, got {item!r}")
        pairs[key] = value
    return pairs


def load_measurements(path: str | None) -> Any:
    """``--measurements FILE``: a JSON object for ``ml_inference_lb.deployability.Measurements``."""
    from .deployability import Measurements

    if path is None:
        return Measurements()
    try:
        with open(path, encoding="utf-8") as handle:
            return Measurements.from_mapping(json.load(handle))
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: --measurements {path}: {error}") from error


def _plan(ns: argparse.Namespace) -> int:
    from .deployability import check_plan, render_findings
    from .plan import plan_document, render_tree, run_directory

    if ns.old is not None:
        return _rollout(ns.old, ns.directory, ns)
    output = "json" if ns.json else ns.format
    result = run_directory(ns.directory, stack=ns.stack, config=config_pairs(ns.config))
    report = check_plan(result, load_measurements(ns.measurements))
    if output == "arm":
        from .plan.arm_template import export

        exported = export(result)
        print(json.dumps(exported.template, indent=2))
        for item in exported.omitted:
            print(f"note: not in the template: {item.name} ({item.type}): {item.reason}", file=sys.stderr)
    elif output == "json":
        document = plan_document(result)
        document["findings"] = report.as_json()
        document["skipped_rules"] = [{"rule": rule, "why": why} for rule, why in report.skipped]
        print(json.dumps(document, indent=2))
    else:
        print(render_tree(result, show_inputs=not ns.names_only))
        print(render_findings(report))
    return _exit_for(report, ns.fail_on)


def _exit_for(report: Any, fail_on: str) -> int:
    if fail_on == "error" and report.blocking:
        return 1
    if fail_on == "warning" and any(f.waived is None for f in report.findings):
        return 1
    return 0


def _rollout(old_dir: str, new_dir: str, ns: argparse.Namespace) -> int:
    from .plan import run_directory
    from .rollout import render_report, simulate

    config = config_pairs(ns.config)
    old = run_directory(old_dir, stack=ns.stack, config=config)
    new = run_directory(new_dir, stack=ns.stack, config=config)
    report = simulate(old, new)
    print(render_report(report, as_json=ns.json))
    return 0 if report.safe else 1


def _diff(ns: argparse.Namespace) -> int:
    return _rollout(ns.old_directory, ns.new_directory, ns)


def exit_codes(success: str, failure: Sequence[str] = (), local: bool = False) -> str:
    """The exit codes, for a command's ``--help`` (the README lists the same)."""
    lines = [
        "exit codes:",
        f"  0    {success}",
        "  1    the program raised an error: its own frames and the error are printed (--debug: every frame)",
        *(f"       {line}" for line in failure),
        "  2    invalid command line, folder or config value, or invalid InferenceCluster or",
        "       GlobalInferenceService arguments (every problem is listed with its args path)",
        "  130  interrupted (Ctrl-C)",
    ]
    if local:
        lines.append("       local up: Ctrl-C once it serves is its normal stop, exit 0")
    return "\n".join(lines)


PLAN_FAILURES = (
    "plan --fail-on: also an unwaived deployability finding of that severity",
    "plan --from, diff: also a rollout that would break serving",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-inference-lb",
        description="Load-balanced ML inference on Azure ML: plan a Pulumi program offline, or serve it locally.",
        epilog=exit_codes(
            "success", (*PLAN_FAILURES, "local up: also a replica or Traefik that could not start"), local=True
        )
        + "\n\nRun 'ml-inference-lb COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an error, print every frame of the traceback")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan",
        help="run a Pulumi program under mocks and print every resource it would create",
        description=textwrap.fill(
            "Run a Pulumi Python program offline under Pulumi's mocks (no cloud, no Pulumi CLI) and print every "
            "resource it would create, in the order the program creates them, and the deployability findings: "
            "a tree, or one JSON document.",
            width=100,
        ),
        epilog=exit_codes("the plan was printed", PLAN_FAILURES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("directory", help="folder of the Pulumi Python program (its __main__.py)")
    plan.add_argument(
        "--format",
        choices=("tree", "json", "arm"),
        default="tree",
        help="tree (default); json: one document with every resource, its inputs and options "
        "(docs/plan-format.md); arm: an ARM template of the request bodies, for policy tools such as Checkov "
        "(docs/security-scan.md)",
    )
    plan.add_argument("--json", action="store_true", help="same as --format json")
    plan.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE", help="stack config the program reads"
    )
    plan.add_argument("--stack", default="dev", help="stack name (default dev; reads Pulumi.<stack>.yaml)")
    plan.add_argument("--names-only", action="store_true", help="tree of types and names, without inputs")
    plan.add_argument(
        "--measurements", metavar="FILE", help="JSON of measured facts for the rules (model_load_seconds, vcpu_quota)"
    )
    plan.add_argument(
        "--fail-on",
        choices=("never", "error", "warning"),
        default="never",
        help="exit 1 when a deployability finding of this severity (or worse) is not waived (default never)",
    )
    plan.add_argument(
        "--from",
        dest="old",
        metavar="OLD_DIR",
        help="instead: what `pulumi up` of DIR does to a stack deployed from OLD_DIR (same as `diff OLD_DIR DIR`)",
    )
    plan.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="on an error, print every frame")
    plan.set_defaults(handler=_plan)

    diff = commands.add_parser(
        "diff",
        help="what the next `pulumi up` does going from OLD_DIR's program to NEW_DIR's, and whether serving survives",
        description=textwrap.fill(
            "Plan both programs offline and play the steps Pulumi would take going from OLD_DIR's program to "
            "NEW_DIR's against a model of the live stack: what is created, updated, replaced and deleted, in "
            "which order, and whether the endpoint keeps serving throughout.",
            width=100,
        ),
        epilog=exit_codes("the rollout keeps serving", ("also a rollout that would break serving",)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("old_directory", metavar="OLD_DIR", help="the program the stack was deployed from")
    diff.add_argument("new_directory", metavar="NEW_DIR", help="the program of the next `pulumi up`")
    diff.add_argument("--json", action="store_true", help="print one JSON object: steps and violations")
    diff.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE", help="stack config both programs read"
    )
    diff.add_argument("--stack", default="dev", help="stack name (default dev; reads Pulumi.<stack>.yaml)")
    diff.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="on an error, print every frame")
    diff.set_defaults(handler=_diff)

    from .scan.cli import add_scan_command

    add_scan_command(commands)

    try:
        from .local.cli import add_local_commands  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        add_local_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        code: int = ns.handler(ns)
        return code
    except InferenceClusterArgsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, NotADirectoryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) closed the pipe: stop quietly, as the Python docs advise
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        from .program_errors import report_error  # imports Pulumi: only when there is an error to report

        directory = getattr(ns, "directory", None) or getattr(ns, "new_directory", None)
        message, code = report_error(error, directory, getattr(ns, "stack", "dev"), ns.debug)
        print(message, file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
