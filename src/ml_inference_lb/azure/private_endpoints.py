"""Inbound private access for ``network_isolation: "private"``: private endpoints in the user's subnet and
the private DNS zones that make Azure's host names resolve to them.

- The workspace (group ``amlworkspace``, azure-docs ``articles/private-link/private-endpoint-overview.md``)
  with the zones ``privatelink.api.azureml.ms`` and ``privatelink.notebooks.azure.net`` (azure-ai-docs
  ``articles/machine-learning/how-to-configure-private-link.md``; ``how-to-custom-dns.md``). "Managed online
  endpoints share the workspace private endpoint" (``how-to-custom-dns.md``): an endpoint with
  ``publicNetworkAccess: Disabled`` is scored through this one.
- The workspace storage's blob service (group ``blob``, zone ``privatelink.blob.core.windows.net``): the
  machine that runs ``pulumi up`` uploads model and code files to it, and Azure ML studio reads the default
  storage from the browser ("Create a private endpoint or service endpoint for the default storage account in
  the Azure Virtual Network that the clients use", ``how-to-managed-network.md``, "Azure Machine Learning
  studio"). Azure ML's own compute reaches storage through the managed network's private endpoints instead.
- Each zone is created in the cluster's resource group and linked to the virtual network
  (``registrationEnabled: false``), unless the user gives an existing zone's id; a zone group on each
  private endpoint keeps the A records in step with the endpoint's addresses.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from ..spec import ClusterSpec
from ..spec.security_model import BLOB_ZONE, STORAGE_ZONES, WORKSPACE_ZONES, PrivateEndpointSpec
from . import naming


def build_private_endpoints(
    spec: ClusterSpec,
    pe: PrivateEndpointSpec,
    workspace: azure_native.machinelearningservices.Workspace,
    storage: azure_native.storage.StorageAccount,
    location: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[pulumi.Resource, ...]:
    """The two private endpoints, their zone groups, and the zones and links the cluster creates."""
    rg = spec.resource_group_name
    tags = dict(spec.tags)
    vnet = pe.virtual_network_id or pulumi.Output.from_input(pe.subnet_id).apply(
        lambda s: s.rstrip("/").rsplit("/subnets/", 1)[0]
    )
    zones: dict[str, pulumi.Input[str]] = {}
    created: list[pulumi.Resource] = []
    for zone in (*WORKSPACE_ZONES, *STORAGE_ZONES):
        if zone in pe.dns_zone_ids:
            zones[zone] = pe.dns_zone_ids[zone]
            continue
        private_zone = azure_native.privatedns.PrivateZone(
            naming.private_dns_zone(spec.name, zone),
            private_zone_name=zone,
            resource_group_name=rg,
            location="global",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        link = azure_native.privatedns.VirtualNetworkLink(
            naming.dns_zone_link(spec.name, zone),
            private_zone_name=private_zone.name,
            resource_group_name=rg,
            virtual_network_link_name=workspace.name.apply(lambda w: f"{w}-link"),
            virtual_network={"id": vnet},
            registration_enabled=False,
            location="global",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        zones[zone] = private_zone.id
        created += [private_zone, link]
    created += _endpoint(
        spec,
        naming.WORKSPACE_PRIVATE_ENDPOINT,
        workspace.name.apply(lambda w: f"{w}-pe"),
        workspace.id,
        "amlworkspace",
        {z: zones[z] for z in WORKSPACE_ZONES},
        pe.subnet_id,
        location,
        parent,
        after=[workspace, *created],
    )
    created += _endpoint(
        spec,
        naming.STORAGE_PRIVATE_ENDPOINT,
        storage.name.apply(lambda s: f"{s}-blob-pe"),
        storage.id,
        "blob",
        {BLOB_ZONE: zones[BLOB_ZONE]},
        pe.subnet_id,
        location,
        parent,
        after=[storage, *created],
    )
    return tuple(created)


def _endpoint(
    spec: ClusterSpec,
    role: str,
    azure_name: pulumi.Input[str],
    target_id: pulumi.Input[str],
    group: str,
    zones: dict[str, pulumi.Input[str]],
    subnet_id: pulumi.Input[str],
    location: pulumi.Input[str],
    parent: pulumi.Resource,
    after: list[pulumi.Resource],
) -> list[pulumi.Resource]:
    endpoint = azure_native.network.PrivateEndpoint(
        naming.child(spec.name, role),
        private_endpoint_name=azure_name,
        resource_group_name=spec.resource_group_name,
        location=location,
        subnet={"id": subnet_id},
        private_link_service_connections=[
            {"name": group, "private_link_service_id": target_id, "group_ids": [group]},
        ],
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=after),
    )
    group_resource = azure_native.network.PrivateDnsZoneGroup(
        naming.child(spec.name, f"{role}-{naming.DNS_ZONE_GROUP}"),
        private_endpoint_name=endpoint.name,
        resource_group_name=spec.resource_group_name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[
            {"name": zone.replace(".", "-"), "private_dns_zone_id": zone_id} for zone, zone_id in zones.items()
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return [endpoint, group_resource]
