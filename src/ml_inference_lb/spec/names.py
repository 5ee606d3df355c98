"""Azure's naming rules for workspaces, endpoints and deployments, as spec checks."""

from __future__ import annotations

import re

from . import rules
from .problems import Problems


def check_workspace_name(problems: Problems, path: str, value: str) -> None:
    if not rules.WORKSPACE_NAME_RE.match(value):
        hint = " (it was derived from the component name: set workspace.name)" if path == "name" else ""
        problems.add(
            path,
            f"{value!r} is not a valid workspace name: 3-33 characters, letters, digits, '-' and '_', "
            f"starting with a letter or digit{hint}",
        )


def name_prefix(cluster: str) -> str | None:
    """A prefix of at most 26 characters (room for ``-`` and a 5-character suffix) that keeps Azure's rule."""
    cleaned = re.sub(r"[^a-zA-Z0-9-]+", "-", cluster).strip("-")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:26].rstrip("-")
    if not cleaned or not cleaned[0].isalpha():
        return None
    return cleaned.lower()


def check_endpoint_name(problems: Problems, path: str, value: str, what: str) -> None:
    """Azure's rule for endpoint and deployment names (azure-ai-ml ``validate_endpoint_or_deployment_name``)."""
    if not (rules.ENDPOINT_NAME_MIN <= len(value) <= rules.ENDPOINT_NAME_MAX):
        problems.add(path, f"{value!r} is {len(value)} characters; {what} names are 3-32 characters")
    elif not rules.ENDPOINT_NAME_RE.match(value):
        problems.add(
            path,
            f"{value!r} is not a valid {what} name: start with a letter, then letters, digits and "
            "hyphens, and end with a letter or digit",
        )
