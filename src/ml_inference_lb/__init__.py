"""ml-inference-lb: load-balanced model inference on Azure Machine Learning as one Pulumi component.

Public args (TypedDicts) → one validated spec → targets: Azure (``InferenceCluster``), the offline
plan (``ml-inference-lb plan``) and the local runtime (``ml-inference-lb local up``).
"""

from ._version import __version__
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
from .azure import InferenceCluster
from .backing_args import (
    BackingServicesArgs,
    CacheArgs,
    DatabaseArgs,
    DeploymentBackingArgs,
    DeploymentDatabaseArgs,
    EntraAdministratorArgs,
    PostgresDatabaseArgs,
)
from .errors import InferenceClusterArgsError, Problem
from .global_lb import GlobalInferenceService, GlobalInferenceServiceArgs
from .spec import ClusterSpec, build_spec

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
    "EntraAdministratorArgs",
    "EnvironmentArgs",
    "ExistingWorkspaceArgs",
    "GlobalInferenceService",
    "GlobalInferenceServiceArgs",
    "InferenceCluster",
    "InferenceClusterArgs",
    "InferenceClusterArgsError",
    "ModelArgs",
    "PoolArgs",
    "PostgresDatabaseArgs",
    "ProbeArgs",
    "ProbesArgs",
    "Problem",
    "RequestSettingsArgs",
    "ScaleRuleArgs",
    "ScaleUnitArgs",
    "ScheduleArgs",
    "WorkspaceArgs",
    "__version__",
    "build_spec",
]
