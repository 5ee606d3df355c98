"""Plan each target offline, export it as an ARM template, and scan every template in one Checkov run."""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..plan import run_directory
from ..plan.arm_template import export
from .accepted import Target
from .checkov import CheckovError, Finding, Template, scan


def template_of(target: Target) -> Template:
    """The target's ARM export, with Checkov's resource ids mapped to Pulumi logical names."""
    exported = export(run_directory(target.program, config=dict(target.config)))
    no_contract = [o for o in exported.omitted if o.reason.startswith("no contract")]
    if no_contract:
        listed = ", ".join(f"{o.name} ({o.type})" for o in no_contract)
        raise CheckovError(f"{target.name}: not scanned, no request body can be rebuilt for {listed}")
    names = {
        f"{entry['type']}.{entry['name']}": entry["metadata"]["pulumi"]["name"]
        for entry in exported.template["resources"]
    }
    return Template(target.name, exported.template, names)


def scan_targets(targets: Iterable[Target], checkov: str) -> list[Finding]:
    return scan([template_of(t) for t in targets], checkov)


def missing_targets(targets: Iterable[Target], programs_folder: str) -> list[str]:
    """Program folders under ``programs_folder`` (each with a ``__main__.py``) that no target scans."""
    scanned = {os.path.normpath(t.program) for t in targets}
    return sorted(
        name
        for name in os.listdir(programs_folder)
        if os.path.isfile(os.path.join(programs_folder, name, "__main__.py"))
        and os.path.normpath(os.path.abspath(os.path.join(programs_folder, name))) not in scanned
    )
