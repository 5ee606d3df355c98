"""One deployment's args → ``DeploymentSpec`` (model, code, environment, instances, probes, requests),
and the rules that span the set of deployments (names, traffic, mirroring, shared assets)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from . import asset_ids, rules, uploads
from .autoscale import build_autoscale
from .model import CodeSpec, DeploymentSpec, EnvironmentSpec, EnvValue, ModelSpec, ProbeSpec, ProbesSpec, RequestSpec
from .names import check_endpoint_name
from .problems import Problems, join

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
    "backing_services",  # read by spec/backing.py
    "log_response_bodies",
    "secret_environment_variables",
)

RESPONSE_LOGGING_VARIABLE = "APP_INSIGHTS_LOG_RESPONSE_ENABLED"
"""The Azure ML inference server writes every response body to Application Insights unless this is false
(azureml-inference-server-http 1.5.1, ``server/config.py``: ``app_insights_log_response_enabled`` defaults to True;
``server/appinsights_client.py``, ``log_request``, sends it as the request's "Response Value")."""
# The strings pydantic 2 reads as a bool (the server's settings are pydantic-settings); any other value makes the
# server's settings fail to load. Pydantic docs, "Conversion Table" / bool: case-insensitive.
_TRUE_TEXT = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE_TEXT = frozenset({"0", "off", "f", "false", "n", "no"})


PROBE_FIELDS = tuple(rules.DEFAULT_PROBE)


def build_deployment(
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
        build_autoscale(problems, autoscale_path, autoscale_raw, instance_count) if autoscale_raw is not None else None
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
        environment_variables=_response_logging(
            problems,
            path,
            _env(problems, join(path, "environment_variables"), raw.get("environment_variables")),
            raw.get("log_response_bodies"),
        ),
        app_insights_enabled=problems.boolean(
            join(path, "app_insights_enabled"), raw.get("app_insights_enabled"), True
        ),
    )


def check_deployment_set(problems: Problems, deployments: tuple[DeploymentSpec, ...]) -> None:
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
    local, asset, upload = _one_source(problems, path, raw, base, want_dir=None)
    name = problems.string(join(path, "name"), raw.get("name"), f"{deployment}-model") or f"{deployment}-model"
    if not rules.ASSET_NAME_RE.match(name):
        problems.add(join(path, "name"), f"{name!r} is not a valid asset name: letters, digits, '-', '_', '.'")
    ref = asset_ids.parse(problems, join(path, "asset_id"), asset, "model") if asset is not None else None
    return ModelSpec(name=name, path=local, asset_id=asset, asset=ref, upload=upload)


def _code(problems: Problems, path: str, raw_value: Any, base: str, cluster: str) -> CodeSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, ("path", "asset_id", "scoring_script", "name"))
    local, asset, upload = _one_source(problems, path, raw, base, want_dir=True)
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
    ref = asset_ids.parse(problems, join(path, "asset_id"), asset, "code") if asset is not None else None
    return CodeSpec(name=name, path=local, asset_id=asset, scoring_script=script, asset=ref, upload=upload)


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
    ref = asset_ids.parse(problems, join(path, "asset_id"), asset, "environment") if asset is not None else None
    return EnvironmentSpec(name=name, asset_id=asset, image=image, conda_file=conda, asset=ref)


def _one_source(
    problems: Problems, path: str, raw: Mapping[str, Any], base: str, want_dir: bool | None
) -> tuple[str | None, str | None, uploads.Upload | None]:
    local = problems.string(join(path, "path"), raw.get("path"))
    asset = problems.string(join(path, "asset_id"), raw.get("asset_id"))
    upload = None
    if (local is None) == (asset is None):
        problems.add(path, "give exactly one of path (local files, uploaded for you) and asset_id (an existing asset)")
    if local is not None:
        local = os.path.normpath(os.path.join(base, local))
        exists = os.path.isdir(local) if want_dir else os.path.exists(local)
        if not exists:
            kind = "folder" if want_dir else "file or folder"
            problems.add(join(path, "path"), f"{local} is not an existing {kind}")
        else:
            upload, wrong = uploads.collect(local)
            for message in wrong:
                problems.add(join(path, "path"), message)
    return local, asset, upload


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


def _env(problems: Problems, path: str, raw_value: Any) -> tuple[tuple[str, EnvValue], ...]:
    import pulumi  # here, not at import: ml_inference_lb.runtime imports the spec without pulumi

    raw = problems.mapping(path, raw_value)
    pairs: list[tuple[str, EnvValue]] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not rules.ENV_VAR_RE.match(key):
            problems.add(path, f"{key!r} is not a valid environment variable name")
            continue
        if isinstance(value, pulumi.Output):
            pairs.append((key, value))  # e.g. a secret: passed to Azure as an Output, never read here
            continue
        if not isinstance(value, str):
            problems.add(
                join(path, key),
                f"must be a string or a pulumi.Output[str] (a secret from config.require_secret or "
                f"pulumi.Output.secret), got {type(value).__name__} (write {str(value)!r})",
            )
            continue
        pairs.append((key, value))
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def _response_logging(
    problems: Problems, path: str, env: tuple[tuple[str, EnvValue], ...], raw_flag: Any
) -> tuple[tuple[str, EnvValue], ...]:
    """Response bodies may carry personal data: they reach Application Insights only if the user asks for it,
    with ``log_response_bodies`` or by setting the server's own variable."""
    flag_path = join(path, "log_response_bodies")
    flag = problems.boolean(flag_path, raw_flag, False) if raw_flag is not None else None
    given = dict(env).get(RESPONSE_LOGGING_VARIABLE)
    if given is None:
        return tuple(sorted((*env, (RESPONSE_LOGGING_VARIABLE, "true" if flag else "false")), key=lambda p: p[0]))
    if isinstance(given, str):
        variable_path = join(join(path, "environment_variables"), RESPONSE_LOGGING_VARIABLE)
        text = given.strip().lower()
        if text not in _TRUE_TEXT | _FALSE_TEXT:
            problems.add(
                variable_path,
                f"{given!r} is not a value the inference server reads as true or false (it would fail to start); "
                "write 'true' or 'false', or use log_response_bodies",
            )
        elif flag is not None and (text in _TRUE_TEXT) != flag:
            problems.add(
                variable_path,
                f"{given!r} contradicts log_response_bodies={flag}; keep one of the two",
            )
    return env
