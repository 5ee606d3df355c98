"""The table of contracts: for each Pulumi resource type we register, where Azure's definition lives.

A contract names the ARM resource type, the API version pulumi-azure-native 3.29 sends (its module
docstring, "Uses Azure REST API version ..."), the vendored schema file and root model that describe
the PUT body at that (or the documented closest) version, and which Pulumi inputs are path parameters
(they name the resource in the URL and never reach the body).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ML_VERSION = "2025-12-01"
_ML_SCHEMA = "machinelearningservices-2025-12-01.json"
_RG = "resourceGroupName"


@dataclass(frozen=True)
class Contract:
    """Where Azure's definition of one Pulumi resource type's request body comes from."""

    pulumi_type: str
    arm_type: str
    provider_api_version: str
    """The API version pulumi-azure-native uses for this resource."""
    schema_file: str
    root_model: str
    path_params: tuple[str, ...]
    name_param: str | None
    """The input that is the resource's Azure name (``None``: the provider generates one)."""
    flatten_properties: bool = False
    """Pulumi shows the members of the body's ``properties`` at the top level (x-ms-client-flatten)."""
    provider_defaults: tuple[str, ...] = ()
    """Body properties the provider fills in when the program leaves them out (``location``: the RG's)."""
    caveat: str = ""
    """Why the schema's API version differs from the provider's, when it does."""
    data_plane: bool = False
    """The provider implements it outside ARM: the inputs themselves are checked, nothing is moved."""
    input_renames: Mapping[str, str] = field(default_factory=dict)
    """Pulumi inputs named differently from the body member they fill (``inferencePoolProperties`` -> ``properties``)."""
    enum_additions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Enum values Azure accepts that the schema's SDK enum lacks (each one explained in ``caveat``)."""


_CORE: tuple[Contract, ...] = (
    Contract(
        "azure-native:machinelearningservices:OnlineEndpoint",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        ML_VERSION,
        _ML_SCHEMA,
        "OnlineEndpoint",
        (_RG, "workspaceName", "endpointName"),
        "endpointName",
    ),
    Contract(
        "azure-native:machinelearningservices:OnlineDeployment",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        ML_VERSION,
        _ML_SCHEMA,
        "OnlineDeployment",
        (_RG, "workspaceName", "endpointName", "deploymentName"),
        "deploymentName",
    ),
    Contract(
        "azure-native:machinelearningservices:ModelVersion",
        "Microsoft.MachineLearningServices/workspaces/models/versions",
        ML_VERSION,
        _ML_SCHEMA,
        "ModelVersion",
        (_RG, "workspaceName", "name", "version"),
        "name",
    ),
    Contract(
        "azure-native:machinelearningservices:CodeVersion",
        "Microsoft.MachineLearningServices/workspaces/codes/versions",
        ML_VERSION,
        _ML_SCHEMA,
        "CodeVersion",
        (_RG, "workspaceName", "name", "version"),
        "name",
    ),
    Contract(
        "azure-native:machinelearningservices:EnvironmentVersion",
        "Microsoft.MachineLearningServices/workspaces/environments/versions",
        ML_VERSION,
        _ML_SCHEMA,
        "EnvironmentVersion",
        (_RG, "workspaceName", "name", "version"),
        "name",
    ),
    Contract(
        "azure-native:machinelearningservices:Workspace",
        "Microsoft.MachineLearningServices/workspaces",
        ML_VERSION,
        _ML_SCHEMA,
        "Workspace",
        (_RG, "workspaceName"),
        "workspaceName",
        flatten_properties=True,
        provider_defaults=("location",),
    ),
    Contract(
        # The library's own dynamic resource (azure/managed_network.py): the body of the POST
        # .../workspaces/{name}/provisionManagedNetwork it sends. Its other inputs are the URL
        # (workspaceId), the serialized provider and the outputs it reports.
        "pulumi-python:dynamic/ml-inference-lb:ManagedNetworkProvisioning",
        "Microsoft.MachineLearningServices/workspaces/provisionManagedNetwork (POST)",
        ML_VERSION,
        _ML_SCHEMA,
        "ManagedNetworkProvisionOptions",
        ("workspaceId", "__provider", "status", "sparkReady", "outboundRules"),
        None,
    ),
    Contract(
        "azure-native:storage:StorageAccount",
        "Microsoft.Storage/storageAccounts",
        "2024-01-01",
        "storage-2024-01-01.json",
        "StorageAccountCreateParameters",
        (_RG, "accountName"),
        "accountName",
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:storage:Blob",
        "(data plane) Blob",
        "data-plane",
        "pulumi-storage-blob.json",
        "Blob",
        (),
        "blobName",
        data_plane=True,
        caveat="storage.Blob is implemented by the provider against the Blob data plane, not ARM: "
        "its inputs are checked against pulumi-azure-native's own types and Azure Storage's naming rules.",
    ),
    Contract(
        "azure-native:keyvault:Vault",
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        "keyvault-2024-11-01.json",
        "VaultCreateOrUpdateParameters",
        (_RG, "vaultName"),
        "vaultName",
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:operationalinsights:Workspace",
        "Microsoft.OperationalInsights/workspaces",
        "2023-09-01",
        "operationalinsights-2022-10-01.json",
        "Workspace",
        (_RG, "workspaceName"),
        "workspaceName",
        provider_defaults=("location",),
        caveat="No Python SDK carries Microsoft.OperationalInsights 2023-09-01 (azure-mgmt-loganalytics jumps "
        "from 2022-10-01 to 2025-07-01): checked against 2022-10-01, the closest older version. A property "
        "added in 2023-09-01 would be reported as unknown.",
    ),
    Contract(
        "azure-native:applicationinsights:Component",
        "Microsoft.Insights/components",
        "2020-02-02",
        "applicationinsights-2020-02-02.json",
        "ApplicationInsightsComponent",
        (_RG, "resourceName"),
        "resourceName",
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:containerregistry:Registry",
        "Microsoft.ContainerRegistry/registries",
        "2023-01-01-preview",
        "containerregistry-2023-01-01-preview.json",
        "Registry",
        (_RG, "registryName"),
        "registryName",
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:authorization:RoleAssignment",
        "Microsoft.Authorization/roleAssignments",
        "2022-04-01",
        "authorization-2022-04-01.json",
        "RoleAssignmentCreateParameters",
        ("scope", "roleAssignmentName"),
        "roleAssignmentName",
    ),
    Contract(
        "azure-native:monitor:AutoscaleSetting",
        "Microsoft.Insights/autoscalesettings",
        "2021-05-01-preview",
        "monitor-2021-05-01-preview.json",
        "AutoscaleSettingResource",
        (_RG, "autoscaleSettingName"),
        "autoscaleSettingName",
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:monitor:DiagnosticSetting",
        "Microsoft.Insights/diagnosticSettings",
        "2021-05-01-preview",
        "monitor-2021-05-01-preview.json",
        "DiagnosticSettingsResource",
        ("resourceUri", "name"),
        "name",
    ),
    Contract(
        "azure-native:network:PrivateEndpoint",
        "Microsoft.Network/privateEndpoints",
        "2024-05-01",
        "network-2024-05-01.json",
        "PrivateEndpoint",
        (_RG, "privateEndpointName"),
        "privateEndpointName",
        flatten_properties=True,
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:network:PrivateDnsZoneGroup",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "2024-05-01",
        "network-2024-05-01.json",
        "PrivateDnsZoneGroup",
        (_RG, "privateEndpointName", "privateDnsZoneGroupName"),
        "privateDnsZoneGroupName",
        flatten_properties=True,
    ),
    Contract(
        "azure-native:privatedns:PrivateZone",
        "Microsoft.Network/privateDnsZones",
        "2024-06-01",
        "privatedns-2024-06-01.json",
        "PrivateZone",
        (_RG, "privateZoneName"),
        "privateZoneName",
        flatten_properties=True,
    ),
    Contract(
        "azure-native:privatedns:VirtualNetworkLink",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "2024-06-01",
        "privatedns-2024-06-01.json",
        "VirtualNetworkLink",
        (_RG, "privateZoneName", "virtualNetworkLinkName"),
        "virtualNetworkLinkName",
        flatten_properties=True,
    ),
    Contract(
        "azure-native:managedidentity:UserAssignedIdentity",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "2023-01-31",
        "managedidentity-2023-01-31.json",
        "Identity",
        (_RG, "resourceName"),
        "resourceName",
        flatten_properties=True,
        provider_defaults=("location",),
    ),
    Contract(
        "azure-native:resources:Deployment",
        "Microsoft.Resources/deployments",
        "2024-03-01",
        "resources-2024-07-01.json",
        "Deployment",
        (_RG, "deploymentName"),
        "deploymentName",
        caveat="No Python SDK carries Microsoft.Resources 2024-03-01 (azure-mgmt-resource has 2022-09-01 and "
        "2024-07-01): checked against 2024-07-01, the closest newer version; the Deployment body "
        "(properties.template, parameters, mode) is the same in both.",
    ),
)

_POOL_CAVEAT = (
    "Preview API: no Python SDK carries Microsoft.MachineLearningServices 2025-01-01-preview (azure-ai-ml 1.35.2 "
    "vendors 2025-12-01, which has no inference pools). Checked against a vendored excerpt of the REST spec "
    "(schemas/machinelearningservices-2025-01-01-preview.swagger.json)."
)
_POOL_SCHEMA = "machinelearningservices-2025-01-01-preview.json"
_POOL_TYPES = (
    ("InferencePool", "inferencePools", ("inferencePoolName",), "inferencePoolProperties"),
    ("InferenceGroup", "inferencePools/groups", ("poolName", "groupName"), "inferenceGroupProperties"),
    ("InferenceEndpoint", "inferencePools/endpoints", ("poolName", "endpointName"), "inferenceEndpointProperties"),
)
_CDN_CAVEAT = (
    "No Python SDK carries Microsoft.Cdn 2025-06-01 (azure-mgmt-cdn 13.1.1 has 2024-02-01, 14.0.0 has "
    "2025-12-01 without ranges): checked against 2024-02-01, the closest older version, which keeps Azure's "
    "ranges (origin weight 1-1000, priority 1-5, probe interval 1-255 s). A property added after 2024-02-01 "
    "would be reported as unknown."
)
_CDN_TYPES = (
    ("Profile", "Microsoft.Cdn/profiles", ("profileName",)),
    ("AFDEndpoint", "Microsoft.Cdn/profiles/afdEndpoints", ("profileName", "endpointName")),
    ("AFDOriginGroup", "Microsoft.Cdn/profiles/originGroups", ("profileName", "originGroupName")),
    ("AFDOrigin", "Microsoft.Cdn/profiles/originGroups/origins", ("profileName", "originGroupName", "originName")),
    ("Route", "Microsoft.Cdn/profiles/afdEndpoints/routes", ("profileName", "endpointName", "routeName")),
    ("SecurityPolicy", "Microsoft.Cdn/profiles/securityPolicies", ("profileName", "securityPolicyName")),
)
_GLOBAL_ENTRY: tuple[Contract, ...] = (
    Contract(
        "azure-native:frontdoor:Policy",
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
        "2025-11-01",
        "frontdoor-2025-10-01.json",
        "WebApplicationFirewallPolicy",
        (_RG, "policyName"),
        "policyName",
        flatten_properties=True,
        provider_defaults=("location",),
        caveat="No Python SDK carries the Front Door WAF policy API 2025-11-01: checked against 2025-10-01 "
        "(azure-mgmt-frontdoor 2.0.0), the closest older version. Its TypeSpec models carry no ranges or patterns.",
    ),
    Contract(
        "azure-native:trafficmanager:Profile",
        "Microsoft.Network/trafficmanagerprofiles",
        "2022-04-01",
        "trafficmanager-2022-04-01.json",
        "Profile",
        (_RG, "profileName"),
        "profileName",
    ),
)
_REDIS = ("redisenterprise-2025-07-01.json", "2025-07-01")
_POSTGRES = ("dbforpostgresql-2025-08-01.json", "2025-08-01")
_POSTGRES_HA_CAVEAT = (
    "azure-mgmt-postgresqlflexibleservers 2.0.0 types highAvailability.mode with an enum of ZoneRedundant and "
    "SameZone only; pulumi-azure-native 3.29's enum for the same API version also has Disabled and sends it by "
    "default (dbforpostgresql.HighAvailabilityArgs), as does the .NET SDK: Disabled is accepted as well."
)
_BACKING: tuple[Contract, ...] = (
    *(
        Contract(
            f"azure-native:redisenterprise:{name}",
            f"Microsoft.Cache/redisEnterprise{arm_path}",
            _REDIS[1],
            _REDIS[0],
            root,
            (_RG, *params),
            params[-1],
            flatten_properties=True,
            provider_defaults=("location",) if name == "RedisEnterprise" else (),
        )
        for name, arm_path, root, params in (
            ("RedisEnterprise", "", "Cluster", ("clusterName",)),
            ("Database", "/databases", "Database", ("clusterName", "databaseName")),
            (
                "AccessPolicyAssignment",
                "/databases/accessPolicyAssignments",
                "AccessPolicyAssignment",
                ("clusterName", "databaseName", "accessPolicyAssignmentName"),
            ),
        )
    ),
    *(
        Contract(
            f"azure-native:dbforpostgresql:{name}",
            f"Microsoft.DBforPostgreSQL/flexibleServers{arm_path}",
            _POSTGRES[1],
            _POSTGRES[0],
            root,
            (_RG, *params),
            params[-1],
            flatten_properties=True,
            provider_defaults=("location",) if name == "Server" else (),
            enum_additions={"HighAvailabilityMode": ("Disabled",)} if name == "Server" else {},
            caveat=_POSTGRES_HA_CAVEAT if name == "Server" else "",
        )
        for name, arm_path, root, params in (
            ("Server", "", "Server", ("serverName",)),
            ("Database", "/databases", "Database", ("serverName", "databaseName")),
            ("FirewallRule", "/firewallRules", "FirewallRule", ("serverName", "firewallRuleName")),
            (
                "AdministratorsMicrosoftEntra",
                "/administrators",
                "AdministratorMicrosoftEntraAdd",
                ("serverName", "objectId"),
            ),
        )
    ),
    Contract(
        "azure-native:machinelearningservices:ManagedNetworkSettingsRule",
        "Microsoft.MachineLearningServices/workspaces/outboundRules",
        ML_VERSION,
        _ML_SCHEMA,
        "OutboundRuleBasicResource",
        (_RG, "workspaceName", "ruleName"),
        "ruleName",
    ),
    Contract(
        "azure-native:authorization:RoleDefinition",
        "Microsoft.Authorization/roleDefinitions",
        "2022-05-01-preview",
        "authorization-2022-05-01-preview.json",
        "RoleDefinition",
        ("scope", "roleDefinitionId"),
        "roleDefinitionId",
        flatten_properties=True,
    ),
)
CONTRACTS: tuple[Contract, ...] = (
    *_CORE,
    *(
        Contract(
            f"azure-native:machinelearningservices:{name}",
            f"Microsoft.MachineLearningServices/workspaces/{arm_path}",
            "2025-01-01-preview",
            _POOL_SCHEMA,
            f"{name}TrackedResource",
            (_RG, "workspaceName", *params),
            params[-1],
            input_renames={renamed: "properties"},
            caveat=_POOL_CAVEAT,
        )
        for name, arm_path, params, renamed in _POOL_TYPES
    ),
    *(
        Contract(
            f"azure-native:cdn:{name}",
            arm_type,
            "2025-06-01",
            "cdn-2024-02-01.json",
            name,
            (_RG, *params),
            params[-1],
            caveat=_CDN_CAVEAT,
        )
        for name, arm_type, params in _CDN_TYPES
    ),
    *_GLOBAL_ENTRY,
    *_BACKING,
)

BY_PULUMI_TYPE: dict[str, Contract] = {c.pulumi_type: c for c in CONTRACTS}
BY_ARM_TYPE: dict[tuple[str, str], Contract] = {
    (c.arm_type.lower(), c.provider_api_version): c for c in CONTRACTS if not c.data_plane
}

# Types that never reach Azure: components, the stack, and providers that run locally.
NON_AZURE_PREFIXES: tuple[str, ...] = ("random:", "pulumi:", "ml-inference-lb:")


def needs_contract(pulumi_type: str, custom: bool) -> bool:
    """Whether a registered resource talks to Azure and therefore must have a contract."""
    if not custom:
        return False
    return not pulumi_type.startswith(NON_AZURE_PREFIXES)
