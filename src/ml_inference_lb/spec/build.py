"""``build_spec``: the one place args are validated and normalised into a :class:`ClusterSpec`.

This module reads the cluster-level args (workspace, endpoint, diagnostics, tags); each deployment
goes to :mod:`.deployment` (which uses :mod:`.autoscale`), the pool backend to :mod:`.pool`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from . import network as network_rules
from . import pool as pool_rules
from . import rules
from . import security as security_rules
from .backing import attach_to_deployments, build_backing
from .deployment import build_deployment, check_deployment_set
from .model import (
    ClusterSpec,
    DiagnosticsSpec,
    EndpointSpec,
    ExistingWorkspaceSpec,
    NewWorkspaceSpec,
)
from .names import check_endpoint_name, check_workspace_name, fit, name_prefix
from .problems import Problems

WORKSPACE_PREFIX_MAX = 24
"""Room for ``-`` and the 8-character random suffix in a workspace name of at most 33."""

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
    "backing_services",
    "network_isolation",
    "secrets",
)
WORKSPACE_FIELDS = (
    "name",
    "public_network_access",
    "isolation_mode",
    "container_registry_sku",
    "log_retention_days",
    "datastore_auth",
    "storage_shared_key_access",
    "app_insights_local_auth",
)


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

    existing = "existing_workspace" in args
    mode = network_rules.read_mode(problems, args.get("network_isolation"), _raw_workspace(args), existing=existing)
    workspace = _workspace(problems, name, args, mode)
    network = network_rules.build_network(
        problems,
        args.get("network_isolation"),
        mode,
        existing=existing,
        isolation_mode=workspace.isolation_mode if isinstance(workspace, NewWorkspaceSpec) else "Disabled",
    )
    endpoint = _endpoint(problems, name, args.get("endpoint"), mode)
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
            lambda path, raw: build_deployment(problems, path, raw, pool, cluster_probes, cluster_requests, base, name),
        )
    )
    check_deployment_set(problems, deployments)
    secrets = security_rules.read_secrets(problems, args.get("secrets"))
    deployments = security_rules.attach_secret_environment(problems, raw_deployments, deployments, secrets)
    security_rules.check_private_environment(problems, network, deployments)
    backend = pool_rules.backend(problems, args.get("backend"))
    pool_spec = None
    if backend == "inference_pool":  # PREVIEW backend: its own rules, in spec/pool.py
        pool_spec = pool_rules.pool_backend(problems, name, args, endpoint, deployments)
        endpoint = dataclasses.replace(endpoint, auth_mode="AADToken")
        deployments = tuple(dataclasses.replace(d, app_insights_enabled=False) for d in deployments)
        diagnostics = pool_rules.diagnostics(problems, args.get("diagnostics"))
        security_rules.check_pool_backend(problems, endpoint.identity, raw_deployments, bool(secrets))
    else:
        pool_rules.managed_backend(problems, pool)
        diagnostics = _diagnostics(problems, args.get("diagnostics"), workspace)
    tags = read_tags(problems, args.get("tags"))
    backing = build_backing(problems, name, args.get("backing_services"), workspace, base)
    if backing is not None and backend == "inference_pool":
        problems.add("backing_services", "not available with backend='inference_pool' (PREVIEW); use 'managed_online'")
    deployments = attach_to_deployments(problems, raw_deployments, deployments, backing)
    if isinstance(workspace, NewWorkspaceSpec):
        security_rules.check_uploads(problems, workspace.storage, deployments)
        workspace = dataclasses.replace(
            workspace,
            app_insights_local_auth=security_rules.read_app_insights_local_auth(
                problems, _raw_workspace(args).get("app_insights_local_auth"), deployments, raw_deployments
            ),
        )

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
        backing=backing,
        network=network,
        secrets=secrets,
    )


def _raw_workspace(args: Mapping[str, Any]) -> Mapping[str, Any]:
    raw = args.get("workspace")
    return raw if isinstance(raw, Mapping) else {}


def _workspace(
    problems: Problems, cluster: str, args: Mapping[str, Any], mode: str
) -> NewWorkspaceSpec | ExistingWorkspaceSpec:
    if "workspace" in args and "existing_workspace" in args:
        problems.add("existing_workspace", "give either workspace (create one) or existing_workspace, not both")
    if "existing_workspace" in args:
        raw = problems.mapping("existing_workspace", args["existing_workspace"])
        problems.unknown_keys("existing_workspace", raw, ("name", "resource_group_name"))
        ws_name = raw.get("name")
        if ws_name is None:
            problems.add("existing_workspace.name", "required: the name of the existing Azure ML workspace")
        elif isinstance(ws_name, str):
            check_workspace_name(problems, "existing_workspace.name", ws_name)
        return ExistingWorkspaceSpec(
            name=ws_name,
            resource_group_name=raw.get("resource_group_name", args.get("resource_group_name")),
        )
    raw = problems.mapping("workspace", args.get("workspace"))
    problems.unknown_keys("workspace", raw, WORKSPACE_FIELDS)
    ws_name = problems.string("workspace.name", raw.get("name"))
    if ws_name is not None:
        check_workspace_name(problems, "workspace.name", ws_name)
    access = problems.choice(
        "workspace.public_network_access",
        raw.get("public_network_access"),
        ("enabled", "disabled"),
        "disabled" if mode == "private" else "enabled",
    )
    isolation = problems.choice(
        "workspace.isolation_mode",
        raw.get("isolation_mode"),
        rules.ISOLATION_MODES,
        network_rules.ISOLATION_OF.get(mode, "AllowInternetOutbound"),
    )
    _check_mode(problems, mode, raw, access, isolation)
    registry_sku = problems.choice(
        "workspace.container_registry_sku", raw.get("container_registry_sku"), rules.REGISTRY_SKUS, "Premium"
    )
    if isolation == "AllowOnlyApprovedOutbound" and registry_sku != "Premium":
        problems.add(
            "workspace.container_registry_sku",
            f"{registry_sku!r} cannot serve a managed network with isolation_mode 'AllowOnlyApprovedOutbound': "
            "deployments reach the registry through a private endpoint, which needs 'Premium' "
            "(Azure ML, how-to-secure-online-endpoint; Azure Container Registry service tiers)",
        )
    return NewWorkspaceSpec(
        name=ws_name,
        name_prefix=fit(f"{cluster}-ws", WORKSPACE_PREFIX_MAX),
        public_network_access="Enabled" if access == "enabled" else "Disabled",
        isolation_mode=isolation,
        container_registry_sku=registry_sku,
        log_retention_days=problems.integer("workspace.log_retention_days", raw.get("log_retention_days"), 30, 30, 730),
        storage=security_rules.read_storage_access(problems, raw),
    )


def _check_mode(problems: Problems, mode: str, raw: Mapping[str, Any], access: str, isolation: str) -> None:
    """The fine-grained workspace fields may refine ``network_isolation``, never contradict it."""
    if mode == "private":
        if raw.get("public_network_access") == "enabled":
            problems.add(
                "workspace.public_network_access",
                "'enabled' contradicts network_isolation 'private' (the workspace is reached through its private "
                "endpoint only): remove it, or choose network_isolation 'managed'",
            )
        if raw.get("isolation_mode") is not None and isolation != network_rules.APPROVED_ONLY:
            problems.add(
                "workspace.isolation_mode",
                f"{isolation!r} contradicts network_isolation 'private', which allows approved outbound traffic only "
                "('AllowOnlyApprovedOutbound'): remove it",
            )
    elif mode == "managed" and isolation == "Disabled":
        problems.add(
            "workspace.isolation_mode",
            "'Disabled' means no managed network, which contradicts network_isolation 'managed': remove it, or "
            "choose network_isolation 'none'",
        )
    elif mode == "none" and isolation != "Disabled":
        problems.add(
            "workspace.isolation_mode",
            f"{isolation!r} is a managed network, which contradicts network_isolation 'none': remove it, or "
            "choose network_isolation 'managed'",
        )


def _endpoint(problems: Problems, cluster: str, raw_value: Any, mode: str) -> EndpointSpec:
    raw = problems.mapping("endpoint", raw_value)
    problems.unknown_keys("endpoint", raw, ("name", "auth_mode", "public_network_access", "description", "identity"))
    name = problems.string("endpoint.name", raw.get("name"))
    if name is not None:
        check_endpoint_name(problems, "endpoint.name", name, "endpoint")
    prefix = name_prefix(cluster)
    if name is None and prefix is None:
        problems.add(
            "endpoint.name",
            f"cannot derive an endpoint name from the component name {cluster!r}: set endpoint.name "
            "(3-32 characters, starting with a letter, letters, digits and hyphens)",
        )
    auth = problems.choice("endpoint.auth_mode", raw.get("auth_mode"), tuple(rules.AUTH_MODES), "key")
    access = problems.choice(
        "endpoint.public_network_access",
        raw.get("public_network_access"),
        ("enabled", "disabled"),
        "disabled" if mode == "private" else "enabled",
    )
    if mode == "private" and raw.get("public_network_access") == "enabled":
        problems.add(
            "endpoint.public_network_access",
            "'enabled' contradicts network_isolation 'private' (scoring goes through the workspace's private "
            "endpoint): remove it, or choose network_isolation 'managed'",
        )
    return EndpointSpec(
        name=name,
        name_prefix=prefix or "endpoint",
        auth_mode=rules.AUTH_MODES[auth],  # type: ignore[arg-type]
        public_network_access="Enabled" if access == "enabled" else "Disabled",
        description=problems.string("endpoint.description", raw.get("description")),
        identity=security_rules.read_identity(problems, raw.get("identity")),
    )


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


def read_tags(problems: Problems, raw_value: Any) -> Mapping[str, str]:
    """Azure's tag limits: at most 50, names 1-512 characters, values strings of at most 256."""
    raw = problems.mapping("tags", raw_value)
    if len(raw) > rules.MAX_TAGS:
        problems.add("tags", f"{len(raw)} tags; Azure allows {rules.MAX_TAGS} per resource")
    for key, value in raw.items():
        if not isinstance(key, str) or not 1 <= len(key) <= rules.MAX_TAG_KEY:
            problems.add("tags", f"tag name {key!r} must be a string of 1-{rules.MAX_TAG_KEY} characters")
        elif not isinstance(value, str) or len(value) > rules.MAX_TAG_VALUE:
            problems.add(f"tags.{key}", f"tag values are strings of at most {rules.MAX_TAG_VALUE} characters")
    return MappingProxyType(dict(raw))
