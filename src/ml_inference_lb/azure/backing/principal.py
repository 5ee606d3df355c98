"""The identity the deployments run as: every data-plane grant of the backing services is about it.

It is the endpoint's managed identity, system- or user-assigned (``endpoint.identity``): its object id is
``EndpointRefs.principal_id`` either way. The grants in ``redis.py`` and ``postgres.py`` read nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from ..endpoint import EndpointRefs


@dataclass(frozen=True)
class ServingPrincipal:
    object_id: pulumi.Input[str]
    """Object id of the identity's service principal in Microsoft Entra ID (``principalId``)."""
    role_name: pulumi.Input[str]
    """Its PostgreSQL role name: ``PGUSER``."""
    key: str
    """A short letters-and-digits key naming its grants in Azure (access policy assignment names)."""
    description: str


def endpoint_principal(cluster: str, endpoint: EndpointRefs) -> ServingPrincipal:
    """The endpoint's identity. Its PostgreSQL role is named after the endpoint (``PGUSER``)."""
    return ServingPrincipal(
        object_id=endpoint.principal_id,
        role_name=endpoint.name,
        key=compact(f"{cluster}endpoint", 60),
        description=f"ml-inference-lb: endpoint of cluster {cluster}",
    )


def compact(text: str, limit: int) -> str:
    """Letters and digits only, at most ``limit`` characters (Azure names of access policy assignments)."""
    return re.sub(r"[^A-Za-z0-9]", "", text)[:limit] or "principal"
