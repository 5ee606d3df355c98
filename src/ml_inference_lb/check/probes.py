"""Check 3: each probe's budget on Azure against the measured time to ready, and memory against the SKU.

A probe gives up after ``initial_delay + period x failure_threshold`` seconds of failures (Azure's
ProbeSettings, reference-yaml-deployment-managed-online.md; defaults 10 s, 10 s, 30 — the spec fills
them in). With a startup probe, liveness and readiness start only after it succeeds (Kubernetes'
semantics, which Azure's ProbeSettings follow), so the startup probe's budget is the one that must
cover the start. Below the measured time the deployment fails with ResourceNotReady
(how-to-troubleshoot-online-endpoints.md); below twice the measured time it is one slow start (a
busier VM, a cold disk) from failing.
"""

from __future__ import annotations

from ..deployability.skus import sku
from ..spec.model import DeploymentSpec, ProbeSpec
from .model import CheckLine

MARGIN = 2.0
"""Warn when a budget is below MARGIN x the measured time to ready."""
MEMORY_WARN_SHARE = 0.8
"""Warn when the estimate passes this share of the VM's memory: the OS, Azure's agents and the
container runtime also live in it (a margin of ours; Azure documents no figure)."""


def budget_s(probe: ProbeSpec) -> float:
    return float(probe.initial_delay_s + probe.period_s * probe.failure_threshold)


def probe_budgets(spec: DeploymentSpec) -> dict[str, float]:
    """The probes that must cover the start, by name: the startup probe if set, else liveness and readiness."""
    if spec.probes.startup is not None:
        return {"startup": budget_s(spec.probes.startup)}
    return {"liveness": budget_s(spec.probes.liveness), "readiness": budget_s(spec.probes.readiness)}


def probe_line(subject: str, spec: DeploymentSpec, ready_s: float) -> CheckLine:
    budgets = probe_budgets(spec)
    data = {"ready_seconds": round(ready_s, 3), "budgets_seconds": budgets, "margin": MARGIN}
    short = {name: b for name, b in budgets.items() if b < ready_s}
    tight = {name: b for name, b in budgets.items() if ready_s <= b < MARGIN * ready_s}
    needed = MARGIN * ready_s
    hint = (
        f"give probes.{'startup' if 'startup' in budgets else 'liveness/readiness'} a budget of at least "
        f"{needed:.0f} s (initial_delay_seconds + period_seconds x failure_threshold), or add a startup probe"
    )
    described = ", ".join(f"{name} {b:g} s" for name, b in budgets.items())
    if short:
        return CheckLine(
            "probes",
            subject,
            "fail",
            f"ready after {ready_s:.1f} s here, but Azure gives up after {described}: ResourceNotReady",
            hint,
            data=data,
        )
    if tight:
        return CheckLine(
            "probes",
            subject,
            "warn",
            f"ready after {ready_s:.1f} s here; budget {described} is under {MARGIN:g}x that",
            hint,
            data=data,
        )
    return CheckLine("probes", subject, "ok", f"ready after {ready_s:.1f} s; budget {described}", data=data)


def memory_line(
    subject: str, spec: DeploymentSpec, workers: int, master_mib: float | None, worker_mib: float | None
) -> CheckLine:
    found = sku(spec.instance_type)
    if worker_mib is None:
        return CheckLine("memory", subject, "skip", "memory after load could not be measured")
    estimate = (master_mib or 0.0) + worker_mib * workers
    data = {
        "master_rss_mib": round(master_mib or 0.0, 1),
        "worker_rss_mib": round(worker_mib, 1),
        "workers": workers,
        "estimate_mib": round(estimate, 1),
        "instance_type": spec.instance_type,
        "sku_memory_gib": None if found is None else found.memory_gib,
    }
    what = f"{worker_mib:.0f} MiB per worker x WORKER_COUNT {workers} + {master_mib or 0:.0f} MiB master = {estimate:.0f} MiB"
    if found is None or found.memory_gib is None:
        return CheckLine(
            "memory", subject, "skip", f"{what}; the memory of {spec.instance_type} is not in the SKU data", data=data
        )
    total = found.memory_gib * 1024
    share = estimate / total
    data["share"] = round(share, 4)
    hint = "lower WORKER_COUNT, shrink the model's footprint, or pick a SKU with more memory"
    if share > 1:
        return CheckLine(
            "memory",
            subject,
            "fail",
            f"{what} > {found.memory_gib:g} GiB of {spec.instance_type}: the container is killed (OOM)",
            hint,
            data=data,
        )
    if share > MEMORY_WARN_SHARE:
        return CheckLine(
            "memory",
            subject,
            "warn",
            f"{what} is {share:.0%} of {found.memory_gib:g} GiB of {spec.instance_type}",
            hint,
            data=data,
        )
    return CheckLine(
        "memory", subject, "ok", f"{what}, {share:.1%} of {found.memory_gib:g} GiB of {spec.instance_type}", data=data
    )
