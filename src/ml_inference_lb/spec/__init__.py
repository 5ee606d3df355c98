"""Args → one validated, normalised spec. Targets read the spec, never the args."""

from .build import build_spec
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
    PoolBackendSpec,
    ProbeSpec,
    ProbesSpec,
    RequestSpec,
    ScaleRuleSpec,
    ScheduleSpec,
)

__all__ = [
    "AutoscaleSpec",
    "ClusterSpec",
    "CodeSpec",
    "DeploymentSpec",
    "DiagnosticsSpec",
    "EndpointSpec",
    "EnvironmentSpec",
    "ExistingWorkspaceSpec",
    "ModelSpec",
    "NewWorkspaceSpec",
    "PoolBackendSpec",
    "ProbeSpec",
    "ProbesSpec",
    "RequestSpec",
    "ScaleRuleSpec",
    "ScheduleSpec",
    "build_spec",
]
