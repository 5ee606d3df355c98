"""Check 5: the SKU of each deployment, and the vCPUs (and GPUs) the stack needs per region and VM family.

Azure counts managed online endpoint quota in vCPUs per VM family and region, and reserves 20 % more
instances than a deployment runs for upgrades, except on the SKUs the SKU list marks "Skip 20%
Reservation" (how-to-manage-quotas.md, "Virtual machine quota allocation for deployment";
reference-managed-online-endpoints-vm-sku-list.md). For each region and family this sums, over the
deployments on that family:

* **steady**: instances at rest (autoscale default, else ``instance_count``) x vCPUs;
* **max**: instances at the autoscale maximum (schedules included) x vCPUs;
* **reserve**: max instances plus the upgrade reserve, rounded up per deployment (what Azure checks);
* **rollout**: reserve, plus one more deployment of the largest shape on that family, as a blue/green
  rollout runs a new deployment beside the old ones until traffic moves.

GPUs: the same sums with each SKU's GPUs (quota itself is counted in vCPUs, also for GPU families).

The inference-pool backend (preview): a group's ``instance_count`` is its requested scale units; Azure
documents neither the nodes per unit nor an upgrade reserve for pools (docs/inference-pool.md), so its
rows count ``instance_count`` nodes without reserve, and an unknown SKU is a warning, not a failure
(the valid ``nodeSkuType`` values are unconfirmed).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..deployability.skus import PROVENANCE, UPGRADE_RESERVE, Sku, sku
from ..spec.model import ClusterSpec, DeploymentSpec
from .model import CheckLine

UNKNOWN_REGION = "(the resource group's region)"


@dataclass(frozen=True)
class Demand:
    cluster: str
    deployment: str
    region: str
    instance_type: str
    sku: Sku
    steady: int
    peak: int
    reserved: int
    """Peak instances with the upgrade reserve."""


def region_of(cluster: ClusterSpec) -> str:
    return cluster.location if isinstance(cluster.location, str) and cluster.location else UNKNOWN_REGION


def instances(spec: DeploymentSpec) -> tuple[int, int]:
    """(at rest, at most) instances of one deployment."""
    if spec.autoscale is None:
        return spec.instance_count, spec.instance_count
    peak = max([spec.autoscale.max_instances, *(s.max_instances for s in spec.autoscale.schedules)])
    return spec.autoscale.default_instances, peak


def sku_lines_and_demand(clusters: tuple[ClusterSpec, ...]) -> tuple[list[CheckLine], list[Demand]]:
    lines: list[CheckLine] = []
    demand: list[Demand] = []
    for cluster in clusters:
        pool = cluster.backend == "inference_pool"
        for spec in cluster.deployments:
            subject = f"{cluster.name}/{spec.name}"
            found = sku(spec.instance_type)
            if found is None:
                lines.append(
                    CheckLine(
                        "sku",
                        subject,
                        "warn" if pool else "fail",
                        f"{spec.instance_type} is not in the managed online endpoint SKU list"
                        + (
                            " (the pool backend's valid SKUs are unconfirmed)"
                            if pool
                            else ": Azure rejects the deployment"
                        ),
                        "use a SKU from reference-managed-online-endpoints-vm-sku-list (e.g. Standard_DS3_v2, "
                        "Standard_F4s_v2, Standard_E4s_v3); `ml-inference-lb check --list-skus` prints them",
                        data={"instance_type": spec.instance_type, "sku_list_retrieved": PROVENANCE["retrieved"]},
                    )
                )
                continue
            steady, peak = instances(spec)
            reserve = 0.0 if (pool or found.skips_upgrade_reserve) else UPGRADE_RESERVE
            reserved = math.ceil(peak * (1 + reserve) - 1e-9)
            demand.append(
                Demand(cluster.name, spec.name, region_of(cluster), spec.instance_type, found, steady, peak, reserved)
            )
            gpus = f", {found.gpus:g} GPU" if found.gpus else ""
            lines.append(
                CheckLine(
                    "sku",
                    subject,
                    "ok",
                    f"{spec.instance_type}: {found.family}, {found.vcpus} vCPUs{gpus}",
                    data={
                        "instance_type": spec.instance_type,
                        "family": found.family,
                        "vcpus": found.vcpus,
                        "gpus": found.gpus,
                        "memory_gib": found.memory_gib,
                    },
                )
            )
    return lines, demand


def capacity_rows(demand: list[Demand]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Demand]] = defaultdict(list)
    for d in demand:
        groups[(d.region, d.sku.family)].append(d)
    rows = []
    for (region, family), members in sorted(groups.items()):
        largest = max(members, key=lambda d: d.reserved * d.sku.vcpus)
        row: dict[str, Any] = {
            "region": region,
            "family": family,
            "deployments": [f"{d.cluster}/{d.deployment}" for d in members],
        }
        for unit, key in (("vcpus", "vcpus"), ("gpus", "gpus")):
            reserve_total = _total(members, "reserved", unit)
            row[key] = {
                "steady": _num(_total(members, "steady", unit)),
                "max": _num(_total(members, "peak", unit)),
                "reserve": _num(reserve_total),
                "rollout": _num(reserve_total + largest.reserved * getattr(largest.sku, unit)),
            }
        rows.append(row)
    return rows


def _total(members: list[Demand], per: str, unit: str) -> float:
    return float(sum(getattr(d, per) * getattr(d.sku, unit) for d in members))


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def quota_lines(rows: list[dict[str, Any]], quota: Mapping[str, int]) -> list[CheckLine]:
    by_family = {name.lower(): value for name, value in quota.items()}
    lines = []
    for row in rows:
        v = row["vcpus"]
        subject = f"{row['region']}/{row['family']}"
        numbers = f"vCPUs steady {v['steady']}, max {v['max']}, +{UPGRADE_RESERVE:.0%} reserve {v['reserve']}, rollout {v['rollout']}"
        if row["gpus"]["max"]:
            g = row["gpus"]
            numbers += f"; GPUs steady {g['steady']}, max {g['max']}, reserve {g['reserve']}, rollout {g['rollout']}"
        available = by_family.get(row["family"].lower())
        row["quota"] = available
        if available is None:
            lines.append(
                CheckLine(
                    "capacity",
                    subject,
                    "skip",
                    f"{numbers}: compare with your quota",
                    f"pass --quota {row['family']}=N (vCPUs free for managed online endpoints in {row['region']}; "
                    "Azure ML studio > Quota, see how-to-manage-quotas)",
                    data=row,
                )
            )
        elif v["reserve"] > available:
            lines.append(
                CheckLine(
                    "capacity",
                    subject,
                    "fail",
                    f"{numbers}: {v['reserve']} with the reserve > quota {available}: Azure answers OutOfQuota",
                    "request more quota for the family, lower instance counts or autoscale maximums, or use another family",
                    data=row,
                )
            )
        elif v["rollout"] > available:
            lines.append(
                CheckLine(
                    "capacity",
                    subject,
                    "warn",
                    f"{numbers}: fits quota {available} now, but a blue/green rollout beside it does not",
                    "request more quota before the next rollout, or roll out in place",
                    data=row,
                )
            )
        else:
            lines.append(CheckLine("capacity", subject, "ok", f"{numbers}; quota {available}", data=row))
    return lines
