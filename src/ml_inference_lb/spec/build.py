"""``build_spec``: the one place args are validated and normalised into a :class:`ClusterSpec`."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from . import pool as pool_rules
from . import rules
from .model import (
    AutoscaleSpec,
    ClusterSpec,
    CodeSpec,
    DeploymentSpec,
    DiagnosticsSpec,
    EndpointSpec,
    EnvironmentSpec,
    ExistingWorkspaceSpec,
    ModelSpec,
    NewWorkspaceSpec,
    ProbeSpec,
    ProbesSpec,
    RequestSpec,
    ScaleRuleSpec,
    ScheduleSpec,
)
from .problems import Problems, join

CLUSTER_FIELDS = (
    "resource_group_name",
    "backend",
    "deployments",
    "location",
    "workspace",
    "existing_workspace",
    "endpoint",
    "pool",
    "probes",
    "request_settings",
    "diagnostics",
    "tags",
)
DEPLOYMENT_FIELDS = (
    "name",
    "model",
    "environment",
    "code",
    "traffic_percent",
    "mirror_percent",
    "instance_type",
    "instance_count",
    "autoscale",
    "probes",
    "request_settings",
    "environment_variables",
    "app_insights_enabled",
)
PROBE_FIELDS = tuple(rules.DEFAULT_PROBE)
AUTOSCALE_FIELDS = ("min_instances", "max_instances", "default_instances", "rules", "schedules")
RULE_FIELDS = (
    "metric",
    "scale_out_above",
    "scale_in_below",
    "window_minutes",
    "aggregation",
    "change_count",
    "scale_out_cooldown_minutes",
    "scale_in_cooldown_minutes",
)
SCHEDULE_FIELDS = ("name", "days", "start", "end", "time_zone", "min_instances", "max_instances", "default_instances")


def build_spec(name: str, args: Mapping[str, Any], base_dir: str | None = None) -> ClusterSpec:
    """Validate ``args`` and return the normalised spec, or raise
    :class:`~ml_inference_lb.InferenceClusterArgsError` listing every problem.

    Relative paths are resolved against ``base_dir`` (default: the current directory, which is the
    Pulumi project's directory when Pulumi runs the program).
    """
    problems = Problems()
    base = os.path.abspath(base_dir or os.getcwd())
    args = problems.mapping("args", args)
    problems.unknown_keys("", args, CLUSTER_FIELDS)

    if not isinstance(name, str) or not name:
        problems.add("name", "the component needs a non-empty logical name")
        name = "cluster"

    if args.get("resource_group_name") is None:
        problems.add("resource_group_name", "required: the name of an existing resource group")

    workspace = _workspace(problems, name, args)
    endpoint = _endpoint(problems, name, args.get("endpoint"))
    pool = problems.mapping("pool", args.get("pool"))
    problems.unknown_keys(
        "pool", pool, ("instance_type", "instance_count", "autoscale", *pool_rules.POOL_BACKEND_FIELDS)
    )
    cluster_probes = problems.mapping("probes", args.get("probes"))
    cluster_requests = problems.mapping("request_settings", args.get("request_settings"))

    raw_deployments = args.get("deployments")
    if raw_deployments is None or (isinstance(raw_deployments, (list, tuple)) and not raw_deployments):
        problems.add("deployments", "required: at least one deployment")
    deployments = tuple(
        problems.each(
            "deployments",
            raw_deployments,
            lambda path, raw: _deployment(problems, path, raw, pool, cluster_probes, cluster_requests, base, name),
        )
    )
    _check_deployment_set(problems, deployments)
    backend = pool_rules.backend(problems, args.get("backend"))
    pool_spec = None
    if backend == "inference_pool":  # PREVIEW backend: its own rules, in spec/pool.py
        pool_spec = pool_rules.pool_backend(problems, name, args, endpoint, deployments)
        endpoint = dataclasses.replace(endpoint, auth_mode="AADToken")
        deployments = tuple(dataclasses.replace(d, app_insights_enabled=False) for d in deployments)
        diagnostics = pool_rules.diagnostics(problems, args.get("diagnostics"))
    else:
        pool_rules.managed_backend(problems, pool)
        diagnostics = _diagnostics(problems, args.get("diagnostics"), workspace)
    tags = _tags(problems, args.get("tags"))

    problems.raise_if_any()
    return ClusterSpec(
        name=name,
        resource_group_name=args["resource_group_name"],
        location=args.get("location"),
        workspace=workspace,
        endpoint=endpoint,
        deployments=deployments,
        diagnostics=diagnostics,
        tags=tags,
        backend="inference_pool" if pool_spec is not None else "managed_online",
        pool=pool_spec,
    )


# --- workspace and endpoint


def _workspace(problems: Problems, cluster: str, args: Mapping[str, Any]) -> NewWorkspaceSpec | ExistingWorkspaceSpec:
    if "workspace" in args and "existing_workspace" in args:
        problems.add("existing_workspace", "give either workspace (create one) or existing_workspace, not both")
    if "existing_workspace" in args:
        raw = problems.mapping("existing_workspace", args["existing_workspace"])
        problems.unknown_keys("existing_workspace", raw, ("name", "resource_group_name"))
        ws_name = raw.get("name")
        if ws_name is None:
            problems.add("existing_workspace.name", "required: the name of the existing Azure ML workspace")
        elif isinstance(ws_name, str):
            _check_workspace_name(problems, "existing_workspace.name", ws_name)
        return ExistingWorkspaceSpec(
            name=ws_name,
            resource_group_name=raw.get("resource_group_name", args.get("resource_group_name")),
        )
    raw = problems.mapping("workspace", args.get("workspace"))
    problems.unknown_keys(
        "workspace",
        raw,
        ("name", "public_network_access", "isolation_mode", "container_registry_sku", "log_retention_days"),
    )
    default_name = _fit(f"{cluster}-ws", 33)
    ws_name = problems.string("workspace.name", raw.get("name"), default_name) or default_name
    _check_workspace_name(problems, "workspace.name" if "name" in raw else "name", ws_name)
    access = problems.choice(
        "workspace.public_network_access", raw.get("public_network_access"), ("enabled", "disabled"), "enabled"
    )
    return NewWorkspaceSpec(
        name=ws_name,
        public_network_access="Enabled" if access == "enabled" else "Disabled",
        isolation_mode=problems.choice(
            "workspace.isolation_mode", raw.get("isolation_mode"), rules.ISOLATION_MODES, "AllowInternetOutbound"
        ),
        container_registry_sku=problems.choice(
            "workspace.container_registry_sku", raw.get("container_registry_sku"), rules.REGISTRY_SKUS, "Premium"
        ),
        log_retention_days=problems.integer("workspace.log_retention_days", raw.get("log_retention_days"), 30, 30, 730),
    )


def _check_workspace_name(problems: Problems, path: str, value: str) -> None:
    if not rules.WORKSPACE_NAME_RE.match(value):
        hint = " (it was derived from the component name: set workspace.name)" if path == "name" else ""
        problems.add(
            path,
            f"{value!r} is not a valid workspace name: 3-33 characters, letters, digits, '-' and '_', "
            f"starting with a letter or digit{hint}",
        )


def _endpoint(problems: Problems, cluster: str, raw_value: Any) -> EndpointSpec:
    raw = problems.mapping("endpoint", raw_value)
    problems.unknown_keys("endpoint", raw, ("name", "auth_mode", "public_network_access", "description"))
    name = problems.string("endpoint.name", raw.get("name"))
    if name is not None:
        check_endpoint_name(problems, "endpoint.name", name, "endpoint")
    prefix = _name_prefix(cluster)
    if name is None and prefix is None:
        problems.add(
            "endpoint.name",
            f"cannot derive an endpoint name from the component name {cluster!r}: set endpoint.name "
            "(3-32 characters, starting with a letter, letters, digits and hyphens)",
        )
    auth = problems.choice("endpoint.auth_mode", raw.get("auth_mode"), tuple(rules.AUTH_MODES), "key")
    access = problems.choice(
        "endpoint.public_network_access", raw.get("public_network_access"), ("enabled", "disabled"), "enabled"
    )
    return EndpointSpec(
        name=name,
        name_prefix=prefix or "endpoint",
        auth_mode=rules.AUTH_MODES[auth],  # type: ignore[arg-type]
        public_network_access="Enabled" if access == "enabled" else "Disabled",
        description=problems.string("endpoint.description", raw.get("description")),
    )


def _name_prefix(cluster: str) -> str | None:
    """A prefix of at most 26 characters (room for ``-`` and a 5-character suffix) that keeps Azure's rule."""
    cleaned = re.sub(r"[^a-zA-Z0-9-]+", "-", cluster).strip("-")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:26].rstrip("-")
    if not cleaned or not cleaned[0].isalpha():
        return None
    return cleaned.lower()


def check_endpoint_name(problems: Problems, path: str, value: str, what: str) -> None:
    """Azure's rule for endpoint and deployment names (azure-ai-ml ``validate_endpoint_or_deployment_name``)."""
    if not (rules.ENDPOINT_NAME_MIN <= len(value) <= rules.ENDPOINT_NAME_MAX):
        problems.add(path, f"{value!r} is {len(value)} characters; {what} names are 3-32 characters")
    elif not rules.ENDPOINT_NAME_RE.match(value):
        problems.add(
            path,
            f"{value!r} is not a valid {what} name: start with a letter, then letters, digits and "
            "hyphens, and end with a letter or digit",
        )


# --- deployments


def _deployment(
    problems: Problems,
    path: str,
    raw_value: Any,
    pool: Mapping[str, Any],
    cluster_probes: Mapping[str, Any],
    cluster_requests: Mapping[str, Any],
    base: str,
    cluster: str,
) -> DeploymentSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, DEPLOYMENT_FIELDS)
    name = problems.string(join(path, "name"), raw.get("name"))
    if name is None:
        problems.add(join(path, "name"), "required: the deployment's name")
        name = f"deployment{path[path.find('[') + 1 : -1]}"
    else:
        check_endpoint_name(problems, join(path, "name"), name, "deployment")

    instance_type = (
        problems.string(
            join(path, "instance_type"),
            raw.get("instance_type", pool.get("instance_type")),
            rules.DEFAULT_INSTANCE_TYPE,
        )
        or rules.DEFAULT_INSTANCE_TYPE
    )
    if not rules.INSTANCE_TYPE_RE.match(instance_type):
        where = "instance_type" if "instance_type" in raw else "pool.instance_type"
        problems.add(
            join(path, "instance_type") if where == "instance_type" else where,
            f"{instance_type!r} is not an Azure VM SKU name; expected the form Standard_<family><size>[_v<n>], "
            "e.g. Standard_DS3_v2 or Standard_NC6s_v3",
        )

    count_path = join(path, "instance_count") if "instance_count" in raw else "pool.instance_count"
    instance_count = problems.integer(
        count_path,
        raw.get("instance_count", pool.get("instance_count")),
        rules.DEFAULT_INSTANCE_COUNT,
        1,
        rules.MAX_INSTANCES_PER_DEPLOYMENT,
    )
    autoscale_raw = raw.get("autoscale", pool.get("autoscale"))
    autoscale_path = join(path, "autoscale") if "autoscale" in raw else "pool.autoscale"
    autoscale = (
        _autoscale(problems, autoscale_path, autoscale_raw, instance_count) if autoscale_raw is not None else None
    )

    return DeploymentSpec(
        name=name,
        traffic_percent=problems.integer(join(path, "traffic_percent"), raw.get("traffic_percent"), 0, 0, 100),
        mirror_percent=problems.integer(
            join(path, "mirror_percent"), raw.get("mirror_percent"), 0, 0, rules.MAX_MIRROR_PERCENT
        ),
        model=_model(problems, join(path, "model"), raw.get("model"), name, base),
        code=_code(problems, join(path, "code"), raw.get("code"), base, cluster)
        if raw.get("code") is not None
        else None,
        environment=_environment(problems, join(path, "environment"), raw.get("environment"), name, base),
        instance_type=instance_type,
        instance_count=autoscale.default_instances if autoscale else instance_count,
        autoscale=autoscale,
        probes=_probes(
            problems, join(path, "probes"), cluster_probes, problems.mapping(join(path, "probes"), raw.get("probes"))
        ),
        request=_requests(
            problems,
            join(path, "request_settings"),
            {**cluster_requests, **problems.mapping(join(path, "request_settings"), raw.get("request_settings"))},
        ),
        environment_variables=_env(problems, join(path, "environment_variables"), raw.get("environment_variables")),
        app_insights_enabled=problems.boolean(
            join(path, "app_insights_enabled"), raw.get("app_insights_enabled"), True
        ),
    )


def _check_deployment_set(problems: Problems, deployments: tuple[DeploymentSpec, ...]) -> None:
    if len(deployments) > rules.MAX_DEPLOYMENTS_PER_ENDPOINT:
        problems.add("deployments", f"{len(deployments)} deployments; Azure allows at most 20 per endpoint")
    seen: dict[str, int] = {}
    for i, d in enumerate(deployments):
        key = d.name.lower()
        if key in seen:
            problems.add(
                f"deployments[{i}].name",
                f"{d.name!r} is already the name of deployments[{seen[key]}] (Azure names are case-insensitive)",
            )
        else:
            seen[key] = i
    _check_shared_assets(problems, deployments)
    total = sum(d.traffic_percent for d in deployments)
    if total not in (0, 100):
        shares = ", ".join(f"{d.name}={d.traffic_percent}" for d in deployments)
        problems.add(
            "deployments[*].traffic_percent",
            f"live traffic adds up to {total} ({shares}); Azure needs 100, or 0 for an endpoint with no live traffic yet",
        )
    mirrored = [(i, d) for i, d in enumerate(deployments) if d.mirror_percent]
    if len(mirrored) > 1:
        names = ", ".join(d.name for _, d in mirrored)
        problems.add("deployments[*].mirror_percent", f"Azure mirrors traffic to one deployment only; got {names}")
    for i, d in mirrored:
        if d.traffic_percent:
            problems.add(
                f"deployments[{i}].mirror_percent",
                f"{d.name!r} takes live traffic ({d.traffic_percent}%); Azure mirrors only to a deployment "
                "with traffic_percent 0 (a shadow)",
            )
        if total == 0:
            problems.add(
                f"deployments[{i}].mirror_percent",
                "mirroring copies live traffic, and no deployment takes live traffic: give the live deployments "
                "traffic_percent adding up to 100",
            )


def _check_shared_assets(problems: Problems, deployments: tuple[DeploymentSpec, ...]) -> None:
    """Assets are registered once per name; one name must mean one content."""
    kinds: list[tuple[str, Any]] = [
        ("model", lambda d: (d.model.name, d.model.path) if d.model.path else None),
        ("code", lambda d: (d.code.name, d.code.path) if d.code and d.code.path else None),
        (
            "environment",
            lambda d: (
                (d.environment.name, (d.environment.image, d.environment.conda_file)) if d.environment.image else None
            ),
        ),
    ]
    for kind, key_of in kinds:
        first: dict[str, tuple[int, Any]] = {}
        for i, d in enumerate(deployments):
            key = key_of(d)
            if key is None:
                continue
            asset_name, content = key
            if asset_name in first and first[asset_name][1] != content:
                problems.add(
                    f"deployments[{i}].{kind}.name",
                    f"{asset_name!r} is already the {kind} of deployments[{first[asset_name][0]}] with other content; "
                    "give this one another name",
                )
            first.setdefault(asset_name, (i, content))


def _model(problems: Problems, path: str, raw_value: Any, deployment: str, base: str) -> ModelSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("path", "asset_id", "name"))
    local, asset = _one_source(problems, path, raw, base, want_dir=None)
    name = problems.string(join(path, "name"), raw.get("name"), f"{deployment}-model") or f"{deployment}-model"
    if not rules.ASSET_NAME_RE.match(name):
        problems.add(join(path, "name"), f"{name!r} is not a valid asset name: letters, digits, '-', '_', '.'")
    return ModelSpec(name=name, path=local, asset_id=asset)


def _code(problems: Problems, path: str, raw_value: Any, base: str, cluster: str) -> CodeSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("path", "asset_id", "scoring_script", "name"))
    local, asset = _one_source(problems, path, raw, base, want_dir=True)
    default_name = f"{cluster}-{os.path.basename(local or 'code')}"
    name = problems.string(join(path, "name"), raw.get("name"), default_name) or default_name
    if not rules.ASSET_NAME_RE.match(name):
        problems.add(join(path, "name"), f"{name!r} is not a valid asset name: letters, digits, '-', '_', '.'")
    script = problems.string(join(path, "scoring_script"), raw.get("scoring_script"))
    if script is None:
        problems.add(
            join(path, "scoring_script"), "required: the scoring script's path inside the code folder, e.g. 'score.py'"
        )
        script = "score.py"
    elif os.path.isabs(script) or ".." in script.replace("\\", "/").split("/"):
        problems.add(join(path, "scoring_script"), f"{script!r} must be a path inside the code folder")
    elif local is not None and not os.path.isfile(os.path.join(local, script)):
        problems.add(join(path, "scoring_script"), f"{script!r} does not exist in {local}")
    return CodeSpec(name=name, path=local, asset_id=asset, scoring_script=script)


def _environment(problems: Problems, path: str, raw_value: Any, deployment: str, base: str) -> EnvironmentSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("asset_id", "image", "conda_file", "name"))
    asset = problems.string(join(path, "asset_id"), raw.get("asset_id"))
    image = problems.string(join(path, "image"), raw.get("image"))
    conda = problems.string(join(path, "conda_file"), raw.get("conda_file"))
    if (asset is None) == (image is None):
        problems.add(path, "give exactly one of asset_id (an existing environment) and image (a base image)")
    if asset is not None and conda is not None:
        problems.add(join(path, "conda_file"), "goes with image, not with asset_id")
    if conda is not None:
        conda = os.path.normpath(os.path.join(base, conda))
        if not os.path.isfile(conda):
            problems.add(join(path, "conda_file"), f"{conda} is not a file")
    name = problems.string(join(path, "name"), raw.get("name"), f"{deployment}-env") or f"{deployment}-env"
    if not rules.ASSET_NAME_RE.match(name):
        problems.add(join(path, "name"), f"{name!r} is not a valid asset name: letters, digits, '-', '_', '.'")
    return EnvironmentSpec(name=name, asset_id=asset, image=image, conda_file=conda)


def _one_source(
    problems: Problems, path: str, raw: Mapping[str, Any], base: str, want_dir: bool | None
) -> tuple[str | None, str | None]:
    local = problems.string(join(path, "path"), raw.get("path"))
    asset = problems.string(join(path, "asset_id"), raw.get("asset_id"))
    if (local is None) == (asset is None):
        problems.add(path, "give exactly one of path (local files, uploaded for you) and asset_id (an existing asset)")
    if local is not None:
        local = os.path.normpath(os.path.join(base, local))
        exists = os.path.isdir(local) if want_dir else os.path.exists(local)
        if not exists:
            kind = "folder" if want_dir else "file or folder"
            problems.add(join(path, "path"), f"{local} is not an existing {kind}")
    return local, asset


# --- probes, requests, autoscale


def _probes(problems: Problems, path: str, cluster: Mapping[str, Any], own: Mapping[str, Any]) -> ProbesSpec:
    problems.unknown_keys(path, own, ("liveness", "readiness", "startup"))
    problems.unknown_keys("probes", cluster, ("liveness", "readiness", "startup"))

    def probe(kind: str) -> ProbeSpec:
        merged = {
            **problems.mapping(f"probes.{kind}", cluster.get(kind)),
            **problems.mapping(f"{path}.{kind}", own.get(kind)),
        }
        return _probe(problems, f"{path}.{kind}", kind, merged)

    startup_given = cluster.get("startup") is not None or own.get("startup") is not None
    return ProbesSpec(
        liveness=probe("liveness"),
        readiness=probe("readiness"),
        startup=probe("startup") if startup_given else None,
    )


def _probe(problems: Problems, path: str, kind: str, raw: Mapping[str, Any]) -> ProbeSpec:
    problems.unknown_keys(path, raw, rules.DEFAULT_PROBE)
    d = rules.DEFAULT_PROBE
    spec = ProbeSpec(
        initial_delay_s=problems.integer(
            join(path, "initial_delay_seconds"),
            raw.get("initial_delay_seconds"),
            d["initial_delay_seconds"],
            0,
            rules.MAX_PROBE_SECONDS,
        ),
        period_s=problems.integer(
            join(path, "period_seconds"), raw.get("period_seconds"), d["period_seconds"], 1, rules.MAX_PROBE_SECONDS
        ),
        timeout_s=problems.integer(
            join(path, "timeout_seconds"), raw.get("timeout_seconds"), d["timeout_seconds"], 1, rules.MAX_PROBE_SECONDS
        ),
        success_threshold=problems.integer(
            join(path, "success_threshold"), raw.get("success_threshold"), d["success_threshold"], 1, 100
        ),
        failure_threshold=problems.integer(
            join(path, "failure_threshold"), raw.get("failure_threshold"), d["failure_threshold"], 1, 100
        ),
    )
    if kind == "liveness" and spec.success_threshold != 1:
        problems.add(
            join(path, "success_threshold"),
            f"must be 1 for a liveness probe (Azure fixes it), got {spec.success_threshold}",
        )
    if spec.timeout_s > spec.period_s:
        problems.add(
            join(path, "timeout_seconds"),
            f"{spec.timeout_s} s is longer than period_seconds ({spec.period_s} s): a probe would still run when the next starts",
        )
    return spec


def _requests(problems: Problems, path: str, raw: Mapping[str, Any]) -> RequestSpec:
    problems.unknown_keys(path, raw, ("request_timeout_ms", "max_concurrent_requests_per_instance"))
    return RequestSpec(
        timeout_ms=problems.integer(
            join(path, "request_timeout_ms"),
            raw.get("request_timeout_ms"),
            rules.DEFAULT_REQUEST_TIMEOUT_MS,
            1,
            rules.MAX_REQUEST_TIMEOUT_MS,
        ),
        max_concurrent_requests_per_instance=problems.integer(
            join(path, "max_concurrent_requests_per_instance"),
            raw.get("max_concurrent_requests_per_instance"),
            rules.DEFAULT_MAX_CONCURRENT,
            1,
            rules.MAX_CONCURRENT_REQUESTS_CAP,
        ),
    )


def _autoscale(problems: Problems, path: str, raw_value: Any, instance_count: int) -> AutoscaleSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, AUTOSCALE_FIELDS)
    cap = rules.MAX_INSTANCES_PER_DEPLOYMENT
    low = problems.integer(join(path, "min_instances"), raw.get("min_instances"), 1, 1, cap)
    if raw.get("max_instances") is None:
        problems.add(join(path, "max_instances"), f"required: the highest instance count (at most {cap})")
    high = problems.integer(join(path, "max_instances"), raw.get("max_instances"), max(low, 1), 1, cap)
    default = problems.integer(
        join(path, "default_instances"), raw.get("default_instances"), min(max(instance_count, low), high), 1, cap
    )
    if low > high:
        problems.add(join(path, "min_instances"), f"min_instances ({low}) is greater than max_instances ({high})")
    elif not low <= default <= high:
        problems.add(
            join(path, "default_instances"), f"{default} is outside min_instances..max_instances ({low}..{high})"
        )

    raw_rules = raw.get("rules")
    rule_list = problems.each(
        join(path, "rules"),
        raw_rules if raw_rules is not None else rules.DEFAULT_SCALE_RULES,
        lambda p, r: _rules(problems, p, r),
    )
    flat = tuple(r for pair in rule_list for r in pair)
    if raw_rules is not None and not flat and not problems:
        problems.add(join(path, "rules"), "give at least one rule, or leave rules out for the CPU default")
    if len(flat) > rules.MAX_AUTOSCALE_RULES_PER_PROFILE:
        problems.add(
            join(path, "rules"), f"{len(flat)} Azure rules (one per threshold); Azure Monitor allows 10 per profile"
        )
    if flat and not any(r.direction == "Increase" for r in flat):
        problems.add(join(path, "rules"), "no rule scales out: give at least one scale_out_above")
    if flat and not any(r.direction == "Decrease" for r in flat):
        problems.add(
            join(path, "rules"), "no rule scales in: give at least one scale_in_below, or the deployment never shrinks"
        )
    schedules = tuple(
        problems.each(join(path, "schedules"), raw.get("schedules"), lambda p, s: _schedule(problems, p, s))
    )
    if len(schedules) + 1 > rules.MAX_AUTOSCALE_PROFILES:
        problems.add(join(path, "schedules"), "Azure Monitor allows 20 profiles per autoscale setting")
    names = [s.name for s in schedules]
    for i, n in enumerate(names):
        if n in names[:i] or n == "default":
            problems.add(f"{path}.schedules[{i}].name", f"{n!r} is used twice (or is the reserved 'default')")
    return AutoscaleSpec(
        min_instances=low, max_instances=high, default_instances=default, rules=flat, schedules=schedules
    )


def _rules(problems: Problems, path: str, raw_value: Any) -> tuple[ScaleRuleSpec, ...]:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, RULE_FIELDS)
    metrics = sorted(rules.DEPLOYMENT_METRICS | rules.ENDPOINT_METRICS)
    metric = problems.choice(join(path, "metric"), raw.get("metric"), metrics, "CpuUtilizationPercentage")
    if raw.get("metric") is None:
        problems.add(join(path, "metric"), f"required: one of {', '.join(metrics)}")
    is_percent = metric.endswith("Percentage")
    bound = 100.0 if is_percent else None
    out = problems.number(join(path, "scale_out_above"), raw.get("scale_out_above"), 0, bound)
    inn = problems.number(join(path, "scale_in_below"), raw.get("scale_in_below"), 0, bound)
    if out is None and inn is None:
        problems.add(path, "give scale_out_above, scale_in_below or both")
    if out is not None and inn is not None and inn >= out:
        problems.add(
            join(path, "scale_in_below"),
            f"{inn} is not below scale_out_above ({out}): the two rules would fight (flapping)",
        )
    common = {
        "metric": metric,
        "scope": "deployment" if metric in rules.DEPLOYMENT_METRICS else "endpoint",
        "aggregation": problems.choice(
            join(path, "aggregation"), raw.get("aggregation"), rules.AGGREGATIONS, "Average"
        ),
        "window_minutes": problems.integer(join(path, "window_minutes"), raw.get("window_minutes"), 5, 5, 720),
        "change_count": problems.integer(
            join(path, "change_count"), raw.get("change_count"), 1, 1, rules.MAX_INSTANCES_PER_DEPLOYMENT
        ),
    }
    result = []
    if out is not None:
        cooldown = problems.integer(
            join(path, "scale_out_cooldown_minutes"), raw.get("scale_out_cooldown_minutes"), 5, 1, 10080
        )
        result.append(ScaleRuleSpec(direction="Increase", threshold=out, cooldown_minutes=cooldown, **common))  # type: ignore[arg-type]
    if inn is not None:
        cooldown = problems.integer(
            join(path, "scale_in_cooldown_minutes"), raw.get("scale_in_cooldown_minutes"), 10, 1, 10080
        )
        result.append(ScaleRuleSpec(direction="Decrease", threshold=inn, cooldown_minutes=cooldown, **common))  # type: ignore[arg-type]
    return tuple(result)


def _schedule(problems: Problems, path: str, raw_value: Any) -> ScheduleSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, SCHEDULE_FIELDS)
    name = problems.string(join(path, "name"), raw.get("name")) or ""
    if not name:
        problems.add(join(path, "name"), "required: a name for the profile, e.g. 'business-hours'")
    days = tuple(
        problems.each(join(path, "days"), raw.get("days"), lambda p, d: problems.choice(p, d, rules.WEEKDAYS, "Monday"))
    )
    if not days:
        problems.add(join(path, "days"), f"required: one or more of {', '.join(rules.WEEKDAYS)}")
    start = _hhmm(problems, join(path, "start"), raw.get("start"))
    end = _hhmm(problems, join(path, "end"), raw.get("end"))
    if start == end:
        problems.add(join(path, "end"), "must differ from start")
    cap = rules.MAX_INSTANCES_PER_DEPLOYMENT
    low = problems.integer(join(path, "min_instances"), raw.get("min_instances"), 1, 1, cap)
    high = problems.integer(join(path, "max_instances"), raw.get("max_instances"), low, 1, cap)
    if raw.get("min_instances") is None or raw.get("max_instances") is None:
        problems.add(path, "min_instances and max_instances are required for a schedule")
    default = problems.integer(join(path, "default_instances"), raw.get("default_instances"), low, 1, cap)
    if low > high:
        problems.add(join(path, "min_instances"), f"min_instances ({low}) is greater than max_instances ({high})")
    elif not low <= default <= high:
        problems.add(join(path, "default_instances"), f"{default} is outside {low}..{high}")
    tz = problems.string(join(path, "time_zone"), raw.get("time_zone"), "UTC") or "UTC"
    return ScheduleSpec(
        name=name,
        days=days,
        start=start,
        end=end,
        time_zone=tz,
        min_instances=low,
        max_instances=high,
        default_instances=default,
    )


def _hhmm(problems: Problems, path: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, str) or not rules.HHMM_RE.match(value):
        problems.add(path, f"must be a time of day as 'HH:MM' (24-hour), got {value!r}")
        return (0, 0)
    hours, minutes = value.split(":")
    return (int(hours), int(minutes))


# --- the rest


def _env(problems: Problems, path: str, raw_value: Any) -> tuple[tuple[str, str], ...]:
    raw = problems.mapping(path, raw_value)
    pairs = []
    for key, value in raw.items():
        if not isinstance(key, str) or not rules.ENV_VAR_RE.match(key):
            problems.add(path, f"{key!r} is not a valid environment variable name")
            continue
        if not isinstance(value, str):
            problems.add(join(path, key), f"must be a string, got {type(value).__name__} (write {str(value)!r})")
            continue
        pairs.append((key, value))
    return tuple(sorted(pairs))


def _diagnostics(
    problems: Problems, raw_value: Any, workspace: NewWorkspaceSpec | ExistingWorkspaceSpec
) -> DiagnosticsSpec:
    raw = problems.mapping("diagnostics", raw_value)
    problems.unknown_keys("diagnostics", raw, ("enabled", "log_analytics_workspace_id"))
    enabled = problems.boolean("diagnostics.enabled", raw.get("enabled"), True)
    target = raw.get("log_analytics_workspace_id")
    if enabled and target is None and isinstance(workspace, ExistingWorkspaceSpec):
        problems.add(
            "diagnostics.log_analytics_workspace_id",
            "required with existing_workspace (the library creates no Log Analytics workspace then); "
            "or set diagnostics.enabled to False",
        )
    return DiagnosticsSpec(enabled=enabled, log_analytics_workspace_id=target)


def _tags(problems: Problems, raw_value: Any) -> Mapping[str, str]:
    raw = problems.mapping("tags", raw_value)
    if len(raw) > rules.MAX_TAGS:
        problems.add("tags", f"{len(raw)} tags; Azure allows 50 per resource")
    for key, value in raw.items():
        if not isinstance(key, str) or not 1 <= len(key) <= rules.MAX_TAG_KEY:
            problems.add("tags", f"tag name {key!r} must be a string of 1-512 characters")
        elif not isinstance(value, str) or len(value) > rules.MAX_TAG_VALUE:
            problems.add(f"tags.{key}", "tag values are strings of at most 256 characters")
    return MappingProxyType(dict(raw))


def _fit(value: str, limit: int) -> str:
    return value[:limit].rstrip("-_")
