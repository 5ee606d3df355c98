"""ml-inference-lb: load-balanced model inference on Azure Machine Learning as one Pulumi component.

Public args (TypedDicts) → one validated spec → targets: Azure (``InferenceCluster``), the offline
plan (``ml-inference-lb plan``) and the local runtime (``ml-inference-lb local up``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import InferenceClusterArgsError, Problem
from .spec import ClusterSpec, build_spec

if TYPE_CHECKING:
    from .args import (
        AutoscaleArgs,
        CodeArgs,
        DeploymentArgs,
        DiagnosticsArgs,
        EndpointArgs,
        EnvironmentArgs,
        ExistingWorkspaceArgs,
        InferenceClusterArgs,
        ModelArgs,
        PoolArgs,
        ProbeArgs,
        ProbesArgs,
        RequestSettingsArgs,
        ScaleRuleArgs,
        ScaleUnitArgs,
        ScheduleArgs,
        WorkspaceArgs,
    )
    from .azure import (
        InferenceCluster,
    )
    from .backing_args import (
        BackingServicesArgs,
        CacheArgs,
        DatabaseArgs,
        DeploymentBackingArgs,
        DeploymentDatabaseArgs,
        EntraAdministratorArgs,
        PostgresDatabaseArgs,
    )
    from .global_lb import (
        GlobalInferenceService,
        GlobalInferenceServiceArgs,
    )
    from .security_args import (
        EndpointIdentityArgs,
        NetworkIsolationArgs,
        OutboundRuleArgs,
        PrivateEndpointArgs,
        SecretReferenceArgs,
    )

# Loaded on first use, so that ``import ml_inference_lb.runtime`` (in a scoring container) does not import
# Pulumi and the Azure SDK.
_LAZY: dict[str, str] = {
    "AutoscaleArgs": ".args",
    "CodeArgs": ".args",
    "DeploymentArgs": ".args",
    "DiagnosticsArgs": ".args",
    "EndpointArgs": ".args",
    "EnvironmentArgs": ".args",
    "ExistingWorkspaceArgs": ".args",
    "InferenceClusterArgs": ".args",
    "ModelArgs": ".args",
    "PoolArgs": ".args",
    "ProbeArgs": ".args",
    "ProbesArgs": ".args",
    "RequestSettingsArgs": ".args",
    "ScaleRuleArgs": ".args",
    "ScaleUnitArgs": ".args",
    "ScheduleArgs": ".args",
    "WorkspaceArgs": ".args",
    "InferenceCluster": ".azure",
    "BackingServicesArgs": ".backing_args",
    "CacheArgs": ".backing_args",
    "DatabaseArgs": ".backing_args",
    "DeploymentBackingArgs": ".backing_args",
    "DeploymentDatabaseArgs": ".backing_args",
    "EntraAdministratorArgs": ".backing_args",
    "PostgresDatabaseArgs": ".backing_args",
    "GlobalInferenceService": ".global_lb",
    "GlobalInferenceServiceArgs": ".global_lb",
    "EndpointIdentityArgs": ".security_args",
    "NetworkIsolationArgs": ".security_args",
    "OutboundRuleArgs": ".security_args",
    "PrivateEndpointArgs": ".security_args",
    "SecretReferenceArgs": ".security_args",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AutoscaleArgs",
    "BackingServicesArgs",
    "CacheArgs",
    "ClusterSpec",
    "CodeArgs",
    "DatabaseArgs",
    "DeploymentArgs",
    "DeploymentBackingArgs",
    "DeploymentDatabaseArgs",
    "DiagnosticsArgs",
    "EndpointArgs",
    "EndpointIdentityArgs",
    "EntraAdministratorArgs",
    "EnvironmentArgs",
    "ExistingWorkspaceArgs",
    "GlobalInferenceService",
    "GlobalInferenceServiceArgs",
    "InferenceCluster",
    "InferenceClusterArgs",
    "InferenceClusterArgsError",
    "ModelArgs",
    "NetworkIsolationArgs",
    "OutboundRuleArgs",
    "PoolArgs",
    "PostgresDatabaseArgs",
    "PrivateEndpointArgs",
    "ProbeArgs",
    "ProbesArgs",
    "Problem",
    "RequestSettingsArgs",
    "ScaleRuleArgs",
    "ScaleUnitArgs",
    "ScheduleArgs",
    "SecretReferenceArgs",
    "WorkspaceArgs",
    "__version__",
    "build_spec",
]
