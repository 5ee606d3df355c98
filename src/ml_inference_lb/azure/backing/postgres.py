"""The database: Azure Database for PostgreSQL flexible server (``Microsoft.DBforPostgreSQL``, API 2025-08-01),
new or existing, and the serving identity's Microsoft Entra access to it.

A new server has Microsoft Entra authentication on and password authentication **off**
(``authConfig``), so no administrator password exists. The serving identity gets in through
``flexibleServers/administrators`` (``AdministratorsMicrosoftEntra``): Azure Resource Manager has no
grant smaller than "administrator" (azure-databases-docs ``articles/postgresql/security/security-manage-entra-users.md``:
administrators are created through the portal or ARM; other Microsoft Entra roles only with SQL,
``pgaadauth_create_principal``). An administrator is a member of ``azure_pg_admin`` with CREATEROLE and
CREATEDB. ``access="manual"`` skips that grant; a server administrator then creates a least-privileged
role (``docs/backing-services.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ...spec import DatabaseSpec, ExistingDatabaseServerSpec, NewDatabaseServerSpec
from ...spec.connection import AZURE_POSTGRES_PORT, AZURE_POSTGRES_SSLMODE, PostgresEndpoint
from .. import naming
from .common import ArmId, Placement, generated_name
from .principal import ServingPrincipal

# A firewall rule from 0.0.0.0 to 0.0.0.0 admits connections from any Azure service, other customers' included
# (azure-databases-docs articles/postgresql/network/how-to-networking-servers-deployed-public-access-add-firewall-rules.md).
ALLOW_AZURE_SERVICES = "0.0.0.0"


@dataclass(frozen=True)
class DatabaseRefs:
    id: pulumi.Output[str]
    host_name: pulumi.Output[str]
    grants: tuple[pulumi.Resource, ...]
    """What a deployment must wait for before its containers connect (databases, grants, firewall)."""
    endpoint: PostgresEndpoint[pulumi.Input[str]]


def build_database(
    cluster: str,
    database: DatabaseSpec,
    public: bool,
    placement: Placement,
    principal: ServingPrincipal,
    parent: pulumi.Resource,
) -> DatabaseRefs:
    opts = pulumi.ResourceOptions(parent=parent)
    client = azure_native.authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    ready: list[pulumi.Resource] = []
    group: pulumi.Input[str]
    if isinstance(database.server, ExistingDatabaseServerSpec):
        existing = ArmId.parse(database.server.id)
        found = azure_native.dbforpostgresql.get_server_output(
            server_name=existing.name,
            resource_group_name=existing.resource_group_name,
            opts=pulumi.InvokeOutputOptions(parent=parent),
        )
        server_id, server_name, group = existing.id, existing.name, existing.resource_group_name
        host: pulumi.Output[str] = found.fully_qualified_domain_name
    else:
        server = _new_server(cluster, database.server, public, placement, client.tenant_id, opts)
        server_id, server_name, group = server.id, server.name, placement.resource_group_name
        host = server.fully_qualified_domain_name
        for db in database.databases:
            ready.append(
                azure_native.dbforpostgresql.Database(
                    naming.postgres_database(cluster, db.name),
                    server_name=server_name,
                    resource_group_name=group,
                    database_name=db.name,
                    charset="UTF8",
                    collation="en_US.utf8",
                    opts=_after(parent, ready),
                )
            )
        if public:
            ready.append(
                azure_native.dbforpostgresql.FirewallRule(
                    naming.child(cluster, naming.POSTGRES_AZURE_SERVICES),
                    server_name=server_name,
                    resource_group_name=group,
                    firewall_rule_name="AllowAllAzureServicesAndResourcesWithinAzureIps",
                    start_ip_address=ALLOW_AZURE_SERVICES,
                    end_ip_address=ALLOW_AZURE_SERVICES,
                    opts=_after(parent, ready),
                )
            )
        if database.administrator is not None:
            admin = database.administrator
            ready.append(
                _administrator(
                    naming.child(cluster, naming.POSTGRES_ADMINISTRATOR),
                    server_name,
                    group,
                    admin.object_id,
                    admin.principal_name,
                    admin.principal_type,
                    client.tenant_id,
                    _after(parent, ready),
                )
            )
    if database.access == "administrator":
        ready.append(
            _administrator(
                naming.child(cluster, naming.POSTGRES_ENTRA_ADMIN),
                server_name,
                group,
                principal.object_id,
                principal.role_name,
                "ServicePrincipal",
                client.tenant_id,
                _after(parent, ready),
            )
        )
    return DatabaseRefs(
        id=pulumi.Output.from_input(server_id),
        host_name=host,
        grants=tuple(ready),
        endpoint=PostgresEndpoint(
            host=host, port=AZURE_POSTGRES_PORT, user=principal.role_name, sslmode=AZURE_POSTGRES_SSLMODE
        ),
    )


def _after(parent: pulumi.Resource, previous: list[pulumi.Resource]) -> pulumi.ResourceOptions:
    """One change at a time on a server: each child waits for the one before it. Concurrent child
    operations fail with ``ServerBusy`` ("Server ... is busy with another operation",
    Azure/bicep-registry-modules#4451); terraform-provider-azurerm serialises them with a lock (#18159)."""
    return pulumi.ResourceOptions(parent=parent, depends_on=previous[-1:])


def _new_server(
    cluster: str,
    server: NewDatabaseServerSpec,
    public: bool,
    placement: Placement,
    tenant_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> azure_native.dbforpostgresql.Server:
    parent = opts.parent
    assert parent is not None
    high_availability: dict[str, str] = {"mode": server.high_availability}
    if server.standby_zone is not None:
        high_availability["standby_availability_zone"] = server.standby_zone
    extra: dict[str, str] = {}
    if server.zone is not None:
        extra["availability_zone"] = server.zone
    return azure_native.dbforpostgresql.Server(
        naming.child(cluster, naming.POSTGRES),
        server_name=generated_name(
            server.name, server.name_prefix, naming.child(cluster, naming.POSTGRES_SUFFIX), parent, lowercase=True
        ),
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        version=server.version,
        sku={"name": server.sku, "tier": server.tier},
        storage={"storage_size_gb": server.storage_size_gb, "auto_grow": "Enabled"},
        auth_config={"active_directory_auth": "Enabled", "password_auth": "Disabled", "tenant_id": tenant_id},
        network={"public_network_access": "Enabled" if public else "Disabled"},
        high_availability=high_availability,
        tags=placement.tags,
        opts=opts,
        **extra,
    )


def _administrator(
    logical_name: str,
    server_name: pulumi.Input[str],
    group: pulumi.Input[str],
    object_id: pulumi.Input[str],
    principal_name: pulumi.Input[str],
    principal_type: str,
    tenant_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> azure_native.dbforpostgresql.AdministratorsMicrosoftEntra:
    return azure_native.dbforpostgresql.AdministratorsMicrosoftEntra(
        logical_name,
        server_name=server_name,
        resource_group_name=group,
        object_id=object_id,
        principal_name=principal_name,
        principal_type=principal_type,
        tenant_id=tenant_id,
        opts=opts,
    )
