"""Run Checkov over ARM templates and read what failed, by Pulumi logical name.

Checkov (https://www.checkov.io, PyPI ``checkov``) is not a dependency of this library: it is found on
``PATH`` or given by path, and runs in its own process (CI installs it in its own virtual environment,
see ``docs/security-scan.md``). It runs offline: ``--skip-download`` and ``BC_SKIP_MAPPING=TRUE`` keep it
from fetching Prisma Cloud's guideline mappings (Checkov's ``main.py`` and ``platform_integration.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class CheckovError(RuntimeError):
    """Checkov could not be run, or did not read every template it was given."""


@dataclass(frozen=True, order=True)
class Finding:
    """One failed Checkov check on one resource of one scanned target."""

    target: str
    check: str
    """Checkov check id, e.g. ``CKV_AZURE_35``."""
    resource: str
    """The resource's Pulumi logical name (its ARM ``type.name`` when the template has no such resource)."""
    title: str = ""

    def __str__(self) -> str:
        return f"{self.target}: {self.check} on {self.resource} ({self.title})"


@dataclass(frozen=True)
class Template:
    """One template to scan, and how to name its resources in findings."""

    target: str
    document: Mapping[str, Any]
    logical_names: Mapping[str, str]
    """Checkov's resource id (``<ARM type>.<ARM name>``) -> Pulumi logical name."""


def find_checkov(given: str | None) -> str:
    path = given or shutil.which("checkov")
    if not path or not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise CheckovError(
            f"checkov not found ({given or 'not on PATH'}): install it in its own virtual environment "
            "(python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov) and pass --checkov "
            ".venv-checkov/bin/checkov"
        )
    return path


def version(checkov: str) -> str:
    done = subprocess.run([checkov, "--version"], capture_output=True, text=True, timeout=300, env=_offline_env())
    return done.stdout.strip()


def scan(templates: list[Template], checkov: str) -> list[Finding]:
    """Every failed check over ``templates``, from one Checkov run (its start-up is most of its time)."""
    with tempfile.TemporaryDirectory(prefix="mli-checkov-") as folder:
        files = {}
        for index, template in enumerate(templates):
            for part, document in enumerate(_unique_ids(template.document)):
                path = os.path.join(folder, f"{index:03d}-{part}.json")
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(document, handle, indent=1)
                files[os.path.basename(path)] = template
        command = [checkov, "-d", folder, "--framework", "arm", "-o", "json", "--skip-download", "--compact"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=_offline_env())
    if done.returncode not in (0, 1):  # 1: some check failed
        raise CheckovError(f"checkov exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    report = _report(done.stdout)
    summary = report.get("summary", {})
    expected = sum(len(t.document.get("resources", [])) for t in templates)
    if summary.get("parsing_errors") or summary.get("resource_count") != expected:
        raise CheckovError(
            f"checkov read {summary.get('resource_count')} resources with {summary.get('parsing_errors')} parsing "
            f"errors; the templates hold {expected}: a finding could hide in what it did not read"
        )
    findings = []
    for failed in report.get("results", {}).get("failed_checks", []):
        template = files[os.path.basename(str(failed.get("file_path", "")))]
        resource = str(failed.get("resource", ""))
        findings.append(
            Finding(
                target=template.target,
                check=str(failed.get("check_id")),
                resource=template.logical_names.get(resource, resource),
                title=str(failed.get("check_name", "")),
            )
        )
    return sorted(set(findings))


def _unique_ids(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The template split so that no file holds two resources of one type and name: Checkov keys a resource
    by ``<type>.<name>`` and reads only one of two (two regions' diagnostic settings share a name, each
    unique only within the resource it extends)."""
    parts: list[dict[str, Any]] = []
    seen: list[set[tuple[str, str]]] = []
    for resource in document.get("resources", []):
        key = (str(resource.get("type")), str(resource.get("name")))
        index = next((i for i, ids in enumerate(seen) if key not in ids), len(seen))
        if index == len(seen):
            parts.append({**document, "resources": []})
            seen.append(set())
        parts[index]["resources"].append(resource)
        seen[index].add(key)
    return parts or [dict(document)]


def _report(stdout: str) -> dict[str, Any]:
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as error:
        raise CheckovError(f"checkov printed no JSON report: {stdout[-1000:]!r}") from error
    if isinstance(data, list):  # one report per framework; only ARM is asked for
        data = next((d for d in data if d.get("check_type") == "arm"), {})
    if not isinstance(data, dict):
        raise CheckovError("checkov's report is not a JSON object")
    if not data.get("results") and not data.get("summary"):
        # Checkov prints a bare summary when it found no resource at all.
        return {"summary": {"resource_count": data.get("resource_count", 0), "parsing_errors": 0}, "results": {}}
    return data


def _offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env["BC_SKIP_MAPPING"] = "TRUE"
    env["CHECKOV_RUN_SCA_PACKAGE_SCAN_V2"] = "false"
    env.pop("BC_API_KEY", None)  # never send a plan to a platform
    return env
