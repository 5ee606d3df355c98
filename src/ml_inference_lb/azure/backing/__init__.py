"""The backing services on Azure: the cache (``redis.py``), the database (``postgres.py``), the private path
to them (``network.py``), all granted to one serving identity (``principal.py``).

See ``docs/backing-services.md`` for the choices, the security model and the networking.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from ...spec import ClusterSpec, DeploymentSpec
from ...spec.connection import connection_environment
from .. import naming
from ..workspace import WorkspaceRefs
from .common import Placement
from .network import POSTGRES_SUBRESOURCE, REDIS_SUBRESOURCE, PrivateTarget, private_endpoint_rules
from .postgres import DatabaseRefs, build_database
from .principal import ServingPrincipal, endpoint_principal
from .redis import CacheRefs, build_cache

__all__ = ["BackingRefs", "ServingPrincipal", "build_backing_services", "endpoint_principal"]


@dataclass(frozen=True)
class BackingRefs:
    cache: CacheRefs | None
    database: DatabaseRefs | None
    ready: tuple[pulumi.Resource, ...]
    """Every grant and network path: deployments wait for them before their containers connect."""

    def environment(self, deployment: DeploymentSpec) -> dict[str, pulumi.Input[str]]:
        """The contract's variables for one deployment (never a password on Azure)."""
        return connection_environment(
            deployment.name,
            deployment.backing,
            self.database.endpoint if self.database else None,
            self.cache.endpoint if self.cache else None,
        )


def build_backing_services(
    spec: ClusterSpec, workspace: WorkspaceRefs, principal: ServingPrincipal, parent: pulumi.Resource
) -> BackingRefs | None:
    backing = spec.backing
    if backing is None:
        return None
    placement = Placement.of(spec, workspace)
    public = backing.connectivity == "public"
    cache = database = None
    targets: list[PrivateTarget] = []
    if backing.cache is not None:
        cache = build_cache(spec.name, backing.cache, public, placement, principal, parent)
        targets.append(
            PrivateTarget(naming.REDIS_OUTBOUND_RULE, naming.REDIS_APPROVER, cache.id, REDIS_SUBRESOURCE, cache.grants)
        )
    if backing.database is not None:
        database = build_database(spec.name, backing.database, public, placement, principal, parent)
        targets.append(
            PrivateTarget(
                naming.POSTGRES_OUTBOUND_RULE,
                naming.POSTGRES_APPROVER,
                database.id,
                POSTGRES_SUBRESOURCE,
                database.grants,
            )
        )
    ready = [*(cache.grants if cache else ()), *(database.grants if database else ())]
    if not public:
        ready += private_endpoint_rules(spec.name, workspace, targets, parent)
    return BackingRefs(cache=cache, database=database, ready=tuple(ready))
