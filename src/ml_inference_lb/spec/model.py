"""The validated, normalised cluster spec: plain frozen objects every target reads.

Built once by :func:`ml_inference_lb.spec.build_spec`; every default is filled in, every
path is absolute, every name final (or marked as generated). Targets never re-validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union

from .asset_ids import AssetRef
from .backing_model import NO_BACKING, BackingServicesSpec, DeploymentBackingSpec
from .security_model import (
    AZURE_DEFAULT_STORAGE,
    NO_ISOLATION,
    SYSTEM_ASSIGNED,
    EndpointIdentitySpec,
    NetworkSpec,
    SecretReferenceSpec,
    StorageAccessSpec,
)
from .uploads import Upload

if TYPE_CHECKING:  # pulumi stays unloaded for ml_inference_lb.runtime (scoring containers import it)
    import pulumi

EnvValue = Union[str, "pulumi.Output[str]"]
"""A deployment environment variable's value: a plain string, or a ``pulumi.Output`` (e.g. a secret)."""

AuthMode = Literal["Key", "AADToken", "AMLToken"]
Backend = Literal["managed_online", "inference_pool"]
MetricScope = Literal["deployment", "endpoint"]
Direction = Literal["Increase", "Decrease"]


@dataclass(frozen=True)
class ProbeSpec:
    initial_delay_s: int
    period_s: int
    timeout_s: int
    success_threshold: int
    failure_threshold: int


@dataclass(frozen=True)
class ProbesSpec:
    liveness: ProbeSpec
    readiness: ProbeSpec
    startup: ProbeSpec | None


@dataclass(frozen=True)
class RequestSpec:
    timeout_ms: int
    max_concurrent_requests_per_instance: int


@dataclass(frozen=True)
class ScaleRuleSpec:
    """One Azure Monitor autoscale rule (one direction of one metric)."""

    metric: str
    scope: MetricScope
    direction: Direction
    threshold: float
    aggregation: str
    window_minutes: int
    change_count: int
    cooldown_minutes: int

    @property
    def operator(self) -> str:
        return "GreaterThan" if self.direction == "Increase" else "LessThan"


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    days: tuple[str, ...]
    start: tuple[int, int]
    end: tuple[int, int]
    time_zone: str
    """The Windows time zone id Azure Monitor receives, one that Azure documents (e.g. "W. Europe Standard Time")."""
    iana_time_zone: str
    """The same clock as an IANA name (e.g. "Europe/Berlin"), for evaluating the schedule outside Azure."""
    min_instances: int
    max_instances: int
    default_instances: int


@dataclass(frozen=True)
class AutoscaleSpec:
    min_instances: int
    max_instances: int
    default_instances: int
    rules: tuple[ScaleRuleSpec, ...]
    schedules: tuple[ScheduleSpec, ...]

    @property
    def ceiling(self) -> int:
        """The most instances any profile allows: autoscale never runs the deployment above it, so a
        deployment PUT with this ``sku.capacity`` never lowers the live count (docs/autoscale.md)."""
        return max([self.max_instances, *(s.max_instances for s in self.schedules)])


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: str | None
    asset_id: str | None
    asset: AssetRef | None = None
    """``asset_id`` parsed: a form ARM resolves (the Azure target makes a workspace short form an ARM id)."""
    upload: Upload | None = None
    """With ``path``: exactly the files that go up (ignore files applied, no links out of the folder)."""


@dataclass(frozen=True)
class CodeSpec:
    name: str
    path: str | None
    asset_id: str | None
    scoring_script: str
    asset: AssetRef | None = None
    upload: Upload | None = None


@dataclass(frozen=True)
class EnvironmentSpec:
    name: str
    asset_id: str | None
    image: str | None
    conda_file: str | None
    asset: AssetRef | None = None


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    traffic_percent: int
    mirror_percent: int
    model: ModelSpec
    code: CodeSpec | None
    environment: EnvironmentSpec
    instance_type: str
    instance_count: int
    """The fixed count without autoscale (autoscale's default profile count when autoscale is on; the
    Azure target then sends ``autoscale.ceiling`` as ``sku.capacity``)."""
    autoscale: AutoscaleSpec | None
    probes: ProbesSpec
    request: RequestSpec
    environment_variables: tuple[tuple[str, EnvValue], ...]
    """Sorted by name. A value is a string or a ``pulumi.Output[str]`` (kept secret if it is one)."""
    app_insights_enabled: bool
    backing: DeploymentBackingSpec = NO_BACKING
    """Which backing services (and PostgreSQL database and schema) it uses."""
    secret_environment: tuple[tuple[str, str], ...] = ()
    """Variables whose value Azure injects from Key Vault: (variable, key of ``ClusterSpec.secrets``), sorted."""

    @property
    def env(self) -> dict[str, EnvValue]:
        return dict(self.environment_variables)

    @property
    def unresolved_env(self) -> tuple[str, ...]:
        """Names whose value is a ``pulumi.Output``: known only when Pulumi resolves it, never offline."""
        return tuple(k for k, v in self.environment_variables if not isinstance(v, str))


@dataclass(frozen=True)
class NewWorkspaceSpec:
    name: str | None
    """The explicit ``workspace.name``; None: the Azure target generates ``name_prefix`` plus the stack's
    random suffix (a new name for every new stack, so Azure's soft delete never blocks a re-created one)."""
    name_prefix: str
    """Prefix of generated names, unique per component by construction (``spec.names.fit``)."""
    public_network_access: Literal["Enabled", "Disabled"]
    isolation_mode: str
    container_registry_sku: str
    log_retention_days: int
    storage: StorageAccessSpec = AZURE_DEFAULT_STORAGE
    app_insights_local_auth: bool = True
    """Application Insights' local (instrumentation-key) authentication; False sends ``DisableLocalAuth``."""


@dataclass(frozen=True)
class ExistingWorkspaceSpec:
    name: Any
    """``pulumi.Input[str]``: an identifier of an existing resource, passed through as given."""
    resource_group_name: Any


@dataclass(frozen=True)
class EndpointSpec:
    name: str | None
    """None: the Azure target generates ``name_prefix`` plus a random suffix."""
    name_prefix: str
    auth_mode: AuthMode
    public_network_access: Literal["Enabled", "Disabled"]
    description: str | None
    identity: EndpointIdentitySpec = SYSTEM_ASSIGNED


@dataclass(frozen=True)
class DiagnosticsSpec:
    enabled: bool
    log_analytics_workspace_id: Any
    """``pulumi.Input[str]`` or None (use the new workspace's own)."""


@dataclass(frozen=True)
class PoolBackendSpec:
    """PREVIEW (API 2025-01-01-preview): what the ``inference_pool`` backend needs beyond ``deployments``.

    Each deployment becomes an ``InferenceGroup`` named after it, and one ``InferenceEndpoint`` bound to
    that group, named :meth:`endpoint_name`. ``ClusterSpec.deployments`` keeps the groups (model,
    environment, probes, request settings, ``instance_count``), so targets that serve deployments read
    them unchanged.
    """

    name: str
    """Name of the ``InferencePool``."""
    endpoint_prefix: str
    """Inference endpoints are named ``<endpoint_prefix>-<deployment>``."""
    scale_unit_size: int | None
    """Each group's ``scaleUnitSize``; None leaves it to Azure."""
    registries: tuple[str, ...]
    disable_public_egress: bool

    def endpoint_name(self, deployment: str) -> str:
        return f"{self.endpoint_prefix}-{deployment}"


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    resource_group_name: Any
    location: Any
    workspace: NewWorkspaceSpec | ExistingWorkspaceSpec
    endpoint: EndpointSpec
    deployments: tuple[DeploymentSpec, ...]
    diagnostics: DiagnosticsSpec
    tags: Mapping[str, str] = field(default_factory=dict)
    backend: Backend = "managed_online"
    pool: PoolBackendSpec | None = None
    """Set exactly when ``backend`` is ``"inference_pool"`` (PREVIEW)."""
    backing: BackingServicesSpec | None = None
    """The cache and database the deployments use (``backing_services``); None when not declared."""
    network: NetworkSpec = NO_ISOLATION
    """Network isolation (``network_isolation``); ``mode`` is ``"none"`` for an existing workspace."""
    secrets: tuple[SecretReferenceSpec, ...] = ()
    """Key Vault secrets the deployments reference (``secrets``)."""

    @property
    def traffic(self) -> dict[str, int]:
        """Live traffic per deployment, as Azure's ``traffic`` map (zero shares left out)."""
        return {d.name: d.traffic_percent for d in self.deployments if d.traffic_percent}

    @property
    def mirror_traffic(self) -> dict[str, int]:
        return {d.name: d.mirror_percent for d in self.deployments if d.mirror_percent}

    def secret(self, key: str) -> SecretReferenceSpec:
        for s in self.secrets:
            if s.key == key:
                return s
        raise KeyError(key)

    def deployment(self, name: str) -> DeploymentSpec:
        for d in self.deployments:
            if d.name == name:
                return d
        raise KeyError(name)
