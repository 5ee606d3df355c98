"""Start a child of the local target so that it dies with its parent, whatever signal ends the parent.

``python launch.py <parent pid> <signal> -- <program> <args...>`` asks Linux to send ``<signal>`` to
this process when the thread that started it exits (``prctl(PR_SET_PDEATHSIG)``, kept across
``execve``), checks that the parent is still alive (it may have died before the request), then
replaces itself with the program. Elsewhere than Linux it only runs the program.
"""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(signal_number: int) -> bool:
    """Ask the kernel for ``signal_number`` when the parent thread exits; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def main(argv: list[str]) -> None:
    parent, signal_number, separator, program = int(argv[0]), int(argv[1]), argv[2], argv[3:]
    if separator != "--" or not program:
        raise SystemExit("usage: launch.py <parent pid> <signal> -- <program> [args...]")
    set_parent_death_signal(signal_number)
    if os.getppid() != parent:  # the parent died before the request: nobody would stop this child
        raise SystemExit(f"launch.py: parent {parent} is gone; not starting {program[0]}")
    os.execv(program[0], program)


if __name__ == "__main__":
    main(sys.argv[1:])
