"""Traefik configuration for one cluster: the static file (entry points) and the dynamic file (routing).

Pure functions of a :class:`ServingPlan` and the replicas that are ready; no I/O. The layout:

* entry point ``web`` (the scoring port) with the endpoint routers: key auth (the ``Authorization``
  header must equal ``Bearer <key>``; anything else falls through to a router whose ``basicAuth``
  middleware can never succeed, so Traefik itself answers 401), ``azureml-model-deployment`` header
  routing, and the weighted round robin over deployments wrapped in a mirroring service;
* one internal entry point per deployment (``dep<i>``) whose router applies that deployment's
  in-flight limit (429) and retry middleware, then balances over its replicas with an active health
  check (the readiness probe) and the request timeout as the response-header timeout (answered 408,
  as Azure does);
* entry point ``traefik`` for Traefik's API, ping and Prometheus metrics (loopback only).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from ..spec.model import ProbeSpec

LOOPBACK = "127.0.0.1"
SCORE_PATHS = "(Path(`/score`) || Path(`/swagger.json`))"
DEPLOYMENT_HEADER = "azureml-model-deployment"
RETRY_ATTEMPTS = 6
"""Attempts per request (the first included); each retry picks the next replica of the round robin."""


@dataclass(frozen=True)
class DeploymentPlan:
    """What Traefik needs to know about one deployment."""

    name: str
    index: int
    traffic_percent: int
    mirror_percent: int
    inner_port: int
    readiness: ProbeSpec
    timeout_ms: int
    max_concurrent_per_instance: int
    azure_name: str
    """The deployment's name in Azure (``DeploymentSpec.azure_name``): the ``azureml-model-deployment`` value that
    pins it, as on Azure."""

    @property
    def entry_point(self) -> str:
        return f"dep{self.index}"

    @property
    def hop_service(self) -> str:
        return f"deployment-{self.name}"

    @property
    def replica_service(self) -> str:
        return f"replicas-{self.name}"

    @property
    def inner_router(self) -> str:
        return f"inner-{self.name}"


@dataclass(frozen=True)
class ServingPlan:
    """Ports and settings of one served cluster."""

    cluster: str
    port: int
    api_port: int
    key: str
    deployments: tuple[DeploymentPlan, ...]
    deny_secret: str
    """A random password nobody is told: the 401 router's basicAuth can never be satisfied."""


def static_config(plan: ServingPlan, dynamic_dir: str, log_level: str = "ERROR") -> dict[str, Any]:
    entry_points: dict[str, Any] = {
        "web": {"address": f"{LOOPBACK}:{plan.port}"},
        "traefik": {"address": f"{LOOPBACK}:{plan.api_port}"},
    }
    for d in plan.deployments:
        entry_points[d.entry_point] = {"address": f"{LOOPBACK}:{d.inner_port}"}
    return {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": entry_points,
        "providers": {"providersThrottleDuration": "100ms", "file": {"directory": dynamic_dir, "watch": True}},
        "api": {"insecure": True, "dashboard": False},
        "ping": {"entryPoint": "traefik"},
        "metrics": {
            "prometheus": {
                "entryPoint": "traefik",
                "addEntryPointsLabels": True,
                "addRoutersLabels": True,
                "addServicesLabels": False,
            }
        },
        "log": {"level": log_level},
    }


def duration(seconds: float) -> str:
    """A Traefik duration in whole milliseconds."""
    return f"{round(seconds * 1000)}ms"


def _health_check(probe: ProbeSpec) -> dict[str, Any]:
    return {"path": "/", "interval": duration(probe.period_s), "timeout": duration(probe.timeout_s)}


def sha_htpasswd(user: str, password: str) -> str:
    """An htpasswd line in the {SHA} format Traefik's basicAuth accepts."""
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()  # htpasswd {SHA} format
    return f"{user}:{{SHA}}{digest}"


def dynamic_config(plan: ServingPlan, ready: dict[str, list[int]], serving: set[str] | None = None) -> dict[str, Any]:
    """The routing for the current state.

    ``ready`` maps each deployment name to the ports of its replicas that passed their first readiness
    probe (Traefik's health check then takes a replica out while it fails readiness). ``serving`` is the
    set of deployments that can take traffic; a deployment with no ready replica (all failed to start,
    or all crashed) is left out of the weighted split and the mirror, so the others keep serving.
    Defaults to every deployment that has a ready replica.
    """
    if serving is None:
        serving = {d.name for d in plan.deployments}
    serving = {name for name in serving if ready.get(name)}
    auth = f"Header(`Authorization`, `Bearer {plan.key}`)"
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {
        "deny": {"basicAuth": {"users": [sha_htpasswd("ml-inference-lb", plan.deny_secret)], "realm": "key"}},
    }
    transports: dict[str, Any] = {}

    live = [d for d in plan.deployments if d.traffic_percent > 0 and d.name in serving]
    mirror = [d for d in plan.deployments if d.mirror_percent > 0 and d.name in serving]
    for d in plan.deployments:
        replicas = ready.get(d.name, [])
        services[d.replica_service] = {
            "loadBalancer": {
                "servers": [{"url": f"http://{LOOPBACK}:{p}"} for p in replicas],
                "healthCheck": _health_check(d.readiness),
                "serversTransport": f"timeout-{d.name}",
            }
        }
        transports[f"timeout-{d.name}"] = {"forwardingTimeouts": {"responseHeaderTimeout": f"{d.timeout_ms}ms"}}
        services[d.hop_service] = {"loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{d.inner_port}"}]}}
        # Azure admits 2 x max_concurrent_requests_per_instance x instance_count requests at once, then 429.
        limit = 2 * d.max_concurrent_per_instance * max(1, len(replicas))
        middlewares[f"limit-{d.name}"] = {"inFlightReq": {"amount": limit}}
        # Traefik retries a request that never reached a replica (connection refused); with status 502
        # and retryNonIdempotentMethod it also retries a POST whose replica died before answering (the
        # body is buffered). So a dying replica costs a retry on another replica, not a failed request.
        # No retry once the request timeout has passed.
        middlewares[f"retry-{d.name}"] = {
            "retry": {
                "attempts": RETRY_ATTEMPTS,
                "status": ["502"],
                "retryNonIdempotentMethod": True,
                "timeout": f"{d.timeout_ms}ms",
                # -1: buffer exactly the body. A positive cap makes Traefik allocate cap+1 bytes for
                # every request (measured: ~1.8 ms of CPU per request at its default).
                "maxRequestBodyBytes": -1,
            }
        }
        # Past request_timeout_ms Traefik answers 504 (responseHeaderTimeout); Azure answers 408.
        middlewares[f"timeout-{d.name}"] = {
            "errors": {"status": ["504"], "statusRewrites": {"504": 408}, "service": "noop@internal", "query": "/"}
        }
        routers[d.inner_router] = {
            "entryPoints": [d.entry_point],
            "rule": "PathPrefix(`/`)",
            "priority": 10,
            "middlewares": [f"timeout-{d.name}", f"limit-{d.name}", f"retry-{d.name}"],
            "service": d.replica_service,
        }
        routers[f"to-{d.name}"] = {
            "entryPoints": ["web"],
            "rule": f"{SCORE_PATHS} && {auth} && Header(`{DEPLOYMENT_HEADER}`, `{d.azure_name}`)",
            "priority": 300,
            "service": d.hop_service,
        }

    if live:
        services["live"] = {
            "weighted": {
                "services": [{"name": d.hop_service, "weight": d.traffic_percent} for d in live],
            }
        }
        endpoint_service = "live"
        if mirror:
            services["endpoint"] = {
                "mirroring": {
                    "service": "live",
                    "mirrors": [{"name": d.hop_service, "percent": d.mirror_percent} for d in mirror],
                }
            }
            endpoint_service = "endpoint"
        routers["score"] = {
            "entryPoints": ["web"],
            "rule": f"{SCORE_PATHS} && {auth}",
            "priority": 200,
            "service": endpoint_service,
        }
    routers["unauthorized"] = {
        "entryPoints": ["web"],
        "rule": f"{SCORE_PATHS} && !{auth}",
        "priority": 100,
        "middlewares": ["deny"],
        "service": "noop@internal",
    }
    return {
        "http": {
            "routers": routers,
            "services": services,
            "middlewares": middlewares,
            "serversTransports": transports,
        }
    }
