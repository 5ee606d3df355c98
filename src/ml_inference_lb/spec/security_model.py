"""The validated spec of network isolation, the endpoint identity, storage auth and secret references.

Built by :mod:`.network` and :mod:`.security`; read by the Azure target. Values that name existing Azure
resources (subnet, zone, identity, vault ids) stay ``pulumi.Input[str]`` (``Any`` here), as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

NetworkMode = Literal["none", "managed", "private"]
RuleType = Literal["private_endpoint", "service_tag", "fqdn"]

API_ZONE = "privatelink.api.azureml.ms"
NOTEBOOKS_ZONE = "privatelink.notebooks.azure.net"
BLOB_ZONE = "privatelink.blob.core.windows.net"
WORKSPACE_ZONES = (API_ZONE, NOTEBOOKS_ZONE)
"""The private DNS zones of a workspace private endpoint (group ``amlworkspace``) in Azure's public cloud
(azure-ai-docs ``articles/machine-learning/how-to-custom-dns.md``; ``how-to-configure-private-link.md``)."""
STORAGE_ZONES = (BLOB_ZONE,)
"""The zone of a storage private endpoint for the ``blob`` sub-resource (azure-docs
``articles/private-link/private-endpoint-dns.md``)."""
ALL_ZONES = (*WORKSPACE_ZONES, *STORAGE_ZONES)


@dataclass(frozen=True)
class OutboundRuleSpec:
    name: str
    type: RuleType
    resource_id: Any = None
    """``private_endpoint``: ``pulumi.Input[str]``."""
    subresource: str | None = None
    service_tag: str | None = None
    protocol: str | None = None
    port_ranges: str | None = None
    destination: str | None = None


@dataclass(frozen=True)
class PrivateEndpointSpec:
    subnet_id: Any
    virtual_network_id: Any
    """Given, or None: derived from ``subnet_id`` by the Azure target (which may be an Output)."""
    dns_zone_ids: Mapping[str, Any] = field(default_factory=dict)
    """Existing zones by zone name; the zones of :data:`ALL_ZONES` not in it are created."""


@dataclass(frozen=True)
class NetworkSpec:
    mode: NetworkMode
    outbound_rules: tuple[OutboundRuleSpec, ...] = ()
    private_endpoint: PrivateEndpointSpec | None = None
    """Set exactly when ``mode`` is ``"private"``."""
    deployer_ip_ranges: tuple[str, ...] = ()

    @property
    def private(self) -> bool:
        return self.mode == "private"


NO_ISOLATION = NetworkSpec(mode="none")


@dataclass(frozen=True)
class EndpointIdentitySpec:
    type: Literal["SystemAssigned", "UserAssigned"]
    user_assigned_identity_id: Any = None
    """``UserAssigned``: the existing identity's ARM id, or None (the Azure target creates one)."""

    @property
    def created_by_library(self) -> bool:
        return self.type == "UserAssigned" and self.user_assigned_identity_id is None


SYSTEM_ASSIGNED = EndpointIdentitySpec(type="SystemAssigned")


@dataclass(frozen=True)
class SecretReferenceSpec:
    key: str
    """The user's name for it (a key of ``secrets``); names its grant's logical name."""
    key_vault_id: Any
    secret_name: str
    version: Any
    grant: bool


@dataclass(frozen=True)
class StorageAccessSpec:
    """How the workspace and its callers authenticate to the workspace's storage account."""

    datastore_auth: Literal["AccessKey", "Identity"] = "AccessKey"
    """The workspace's ``systemDatastoresAuthMode``."""
    shared_key_access: bool = True
    """The storage account's ``allowSharedKeyAccess``."""


AZURE_DEFAULT_STORAGE = StorageAccessSpec()
"""Azure's defaults: the account key for the datastores, shared-key access allowed."""
