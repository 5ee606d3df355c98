"""VM SKUs Azure ML managed online endpoints support: family (as the quota page names it), vCPUs, GPUs,
memory, and whether the 20 % upgrade reserve applies.

The data is package data, ``managed_online_skus.json``, with its sources and the date it was read:
MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-managed-online-endpoints-vm-sku-list.md
(the SKUs, families, cores, GPUs and the "Skip 20% Reservation" column) and the VM size pages of
MicrosoftDocs/azure-compute-docs (memory, which the SKU list leaves to those pages). The reserve itself:
how-to-manage-quotas.md ("We reserve 20% extra compute resources for performing upgrades").
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, NamedTuple


class Sku(NamedTuple):
    family: str
    vcpus: int
    skips_upgrade_reserve: bool
    memory_gib: float | None = None
    """None where no Azure size page the data was taken from lists the size."""
    gpus: float = 0
    """Whole GPUs, or a fraction for the NVadsA10_v5 partial-GPU sizes (1/6, 1/3, 1/2)."""


UPGRADE_RESERVE = 0.20
MAX_INSTANCES_PER_DEPLOYMENT = 50
MAX_DEPLOYMENTS_PER_ENDPOINT = 20
DATA_FILE = "managed_online_skus.json"


def _load() -> tuple[dict[str, Sku], dict[str, Any]]:
    document = json.loads(resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8"))
    table = {
        row["name"].upper(): Sku(
            family=row["family"],
            vcpus=int(row["vcpus"]),
            skips_upgrade_reserve=bool(row["skips_upgrade_reserve"]),
            memory_gib=None if row["memory_gib"] is None else float(row["memory_gib"]),
            gpus=float(row["gpus"]),
        )
        for row in document["skus"]
    }
    return table, {"sources": document["sources"], "retrieved": document["retrieved"]}


SKUS, PROVENANCE = _load()
"""``SKUS``: by upper-case SKU name. ``PROVENANCE``: where the data comes from and when it was read."""


def sku(instance_type: str) -> Sku | None:
    """The SKU of an instance type, matched case-insensitively (Azure ML accepts ``Standard_DS3_v2``)."""
    return SKUS.get(instance_type.upper())
