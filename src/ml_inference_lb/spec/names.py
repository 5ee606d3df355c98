"""Azure's naming rules for workspaces, endpoints and deployments, as spec checks; and :func:`fit`, which
derives Azure names from logical names so that different logical names never share an Azure name."""

from __future__ import annotations

import hashlib
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


HASH_LENGTH = 6
"""Hex digits of the source's SHA-256 that :func:`fit` appends when it had to change the source."""


def source_hash(source: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:length]


def fit(source: str, limit: int, *, hyphens: bool = True) -> str:
    """``source`` as an Azure name of at most ``limit`` lower-case letters, digits (and single hyphens).

    When the source is already such a name it is used as it is. When it had to be changed (other
    characters, upper case, or cut to ``limit``) the result ends with a short hash of the uncut source,
    so two different sources never get the same name by construction (up to a hash collision).
    """
    if hyphens:
        cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", source.lower())).strip("-")
    else:
        cleaned = re.sub(r"[^a-z0-9]+", "", source.lower())
    if cleaned == source and len(cleaned) <= limit:
        return cleaned
    tail = source_hash(source)
    joiner = "-" if hyphens else ""
    head = cleaned[: max(limit - len(tail) - len(joiner), 0)].rstrip("-")
    return f"{head}{joiner}{tail}" if head else tail[:limit]


ENDPOINT_PREFIX_MAX = 26
"""Room for ``-`` and the 5-character random suffix in an endpoint name of at most 32."""


def name_prefix(cluster: str) -> str | None:
    """The generated endpoint name's prefix (:func:`fit` to 26 characters); None if it would not start
    with a letter, as Azure requires."""
    prefix = fit(cluster, ENDPOINT_PREFIX_MAX)
    if not prefix or not prefix[0].isalpha():
        return None
    return prefix


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
