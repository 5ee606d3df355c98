"""Public arguments for network isolation, the endpoint's identity and Key Vault secret references.

Part of :class:`~ml_inference_lb.args.InferenceClusterArgs` (``network_isolation``, ``secrets``,
``endpoint.identity``, ``deployments[i].secret_environment_variables``). Every field says its default and
what Azure does with it; ``docs/network-isolation.md`` and ``docs/security.md`` give the sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypedDict

import pulumi
from typing_extensions import NotRequired

NetworkIsolationMode = Literal["none", "managed", "private"]
"""``"none"``: no managed network, everything reachable from public networks. ``"managed"`` (the default for a
new workspace): the deployments' outbound traffic leaves through the workspace's managed virtual network
(internet outbound allowed); the workspace, its storage, key vault, registry and the scoring URI stay public.
``"private"``: approved outbound only, no public inbound to the workspace or the endpoint, the workspace's
storage, key vault and registry closed to public networks, and private endpoints in your virtual network."""

IdentityType = Literal["system_assigned", "user_assigned"]


class OutboundRuleArgs(TypedDict, total=False):
    """A user-defined outbound rule of the workspace's managed virtual network (``workspaces/outboundRules``).

    ``type`` decides which other fields apply. Azure ML adds the rules it needs itself (private endpoints to the
    workspace's storage, key vault and registry, and the service tags it requires); these are the ones you add.
    """

    name: str
    """Required. The rule's name in the workspace (letters, digits, ``-`` and ``_``); unique per cluster."""
    type: Literal["private_endpoint", "service_tag", "fqdn"]
    """Required. ``"private_endpoint"``: Azure ML creates a private endpoint from the managed network to
    ``resource_id`` (any isolation mode with a managed network). ``"service_tag"`` and ``"fqdn"`` open outbound
    traffic to an Azure service tag or a host name; Azure allows them only with approved-outbound isolation
    (``"private"``, or ``workspace.isolation_mode: "AllowOnlyApprovedOutbound"``). FQDN rules run on an Azure
    Firewall that Azure ML creates and **bills** (Standard SKU), and allow ports 80 and 443 only."""
    resource_id: pulumi.Input[str]
    """``private_endpoint``: ARM id of the target (storage account, key vault, registry, database, ...) in the
    workspace's tenant. The library grants the workspace's identity the *Azure AI Enterprise Network Connection
    Approver* role on it, which Azure has required since 2025-04-30 to approve the endpoint."""
    subresource: str
    """``private_endpoint``: the private-link sub-resource, e.g. ``"blob"``, ``"vault"``, ``"registry"``,
    ``"amlworkspace"``, ``"sqlServer"``. Required with ``private_endpoint``."""
    service_tag: str
    """``service_tag``: the Azure service tag, e.g. ``"AzureMonitor"`` or ``"DataFactory"``. Required."""
    protocol: Literal["TCP", "UDP", "ICMP", "*"]
    """``service_tag``: the protocol. Default ``"TCP"``."""
    port_ranges: str
    """``service_tag``: ports, e.g. ``"443"`` or ``"80, 8080-8089"``. Default ``"443"``."""
    destination: str
    """``fqdn``: the host name, e.g. ``"pypi.org"`` or ``"*.pythonhosted.org"``. Required."""


class PrivateEndpointArgs(TypedDict, total=False):
    """Inbound private access (``network_isolation: "private"``): private endpoints in a subnet of your
    virtual network for the workspace (which also carries every online endpoint's scoring traffic) and for the
    workspace storage's blob service (model and code uploads from the machine that runs ``pulumi up``)."""

    subnet_id: pulumi.Input[str]
    """Required. ARM id of an existing subnet (``.../virtualNetworks/<vnet>/subnets/<subnet>``) in the cluster's
    region. The private endpoints take their addresses from it."""
    virtual_network_id: pulumi.Input[str]
    """The virtual network the new private DNS zones are linked to. Default: the subnet's virtual network."""
    dns_zone_ids: Mapping[str, pulumi.Input[str]]
    """Existing private DNS zones, by zone name (``"privatelink.api.azureml.ms"``,
    ``"privatelink.notebooks.azure.net"``, ``"privatelink.blob.core.windows.net"``), e.g. central zones of a
    hub network. Zones not given are created in the cluster's resource group and linked to the virtual network.
    A zone name exists once per resource group: a second private cluster in the same group must pass the first
    one's zones here."""


class NetworkIsolationArgs(TypedDict, total=False):
    """The cluster's network isolation in one place: the workspace's managed network, its outbound rules,
    inbound private endpoints, and the public access of the workspace, its dependencies and the endpoint."""

    mode: NetworkIsolationMode
    """Required. See :data:`NetworkIsolationMode`."""
    outbound_rules: Sequence[OutboundRuleArgs]
    """Your outbound rules, created before the managed network is provisioned (a change provisions it again).
    Default: none."""
    private_endpoint: PrivateEndpointArgs
    """Required with ``"private"``; not allowed otherwise."""
    deployer_ip_ranges: Sequence[str]
    """``"private"`` only: public IPv4 addresses or CIDR ranges (``"203.0.113.7"``, ``"203.0.113.0/24"``) let
    through the workspace storage's firewall, for a machine outside the virtual network that runs
    ``pulumi up`` and uploads model and code files. Default: none (storage public access disabled; uploads then
    need a machine that reaches the storage private endpoint). Leave it out when every model and code is an
    ``asset_id``."""


class EndpointIdentityArgs(TypedDict, total=False):
    """The endpoint's managed identity: the identity its containers run as and Azure pulls images and reads
    models with. Azure cannot change it once the endpoint exists."""

    type: IdentityType
    """``"system_assigned"`` (default): Azure creates it with the endpoint and assigns it AcrPull, Storage Blob
    Data Reader and AzureML Metrics Writer itself. ``"user_assigned"``: an identity that outlives the endpoint;
    Azure assigns it nothing, so the library grants those three roles and orders every deployment after them."""
    user_assigned_identity_id: pulumi.Input[str]
    """``"user_assigned"`` only: ARM id of an existing identity (``.../Microsoft.ManagedIdentity/
    userAssignedIdentities/<name>``). Default: the library creates one (``<endpoint>-identity``). The identity
    running ``pulumi up`` needs Managed Identity Operator on it to attach it to the endpoint."""


class SecretReferenceArgs(TypedDict):
    """A secret in Azure Key Vault that deployments receive as an environment variable by reference
    (Azure ML secret injection, PREVIEW): the deployment stores ``${{keyvault:https://<vault>.vault.azure.net/
    secrets/<name>/<version>}}``, and Azure resolves it with the endpoint's identity when a container starts.
    The secret's value never passes through Pulumi, its state or the deployment's definition."""

    key_vault_id: pulumi.Input[str]
    """ARM id of the vault (``.../Microsoft.KeyVault/vaults/<name>``). It must use the Azure RBAC permission
    model (``enableRbacAuthorization``): Azure ML requires it for secret injection."""
    secret_name: str
    """The secret's name in the vault (1-127 letters, digits and ``-``)."""
    version: pulumi.Input[str]
    """The secret version (32 hexadecimal characters): Azure's reference syntax names a version, so a new value
    of the secret reaches the deployments with a new ``version`` and a ``pulumi up``. From a
    ``keyvault.Secret`` of the same program: ``secret.properties.apply(lambda p: p.secret_uri_with_version.
    rsplit("/", 1)[-1])``."""
    grant: NotRequired[Literal["secret", "none"]]
    """``"secret"`` (default): the library gives the endpoint identity *Key Vault Secrets User* on this secret
    only, and creates deployments after it (Azure fails a deployment whose identity cannot read a referenced
    secret). ``"none"``: you grant it yourself (e.g. on the whole vault)."""
