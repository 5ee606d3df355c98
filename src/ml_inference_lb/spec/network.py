"""``network_isolation`` → :class:`NetworkSpec`, and the workspace and endpoint settings it decides.

One argument sets every network setting consistently; the older fine-grained fields
(``workspace.isolation_mode``, ``workspace.public_network_access``, ``endpoint.public_network_access``)
stay accepted, but a value that contradicts the mode is an error with both paths. Sources for every rule
are in ``docs/network-isolation.md``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from .problems import Problems, join
from .security_model import (
    ALL_ZONES,
    NO_ISOLATION,
    NetworkMode,
    NetworkSpec,
    OutboundRuleSpec,
    PrivateEndpointSpec,
)

MODES = ("none", "managed", "private")
NETWORK_FIELDS = ("mode", "outbound_rules", "private_endpoint", "deployer_ip_ranges")
RULE_FIELDS = (
    "name",
    "type",
    "resource_id",
    "subresource",
    "service_tag",
    "protocol",
    "port_ranges",
    "destination",
)
PRIVATE_ENDPOINT_FIELDS = ("subnet_id", "virtual_network_id", "dns_zone_ids")
RULE_TYPES = ("private_endpoint", "service_tag", "fqdn")
PROTOCOLS = ("TCP", "UDP", "ICMP", "*")
RULE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PORT_RANGES_RE = re.compile(r"^\s*(\*|\d{1,5}(-\d{1,5})?)(\s*,\s*\d{1,5}(-\d{1,5})?)*\s*$")
FQDN_RE = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
SUBRESOURCE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SUBNET_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$",
    re.IGNORECASE,
)
VNET_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$", re.IGNORECASE
)
ZONE_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/privateDnsZones/[^/]+$", re.IGNORECASE
)
ARM_ID_RE = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+/.+$", re.IGNORECASE)
APPROVED_ONLY = "AllowOnlyApprovedOutbound"
RFC1918 = tuple(ipaddress.IPv4Network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
"""Ranges Azure Storage refuses in IP rules ("IP address ranges reserved for private networks (as defined in
RFC 1918) aren't allowed", azure-docs ``articles/storage/common/storage-network-security.md``)."""
ISOLATION_OF = {"none": "Disabled", "managed": "AllowInternetOutbound", "private": APPROVED_ONLY}


def read_mode(problems: Problems, raw_value: Any, workspace_raw: Mapping[str, Any], existing: bool) -> NetworkMode:
    """The mode given, or the one today's fine-grained fields imply (``isolation_mode: Disabled`` → ``none``)."""
    raw = raw_value.get("mode") if isinstance(raw_value, Mapping) else raw_value
    path = "network_isolation.mode" if isinstance(raw_value, Mapping) else "network_isolation"
    if raw_value is None:
        if existing:
            return "none"
        return "none" if workspace_raw.get("isolation_mode") == "Disabled" else "managed"
    if isinstance(raw_value, Mapping) and raw is None:
        problems.add(path, "required: 'none', 'managed' or 'private'")
        return "managed"
    mode = problems.choice(path, raw, MODES, "managed")
    return mode  # type: ignore[return-value]


def build_network(
    problems: Problems, raw_value: Any, mode: NetworkMode, *, existing: bool, isolation_mode: str
) -> NetworkSpec:
    """Everything ``network_isolation`` says besides the mode; ``isolation_mode`` is the workspace's final one."""
    if raw_value is None:
        return NetworkSpec(mode=mode) if mode != "none" else NO_ISOLATION
    if existing:
        problems.add(
            "network_isolation",
            "configures the new workspace the library creates; with existing_workspace its network is its "
            "owner's: remove network_isolation (endpoint.public_network_access still applies)",
        )
        return NO_ISOLATION
    if not isinstance(raw_value, Mapping):
        return NetworkSpec(mode=mode)
    problems.unknown_keys("network_isolation", raw_value, NETWORK_FIELDS)
    rules = tuple(
        problems.each(
            "network_isolation.outbound_rules",
            raw_value.get("outbound_rules"),
            lambda path, raw: _rule(problems, path, raw, mode, isolation_mode),
        )
    )
    _unique_rule_names(problems, rules)
    private_endpoint = None
    if "private_endpoint" in raw_value and mode != "private":
        problems.add(
            "network_isolation.private_endpoint",
            f"only with mode 'private' (the workspace stays public with {mode!r}); remove it or set mode to 'private'",
        )
    elif mode == "private":
        if raw_value.get("private_endpoint") is None:
            problems.add(
                "network_isolation.private_endpoint",
                "required with mode 'private': {'subnet_id': <ARM id of a subnet in your virtual network>}; "
                "without it nothing could reach the workspace or the endpoint",
            )
        else:
            private_endpoint = _private_endpoint(problems, raw_value["private_endpoint"])
    ranges = _ip_ranges(problems, raw_value.get("deployer_ip_ranges"), mode)
    return NetworkSpec(mode=mode, outbound_rules=rules, private_endpoint=private_endpoint, deployer_ip_ranges=ranges)


def _rule(problems: Problems, path: str, raw_value: Any, mode: NetworkMode, isolation_mode: str) -> OutboundRuleSpec:
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, RULE_FIELDS)
    name = problems.string(join(path, "name"), raw.get("name"))
    if name is None:
        problems.add(join(path, "name"), "required: the rule's name in the workspace")
        name = "rule"
    elif not RULE_NAME_RE.match(name):
        problems.add(join(path, "name"), f"{name!r}: letters, digits, '-' and '_', starting with a letter or digit")
    kind = problems.choice(join(path, "type"), raw.get("type"), RULE_TYPES, "private_endpoint")
    if raw.get("type") is None:
        problems.add(join(path, "type"), "required: 'private_endpoint', 'service_tag' or 'fqdn'")
    if mode == "none":
        problems.add(path, "outbound rules belong to the workspace's managed network; mode 'none' has none")
    elif kind != "private_endpoint" and isolation_mode != APPROVED_ONLY:
        problems.add(
            join(path, "type"),
            f"{kind!r} rules exist only with approved-outbound isolation (mode 'private', or "
            "workspace.isolation_mode 'AllowOnlyApprovedOutbound'); with internet outbound the traffic is "
            "already allowed",
        )
    allowed = {
        "private_endpoint": {"resource_id", "subresource"},
        "service_tag": {"service_tag", "protocol", "port_ranges"},
        "fqdn": {"destination"},
    }[kind]
    for key in ("resource_id", "subresource", "service_tag", "protocol", "port_ranges", "destination"):
        if key in raw and key not in allowed:
            problems.add(join(path, key), f"not a field of a {kind!r} rule (fields: {', '.join(sorted(allowed))})")
    if kind == "private_endpoint":
        return _private_endpoint_rule(problems, path, raw, name)
    if kind == "service_tag":
        tag = problems.string(join(path, "service_tag"), raw.get("service_tag"))
        if not tag:
            problems.add(join(path, "service_tag"), "required: an Azure service tag, e.g. 'AzureMonitor'")
        ports = problems.string(join(path, "port_ranges"), raw.get("port_ranges"), "443") or "443"
        if not PORT_RANGES_RE.match(ports):
            problems.add(
                join(path, "port_ranges"), f"{ports!r}: ports or ranges separated by commas, e.g. '80, 8080-8089'"
            )
        protocol = problems.choice(join(path, "protocol"), raw.get("protocol"), PROTOCOLS, "TCP")
        return OutboundRuleSpec(name=name, type="service_tag", service_tag=tag, protocol=protocol, port_ranges=ports)
    destination = problems.string(join(path, "destination"), raw.get("destination"))
    if destination is None:
        problems.add(join(path, "destination"), "required: a host name, e.g. 'pypi.org'")
    elif not FQDN_RE.match(destination):
        problems.add(join(path, "destination"), f"{destination!r} is not a host name (a leading '*.' is allowed)")
    return OutboundRuleSpec(name=name, type="fqdn", destination=destination)


def _private_endpoint_rule(problems: Problems, path: str, raw: Mapping[str, Any], name: str) -> OutboundRuleSpec:
    target = raw.get("resource_id")
    if target is None:
        problems.add(join(path, "resource_id"), "required: the ARM id of the resource to reach privately")
    elif isinstance(target, str) and not ARM_ID_RE.match(target):
        problems.add(
            join(path, "resource_id"), f"{target!r} is not an ARM resource id (/subscriptions/.../providers/...)"
        )
    elif not isinstance(target, str) and not is_output(target):
        problems.add(join(path, "resource_id"), f"must be a string or a pulumi.Output, got {type(target).__name__}")
    sub = problems.string(join(path, "subresource"), raw.get("subresource"))
    if sub is None:
        problems.add(join(path, "subresource"), "required: the private-link sub-resource, e.g. 'blob' or 'vault'")
    elif not SUBRESOURCE_RE.match(sub):
        problems.add(join(path, "subresource"), f"{sub!r} is not a private-link sub-resource name")
    return OutboundRuleSpec(name=name, type="private_endpoint", resource_id=target, subresource=sub)


def _unique_rule_names(problems: Problems, rules: tuple[OutboundRuleSpec, ...]) -> None:
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.name.lower() in seen:
            problems.add(f"network_isolation.outbound_rules[{i}].name", f"{rule.name!r} is used by another rule")
        seen.add(rule.name.lower())


def _private_endpoint(problems: Problems, raw_value: Any) -> PrivateEndpointSpec:
    path = "network_isolation.private_endpoint"
    raw = problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, PRIVATE_ENDPOINT_FIELDS)
    subnet = raw.get("subnet_id")
    if subnet is None:
        problems.add(join(path, "subnet_id"), "required: the ARM id of a subnet in your virtual network")
    _check_id(problems, join(path, "subnet_id"), subnet, SUBNET_ID_RE, ".../virtualNetworks/<vnet>/subnets/<subnet>")
    vnet = raw.get("virtual_network_id")
    _check_id(problems, join(path, "virtual_network_id"), vnet, VNET_ID_RE, ".../virtualNetworks/<vnet>")
    zones = problems.mapping(join(path, "dns_zone_ids"), raw.get("dns_zone_ids"))
    for zone, zone_id in zones.items():
        if zone not in ALL_ZONES:
            problems.add(
                join(join(path, "dns_zone_ids"), str(zone)),
                f"not a zone the private endpoints use; the zones are {', '.join(ALL_ZONES)}",
            )
            continue
        _check_id(
            problems, join(join(path, "dns_zone_ids"), str(zone)), zone_id, ZONE_ID_RE, ".../privateDnsZones/<zone>"
        )
    return PrivateEndpointSpec(subnet_id=subnet, virtual_network_id=vnet, dns_zone_ids=dict(zones))


def _check_id(problems: Problems, path: str, value: Any, pattern: re.Pattern[str], form: str) -> None:
    if value is None or is_output(value):
        return
    if not isinstance(value, str):
        problems.add(path, f"must be a string or a pulumi.Output, got {type(value).__name__}")
    elif not pattern.match(value):
        problems.add(
            path,
            f"{value!r} is not of the form /subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network{form.lstrip('.')}",
        )


def _ip_ranges(problems: Problems, raw_value: Any, mode: NetworkMode) -> tuple[str, ...]:
    path = "network_isolation.deployer_ip_ranges"
    if raw_value is None:
        return ()
    if mode != "private":
        problems.add(path, f"only with mode 'private' (with {mode!r} the storage account is public anyway)")
    ranges: list[str] = []
    for i, value in enumerate(problems.each(path, raw_value, lambda _p, v: v)):
        where = f"{path}[{i}]"
        try:
            network = ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
        except ValueError:
            network = None
        if network is None:
            problems.add(where, f"{value!r} is not an IPv4 address or CIDR range (Azure Storage takes IPv4 only)")
        elif "/" in value and network.prefixlen >= 31:
            problems.add(where, f"{value!r}: Azure Storage refuses /31 and /32 ranges; write the single address(es)")
        elif any(network.subnet_of(block) for block in RFC1918):
            problems.add(
                where,
                f"{value!r} is a private range: storage IP rules apply to public addresses only; a machine in the "
                "virtual network reaches the storage through its private endpoint",
            )
        else:
            ranges.append(value)
    return tuple(ranges)


def is_output(value: Any) -> bool:
    """Whether ``value`` is a ``pulumi.Output`` (a value only Pulumi resolves; validation leaves it alone)."""
    return type(value).__name__ == "Output" and hasattr(value, "apply")
