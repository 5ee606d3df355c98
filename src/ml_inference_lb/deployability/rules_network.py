"""Rules about networks: the managed network, public access, and how callers reach the endpoint."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..plan.engine import RegisteredResource
from .graph import (
    AFD_ORIGIN,
    DEPLOYMENT,
    PRIVATE_ENDPOINT,
    REGISTRY,
    TM_ENDPOINT,
    WORKSPACE,
    PlanGraph,
)
from .model import Hit, Measurements, Rule

ISOLATED_MODES = {"allowinternetoutbound", "allowonlyapprovedoutbound"}


def _isolation_mode(workspace_inputs: Mapping[str, Any]) -> str:
    network = workspace_inputs.get("managedNetwork")
    mode = network.get("isolationMode") if isinstance(network, Mapping) else None
    return str(mode or "Disabled")


def _provisioning_steps(graph: PlanGraph, workspace: RegisteredResource) -> list[RegisteredResource]:
    """Resources that provision the workspace's managed network: a type named for it (the library's dynamic
    ``ManagedNetworkProvisioning``, or a provider resource of that name) that reads the workspace."""
    workspace_id = graph.arm_id(workspace).lower()
    return [
        r
        for r in graph.resources
        if "managednetworkprovision" in r.type.lower().replace("_", "")
        and (graph.depends_on(r, workspace) or workspace_id in str(r.inputs).lower())
    ]


def managed_network_not_provisioned(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    for workspace in graph.of_type(WORKSPACE):
        mode = _isolation_mode(workspace.inputs)
        if mode.lower() not in ISOLATED_MODES:
            continue
        steps = _provisioning_steps(graph, workspace)
        for deployment in graph.of_type(DEPLOYMENT):
            if graph.workspace_of(deployment) is not workspace:
                continue
            if workspace.inputs.get("provisionNetworkNow") is True and graph.depends_on(deployment, workspace):
                continue
            if any(graph.depends_on(deployment, step) for step in steps):
                continue
            yield Hit(
                deployment.name,
                deployment.type,
                f"is created in workspace '{workspace.inputs.get('workspaceName')}' whose managed network "
                f"({mode}) nothing provisions first: Azure refuses it with WorkspaceManagedNetworkNotReady",
            )


def approved_outbound_without_premium_registry(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    registries = {graph.arm_id(r).lower(): r for r in graph.of_type(REGISTRY)}
    for workspace in graph.of_type(WORKSPACE):
        if _isolation_mode(workspace.inputs).lower() != "allowonlyapprovedoutbound":
            continue
        registry = registries.get(str(workspace.inputs.get("containerRegistry", "")).lower())
        sku = (registry.inputs.get("sku") or {}).get("name") if registry is not None else None
        if registry is not None and str(sku).lower() != "premium":
            yield Hit(
                workspace.name,
                workspace.type,
                f"allows only approved outbound, but its container registry '{registry.name}' is {sku}: the "
                "managed network reaches the registry through a private endpoint, which needs Premium",
            )


def unreachable_behind_global_load_balancer(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    targets = {
        str(r.inputs.get(key, "")).lower(): r
        for token, key in ((AFD_ORIGIN, "hostName"), (TM_ENDPOINT, "target"))
        for r in graph.of_type(token)
    }
    for endpoint in graph.endpoints:
        if str(graph.live_put(endpoint).properties.get("publicNetworkAccess", "Enabled")).lower() != "disabled":
            continue
        front = targets.get(graph.scoring_host(endpoint).lower())
        if front is not None:
            yield Hit(
                endpoint.name,
                endpoint.type,
                f"has public network access disabled, yet '{front.name}' ({front.type.split(':')[-1]}) sends "
                "callers to its public scoring host: every request through it is refused",
            )


def private_endpoint_without_caller_path(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    linked = set()
    for pe in graph.of_type(PRIVATE_ENDPOINT):
        for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for connection in pe.inputs.get(key) or []:
                if isinstance(connection, Mapping):
                    linked.add(str(connection.get("privateLinkServiceId", "")).lower())
    for endpoint in graph.endpoints:
        if str(graph.live_put(endpoint).properties.get("publicNetworkAccess", "Enabled")).lower() != "disabled":
            continue
        workspace = graph.workspace_of(endpoint)
        if workspace is None:  # an existing workspace may have its private endpoint already
            continue
        if graph.arm_id(workspace).lower() not in linked:
            yield Hit(
                endpoint.name,
                endpoint.type,
                f"has public network access disabled, and workspace '{workspace.inputs.get('workspaceName')}' "
                "(created here) gets no private endpoint: no caller can reach the scoring URI",
            )


RULES = (
    Rule(
        id="MLI001",
        name="managed-network-not-provisioned",
        statement="A workspace with a managed network must have it provisioned before online deployments are created in it.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-troubleshoot-online-endpoints.md "
            '("ERROR: WorkspaceManagedNetworkNotReady"); how-to-managed-network.md ("To create an online '
            'deployment, you must manually provision the managed network"; provision_network_now)'
        ),
        severity="error",
        fix="Provision the network in a step every OnlineDeployment depends on (a resource calling "
        "provisionManagedNetwork, such as the library's ManagedNetworkProvisioning), or set provisionNetworkNow: "
        "true on the new Workspace and make every deployment depend on it.",
        check=managed_network_not_provisioned,
    ),
    Rule(
        id="MLI009",
        name="private-endpoint-behind-global-load-balancer",
        statement="An endpoint behind Front Door or Traffic Manager must accept public traffic on its scoring host.",
        source=(
            "MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-secure-online-endpoint.md (inbound "
            "scoring with public_network_access disabled goes through the workspace private endpoint only); "
            "Front Door origins and Traffic Manager endpoints here are the public scoring host"
        ),
        severity="error",
        fix="Keep the region's endpoint public_network_access enabled (restrict callers with auth and WAF), or "
        "leave the region out of the global load balancer.",
        check=unreachable_behind_global_load_balancer,
    ),
    Rule(
        id="MLI014",
        name="approved-outbound-without-premium-registry",
        statement="A workspace that allows only approved outbound traffic needs a Premium container registry.",
        source=(
            'MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-managed-network.md ("List of required '
            'rules": with allow-only-approved-outbound, private endpoints to the container registry are created '
            'regardless of its public access); how-to-secure-workspace-vnet.md ("Your Azure Container Registry '
            'must be Premium version")'
        ),
        severity="error",
        fix='Give the workspace a Premium registry (workspace.container_registry_sku: "Premium").',
        check=approved_outbound_without_premium_registry,
    ),
    Rule(
        id="MLI015",
        name="private-endpoint-without-caller-path",
        statement="An endpoint with public network access disabled needs a private endpoint to its workspace for callers.",
        source=(
            'MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-secure-online-endpoint.md ("Incoming '
            'scoring requests from clients are received through the workspace private endpoint")'
        ),
        severity="warning",
        fix="Add a network.PrivateEndpoint (group id amlworkspace) to the workspace in the callers' virtual "
        "network, or waive this rule if the private endpoint is managed elsewhere.",
        check=private_endpoint_without_caller_path,
    ),
)
