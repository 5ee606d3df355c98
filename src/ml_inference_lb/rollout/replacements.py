"""Which input changes replace a resource instead of updating it, and which Azure refuses in place.

pulumi-azure-native decides "replace" (``ForceNew``) from three sources, all data here:

1. Every path parameter of the resource's ARM URL (names, resource group): pulumi/pulumi-azure-native
   issue #77 "Force replacements if any of the identifier properties changes". The paths are the offline
   engine's own ARM id templates (``plan/mocks.py``).
2. Properties Azure's REST definitions mark create-only (``x-ms-mutability: [create, read]``; in the
   TypeSpec-generated models of azure-ai-ml 1.35.2, ``visibility=["read", "create"]``): PR #137 for
   top-level properties, and for properties of referenced types (``properties.instanceType``) PR #2970,
   the default since azure-native 3.0 (issue #3006; opt out with PULUMI_FORCE_NEW_FROM_SUBTYPES=false).
3. A hand-kept map for properties the definitions do not mark (``provider/pkg/gen/replacement.go``
   ``forceNewMap``): RoleAssignment ``principalId`` and ``scope``, StorageAccount ``isHnsEnabled``...

Plus the program's own ``replaceOnChanges`` option, and pulumi-random, whose resources are replaced on
any input change (terraform-provider-random marks every argument ForceNew).
"""

from __future__ import annotations

import re

from ..plan.mocks import ARM_PATHS
from ..spec.versioning import CREATE_ONLY_PATHS as ONLINE_DEPLOYMENT_CREATE_ONLY

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Create-only properties from the 2025-12-01 definitions (azure-ai-ml 1.35.2
# _restclient/arm_ml_service/models/_models.py, visibility ["read", "create"]) and forceNewMap.
CREATE_ONLY: dict[str, tuple[str, ...]] = {
    # The same list the component versions Azure deployment names by (spec/versioning.py).
    "azure-native:machinelearningservices:OnlineDeployment": ONLINE_DEPLOYMENT_CREATE_ONLY,
    "azure-native:machinelearningservices:EnvironmentVersion": (
        "properties.build",
        "properties.condaFile",
        "properties.image",
    ),
    "azure-native:authorization:RoleAssignment": ("principalId", "scope"),
    "azure-native:storage:StorageAccount": ("isHnsEnabled",),
    "azure-native:resources:ResourceGroup": ("location",),
}

# Tracked resources' location is create-only everywhere (ARM RPC-Put-V1-14; TrackedResource.location is
# ["read", "create"] in the definitions above).
TRACKED_LOCATION = "location"

# Changes Pulumi sends as an in-place update that Azure refuses or ignores.
AZURE_REJECTS_IN_PLACE: dict[str, dict[str, str]] = {
    "azure-native:machinelearningservices:OnlineEndpoint": {
        "kind": "the endpoint's compute type (Managed or Kubernetes) is chosen at creation: no documented update "
        "path (unconfirmed; the REST definitions do not mark kind create-only, so Pulumi sends an update)",
    },
    "azure-native:machinelearningservices:OnlineDeployment": {
        "kind": "a deployment's compute type (Managed or Kubernetes) follows its endpoint's (unconfirmed, as for "
        "the endpoint)",
    },
}

# Resources whose replacement loses state or breaks every caller: never replaced by a rollout.
STATEFUL = {
    "azure-native:machinelearningservices:Workspace": "the workspace (its models, environments, endpoints, history)",
    "azure-native:machinelearningservices:OnlineEndpoint": "the endpoint (its scoring URI, keys and traffic)",
    "azure-native:storage:StorageAccount": "the workspace's storage account (its data)",
    "azure-native:keyvault:Vault": "the key vault (its secrets; soft-deleted names are kept)",
    "azure-native:containerregistry:Registry": "the container registry (its images)",
    "azure-native:operationalinsights:Workspace": "the Log Analytics workspace (its logs)",
    "azure-native:applicationinsights:Component": "Application Insights (its telemetry)",
    "azure-native:machinelearningservices:InferencePool": "the inference pool",
    "azure-native:dbforpostgresql:Server": "the PostgreSQL server (its databases)",
    "azure-native:dbforpostgresql:Database": "a PostgreSQL database (its data)",
    "azure-native:redisenterprise:RedisEnterprise": "the Redis cluster (its cached data)",
    "azure-native:redisenterprise:Database": "a Redis database (its data)",
}


def path_parameters(pulumi_type: str) -> tuple[str, ...]:
    """Inputs that name the resource in its ARM URL (changing one is a different Azure resource)."""
    template = ARM_PATHS.get(pulumi_type)
    names = _PLACEHOLDER.findall(template[0]) if template else []
    if pulumi_type == "azure-native:monitor:DiagnosticSetting":
        names = ["name", "resourceUri"]
    return ("resourceGroupName", *[n for n in names if n != "endpointType"])


def replace_triggers(pulumi_type: str, has_location: bool) -> tuple[str, ...]:
    """Every input path whose change makes pulumi-azure-native replace a resource of this type."""
    triggers = [*path_parameters(pulumi_type), *CREATE_ONLY.get(pulumi_type, ())]
    if has_location:
        triggers.append(TRACKED_LOCATION)
    return tuple(dict.fromkeys(triggers))


def replaces_on_any_change(pulumi_type: str) -> bool:
    return pulumi_type.startswith("random:")


def touches(changed: str, trigger: str) -> bool:
    """Whether a change at ``changed`` touches ``trigger`` (same path, inside it, or containing it)."""
    return (
        changed == trigger
        or changed.startswith(trigger + ".")
        or changed.startswith(trigger + "[")
        or (trigger.startswith(changed + "."))
    )
