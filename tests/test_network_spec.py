"""``network_isolation``: the modes, what each decides, and every contradiction as an error with its path."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cluster_args, tiny_deployment
from test_spec_validation import problems_of

from ml_inference_lb import build_spec

ALL_ZONES = ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net", "privatelink.blob.core.windows.net")

SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
VNET = f"{SUBSCRIPTION}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet"
SUBNET = f"{VNET}/subnets/private-endpoints"
VAULT = f"{SUBSCRIPTION}/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/kv-app"
READY_IMAGE = {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"}


def ready(name: str = "blue", **overrides: Any) -> dict[str, Any]:
    """A deployment whose environment Azure need not build (what ``private`` requires)."""
    return tiny_deployment(name, **{"traffic_percent": 100, "environment": dict(READY_IMAGE), **overrides})


def private(**network: Any) -> dict[str, Any]:
    return {"mode": "private", "private_endpoint": {"subnet_id": SUBNET}, **network}


def test_default_is_managed_and_keeps_todays_public_settings() -> None:
    spec = build_spec("demo", cluster_args())
    assert spec.network.mode == "managed"
    assert spec.workspace.isolation_mode == "AllowInternetOutbound"  # type: ignore[union-attr]
    assert spec.workspace.public_network_access == "Enabled"  # type: ignore[union-attr]
    assert spec.endpoint.public_network_access == "Enabled"


def test_isolation_mode_disabled_without_network_isolation_means_none() -> None:
    spec = build_spec("demo", cluster_args(workspace={"isolation_mode": "Disabled"}))
    assert spec.network.mode == "none"


def test_the_string_form_sets_the_mode() -> None:
    spec = build_spec("demo", cluster_args(network_isolation="none"))
    assert spec.network.mode == "none" and spec.workspace.isolation_mode == "Disabled"  # type: ignore[union-attr]


def test_private_closes_workspace_and_endpoint_and_allows_approved_outbound_only() -> None:
    spec = build_spec("demo", cluster_args(ready(), network_isolation=private()))
    ws = spec.workspace
    assert spec.network.private and spec.network.private_endpoint is not None
    assert spec.network.private_endpoint.subnet_id == SUBNET
    assert ws.isolation_mode == "AllowOnlyApprovedOutbound"  # type: ignore[union-attr]
    assert ws.public_network_access == "Disabled"  # type: ignore[union-attr]
    assert ws.container_registry_sku == "Premium"  # type: ignore[union-attr]
    assert spec.endpoint.public_network_access == "Disabled"


def test_managed_may_choose_approved_outbound() -> None:
    args = cluster_args(network_isolation="managed", workspace={"isolation_mode": "AllowOnlyApprovedOutbound"})
    assert build_spec("demo", args).workspace.isolation_mode == "AllowOnlyApprovedOutbound"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("network", "extra", "path", "fragment"),
    [
        (
            private(),
            {"workspace": {"public_network_access": "enabled"}},
            "workspace.public_network_access",
            "contradicts",
        ),
        (
            private(),
            {"endpoint": {"public_network_access": "enabled"}},
            "endpoint.public_network_access",
            "contradicts",
        ),
        (
            private(),
            {"workspace": {"isolation_mode": "AllowInternetOutbound"}},
            "workspace.isolation_mode",
            "approved outbound traffic only",
        ),
        ("managed", {"workspace": {"isolation_mode": "Disabled"}}, "workspace.isolation_mode", "contradicts"),
        ("none", {"workspace": {"isolation_mode": "AllowInternetOutbound"}}, "workspace.isolation_mode", "contradicts"),
        (private(), {"workspace": {"container_registry_sku": "Basic"}}, "workspace.container_registry_sku", "Premium"),
        ("secret", {}, "network_isolation", "must be one of"),
        ({"outbound_rules": []}, {}, "network_isolation.mode", "required"),
        ({"mode": "private"}, {}, "network_isolation.private_endpoint", "subnet_id"),
        (
            {"mode": "managed", "private_endpoint": {"subnet_id": SUBNET}},
            {},
            "network_isolation.private_endpoint",
            "only with mode 'private'",
        ),
        ({"mode": "managed", "typo": 1}, {}, "network_isolation.typo", "unknown field"),
    ],
)
def test_contradictions_are_errors_with_their_path(
    network: Any, extra: dict[str, Any], path: str, fragment: str
) -> None:
    problems = problems_of(cluster_args(ready(), network_isolation=network, **extra))
    assert fragment in problems[path], problems


def test_existing_workspace_refuses_network_isolation() -> None:
    problems = problems_of(
        cluster_args(
            existing_workspace={"name": "theirs"},
            diagnostics={"enabled": False},
            network_isolation="private",
        )
    )
    assert "its network is its owner's" in problems["network_isolation"]


def test_private_refuses_environments_azure_would_have_to_build() -> None:
    problems = problems_of(cluster_args(tiny_deployment("blue", traffic_percent=100), network_isolation=private()))
    assert "image-build compute" in problems["deployments[0].environment.conda_file"]
    assert build_spec("demo", cluster_args(ready(), network_isolation=private()))
    curated = ready(environment={"asset_id": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"})
    assert build_spec("demo", cluster_args(curated, network_isolation=private()))


def test_private_endpoint_ids_are_checked() -> None:
    problems = problems_of(
        cluster_args(
            ready(),
            network_isolation={
                "mode": "private",
                "private_endpoint": {
                    "subnet_id": VNET,
                    "virtual_network_id": SUBNET,
                    "dns_zone_ids": {"privatelink.vaultcore.azure.net": "x", ALL_ZONES[0]: "/subscriptions/s"},
                },
            },
        )
    )
    assert "subnets" in problems["network_isolation.private_endpoint.subnet_id"]
    assert "virtualNetworks" in problems["network_isolation.private_endpoint.virtual_network_id"]
    assert "not a zone" in problems["network_isolation.private_endpoint.dns_zone_ids.privatelink.vaultcore.azure.net"]
    assert "privateDnsZones" in problems[f"network_isolation.private_endpoint.dns_zone_ids.{ALL_ZONES[0]}"]


def test_outbound_rules_are_read_per_type() -> None:
    rules = [
        {"name": "kv", "type": "private_endpoint", "resource_id": VAULT, "subresource": "vault"},
        {"name": "monitor", "type": "service_tag", "service_tag": "AzureMonitor"},
        {"name": "pypi", "type": "fqdn", "destination": "*.pythonhosted.org"},
    ]
    spec = build_spec("demo", cluster_args(ready(), network_isolation=private(outbound_rules=rules)))
    kv, monitor, pypi = spec.network.outbound_rules
    assert (kv.type, kv.resource_id, kv.subresource) == ("private_endpoint", VAULT, "vault")
    assert (monitor.protocol, monitor.port_ranges) == ("TCP", "443")  # the defaults
    assert pypi.destination == "*.pythonhosted.org"


@pytest.mark.parametrize(
    ("rule", "path", "fragment"),
    [
        ({"type": "fqdn", "destination": "pypi.org"}, "network_isolation.outbound_rules[0].name", "required"),
        (
            {"name": "x y", "type": "fqdn", "destination": "pypi.org"},
            "network_isolation.outbound_rules[0].name",
            "letters",
        ),
        ({"name": "r", "destination": "pypi.org"}, "network_isolation.outbound_rules[0].type", "required"),
        ({"name": "r", "type": "fqdn"}, "network_isolation.outbound_rules[0].destination", "required"),
        (
            {"name": "r", "type": "fqdn", "destination": "https://pypi.org"},
            "network_isolation.outbound_rules[0].destination",
            "host name",
        ),
        (
            {"name": "r", "type": "private_endpoint", "subresource": "vault"},
            "network_isolation.outbound_rules[0].resource_id",
            "required",
        ),
        (
            {"name": "r", "type": "private_endpoint", "resource_id": "kv-app", "subresource": "vault"},
            "network_isolation.outbound_rules[0].resource_id",
            "ARM resource id",
        ),
        (
            {"name": "r", "type": "private_endpoint", "resource_id": VAULT},
            "network_isolation.outbound_rules[0].subresource",
            "required",
        ),
        ({"name": "r", "type": "service_tag"}, "network_isolation.outbound_rules[0].service_tag", "required"),
        (
            {"name": "r", "type": "service_tag", "service_tag": "AzureMonitor", "port_ranges": "https"},
            "network_isolation.outbound_rules[0].port_ranges",
            "ports",
        ),
        (
            {"name": "r", "type": "fqdn", "destination": "pypi.org", "service_tag": "X"},
            "network_isolation.outbound_rules[0].service_tag",
            "not a field of a 'fqdn' rule",
        ),
    ],
)
def test_invalid_rules_are_errors_with_their_path(rule: dict[str, Any], path: str, fragment: str) -> None:
    problems = problems_of(cluster_args(ready(), network_isolation=private(outbound_rules=[rule])))
    assert fragment in problems[path], problems


def test_fqdn_and_service_tag_rules_need_approved_outbound() -> None:
    rules = [
        {"name": "pypi", "type": "fqdn", "destination": "pypi.org"},
        {"name": "kv", "type": "private_endpoint", "resource_id": VAULT, "subresource": "vault"},
    ]
    problems = problems_of(cluster_args(network_isolation={"mode": "managed", "outbound_rules": rules}))
    assert "approved-outbound" in problems["network_isolation.outbound_rules[0].type"]
    assert "network_isolation.outbound_rules[1].type" not in problems  # private endpoints work with internet outbound
    none = problems_of(cluster_args(network_isolation={"mode": "none", "outbound_rules": rules[1:]}))
    assert "managed network" in none["network_isolation.outbound_rules[0]"]


def test_rule_names_are_unique() -> None:
    rule = {"name": "pypi", "type": "fqdn", "destination": "pypi.org"}
    problems = problems_of(cluster_args(ready(), network_isolation=private(outbound_rules=[rule, dict(rule)])))
    assert "another rule" in problems["network_isolation.outbound_rules[1].name"]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("10.0.0.0/8", "private range"),
        ("203.0.113.7/32", "/31 and /32"),
        ("2001:db8::1", "IPv4"),
        ("not-an-ip", "IPv4"),
    ],
)
def test_deployer_ip_ranges_are_public_ipv4_azure_storage_accepts(value: str, fragment: str) -> None:
    problems = problems_of(cluster_args(ready(), network_isolation=private(deployer_ip_ranges=[value])))
    assert fragment in problems["network_isolation.deployer_ip_ranges[0]"]


def test_deployer_ip_ranges_only_with_private() -> None:
    spec = build_spec(
        "demo", cluster_args(ready(), network_isolation=private(deployer_ip_ranges=["203.0.113.0/24", "198.51.100.7"]))
    )
    assert spec.network.deployer_ip_ranges == ("203.0.113.0/24", "198.51.100.7")
    problems = problems_of(cluster_args(network_isolation={"mode": "managed", "deployer_ip_ranges": ["203.0.113.7"]}))
    assert "only with mode 'private'" in problems["network_isolation.deployer_ip_ranges"]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        cluster_args(
            tiny_deployment("blue", traffic_percent=100),
            network_isolation={"mode": "private", "outbound_rules": [{"name": "r", "type": "fqdn"}]},
            endpoint={"public_network_access": "enabled"},
        )
    )
    assert {
        "deployments[0].environment.conda_file",
        "network_isolation.private_endpoint",
        "network_isolation.outbound_rules[0].destination",
        "endpoint.public_network_access",
    } <= set(problems)
