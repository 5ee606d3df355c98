"""How the commands report an error raised while they run the user's Pulumi program.

The user needs their own frames and the error, not the 40 frames of runpy, asyncio, Pulumi's
runtime and this library that sit between the command and their code; ``--debug`` prints those too.
A missing config value is answered with the option that gives one (``--config key=value``): the
offline commands never read ``pulumi config``.
"""

from __future__ import annotations

import os
import sysconfig
import traceback

from pulumi import ConfigMissingError

from .plan.engine import read_project_name

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    return (*sorted(os.path.abspath(root) + os.sep for root in roots), _PACKAGE_DIR + os.sep)


def is_user_frame(filename: str) -> bool:
    """A frame of the user's own code: not Python's, not an installed package's, not this library's."""
    if filename.startswith("<"):
        return False
    return not os.path.abspath(filename).startswith(_library_roots())


def describe_program_error(error: BaseException, debug: bool = False) -> str:
    """The error with the user's frames only (every frame with ``debug``), as the lines to print."""
    if debug:
        return "".join(traceback.format_exception(error)).rstrip()
    summary = traceback.TracebackException.from_exception(error)
    frames = [frame for frame in summary.stack if is_user_frame(frame.filename)]
    message = "".join(summary.format_exception_only()).rstrip()
    if not frames:
        return (
            "error: raised inside ml-inference-lb or a library it uses, not in the program's files "
            f"(--debug shows every frame):\n{message}"
        )
    stack = "".join(traceback.format_list(frames)).rstrip()
    return f"error: the program failed (its own frames; --debug shows every frame):\n{stack}\n{message}"


def describe_missing_config(error: ConfigMissingError, project: str, stack: str) -> str:
    """What to pass to give the value the program asked for, under the name the program uses."""
    key = error.key.removeprefix(f"{project}:")
    text = f"error: the program needs the config value {error.key!r}: give it with --config {key}=<value>"
    if error.secret:
        return (
            f"{text} (a stand-in does: the offline plan cannot decrypt the secure values of "
            f"Pulumi.{stack}.yaml and skips them)"
        )
    return f"{text} or set it in Pulumi.{stack}.yaml"


def report_error(error: Exception, directory: str | None, stack: str, debug: bool) -> tuple[str, int]:
    """The message and exit code for an error a command met running a program: 2 for missing config, else 1."""
    if isinstance(error, ConfigMissingError):
        project = read_project_name(directory) if directory and os.path.isdir(directory) else ""
        return describe_missing_config(error, project, stack), 2
    return describe_program_error(error, debug), 1
