"""Name and URN snapshots: what identifies each registered resource, to Pulumi and to Azure.

Pulumi replaces a resource (delete, then create) when its URN changes (type, logical name, parent)
unless the new resource carries an alias of the old identity, and Azure replaces it when the input
that names it (``endpointName``, ``accountName``...) changes. A snapshot records both, so a test can
fail before an upgrade would replace something users run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..contract.contracts import BY_PULUMI_TYPE
from ..plan.engine import PlanResult
from ..spec.versioning import SUFFIX_LENGTH

# Content-addressed upload folders change with the files by design (a new blob and a new asset version).
_CONTENT_HASH = re.compile(r"LocalUpload/[0-9a-f]{16}/")
CONTENT_HASH_PLACEHOLDER = "LocalUpload/{content-hash}/"
# So do versioned deployment names (spec/versioning.py: a new instance type, code or scoring script is a new
# deployment by design) and the names of their autoscale settings (azure/azure_names.py: the deployment's Azure
# name and a hash over it); the format stays in the snapshot.
CREATE_ONLY_HASH_PLACEHOLDER = "{create-only-hash}"
_VERSIONED_NAMES = {
    "azure-native:machinelearningservices:OnlineDeployment": (
        re.compile(rf"-[0-9a-f]{{{SUFFIX_LENGTH}}}$"),
        f"-{CREATE_ONLY_HASH_PLACEHOLDER}",
    ),
    "azure-native:monitor:AutoscaleSetting": (
        re.compile(rf"-[0-9a-f]{{{SUFFIX_LENGTH}}}-[0-9a-f]{{8}}(?=-autoscale$)"),
        f"-{CREATE_ONLY_HASH_PLACEHOLDER}-{{hash}}",
    ),
}


@dataclass(frozen=True)
class NameRecord:
    """How one registered resource is identified."""

    type: str
    name: str
    urn: str
    azure_name_input: str | None
    """The input that names the resource in Azure (``None`` for components and local providers)."""
    azure_name: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "azure_name_input": self.azure_name_input,
            "azure_name": self.azure_name,
        }


def azure_name_of(pulumi_type: str, inputs: Mapping[str, Any]) -> tuple[str | None, Any]:
    """(input name, value) of the input that names this resource in Azure, content and create-only hashes masked."""
    contract = BY_PULUMI_TYPE.get(pulumi_type)
    if contract is None or contract.name_param is None:
        return None, None
    value = inputs.get(contract.name_param)
    if isinstance(value, str):
        value = _CONTENT_HASH.sub(CONTENT_HASH_PLACEHOLDER, value)
        if pulumi_type in _VERSIONED_NAMES:
            pattern, placeholder = _VERSIONED_NAMES[pulumi_type]
            value = pattern.sub(placeholder, value)
    return contract.name_param, value


def name_snapshot(result: PlanResult) -> list[NameRecord]:
    """Every registered resource's type, logical name, URN and Azure name, sorted by URN."""
    records = []
    for resource in result.resources:
        key, value = azure_name_of(resource.type, resource.inputs)
        records.append(NameRecord(resource.type, resource.name, resource.urn, key, value))
    return sorted(records, key=lambda r: r.urn)


def compare_names(old: list[Mapping[str, Any]], new: list[NameRecord]) -> list[str]:
    """What an upgrade from ``old`` (a stored snapshot) to ``new`` would replace, one message each."""
    before = {str(r["urn"]): r for r in old}
    after = {r.urn: r for r in new}
    problems: list[str] = []
    for urn, record in before.items():
        if urn not in after:
            candidates = [r for r in new if r.type == record["type"] and r.urn not in before]
            hint = f" A new resource of the same type appeared as '{candidates[0].name}'." if candidates else ""
            problems.append(
                f"{record['type']} '{record['name']}' is gone (URN {urn}).{hint} Upgrading users would see a "
                f"replacement: Pulumi deletes the Azure resource '{record['azure_name']}' and creates a new one. "
                "If this is a rename, keep the old identity on the new resource: "
                f'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="{record["name"]}")]) '
                "(add parent=/type= to the Alias if those changed too)."
            )
        elif after[urn].azure_name != record["azure_name"]:
            problems.append(
                f"{record['type']} '{record['name']}': its Azure name ({record['azure_name_input']}) changes from "
                f"{record['azure_name']!r} to {after[urn].azure_name!r}. Upgrading users would see a replacement "
                "(Azure cannot rename it: the old one is deleted and a new one created, losing its state); a "
                "pulumi.Alias cannot prevent that. Keep deriving the name the old way for existing stacks."
            )
    for urn, added in after.items():
        if urn not in before:
            problems.append(
                f"{added.type} '{added.name}' is new (URN {urn}): upgrading users would see it created. "
                "If it replaces an existing resource, give it a pulumi.Alias of the old name."
            )
    return problems
