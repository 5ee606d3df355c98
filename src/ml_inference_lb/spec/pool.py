"""Validation of the ``inference_pool`` backend (PREVIEW, API 2025-01-01-preview).

Owns the rules that differ between backends: the pool's own fields, and every capability of a
managed online endpoint that an inference pool lacks (traffic split, mirroring, key and AML-token
auth, autoscale, diagnostic logs, Application Insights, existing code or environment assets with
scoring code). Each is reported with its args path, never dropped silently. ``build_spec`` calls
:func:`pool_backend` for the pool backend and :func:`managed_backend` for the managed one.

Sources: the pulumi-azure-native 3.29 SDK (``inference_pool.py``, ``inference_group.py``,
``inference_endpoint.py``, ``_inputs.py``) and Azure/bicep-types-az
``generated/machinelearningservices/.../2025-01-01-preview/types.md``; see ``docs/inference-pool.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .model import DeploymentSpec, DiagnosticsSpec, EndpointSpec, PoolBackendSpec
from .problems import Problems, join

BACKENDS = ("managed_online", "inference_pool")
POOL_BACKEND_FIELDS = ("name", "scale_unit_size", "scale_unit")
"""``pool`` fields that only the inference_pool backend reads."""
SCALE_UNIT_FIELDS = ("registries", "public_egress")
# Name pattern of inferencePools, their groups and endpoints (2025-01-01-preview).
POOL_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$")
POOL_NAME_MAX = 255

_WHY_SPLIT = (
    "the inference_pool backend routes each endpoint to one group, so Azure cannot split live traffic "
    "between deployments"
)
_ALTERNATIVE = "or use backend 'managed_online'"


def backend(problems: Problems, raw: Any) -> str:
    return problems.choice("backend", raw, BACKENDS, "managed_online")


def managed_backend(problems: Problems, pool: Mapping[str, Any]) -> None:
    """Pool-backend fields given to the managed backend would be ignored: report them."""
    for key in POOL_BACKEND_FIELDS:
        if key in pool:
            problems.add(
                join("pool", key),
                "only read by backend 'inference_pool' (PREVIEW); remove it or set backend to 'inference_pool'",
            )


def pool_backend(
    problems: Problems,
    cluster: str,
    args: Mapping[str, Any],
    endpoint: EndpointSpec,
    deployments: Sequence[DeploymentSpec],
) -> PoolBackendSpec:
    """Check ``args`` against what an inference pool can do and return the pool's own spec."""
    pool = problems.mapping("pool", args.get("pool"))
    raw_endpoint = problems.mapping("endpoint", args.get("endpoint"))
    _endpoint_rules(problems, raw_endpoint)
    if pool.get("autoscale") is not None:
        problems.add("pool.autoscale", _no_autoscale())
    raw_deployments = args.get("deployments")
    if isinstance(raw_deployments, Sequence) and not isinstance(raw_deployments, (str, bytes)):
        for i, raw in enumerate(raw_deployments):
            if isinstance(raw, Mapping):
                _deployment_rules(problems, f"deployments[{i}]", raw)
    _traffic_rules(problems, deployments)
    _shared_image_rules(problems, deployments)

    default_name = _fit(f"{cluster}-pool")
    name = problems.string("pool.name", pool.get("name"), default_name) or default_name
    if not POOL_NAME_RE.match(name):
        where = "pool.name" if "name" in pool else "name"
        hint = "" if "name" in pool else " (derived from the component name: set pool.name)"
        problems.add(
            where,
            f"{name!r} is not a valid inference pool name: 1-255 letters, digits, '-' and '_', "
            f"starting with a letter or digit{hint}",
        )
    size = pool.get("scale_unit_size")
    scale_unit_size = problems.integer("pool.scale_unit_size", size, 1, 1) if size is not None else None
    scale_unit = problems.mapping("pool.scale_unit", pool.get("scale_unit"))
    problems.unknown_keys("pool.scale_unit", scale_unit, SCALE_UNIT_FIELDS)
    registries = tuple(
        problems.each(
            "pool.scale_unit.registries", scale_unit.get("registries"), lambda p, r: _registry(problems, p, r)
        )
    )
    egress = problems.choice(
        "pool.scale_unit.public_egress", scale_unit.get("public_egress"), ("enabled", "disabled"), "enabled"
    )
    return PoolBackendSpec(
        name=name,
        endpoint_prefix=endpoint.name or endpoint.name_prefix,
        scale_unit_size=scale_unit_size,
        registries=registries,
        disable_public_egress=egress == "disabled",
    )


def diagnostics(problems: Problems, raw_value: Any) -> DiagnosticsSpec:
    """The pool backend sends no logs: Azure documents no diagnostic log categories for inference pools."""
    raw = problems.mapping("diagnostics", raw_value)
    problems.unknown_keys("diagnostics", raw, ("enabled", "log_analytics_workspace_id"))
    reason = (
        "the inference_pool backend creates no diagnostic settings (Azure documents no log categories for "
        "inference pools); remove it, or set diagnostics.enabled to False"
    )
    if raw.get("enabled") is True:
        problems.add("diagnostics.enabled", reason)
    elif raw.get("enabled") is not None and not isinstance(raw.get("enabled"), bool):
        problems.add("diagnostics.enabled", f"must be True or False, got {raw.get('enabled')!r}")
    if raw.get("log_analytics_workspace_id") is not None:
        problems.add("diagnostics.log_analytics_workspace_id", reason)
    return DiagnosticsSpec(enabled=False, log_analytics_workspace_id=None)


def _endpoint_rules(problems: Problems, raw: Mapping[str, Any]) -> None:
    auth = raw.get("auth_mode")
    if auth is not None and auth != "aad_token":
        problems.add(
            "endpoint.auth_mode",
            f"{auth!r} is not available with backend 'inference_pool': its endpoints accept Microsoft Entra "
            "tokens only (Azure's authMode 'AAD'); use 'aad_token' or leave it out, " + _ALTERNATIVE,
        )
    if raw.get("public_network_access") == "disabled":
        problems.add(
            "endpoint.public_network_access",
            "an inference pool endpoint has no public network access setting, so 'disabled' cannot be honoured; "
            "isolate the workspace (workspace.public_network_access) instead, " + _ALTERNATIVE,
        )


def _deployment_rules(problems: Problems, path: str, raw: Mapping[str, Any]) -> None:
    if raw.get("azure_name") is not None:
        problems.add(
            join(path, "azure_name"),
            "the inference_pool backend names each inference group after its deployment: no input of a group is "
            "create-only (2025-01-01-preview definitions), so no change needs a new group name; remove azure_name, "
            + _ALTERNATIVE,
        )
    if raw.get("mirror_percent"):
        problems.add(
            join(path, "mirror_percent"),
            "the inference_pool backend has no traffic mirroring: each endpoint serves one group; "
            "remove mirror_percent, " + _ALTERNATIVE,
        )
    if raw.get("autoscale") is not None:
        problems.add(join(path, "autoscale"), _no_autoscale())
    if raw.get("app_insights_enabled") is True:
        problems.add(
            join(path, "app_insights_enabled"),
            "an inference group has no Application Insights setting; remove it, " + _ALTERNATIVE,
        )
    code = raw.get("code")
    if not isinstance(code, Mapping):
        return
    if code.get("asset_id") is not None:
        problems.add(
            join(path, "code.asset_id"),
            "an inference group has no scoring-code setting, so the library builds the scoring code into the "
            "group's image and needs the local folder: give code.path instead",
        )
    environment = raw.get("environment")
    if isinstance(environment, Mapping) and environment.get("asset_id") is not None:
        problems.add(
            join(path, "environment.asset_id"),
            "with code, the inference_pool backend builds the group's image from environment.image (and "
            "conda_file) plus the code; an existing environment cannot be extended. Give environment.image, "
            "or leave code out if the environment's image serves the model by itself",
        )


def _traffic_rules(problems: Problems, deployments: Sequence[DeploymentSpec]) -> None:
    live = [(i, d) for i, d in enumerate(deployments) if d.traffic_percent]
    if len(live) < 2:
        return
    shares = ", ".join(f"{d.name}={d.traffic_percent}" for _, d in live)
    for i, _ in live[1:]:
        problems.add(
            f"deployments[{i}].traffic_percent",
            f"{_WHY_SPLIT} ({shares}). Every deployment gets its own endpoint; split traffic in front of them "
            "(docs/inference-pool.md, 'Weighted split'): give one deployment traffic_percent 100 and the "
            f"others 0, {_ALTERNATIVE}",
        )


def _shared_image_rules(problems: Problems, deployments: Sequence[DeploymentSpec]) -> None:
    """The image with the code is built once per (environment, code) pair, so the pair fixes the script."""
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for i, d in enumerate(deployments):
        if d.code is None:
            continue
        key = (d.environment.name, d.code.name)
        if key in first and first[key][1] != d.code.scoring_script:
            problems.add(
                f"deployments[{i}].code.scoring_script",
                f"{d.code.scoring_script!r} differs from deployments[{first[key][0]}], which builds the same image "
                f"(environment {key[0]!r} with code {key[1]!r}, scoring script {first[key][1]!r}); give this "
                "deployment's code another name",
            )
        first.setdefault(key, (i, d.code.scoring_script))


def _no_autoscale() -> str:
    return (
        "Azure offers no autoscale for inference pools or groups (API 2025-01-01-preview has no autoscale "
        "settings); set a fixed instance_count (scale units per group) and pool.scale_unit_size, " + _ALTERNATIVE
    )


def _registry(problems: Problems, path: str, value: Any) -> str:
    text = problems.string(path, value) or ""
    if not text.strip():
        problems.add(path, "must be a registry name or ARM id, got an empty value")
    return text


def _fit(value: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9_-]+", "-", value)
    return cleaned[:POOL_NAME_MAX].rstrip("-_") or "pool"
