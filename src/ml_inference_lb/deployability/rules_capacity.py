"""Rules about capacity: instances, concurrency, probes against load time, and quota."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ..plan.engine import RegisteredResource
from .graph import DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_PROBE, DEPLOYMENT, PlanGraph, deployment_properties, seconds
from .model import Hit, Measurements, Rule
from .skus import MAX_DEPLOYMENTS_PER_ENDPOINT, MAX_INSTANCES_PER_DEPLOYMENT, UPGRADE_RESERVE, sku


def mirror_deployment_undersized(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for endpoint in graph.endpoints:
        put = graph.live_put(endpoint)
        deployments = {graph.deployment_name(d): d for d in graph.deployments_of(endpoint)}
        live = [deployments[n] for n, share in put.traffic.items() if share > 0 and n in deployments]
        live_peak = sum(graph.peak_instances(d) for d in live)
        for name, share in put.mirror_traffic.items():
            shadow = deployments.get(name)
            if shadow is None or share <= 0:
                continue
            needed = math.ceil(live_peak * share / 100)
            have = graph.peak_instances(shadow)
            if have < needed:
                yield Hit(
                    shadow.name,
                    shadow.type,
                    f"receives a copy of {share} % of the endpoint's live requests, which {live_peak} live "
                    f"instances serve at peak, but can run only {have} instance(s) (needs {needed}): the shadow "
                    "answers 429 and its metrics say nothing about the new model",
                )


def _worker_count(deployment: RegisteredResource) -> int | None:
    env = deployment_properties(deployment).get("environmentVariables")
    value = env.get("WORKER_COUNT") if isinstance(env, Mapping) else None
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def concurrency_below_worker_count(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        workers = _worker_count(deployment)
        settings = deployment_properties(deployment).get("requestSettings")
        limit = settings.get("maxConcurrentRequestsPerInstance") if isinstance(settings, Mapping) else None
        limit = int(limit) if isinstance(limit, (int, float)) else DEFAULT_MAX_CONCURRENT_REQUESTS
        if workers is not None and limit < workers:
            yield Hit(
                deployment.name,
                deployment.type,
                f"runs WORKER_COUNT={workers} workers per instance but lets only {limit} request(s) in at once: "
                f"{workers - limit} worker(s) idle while Azure answers 429 to the next caller",
            )


def _probe_budget(probe: Any) -> float:
    """Seconds from container start until the probe gives up: initial delay + period x failure threshold."""
    probe = probe if isinstance(probe, Mapping) else {}
    delay = seconds(probe.get("initialDelay"), DEFAULT_PROBE["initialDelay"])
    period = seconds(probe.get("period"), DEFAULT_PROBE["period"])
    failures = probe.get("failureThreshold", DEFAULT_PROBE["failureThreshold"])
    return delay + period * float(failures)


def probe_budget_below_load_time(graph: PlanGraph, measured: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        load = measured.load_seconds(graph.deployment_name(deployment))
        if load is None:
            continue
        properties = deployment_properties(deployment)
        startup = properties.get("startupProbe")
        probes: dict[str, Any] = {"startupProbe": startup} if isinstance(startup, Mapping) else {}
        if not probes:
            probes = {
                "livenessProbe": properties.get("livenessProbe"),
                "readinessProbe": properties.get("readinessProbe"),
            }
        for key, probe in probes.items():
            budget = _probe_budget(probe)
            if budget < load:
                yield Hit(
                    deployment.name,
                    deployment.type,
                    f"{key} gives up after {budget:g} s, but the model takes {load:g} s to load: the container is "
                    "restarted (liveness/startup) or never ready (readiness), and the deployment fails with "
                    "ResourceNotReady",
                )


def instance_limits(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for deployment in graph.of_type(DEPLOYMENT):
        peak = graph.peak_instances(deployment)
        if peak > MAX_INSTANCES_PER_DEPLOYMENT:
            yield Hit(
                deployment.name,
                deployment.type,
                f"may run {peak} instances; a managed deployment takes at most {MAX_INSTANCES_PER_DEPLOYMENT} "
                "unless the limit was raised",
            )
    for endpoint in graph.endpoints:
        count = len(graph.deployments_of(endpoint))
        if count > MAX_DEPLOYMENTS_PER_ENDPOINT:
            yield Hit(
                endpoint.name,
                endpoint.type,
                f"has {count} deployments; an endpoint takes at most {MAX_DEPLOYMENTS_PER_ENDPOINT}",
            )


def vcpu_quota(graph: PlanGraph, measured: Measurements) -> Iterator[Hit]:
    demand: dict[tuple[str, str], int] = defaultdict(int)
    members: dict[tuple[str, str], list[RegisteredResource]] = defaultdict(list)
    for deployment in graph.of_type(DEPLOYMENT):
        instance_type = str(deployment_properties(deployment).get("instanceType", ""))
        found = sku(instance_type)
        if found is None:
            continue
        quota_key = next((k for k in (found.family, instance_type) if k in measured.vcpu_quota), None)
        if quota_key is None:
            continue
        reserve = 0.0 if found.skips_upgrade_reserve else UPGRADE_RESERVE
        instances = math.ceil(graph.peak_instances(deployment) * (1 + reserve) - 1e-9)
        key = (str(deployment.inputs.get("location", "")), quota_key)
        demand[key] += instances * found.vcpus
        members[key].append(deployment)
    for (location, quota_key), needed in demand.items():
        available = measured.vcpu_quota[quota_key]
        if needed > available:
            names = ", ".join(d.name for d in members[(location, quota_key)])
            yield Hit(
                members[(location, quota_key)][-1].name,
                DEPLOYMENT,
                f"{names} need {needed} vCPUs of {quota_key} in {location or 'their region'} at peak, with the "
                f"{UPGRADE_RESERVE:.0%} upgrade reserve; {available} are available: Azure answers OutOfQuota",
            )


RULES = (
    Rule(
        id="MLI016",
        name="mirror-deployment-undersized",
        statement="A mirror (shadow) deployment needs instances for its share of the live traffic at peak.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-safely-rollout-online-endpoints.md (the "
            "mirrored percentage of live traffic is copied to the shadow deployment); the sizing is proportional: "
            "live peak instances x mirror share"
        ),
        severity="warning",
        fix="Give the shadow deployment at least that many instances (or autoscale maximum), or mirror less.",
        check=mirror_deployment_undersized,
    ),
    Rule(
        id="MLI017",
        name="concurrency-below-worker-count",
        statement="max_concurrent_requests_per_instance must not be below the inference server's WORKER_COUNT.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/reference-yaml-deployment-managed-online.md "
            "(RequestSettings: pass WORKER_COUNT for concurrency; a value too low under-uses nodes and fails fast "
            "with 429)"
        ),
        severity="warning",
        fix="Set request_settings.max_concurrent_requests_per_instance to WORKER_COUNT.",
        check=concurrency_below_worker_count,
    ),
    Rule(
        id="MLI018",
        name="probe-budget-below-load-time",
        statement="Each probe's failure budget (initial delay + period x failure threshold) must cover the model's load time.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-troubleshoot-online-endpoints.md "
            '("ERROR: ResourceNotReady": container initialization takes too long, so the readiness or liveness '
            "probe fails beyond the failure threshold); reference-yaml-deployment-managed-online.md (ProbeSettings); "
            "startup probe semantics as in Kubernetes (liveness and readiness start after it succeeds)"
        ),
        severity="error",
        fix="Raise initial_delay or failure_threshold (or add a startup probe) so the budget exceeds the measured "
        "load time with a margin.",
        check=probe_budget_below_load_time,
        needs=("model_load_seconds",),
    ),
    Rule(
        id="MLI019",
        name="instance-limits",
        statement=f"A managed deployment runs at most {MAX_INSTANCES_PER_DEPLOYMENT} instances; an endpoint has at most {MAX_DEPLOYMENTS_PER_ENDPOINT} deployments.",
        source="MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-manage-quotas.md (managed online endpoint limits)",
        severity="error",
        fix="Lower the instance count or autoscale maximum, split deployments over endpoints, or request a limit increase.",
        check=instance_limits,
    ),
    Rule(
        id="MLI020",
        name="vcpu-quota",
        statement="Peak instances x vCPUs, plus Azure's 20 % upgrade reserve, must fit the VM family's quota.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-manage-quotas.md (virtual machine quota "
            "allocation: 10 instances need quota for 12); reference-managed-online-endpoints-vm-sku-list.md "
            "(vCPUs per SKU, SKUs that skip the reserve)"
        ),
        severity="error",
        fix="Request more quota for the VM family, lower the autoscale maximum, or use another VM family.",
        check=vcpu_quota,
        needs=("vcpu_quota",),
    ),
)
