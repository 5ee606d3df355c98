"""The ``ml-inference-lb`` command: ``plan`` (offline engine) and ``local up`` (local target)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def _plan(ns: argparse.Namespace) -> int:
    from .plan import render_json, render_tree, run_directory

    result = run_directory(ns.directory, stack=ns.stack, config=config_pairs(ns.config))
    print(render_json(result) if ns.json else render_tree(result, show_inputs=not ns.names_only))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-inference-lb",
        description="Load-balanced ML inference on Azure ML: plan offline, or serve locally.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    plan = commands.add_parser("plan", help="run a Pulumi program under mocks and print every resource it would create")
    plan.add_argument("directory", help="folder of the Pulumi Python program (its __main__.py)")
    plan.add_argument("--json", action="store_true", help="print one JSON object: resources and outputs")
    plan.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE", help="stack config the program reads"
    )
    plan.add_argument("--stack", default="dev", help="stack name (default dev; reads Pulumi.<stack>.yaml)")
    plan.add_argument("--names-only", action="store_true", help="tree of types and names, without inputs")
    plan.set_defaults(handler=_plan)

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


if __name__ == "__main__":
    sys.exit(main())
