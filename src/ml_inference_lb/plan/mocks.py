"""Pulumi mocks that answer like Azure would, offline: ARM ids, computed properties, invoke results.

Values are deterministic (derived from names), so two plans of the same program are identical.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from typing import Any

import pulumi

MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
MOCK_TENANT = "11111111-1111-1111-1111-111111111111"
MOCK_LOCATION = "westeurope"
_NS = uuid.UUID("6f1b4c1e-2a7d-4c1e-9a52-3c6a0b7e9d10")

# type token -> ARM path after /providers/, with {wireName} placeholders, and the input naming the resource.
ARM_PATHS: dict[str, tuple[str, str]] = {
    "azure-native:machinelearningservices:Workspace": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}",
        "workspaceName",
    ),
    "azure-native:machinelearningservices:OnlineEndpoint": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}",
        "endpointName",
    ),
    "azure-native:machinelearningservices:OnlineDeployment": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}/deployments/{deploymentName}",
        "deploymentName",
    ),
    "azure-native:machinelearningservices:ModelVersion": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/models/{name}/versions/{version}",
        "name",
    ),
    "azure-native:machinelearningservices:CodeVersion": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/codes/{name}/versions/{version}",
        "name",
    ),
    "azure-native:machinelearningservices:EnvironmentVersion": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/environments/{name}/versions/{version}",
        "name",
    ),
    "azure-native:machinelearningservices:InferencePool": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/inferencePools/{inferencePoolName}",
        "inferencePoolName",
    ),
    "azure-native:machinelearningservices:InferenceGroup": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/inferencePools/{poolName}/groups/{groupName}",
        "groupName",
    ),
    "azure-native:machinelearningservices:InferenceEndpoint": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/inferencePools/{poolName}/endpoints/{endpointName}",
        "endpointName",
    ),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts/{accountName}", "accountName"),
    "azure-native:storage:Blob": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}/blobs/{blobName}",
        "blobName",
    ),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults/{vaultName}", "vaultName"),
    "azure-native:operationalinsights:Workspace": (
        "Microsoft.OperationalInsights/workspaces/{workspaceName}",
        "workspaceName",
    ),
    "azure-native:applicationinsights:Component": ("Microsoft.Insights/components/{resourceName}", "resourceName"),
    "azure-native:containerregistry:Registry": (
        "Microsoft.ContainerRegistry/registries/{registryName}",
        "registryName",
    ),
    "azure-native:monitor:AutoscaleSetting": (
        "Microsoft.Insights/autoscalesettings/{autoscaleSettingName}",
        "autoscaleSettingName",
    ),
    "azure-native:resources:Deployment": ("Microsoft.Resources/deployments/{deploymentName}", "deploymentName"),
    "azure-native:machinelearningservices:ManagedNetworkSettingsRule": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/outboundRules/{ruleName}",
        "ruleName",
    ),
    "azure-native:network:PrivateEndpoint": (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}",
        "privateEndpointName",
    ),
    "azure-native:network:PrivateDnsZoneGroup": (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
        "privateDnsZoneGroupName",
    ),
    "azure-native:privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones/{privateZoneName}", "privateZoneName"),
    "azure-native:privatedns:VirtualNetworkLink": (
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
        "virtualNetworkLinkName",
    ),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
        "resourceName",
    ),
    "azure-native:cdn:Profile": ("Microsoft.Cdn/profiles/{profileName}", "profileName"),
    "azure-native:cdn:AFDEndpoint": (
        "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}",
        "endpointName",
    ),
    "azure-native:cdn:AFDOriginGroup": (
        "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}",
        "originGroupName",
    ),
    "azure-native:cdn:AFDOrigin": (
        "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}/origins/{originName}",
        "originName",
    ),
    "azure-native:cdn:Route": (
        "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}/routes/{routeName}",
        "routeName",
    ),
    "azure-native:cdn:SecurityPolicy": (
        "Microsoft.Cdn/profiles/{profileName}/securityPolicies/{securityPolicyName}",
        "securityPolicyName",
    ),
    "azure-native:frontdoor:Policy": (
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/{policyName}",
        "policyName",
    ),
    "azure-native:trafficmanager:Profile": ("Microsoft.Network/trafficmanagerprofiles/{profileName}", "profileName"),
    "azure-native:trafficmanager:Endpoint": (
        "Microsoft.Network/trafficmanagerprofiles/{profileName}/{endpointType}/{endpointName}",
        "endpointName",
    ),
    # Backing services (azure/backing/).
    "azure-native:redisenterprise:RedisEnterprise": ("Microsoft.Cache/redisEnterprise/{clusterName}", "clusterName"),
    "azure-native:redisenterprise:Database": (
        "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{databaseName}",
        "databaseName",
    ),
    "azure-native:redisenterprise:AccessPolicyAssignment": (
        "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{databaseName}/accessPolicyAssignments/{accessPolicyAssignmentName}",
        "accessPolicyAssignmentName",
    ),
    "azure-native:dbforpostgresql:Server": ("Microsoft.DBforPostgreSQL/flexibleServers/{serverName}", "serverName"),
    "azure-native:dbforpostgresql:Database": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases/{databaseName}",
        "databaseName",
    ),
    "azure-native:dbforpostgresql:FirewallRule": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/firewallRules/{firewallRuleName}",
        "firewallRuleName",
    ),
    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/administrators/{objectId}",
        "objectId",
    ),
}


# Resources whose ARM id is built specially but whose name still comes from an input.
NAME_INPUTS = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:authorization:RoleDefinition": "roleDefinitionId",
}


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _random_text(seed: str, length: int, alphabet: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha256(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def arm_id(type_token: str, name: str, inputs: dict[str, Any]) -> str:
    rg = inputs.get("resourceGroupName", "mock-rg")
    if type_token == "azure-native:monitor:DiagnosticSetting":
        return f"{inputs.get('resourceUri', '')}/providers/Microsoft.Insights/diagnosticSettings/{inputs.get('name', name)}"
    if type_token == "azure-native:resources:ResourceGroup":
        return f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName', name)}"
    if type_token == "azure-native:authorization:RoleDefinition":
        return f"{inputs.get('scope', '')}/providers/Microsoft.Authorization/roleDefinitions/{inputs.get('roleDefinitionId', name)}"
    if type_token == "azure-native:authorization:RoleAssignment":
        return f"{inputs.get('scope', '')}/providers/Microsoft.Authorization/roleAssignments/{stable_uuid(name)}"
    path = ARM_PATHS.get(type_token)
    if path is None:
        return f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{rg}/providers/Mock/{name}"
    template, name_key = path
    values = {k: str(v) for k, v in inputs.items() if isinstance(v, (str, int))}
    values.setdefault(name_key, name)
    values.setdefault("endpointType", "externalEndpoints")
    try:
        tail = template.format(**values)
    except KeyError:
        tail = template.replace("{", "").replace("}", "")
    return f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{rg}/providers/{tail}"


class AzureMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes the way Azure and pulumi-random would."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        token = args.typ
        if not args.custom:
            return None, {}
        if token.startswith("random:"):
            return self._random(token, args.name, inputs)
        path = ARM_PATHS.get(token)
        state: dict[str, Any] = dict(inputs)
        name_key = path[1] if path else NAME_INPUTS.get(token, "")
        resource_name = str(inputs.get(name_key, args.name))
        state.setdefault("name", resource_name)
        state.setdefault("location", MOCK_LOCATION)
        state["azureApiVersion"] = "mock"
        resource_id = arm_id(token, args.name, inputs)
        state["id"] = resource_id
        self._computed(token, resource_name, state)
        return resource_id, state

    @staticmethod
    def _random(token: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        state = dict(inputs)
        if token == "random:index/randomString:RandomString":
            alphabet = string.ascii_lowercase if inputs.get("upper") is False else string.ascii_letters
            if inputs.get("numeric", True):
                alphabet += string.digits
            state["result"] = _random_text(name, int(inputs.get("length", 8)), alphabet)
        elif token == "random:index/randomUuid:RandomUuid":
            state["result"] = stable_uuid(name)
        elif token == "random:index/randomPassword:RandomPassword":
            state["result"] = _random_text(name, int(inputs.get("length", 16)), string.ascii_letters + string.digits)
        elif token == "random:index/randomInteger:RandomInteger":
            state["result"] = int(inputs.get("min", 0))
        return f"{name}-id", state

    @staticmethod
    def _computed(token: str, name: str, state: dict[str, Any]) -> None:
        identity = state.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # Azure answers with a map of the identities (pulumi-azure-native's outputs are typed so).
            identity = state["identity"] = {
                **identity,
                "userAssignedIdentities": {
                    str(i): {"principalId": stable_uuid("principal", str(i)), "clientId": stable_uuid("client", str(i))}
                    for i in identity["userAssignedIdentities"]
                },
            }
        if isinstance(identity, dict) and "SystemAssigned" in str(identity.get("type", "")):
            state["identity"] = {**identity, "principalId": stable_uuid("principal", name), "tenantId": MOCK_TENANT}
        if token == "azure-native:machinelearningservices:Workspace":
            state["workspaceId"] = stable_uuid("workspace", name)
        elif token == "azure-native:machinelearningservices:OnlineEndpoint":
            location = state.get("location", MOCK_LOCATION)
            properties = dict(state.get("properties") or {})
            properties["scoringUri"] = f"https://{name}.{location}.inference.ml.azure.com/score"
            properties["swaggerUri"] = f"https://{name}.{location}.inference.ml.azure.com/swagger.json"
            properties["provisioningState"] = "Succeeded"
            state["properties"] = properties
        elif token == "azure-native:machinelearningservices:InferenceEndpoint":
            # The preview API documents no URI format; this one only marks where the real value goes.
            properties = dict(state.get("inferenceEndpointProperties") or {})
            properties["endpointUri"] = (
                f"https://{name}.{state.get('location', MOCK_LOCATION)}.inference.ml.azure.com/score"
            )
            state["inferenceEndpointProperties"] = properties
        elif token == "azure-native:managedidentity:UserAssignedIdentity":
            state["principalId"] = stable_uuid("principal", name)
            state["clientId"] = stable_uuid("client", name)
            state["tenantId"] = MOCK_TENANT
        elif token == "pulumi-python:dynamic/ml-inference-lb:ManagedNetworkProvisioning":
            state["status"], state["sparkReady"] = "Active", False
        elif token == "azure-native:redisenterprise:RedisEnterprise":
            state["hostName"] = f"{name}.{state.get('location', MOCK_LOCATION)}.redis.azure.net"
        elif token == "azure-native:dbforpostgresql:Server":
            state["fullyQualifiedDomainName"] = f"{name}.postgres.database.azure.com"
        elif token == "azure-native:cdn:AFDEndpoint":
            state["hostName"] = (
                f"{name}-{_random_text(name, 12, string.ascii_lowercase + string.digits)}.z01.azurefd.net"
            )
        elif token == "azure-native:trafficmanager:Profile":
            dns = state.get("dnsConfig") or {}
            relative = dns.get("relativeName", name) if isinstance(dns, dict) else name
            state["dnsConfig"] = {**(dns if isinstance(dns, dict) else {}), "fqdn": f"{relative}.trafficmanager.net"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        token = args.token
        inputs = dict(args.args)
        if token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": stable_uuid("client"),
                "objectId": stable_uuid("object"),
                "subscriptionId": MOCK_SUBSCRIPTION,
                "tenantId": MOCK_TENANT,
            }, []
        if token == "azure-native:machinelearningservices:listOnlineEndpointKeys":
            endpoint = str(inputs.get("endpointName", "endpoint"))
            return {
                "primaryKey": "mock-primary-" + _random_text(endpoint + "1", 24, string.ascii_letters),
                "secondaryKey": "mock-secondary-" + _random_text(endpoint + "2", 24, string.ascii_letters),
            }, []
        if token == "azure-native:redisenterprise:getRedisEnterprise":
            cluster = str(inputs.get("clusterName", "cache"))
            return {
                "id": arm_id("azure-native:redisenterprise:RedisEnterprise", cluster, inputs),
                "name": cluster,
                "location": MOCK_LOCATION,
                "hostName": f"{cluster}.{MOCK_LOCATION}.redis.azure.net",
            }, []
        if token == "azure-native:dbforpostgresql:getServer":
            server = str(inputs.get("serverName", "server"))
            return {
                "id": arm_id("azure-native:dbforpostgresql:Server", server, inputs),
                "name": server,
                "location": MOCK_LOCATION,
                "fullyQualifiedDomainName": f"{server}.postgres.database.azure.com",
            }, []
        if token == "azure-native:managedidentity:getUserAssignedIdentity":
            identity = str(inputs.get("resourceName", "identity"))
            rg = str(inputs.get("resourceGroupName", "mock-rg"))
            return {
                "id": f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{rg}/providers/"
                f"Microsoft.ManagedIdentity/userAssignedIdentities/{identity}",
                "name": identity,
                "location": MOCK_LOCATION,
                "principalId": stable_uuid("principal", identity),
                "clientId": stable_uuid("client", identity),
                "tenantId": MOCK_TENANT,
            }, []
        if token == "azure-native:machinelearningservices:getWorkspace":
            rg = str(inputs.get("resourceGroupName", "mock-rg"))
            ws = str(inputs.get("workspaceName", "workspace"))
            storage = _random_text(ws, 10, string.ascii_lowercase)
            return {
                "id": arm_id("azure-native:machinelearningservices:Workspace", ws, inputs),
                "name": ws,
                "location": MOCK_LOCATION,
                "workspaceId": stable_uuid("workspace", ws),
                "identity": {
                    "type": "SystemAssigned",
                    "principalId": stable_uuid("principal", ws),
                    "tenantId": MOCK_TENANT,
                },
                "storageAccount": f"/subscriptions/{MOCK_SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{storage}",
                "properties": {},
            }, []
        return {}, []
