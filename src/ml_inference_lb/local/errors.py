"""The error the local target raises for anything a user can fix (printed without a traceback)."""

from __future__ import annotations


class LocalTargetError(RuntimeError):
    """The local target cannot serve the cluster as given; the message says what to change."""
