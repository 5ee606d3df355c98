"""Public arguments of :class:`~ml_inference_lb.InferenceCluster`, as TypedDicts (the Pulumi convention).

Values the library must validate (names, percentages, counts, durations) are plain Python
values: they are checked once, when the component is constructed, before any resource is
registered. Identifiers of Azure resources that already exist (resource group, an existing
workspace, a Log Analytics workspace id) accept ``pulumi.Input`` so they can come from other
resources of the stack.

Every field documents its default and what Azure does with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypedDict

import pulumi
from typing_extensions import NotRequired

from .backing_args import BackingServicesArgs, DeploymentBackingArgs
from .security_args import (
    EndpointIdentityArgs,
    IdentityType,
    NetworkIsolationArgs,
    NetworkIsolationMode,
    SecretReferenceArgs,
)

AuthMode = Literal["key", "aad_token", "aml_token"]
PublicNetworkAccess = Literal["enabled", "disabled"]
Backend = Literal["managed_online", "inference_pool"]
ScaleMetric = Literal[
    "CpuUtilizationPercentage",
    "CpuMemoryUtilizationPercentage",
    "DiskUtilization",
    "GpuUtilizationPercentage",
    "GpuMemoryUtilizationPercentage",
    "RequestsPerMinute",
    "RequestLatency_P50",
    "RequestLatency_P90",
    "RequestLatency_P95",
    "RequestLatency_P99",
    "RequestLatency",
    "ConnectionsActive",
    "NewConnectionsPerSecond",
]
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ExistingWorkspaceArgs(TypedDict):
    """Bring your own Azure ML workspace: nothing is created for it and nothing of it is deleted."""

    name: pulumi.Input[str]
    """Name of the existing ``Microsoft.MachineLearningServices/workspaces`` resource."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Its resource group. Default: the cluster's ``resource_group_name``."""


class WorkspaceArgs(TypedDict, total=False):
    """A new workspace, created with the resources Azure requires beside it.

    Created alongside it: a storage account (TLS 1.2, HTTPS only, no anonymous blob access), a key vault
    (RBAC authorisation, purge protection, 90-day soft delete), a Log Analytics workspace with a
    workspace-based Application Insights component, and a container registry (admin user off). Names that
    Azure needs globally unique get a random suffix from ``pulumi-random``.

    **What is reachable depends on** ``network_isolation``: with the default (``"managed"``) the workspace,
    its storage, key vault, registry, Application Insights and the scoring URI all accept connections from
    public networks (authenticated, but reachable); only the deployments' outbound traffic goes through a
    managed network. ``"private"`` closes the workspace, storage, key vault, registry and endpoint to public
    networks (docs/network-isolation.md).
    """

    name: str
    """Workspace name, 3-33 characters, letters, digits, ``-`` and ``_``, starting with a letter or digit.
    Default: ``<cluster name>-ws-<8 random characters>`` (the cluster part cut to fit, with a hash when cut),
    drawn once per stack by ``pulumi-random``. **Warning** for an explicit name: Azure ML soft-deletes a
    deleted workspace and refuses its name for the retention period (14 days by default), so
    ``pulumi destroy`` then ``pulumi up`` with the same name fails until the soft-deleted workspace is
    purged (``az ml workspace delete --permanently-delete``) or recovered; pulumi-azure-native cannot purge
    on delete. Log Analytics and Application Insights names derive from it."""
    public_network_access: PublicNetworkAccess
    """Whether the workspace (and its data plane) is reachable from public networks. Default ``"enabled"``,
    ``"disabled"`` with ``network_isolation: "private"`` (which refuses ``"enabled"``). ``"disabled"`` without a
    private endpoint leaves the workspace reachable by no one but ARM (control-plane calls)."""
    isolation_mode: Literal["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"]
    """The workspace managed virtual network that Azure puts the deployments' egress in
    (``managedNetwork.isolationMode``). Azure's recommended network isolation for managed online
    endpoints. Default: what ``network_isolation`` says (``"AllowInternetOutbound"`` for ``"managed"``,
    ``"AllowOnlyApprovedOutbound"`` for ``"private"``, ``"Disabled"`` for ``"none"``); set it only to choose
    approved-outbound under ``"managed"``, any other contradiction is an error. With a managed network the component provisions it
    (``provisionManagedNetwork``, about 30 minutes on the first ``pulumi up``) before any deployment is
    created: Azure refuses deployments until then. ``"AllowOnlyApprovedOutbound"`` needs
    ``container_registry_sku: "Premium"``. Azure cannot switch isolation off once it is on (nor go from
    approved-only back to internet outbound): choose before the first ``pulumi up`` (docs/managed-network.md)."""
    container_registry_sku: Literal["Basic", "Standard", "Premium"]
    """SKU of the container registry that holds the deployments' images. Default ``"Premium"``
    (needed for private endpoints and a managed network with ``AllowOnlyApprovedOutbound``)."""
    log_retention_days: int
    """Retention of the Log Analytics workspace, 30-730 days. Default 30."""
    datastore_auth: Literal["access_key", "identity"]
    """How Azure ML reaches its default datastores in the storage account (``systemDatastoresAuthMode``).
    Default ``"access_key"`` (Azure's default: the account key, kept in the workspace's key vault).
    ``"identity"``: Microsoft Entra ID, with the workspace's and each caller's identity (PREVIEW in Azure ML;
    users of the studio then need Storage Blob Data roles, see docs/security.md)."""
    storage_shared_key_access: Literal["enabled", "disabled"]
    """Whether the storage account accepts its account keys (``allowSharedKeyAccess``). Default ``"enabled"``.
    ``"disabled"`` needs ``datastore_auth: "identity"`` and models and code given as ``asset_id``: the uploads of
    local ``path`` files run through pulumi-azure-native's ``storage.Blob``, which signs with the account key."""
    app_insights_local_auth: Literal["enabled", "disabled"]
    """Whether Application Insights accepts telemetry signed only with its instrumentation key
    (``DisableLocalAuth``). Default: ``"enabled"`` while any deployment sends request logs there
    (``app_insights_enabled``, the default), ``"disabled"`` otherwise. The Azure ML inference server logs with
    the instrumentation key alone, so ``"disabled"`` with a logging deployment is an error."""


class ModelArgs(TypedDict, total=False):
    """The model a deployment serves: a local path (uploaded and registered) or an existing asset.

    Give exactly one of ``path`` and ``asset_id``.
    """

    path: str
    """A local file or folder. The library uploads it to the workspace's storage and registers a
    model version named ``name`` whose version is the content hash, so a change of the files is a
    new version and an unchanged model is never re-uploaded. The deployment sees it under
    ``AZUREML_MODEL_DIR``."""
    asset_id: str
    """An existing model: ``azureml:<name>:<version>`` (a model of the cluster's workspace; the library sends ARM its
    ARM id, as the Azure ML CLI does), ``azureml://registries/<r>/models/<n>/versions/<v>`` (or ``.../labels/<l>``),
    or a full ARM id. A workspace label (``azureml:<name>@latest``) is rejected: ARM takes a version, and the CLI
    resolves labels with a lookup first. See ``docs/assets.md``. Cannot be served by the local target."""
    name: str
    """Model name when ``path`` is given. Deployments that give the same name and path share one
    registered model. Default: ``<deployment name>-model``."""


class CodeArgs(TypedDict, total=False):
    """The scoring code: a folder with a scoring script that defines ``init()`` and ``run(raw_data)``."""

    path: str
    """Local folder uploaded and registered as a versioned code asset (content hash as version)."""
    asset_id: str
    """An existing code asset: ``azureml:<name>:<version>``, ``azureml://registries/<r>/codes/<n>/versions/<v>`` or an
    ARM id, as for ``model.asset_id``. Cannot be served by the local target."""
    scoring_script: str
    """Path of the scoring script relative to the code folder. Required."""
    name: str
    """Code asset name when ``path`` is given. Default: ``<cluster name>-<folder name>``."""


class EnvironmentArgs(TypedDict, total=False):
    """The container environment. Give ``asset_id``, or ``image`` with an optional ``conda_file``."""

    asset_id: str
    """An existing environment, e.g. ``azureml://registries/azureml/environments/sklearn-1.5/labels/latest``: the
    forms of ``model.asset_id`` with ``environments``, plus curated short forms (``azureml:AzureML-<name>:<version>``),
    which Azure ML expands itself."""
    image: str
    """A base image, e.g. ``mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest``; Azure builds the
    environment from it and the conda file."""
    conda_file: str
    """Local path of a conda YAML file whose dependencies Azure installs on top of ``image``."""
    name: str
    """Environment name when ``image`` is given. Default: ``<deployment name>-env``."""


class ProbeArgs(TypedDict, total=False):
    """An HTTP probe of the inference server. Azure's defaults apply to every field not given."""

    initial_delay_seconds: int
    """Seconds after the container starts before the first probe. Azure default 10."""
    period_seconds: int
    """Seconds between probes. Azure default 10."""
    timeout_seconds: int
    """Seconds a probe may take before it counts as failed. Azure default 2."""
    success_threshold: int
    """Consecutive successes to count as healthy after a failure. Azure default 1 (must be 1 for liveness)."""
    failure_threshold: int
    """Consecutive failures before Azure acts. Azure default 30."""


class ProbesArgs(TypedDict, total=False):
    """Probes of each replica. A failed liveness probe restarts the container; a failed readiness probe
    takes it out of the load balancer; the startup probe holds the other two until the container started."""

    liveness: ProbeArgs
    readiness: ProbeArgs
    startup: ProbeArgs
    """Not set by default (Azure then runs no startup probe)."""


class RequestSettingsArgs(TypedDict, total=False):
    """How Azure's front end treats scoring requests for a deployment."""

    request_timeout_ms: int
    """Scoring timeout, 1-180000 ms. Azure default 5000. Past it the caller gets 408."""
    max_concurrent_requests_per_instance: int
    """Requests a replica may work on at once. Azure default 1. Past it Azure answers 429 at once.
    Match it to the inference server's ``WORKER_COUNT``."""


class ScaleRuleArgs(TypedDict, total=False):
    """One metric and its thresholds. ``scale_out_above`` and ``scale_in_below`` each make one Azure
    Monitor autoscale rule; give at least one of them."""

    metric: ScaleMetric
    """Deployment metrics (CPU, memory, disk, GPU utilisation, ``RequestsPerMinute``,
    ``RequestLatency_P50``..``_P99`` in ms) are read from the deployment itself. Endpoint metrics are
    read from the endpoint: ``RequestLatency`` filtered to this deployment by its ``deployment``
    dimension; ``ConnectionsActive`` and ``NewConnectionsPerSecond`` for the whole endpoint."""
    scale_out_above: float
    """Add instances when the aggregated metric is greater than this."""
    scale_in_below: float
    """Remove instances when the aggregated metric is less than this."""
    window_minutes: int
    """Time window the metric is aggregated over, 5-720 minutes. Default 5."""
    aggregation: Literal["Average", "Minimum", "Maximum", "Total"]
    """How the window is aggregated. Default ``"Average"``."""
    change_count: int
    """Instances added or removed by one action. Default 1."""
    scale_out_cooldown_minutes: int
    """Minutes after a scale-out before the rule may act again. Default 5."""
    scale_in_cooldown_minutes: int
    """Minutes after a scale-in before the rule may act again. Default 10."""


class ScheduleArgs(TypedDict):
    """A recurring profile (for example business hours) with its own instance bounds."""

    name: str
    days: Sequence[Weekday]
    start: str
    """``HH:MM``, 24-hour clock, in ``time_zone``."""
    end: str
    """``HH:MM``; Azure returns to the default profile at this time."""
    time_zone: NotRequired[str]
    """The zone of ``start`` and ``end``: an IANA name (``"Europe/Berlin"``), converted to the Windows id Azure
    Monitor takes (``"W. Europe Standard Time"``) with CLDR's mapping, or a Windows id that Azure documents for
    autoscale. Anything else is rejected: Azure Monitor would silently drop a zone it does not know. Daylight saving
    follows the zone. Default ``"UTC"``. See ``docs/autoscale.md``, "Time zones"."""
    min_instances: int
    max_instances: int
    default_instances: NotRequired[int]


class AutoscaleArgs(TypedDict, total=False):
    """Azure Monitor autoscale on a deployment. When set, every PUT of the deployment (its creation and each
    rollout) sends ``sku.capacity`` = the highest ``max_instances`` of any profile, never lower than the live
    count; autoscale's scale-in rules then bring it down. Cost: creation and each rollout briefly run at that
    ceiling, and quota must hold it (docs/autoscale.md)."""

    min_instances: int
    """Lowest instance count, at least 1. Default 1. Azure recommends 3 for high availability."""
    max_instances: int
    """Highest instance count, at most 50 per managed deployment. Required. The deployment is created, and
    each rollout starts, at this count (or a schedule's higher one). Azure reserves 20% extra quota for upgrades."""
    default_instances: int
    """The default profile's count: what Azure Monitor runs when it cannot read the metrics.
    Default: the pool's ``instance_count`` clamped to the bounds."""
    rules: Sequence[ScaleRuleArgs]
    """Default: CPU above 70% adds one instance, below 30% removes one."""
    schedules: Sequence[ScheduleArgs]
    """Recurring profiles. Default none."""


class ScaleUnitArgs(TypedDict, total=False):
    """PREVIEW (``backend="inference_pool"``, API 2025-01-01-preview): the pool's scale-unit configuration."""

    registries: Sequence[str]
    """Azure ML registries (ARM ids or names) the pool's nodes may use to confirm identity, storage and
    the container registry (``scaleUnitConfiguration.registries``). Default: none."""
    public_egress: PublicNetworkAccess
    """Outbound internet access of the pool's nodes: ``"disabled"`` sends ``disablePublicEgress: true``.
    Default ``"enabled"`` (Azure's default)."""


class PoolArgs(TypedDict, total=False):
    """The compute pool every deployment runs on unless it says otherwise."""

    instance_type: str
    """VM SKU of each instance, e.g. ``Standard_DS3_v2``. Default ``Standard_DS3_v2``."""
    instance_count: int
    """Instances per deployment, 1-50. Default 1; Azure recommends 3 for high availability."""
    autoscale: AutoscaleArgs
    """Autoscale for each deployment. Default: none (a fixed ``instance_count``).
    Not available with ``backend="inference_pool"`` (Azure has no autoscale for inference groups)."""
    name: str
    """``backend="inference_pool"`` only (PREVIEW): name of the ``InferencePool`` resource, 1-255 letters,
    digits, ``-`` and ``_``, starting with a letter or digit. Default: ``<cluster name>-pool``."""
    scale_unit_size: int
    """``backend="inference_pool"`` only (PREVIEW): the inference groups' ``scaleUnitSize``, at least 1. Each
    deployment's ``instance_count`` is the number of scale units its group requests (``sku.capacity``).
    Default: not sent (Azure's default applies)."""
    scale_unit: ScaleUnitArgs
    """``backend="inference_pool"`` only (PREVIEW): the pool's ``scaleUnitConfiguration``. Default: not sent."""


class DeploymentArgs(TypedDict):
    """One deployment behind the endpoint: a model, its code and environment, on its own instances."""

    name: str
    """3-32 characters, starting with a letter, letters, digits and hyphens, ending with a letter or digit."""
    model: ModelArgs
    environment: EnvironmentArgs
    code: NotRequired[CodeArgs]
    """Scoring code. Required unless the environment's image serves the model by itself."""
    traffic_percent: NotRequired[int]
    """Share of live traffic, 0-100. The endpoint's shares add up to 100, or all are 0 (no live traffic yet).
    Default 0."""
    mirror_percent: NotRequired[int]
    """Share of live traffic copied to this deployment (a shadow); its answers never reach callers.
    At most 50, one deployment only, and only one without live traffic. Default 0."""
    instance_type: NotRequired[str]
    """Overrides ``pool.instance_type`` for this deployment."""
    instance_count: NotRequired[int]
    """Overrides ``pool.instance_count``."""
    autoscale: NotRequired[AutoscaleArgs]
    """Overrides ``pool.autoscale``."""
    probes: NotRequired[ProbesArgs]
    """Overrides the cluster's ``probes`` field by field."""
    request_settings: NotRequired[RequestSettingsArgs]
    """Overrides the cluster's ``request_settings`` field by field."""
    environment_variables: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Set in the container; e.g. ``WORKER_COUNT`` for the inference server's concurrency. A value may be a
    ``pulumi.Output[str]``: a secret one (``config.require_secret(...)``, ``pulumi.Output.secret(...)``) stays
    secret in the plan and in Pulumi's state. Azure itself stores the values in the deployment, readable by anyone
    who may read it: for real secrets use ``secret_environment_variables`` (a Key Vault reference Azure resolves
    with the endpoint identity when the container starts; PREVIEW; see ``docs/security.md``). The local target
    cannot resolve an Output offline and says so."""
    secret_environment_variables: NotRequired[Mapping[str, str]]
    """Variable name → a key of the cluster's ``secrets``: Azure sets the variable to that Key Vault secret when
    the container starts (secret injection, PREVIEW). Only the reference is stored. Not with
    ``backend="inference_pool"``."""
    app_insights_enabled: NotRequired[bool]
    """Send the deployment's request logs to the workspace's Application Insights. Default True."""
    backing_services: NotRequired[DeploymentBackingArgs]
    """Which of the cluster's ``backing_services`` this deployment uses, and which PostgreSQL database
    and schema. Default: all of them. Their connection settings reach the container as environment
    variables (``PGHOST``..., ``REDIS_HOST``...; see ``docs/backing-services.md``)."""
    log_response_bodies: NotRequired[bool]
    """With ``app_insights_enabled``, also write every response body (the predictions, which may carry personal
    data) to Application Insights' requests table. Default False: the library sets the inference server's
    ``APP_INSIGHTS_LOG_RESPONSE_ENABLED`` to ``"false"`` (the server's own default is true). Setting that variable
    in ``environment_variables`` yourself works too; the two must not contradict each other."""


class EndpointArgs(TypedDict, total=False):
    """The managed online endpoint: Azure's regional load balancer in front of the deployments."""

    name: str
    """Unique in the Azure region (the scoring URI is ``https://<name>.<region>.inference.ml.azure.com/score``).
    Default: ``<cluster name>-<5 random characters>``."""
    auth_mode: AuthMode
    """``"key"`` (default; keys are exported as Pulumi secrets), ``"aad_token"`` (Microsoft Entra) or
    ``"aml_token"`` (expiring Azure ML tokens). With ``backend="inference_pool"`` only ``"aad_token"``
    exists (Azure's ``AAD``), and it is that backend's default."""
    public_network_access: PublicNetworkAccess
    """Whether the scoring URI is reachable from public networks. Default ``"enabled"``, ``"disabled"`` with
    ``network_isolation: "private"``: scoring then goes through the workspace's private endpoint only."""
    description: str
    identity: IdentityType | EndpointIdentityArgs
    """The identity the endpoint's containers run as. Default ``"system_assigned"``. ``"user_assigned"`` (or
    ``{"type": "user_assigned", "user_assigned_identity_id": ...}``) also gets AcrPull, Storage Blob Data Reader
    and AzureML Metrics Writer from the library, before any deployment. Azure cannot change an endpoint's
    identity: choose before the first ``pulumi up``. See :class:`~ml_inference_lb.security_args.EndpointIdentityArgs`."""


class DiagnosticsArgs(TypedDict, total=False):
    """Where the logs go: the endpoint's (traffic, console and event logs) and, with a new workspace, those of
    the workspace, its key vault, its storage's blob service and its registry (every log category, all metrics)."""

    enabled: bool
    """Default True."""
    log_analytics_workspace_id: pulumi.Input[str]
    """Destination workspace id. Default: the one created with a new workspace; required with an
    existing workspace unless ``enabled`` is False."""


class InferenceClusterArgs(TypedDict):
    """Everything an :class:`~ml_inference_lb.InferenceCluster` needs. Only ``resource_group_name``
    and ``deployments`` are required."""

    resource_group_name: pulumi.Input[str]
    """The resource group every created resource goes in. It must exist."""
    backend: NotRequired[Backend]
    """Which Azure ML resources serve the deployments. Default ``"managed_online"``: one managed online
    endpoint with a deployment per entry of ``deployments`` (weighted and mirrored traffic, autoscale).

    ``"inference_pool"`` is PREVIEW: an ``InferencePool`` with one ``InferenceGroup`` and one
    ``InferenceEndpoint`` per deployment, on Azure REST API version **2025-01-01-preview**, the one
    pulumi-azure-native 3.29 pins. Preview means no SLA, an API that may change or be withdrawn, and a
    library that may have to change these resources when the pinned version moves. Its endpoints take
    Microsoft Entra tokens only, each endpoint serves one deployment (no traffic split or mirroring in
    Azure), and Azure offers no autoscale for it; args that need these are rejected with their path.
    See ``docs/inference-pool.md``."""
    deployments: Sequence[DeploymentArgs]
    """1-20 deployments (Azure's limit per endpoint)."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region of created resources. Default: the resource group's region (Azure's default)."""
    workspace: NotRequired[WorkspaceArgs]
    """A new workspace (the default)."""
    existing_workspace: NotRequired[ExistingWorkspaceArgs]
    """Bring your own workspace instead of creating one. Excludes ``workspace``."""
    endpoint: NotRequired[EndpointArgs]
    pool: NotRequired[PoolArgs]
    probes: NotRequired[ProbesArgs]
    """Defaults for every deployment."""
    request_settings: NotRequired[RequestSettingsArgs]
    """Defaults for every deployment."""
    diagnostics: NotRequired[DiagnosticsArgs]
    tags: NotRequired[Mapping[str, str]]
    """Applied to every Azure resource the cluster creates (at most 50; key ≤ 512, value ≤ 256 characters)."""
    backing_services: NotRequired[BackingServicesArgs]
    """A Redis cache (Azure Managed Redis) and/or a PostgreSQL database (Azure Database for PostgreSQL
    flexible server), new or existing, that the deployments reach with the endpoint's Microsoft Entra
    identity. Default: none. Not available with ``backend="inference_pool"``."""
    network_isolation: NotRequired[NetworkIsolationMode | NetworkIsolationArgs]
    """One setting for every network choice of a new workspace (docs/network-isolation.md). Default
    ``"managed"`` (``"none"`` when ``workspace.isolation_mode`` is ``"Disabled"``): the deployments' egress goes
    through the workspace's managed network; **the workspace, its storage, key vault, registry, Application
    Insights and the scoring URI stay reachable from public networks**. ``"private"`` (give
    ``{"mode": "private", "private_endpoint": {"subnet_id": ...}}``) closes all of them but Application Insights
    and Log Analytics, allows approved outbound traffic only, and adds private endpoints and DNS zones in your
    virtual network. Not with ``existing_workspace``."""
    secrets: NotRequired[Mapping[str, SecretReferenceArgs]]
    """Key Vault secrets by a key of your choice, for ``deployments[i].secret_environment_variables``. The
    endpoint identity gets Key Vault Secrets User on each one (PREVIEW Azure feature; docs/security.md)."""
