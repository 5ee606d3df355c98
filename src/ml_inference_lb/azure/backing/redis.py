"""The cache: Azure Managed Redis (``Microsoft.Cache/redisEnterprise``, API 2025-07-01), new or existing,
and the serving identity's Microsoft Entra access to its database.

Why Azure Managed Redis: Azure retires Azure Cache for Redis (Basic, Standard, Premium on 2028-09-30;
Enterprise on 2027-03-31) and names Azure Managed Redis as its successor (azure-docs
``articles/azure-cache-for-redis/retirement-faq.yml``).

Access: the database's access keys are disabled (``accessKeysAuthentication: Disabled``) and the identity
gets an *access policy assignment* of the ``default`` policy, the only one the API offers ("Only
"default" policy is supported for now", API 2025-07-01). With it the identity connects with a Microsoft
Entra token as password and its object id as user name (azure-docs ``articles/redis/entra-for-authentication.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from ...spec import CacheSpec, ExistingCacheSpec, NewCacheSpec
from ...spec.connection import AZURE_REDIS_PORT, RedisEndpoint
from .. import naming
from .common import ArmId, Placement, generated_name
from .principal import ServingPrincipal

ACCESS_POLICY = "default"


@dataclass(frozen=True)
class CacheRefs:
    id: pulumi.Output[str]
    host_name: pulumi.Output[str]
    grants: tuple[pulumi.Resource, ...]
    """What a deployment must wait for before its containers connect."""
    endpoint: RedisEndpoint[pulumi.Input[str]]


def build_cache(
    cluster: str,
    cache: CacheSpec,
    public: bool,
    placement: Placement,
    principal: ServingPrincipal,
    parent: pulumi.Resource,
) -> CacheRefs:
    opts = pulumi.ResourceOptions(parent=parent)
    group: pulumi.Input[str]
    if isinstance(cache.service, ExistingCacheSpec):
        existing = ArmId.parse(cache.service.id)
        found = azure_native.redisenterprise.get_redis_enterprise_output(
            cluster_name=existing.name,
            resource_group_name=existing.resource_group_name,
            opts=pulumi.InvokeOutputOptions(parent=parent),
        )
        cluster_id, cluster_name, group = existing.id, existing.name, existing.resource_group_name
        host: pulumi.Output[str] = found.host_name
        database_resources: list[pulumi.Resource] = []
    else:
        created, database = _new_cluster(cluster, cache, cache.service, public, placement, opts)
        cluster_id, cluster_name, group, host = (
            created.id,
            created.name,
            placement.resource_group_name,
            created.host_name,
        )
        database_resources = [database]
    access = azure_native.redisenterprise.AccessPolicyAssignment(
        naming.child(cluster, naming.REDIS_ACCESS),
        cluster_name=cluster_name,
        database_name=cache.database_name,
        resource_group_name=group,
        access_policy_assignment_name=principal.key,
        access_policy_name=ACCESS_POLICY,
        user={"object_id": principal.object_id},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=database_resources),
    )
    return CacheRefs(
        id=pulumi.Output.from_input(cluster_id),
        host_name=host,
        grants=(access,),
        endpoint=RedisEndpoint(
            host=host, port=AZURE_REDIS_PORT, ssl=True, cluster=cache.cluster_mode, username=principal.object_id
        ),
    )


def _new_cluster(
    cluster: str,
    cache: CacheSpec,
    service: NewCacheSpec,
    public: bool,
    placement: Placement,
    opts: pulumi.ResourceOptions,
) -> tuple[azure_native.redisenterprise.RedisEnterprise, azure_native.redisenterprise.Database]:
    parent = opts.parent
    assert parent is not None
    created = azure_native.redisenterprise.RedisEnterprise(
        naming.child(cluster, naming.REDIS),
        cluster_name=generated_name(
            service.name, service.name_prefix, naming.child(cluster, naming.REDIS_SUFFIX), parent, lowercase=False
        ),
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        sku={"name": service.sku},
        high_availability="Enabled" if service.high_availability else "Disabled",
        minimum_tls_version="1.2",
        public_network_access="Enabled" if public else "Disabled",
        tags=placement.tags,
        opts=opts,
    )
    database = azure_native.redisenterprise.Database(
        naming.child(cluster, naming.REDIS_DATABASE),
        cluster_name=created.name,
        resource_group_name=placement.resource_group_name,
        database_name=cache.database_name,
        client_protocol="Encrypted",
        port=AZURE_REDIS_PORT,
        clustering_policy=cache.clustering_policy,
        eviction_policy=service.eviction_policy,
        access_keys_authentication="Disabled",
        opts=opts,
    )
    return created, database
