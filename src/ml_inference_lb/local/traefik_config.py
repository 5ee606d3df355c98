"""Traefik configuration for one cluster: the static file (entry points) and the dynamic file (routing).

Pure functions of a :class:`ServingPlan` and the supervisor's view of the replicas; no I/O. The layout:

* entry point ``web`` (the scoring port, the only one that serves scoring to a caller) with the
  endpoint routers: key auth (the ``Authorization`` header must equal ``Bearer <key>``; anything else
  falls through to a router whose ``basicAuth`` middleware can never succeed, so Traefik itself
  answers 401), ``azureml-model-deployment`` header routing, and the weighted round robin over
  deployments wrapped in a mirroring service. Every request these routers forward gets the run's
  internal secret in ``X-Ml-Inference-Lb-Internal`` and loses its ``Authorization`` header;
* one service per deployment (``deployment-<name>``: its replicas, round robin) with Traefik's
  *service* middlewares, so they apply after the weighted split, in the same pass: that deployment's
  in-flight limit (429), the request-size limit (413) with a replay on another replica when one died
  (``buffering``), the request timeout as the response-header timeout (answered 408, as Azure does),
  and the deployment's name in the response;
* entry point ``internal`` for the local target itself: Prometheus metrics (only when autoscale needs
  them) and a ``/generation/<n>`` route that tells which routing Traefik has loaded, both behind the
  internal secret. There is no Traefik API or dashboard: the API shows every router rule, hence the
  key.

Requests the replicas cannot serve (a deployment that failed, an unknown deployment name, no live
traffic) go to the local target's status responder, which answers with Azure's status and a message.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOOPBACK = "127.0.0.1"
SCORE_PATHS = "(Path(`/score`) || Path(`/swagger.json`))"
DEPLOYMENT_HEADER = "azureml-model-deployment"
"""Azure's request header that picks a deployment, and the response header that names the one that
answered (see docs/local-target.md for the sources)."""
INTERNAL_HEADER = "X-Ml-Inference-Lb-Internal"
RETRY_ATTEMPTS = 6
"""Attempts per request (the first included); each retry picks the next replica of the round robin."""
MEMORY_BODY_BYTES = 1024 * 1024
"""Request bodies up to this size are buffered in memory; larger ones (up to the limit) on disk."""


@dataclass(frozen=True)
class DeploymentPlan:
    """What Traefik needs to know about one deployment."""

    name: str
    index: int
    traffic_percent: int
    mirror_percent: int
    timeout_ms: int
    max_concurrent_per_instance: int
    azure_name: str
    """The deployment's name in Azure (``DeploymentSpec.azure_name``): the ``azureml-model-deployment`` value that
    pins it, as on Azure."""

    @property
    def service(self) -> str:
        """The deployment's replicas, with its limits as service middlewares."""
        return f"deployment-{self.name}"


@dataclass(frozen=True)
class ServingPlan:
    """Ports, secrets and settings of one served cluster."""

    cluster: str
    port: int
    internal_port: int
    keys: tuple[str, ...]
    """The keys the endpoint accepts: its own first, then any other (a multi-region service's key)."""
    deployments: tuple[DeploymentPlan, ...]
    deny_secret: str
    """A random password nobody is told: the 401 router's basicAuth can never be satisfied."""
    internal_secret: str
    """The per-run secret that opens the internal entry points and the replicas."""
    status_port: int
    """The local target's status responder (errors Azure answers itself: 503, 404)."""
    max_request_body_bytes: int
    metrics: bool
    """Prometheus metrics on the internal entry point (needed by local autoscale only)."""

    @property
    def key(self) -> str:
        return self.keys[0]


def static_config(plan: ServingPlan, dynamic_dir: str, log_level: str = "ERROR") -> dict[str, Any]:
    entry_points: dict[str, Any] = {
        "web": {"address": f"{LOOPBACK}:{plan.port}"},
        "internal": {"address": f"{LOOPBACK}:{plan.internal_port}", "observability": {"metrics": False}},
    }
    static: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": entry_points,
        "providers": {"providersThrottleDuration": "100ms", "file": {"directory": dynamic_dir, "watch": True}},
        "log": {"level": log_level},
    }
    if plan.metrics:
        static["metrics"] = {
            "prometheus": {
                "manualRouting": True,
                # Per deployment (its service): requests, durations; autoscale reads nothing else.
                "addEntryPointsLabels": False,
                "addRoutersLabels": False,
                "addServicesLabels": True,
            }
        }
    return static


def duration(seconds: float) -> str:
    """A Traefik duration in whole milliseconds."""
    return f"{round(seconds * 1000)}ms"


def sha_htpasswd(user: str, password: str) -> str:
    """An htpasswd line in the {SHA} format Traefik's basicAuth accepts."""
    digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()  # htpasswd {SHA} format
    return f"{user}:{{SHA}}{digest}"


def key_rule(keys: tuple[str, ...]) -> str:
    """A rule that matches a request carrying any of ``keys`` as its bearer token."""
    matches = [f"Header(`Authorization`, `Bearer {key}`)" for key in keys]
    return matches[0] if len(matches) == 1 else "(" + " || ".join(matches) + ")"


def internal_rule(secret: str) -> str:
    return f"Header(`{INTERNAL_HEADER}`, `{secret}`)"


def unauthorized_middlewares(deny_secret: str) -> dict[str, Any]:
    """The 401 for a request without the key: basicAuth that nobody can pass, with Azure's bearer
    challenge instead of basicAuth's ``Basic realm=...`` (which makes a browser show a login box)."""
    return {
        "deny": {"basicAuth": {"users": [sha_htpasswd("ml-inference-lb", deny_secret)]}},
        "bearer-challenge": {"headers": {"customResponseHeaders": {"WWW-Authenticate": "Bearer"}}},
    }


def status_path(kind: str, name: str = "") -> str:
    """The status responder's path for one answer: ``/unavailable/<deployment>``, ``/unknown``, ``/no-traffic``."""
    return f"/{kind}/{name}" if name else f"/{kind}"


def dynamic_config(
    plan: ServingPlan,
    ready: Mapping[str, list[int]],
    unavailable: Mapping[str, str] | None = None,
    generation: int = 0,
) -> dict[str, Any]:
    """The routing for the current state.

    ``ready`` maps each deployment name to the ports of its replicas that pass their readiness probe
    (the supervisor probes them with the spec's thresholds and rewrites this file). ``unavailable``
    names the deployments that cannot serve, with why (failed; every replica down): they leave the
    weighted split and the mirror, so the others keep serving, and a request pinned to one gets 503
    from the status responder. A deployment without a ready replica is unavailable even if not listed.
    ``generation`` numbers this routing: ``GET /generation/<n>`` on the internal entry point answers
    418 once Traefik has loaded it.
    """
    down = {d.name for d in plan.deployments if not ready.get(d.name)} | set(unavailable or {})
    auth = key_rule(plan.keys)
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {
        "status": {"loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{plan.status_port}"}]}}
    }
    middlewares: dict[str, Any] = {
        **unauthorized_middlewares(plan.deny_secret),
        # Forwarded requests carry the internal secret and no longer the key: no replica, scoring
        # script or log downstream ever sees the endpoint's key.
        "internal": {"headers": {"customRequestHeaders": {INTERNAL_HEADER: plan.internal_secret, "Authorization": ""}}},
    }
    transports: dict[str, Any] = {}

    def to_status(router: str, rule: str, priority: int, path: str) -> None:
        middlewares[f"status-{router}"] = {"replacePath": {"path": path}}
        routers[router] = {
            "entryPoints": ["web"],
            "rule": rule,
            "priority": priority,
            "middlewares": ["internal", f"status-{router}"],
            "service": "status",
        }

    live = [d for d in plan.deployments if d.traffic_percent > 0 and d.name not in down]
    mirror = [d for d in plan.deployments if d.mirror_percent > 0 and d.name not in down]
    for d in plan.deployments:
        replicas = ready.get(d.name, [])
        transports[f"timeout-{d.name}"] = {"forwardingTimeouts": {"responseHeaderTimeout": f"{d.timeout_ms}ms"}}
        # Azure admits 2 x max_concurrent_requests_per_instance x instance_count requests at once, then 429.
        limit = 2 * d.max_concurrent_per_instance * max(1, len(replicas))
        middlewares[f"limit-{d.name}"] = {"inFlightReq": {"amount": limit}}
        # Buffer the request body (up to the size limit, else 413) so that a request whose replica
        # died before answering (502) is replayed on the next replica of the round robin. Not a 504:
        # past the request timeout Azure answers 408, it does not retry.
        middlewares[f"replay-{d.name}"] = {
            "buffering": {
                "maxRequestBodyBytes": plan.max_request_body_bytes,
                "memRequestBodyBytes": min(MEMORY_BODY_BYTES, plan.max_request_body_bytes),
                "retryExpression": f"ResponseCode() == 502 && Attempts() < {RETRY_ATTEMPTS}",
            }
        }
        # Past request_timeout_ms Traefik answers 504 (responseHeaderTimeout); Azure answers 408.
        middlewares[f"timeout-{d.name}"] = {
            "errors": {"status": ["504"], "statusRewrites": {"504": 408}, "service": "noop@internal", "query": "/"}
        }
        middlewares[f"served-by-{d.name}"] = {"headers": {"customResponseHeaders": {DEPLOYMENT_HEADER: d.azure_name}}}
        services[d.service] = {
            "loadBalancer": {
                "servers": [{"url": f"http://{LOOPBACK}:{p}"} for p in replicas],
                "serversTransport": f"timeout-{d.name}",
            },
            # Service middlewares run after the weighted split (or the pinned router), once per request.
            "middlewares": [f"served-by-{d.name}", f"timeout-{d.name}", f"limit-{d.name}", f"replay-{d.name}"],
        }
        pinned = f"{SCORE_PATHS} && {auth} && Header(`{DEPLOYMENT_HEADER}`, `{d.azure_name}`)"
        if d.name in down:
            to_status(f"to-{d.name}", pinned, 300, status_path("unavailable", d.name))
        else:
            routers[f"to-{d.name}"] = {
                "entryPoints": ["web"],
                "rule": pinned,
                "priority": 300,
                "middlewares": ["internal"],
                "service": d.service,
            }

    # A name in the header that is no deployment of this endpoint: 404 (the pinned routers rank higher).
    to_status(
        "unknown-deployment", f"{SCORE_PATHS} && {auth} && HeaderRegexp(`{DEPLOYMENT_HEADER}`, `.`)", 250, "/unknown"
    )
    if live:
        services["live"] = {"weighted": {"services": [{"name": d.service, "weight": d.traffic_percent} for d in live]}}
        endpoint_service = "live"
        if mirror:
            services["endpoint"] = {
                "mirroring": {
                    "service": "live",
                    "mirrors": [{"name": d.service, "percent": d.mirror_percent} for d in mirror],
                }
            }
            endpoint_service = "endpoint"
            # Mirroring reads the whole body of a mirrored request before the deployments' size limit
            # applies: check the size first (the inner routers buffer it, this one only when mirroring).
            middlewares["body-limit"] = {"buffering": {"maxRequestBodyBytes": plan.max_request_body_bytes}}
        routers["score"] = {
            "entryPoints": ["web"],
            "rule": f"{SCORE_PATHS} && {auth}",
            "priority": 200,
            "middlewares": ["internal", "body-limit"] if mirror else ["internal"],
            "service": endpoint_service,
        }
    else:
        wanted = [d.name for d in plan.deployments if d.traffic_percent > 0]
        answer = status_path("unavailable", ",".join(wanted)) if wanted else status_path("no-traffic")
        to_status("score", f"{SCORE_PATHS} && {auth}", 200, answer)
    routers["unauthorized"] = {
        "entryPoints": ["web"],
        "rule": f"{SCORE_PATHS} && !{auth}",
        "priority": 100,
        "middlewares": ["bearer-challenge", "deny"],
        "service": "noop@internal",
    }
    routers["generation"] = {
        "entryPoints": ["internal"],
        "rule": f"Path(`/generation/{generation}`) && {internal_rule(plan.internal_secret)}",
        "service": "noop@internal",
    }
    if plan.metrics:
        routers["metrics"] = {
            "entryPoints": ["internal"],
            "rule": f"Path(`/metrics`) && {internal_rule(plan.internal_secret)}",
            "service": "prometheus@internal",
        }
    return {
        "http": {
            "routers": routers,
            "services": services,
            "middlewares": middlewares,
            "serversTransports": transports,
        }
    }
