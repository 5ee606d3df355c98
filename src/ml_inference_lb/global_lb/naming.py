"""Logical names of the global service's own children: part of the public contract.

Pulumi identifies a resource by its type and logical name; renaming one here replaces it on every
upgrading user's next ``pulumi up``. Change a name only with a ``pulumi.Alias`` from the old one.
Each region's cluster is named ``<service>-<location>`` (see :func:`region_cluster`).
"""

from __future__ import annotations


def child(service: str, role: str) -> str:
    return f"{service}-{role}"


def region_cluster(service: str, location: str) -> str:
    return f"{service}-{location}"


def origin(location: str) -> str:
    return f"origin-{location}"


# Front Door (the Azure names of the origin group, route and security policy are these too).
FD_PROFILE = "afd"
FD_ENDPOINT = "afd-endpoint"
FD_ORIGIN_GROUP = "regions"
FD_ROUTE = "scoring"
FD_SECURITY_POLICY = "waf"
WAF_POLICY = "waf-policy"
FD_DIAGNOSTICS = "afd-diagnostics"

# Traffic Manager.
TM_PROFILE = "tm"
TM_DNS_SUFFIX = "tm-dns-suffix"
TM_DIAGNOSTICS = "tm-diagnostics"
