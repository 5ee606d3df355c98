"""Provisioning a new workspace's managed network before any online deployment is created.

Azure ML creates online deployments in a workspace with a managed network only once that network is
provisioned; before, it refuses them with ``WorkspaceManagedNetworkNotReady`` (azure-ai-docs
``articles/machine-learning/how-to-troubleshoot-online-endpoints.md``; ``how-to-managed-network.md``,
"To create an online deployment, you must manually provision the managed network"). The workspace PUT
does not wait for it: provisioning "is deferred until a compute resource is created or provisioning is
manually started" (``how-to-managed-network.md``), and ``provisionNetworkNow`` only "trigger[s] the
provisioning" (REST 2025-12-01 ``Workspace.properties.provisionNetworkNow``); Microsoft's reference
Bicep, which even sets ``managedNetwork.status.status: Active``, still runs ``az ml workspace
provision-network`` after deploying because the workspace "tends to delay deploying its managed network"
(Azure-Samples/openai-end-to-end-baseline README). The operation that provisions and reports when it is
done is ``POST .../workspaces/{name}/provisionManagedNetwork`` (a long-running operation whose final
state is ``{"status": "Active"}``; REST spec ``examples/ManagedNetwork/provision.json``).

pulumi-azure-native 3.29 has no resource or invoke for that POST, and an ARM template cannot call a
POST action. So :class:`ManagedNetworkProvisioning` is a Pulumi dynamic resource: its ``create`` sends
the POST with Azure's own client libraries (``azure-mgmt-core``'s ARM pipeline and ``ARMPolling`` for
the long-running operation, ``azure-identity`` for the token) and returns once Azure reports the
network ``Active``; every online deployment depends on it. It is create-only: the network lives as long
as the workspace (a new workspace replaces it), and deleting it deletes nothing in Azure.

Credentials (docs/permissions.md): the dynamic provider runs in the Pulumi program's process, not in
the azure-native provider, so it cannot reuse the provider's login. It reads the same environment
variables pulumi-azure-native documents for a service principal (``ARM_CLIENT_ID``,
``ARM_CLIENT_SECRET``, ``ARM_TENANT_ID``) or a managed identity (``ARM_USE_MSI=true``, optional
``ARM_CLIENT_ID``), and otherwise falls back to ``azure-identity``'s ``DefaultAzureCredential``
(``AZURE_*`` variables, workload identity, managed identity, Azure CLI login). It talks to the public
cloud's ARM endpoint (``https://management.azure.com``) unless ``MLILB_ARM_ENDPOINT`` names another.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi.dynamic

API_VERSION = "2025-12-01"
"""The Microsoft.MachineLearningServices API version of the POST (the one the workspace uses)."""
ARM_ENDPOINT = "https://management.azure.com"
ACTIVE = "Active"
POLL_INTERVAL_S = 30
TIMEOUT_S = 2 * 60 * 60
"""Azure documents about 30 minutes (plus 10 for the first FQDN rule); pulumi-azure-native's own default
operation timeout is two hours (``azureContext``)."""
TYPE_NAME = "ManagedNetworkProvisioning"
TYPE_MODULE = "ml-inference-lb"
PULUMI_TYPE = f"pulumi-python:dynamic/{TYPE_MODULE}:{TYPE_NAME}"
"""The type token Pulumi registers the resource under (checked by the contract tests)."""


class ManagedNetworkNotProvisionedError(RuntimeError):
    """Azure finished the provisioning operation without reporting the network ``Active``."""


def credential_from_environment() -> Any:
    """The identity that runs ``pulumi up``: pulumi-azure-native's ``ARM_*`` variables first, then
    ``DefaultAzureCredential``. Never logs or stores a secret."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential

    client_id = os.environ.get("ARM_CLIENT_ID")
    secret = os.environ.get("ARM_CLIENT_SECRET")
    tenant = os.environ.get("ARM_TENANT_ID")
    if client_id and secret and tenant:
        return ClientSecretCredential(tenant_id=tenant, client_id=client_id, client_secret=secret)
    if os.environ.get("ARM_USE_MSI", "").lower() == "true":
        return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()
    return DefaultAzureCredential()


def provision(
    workspace_id: str,
    *,
    include_spark: bool = False,
    credential: Any = None,
    endpoint: str | None = None,
    transport: Any = None,
    poll_interval_s: float = POLL_INTERVAL_S,
    timeout_s: float = TIMEOUT_S,
) -> dict[str, Any]:
    """POST ``provisionManagedNetwork`` on the workspace and wait for the long-running operation.

    Returns Azure's final ``ManagedNetworkProvisionStatus`` (``{"status": "Active", "sparkReady": ...}``).
    Raises ``azure.core.exceptions.HttpResponseError`` (with ARM's error code and message) when Azure
    refuses, and :class:`ManagedNetworkNotProvisionedError` when the operation ends in another status.
    """
    from azure.core.exceptions import HttpResponseError
    from azure.core.pipeline import policies
    from azure.core.polling import LROPoller
    from azure.core.rest import HttpRequest
    from azure.mgmt.core import ARMPipelineClient
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
    from azure.mgmt.core.polling.arm_polling import ARMPolling

    base = (endpoint or os.environ.get("MLILB_ARM_ENDPOINT") or ARM_ENDPOINT).rstrip("/")
    credential = credential if credential is not None else credential_from_environment()
    client: ARMPipelineClient[Any, Any] = ARMPipelineClient(
        base_url=base,
        policies=[
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker="ml-inference-lb"),
            policies.RetryPolicy(),
            ARMChallengeAuthenticationPolicy(credential, f"{base}/.default"),
        ],
        per_call_policies=[],
        transport=transport,
    )
    request = HttpRequest(
        "POST",
        f"{base}{workspace_id}/provisionManagedNetwork",
        params={"api-version": API_VERSION},
        json={"includeSpark": include_spark},  # Azure answers "Request body could not be read" without a body
    )
    initial = client._pipeline.run(request)
    if initial.http_response.status_code not in (200, 202):
        raise HttpResponseError(response=initial.http_response)

    def final_body(pipeline_response: Any) -> dict[str, Any]:
        text = pipeline_response.http_response.text()
        return dict(pipeline_response.http_response.json()) if text else {}

    poller: LROPoller[dict[str, Any]] = LROPoller(
        client,
        initial,
        final_body,
        ARMPolling(poll_interval_s, lro_options={"final-state-via": "location"}),
    )
    result = poller.result(timeout=timeout_s)
    status = (result or {}).get("status")
    if status != ACTIVE:
        raise ManagedNetworkNotProvisionedError(
            f"provisionManagedNetwork on {workspace_id} ended with status {status!r}, not {ACTIVE!r}"
        )
    return dict(result)


class _Provider(pulumi.dynamic.ResourceProvider):
    """Create: provision and wait. Nothing to update (the inputs name the workspace, which replaces); delete:
    nothing in Azure (the managed network goes with its workspace)."""

    REPLACE_ON = ("workspaceId", "includeSpark", "outboundRules")

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        status = provision(str(props["workspaceId"]), include_spark=bool(props.get("includeSpark", False)))
        outs = {**props, "status": status.get("status"), "sparkReady": bool(status.get("sparkReady", False))}
        return pulumi.dynamic.CreateResult(id_=f"{props['workspaceId']}/managedNetwork", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        changed = [k for k in self.REPLACE_ON if (olds.get(k) or None) != (news.get(k) or None)]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=changed, delete_before_replace=False, stables=["workspaceId"]
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class ManagedNetworkProvisioning(pulumi.dynamic.Resource, module=TYPE_MODULE, name=TYPE_NAME):
    """The provisioned managed network of a new workspace: depend on it before creating online deployments."""

    status: pulumi.Output[str]
    """``Active`` once Azure has provisioned the network."""

    def __init__(
        self,
        name: str,
        workspace_id: pulumi.Input[str],
        include_spark: bool = False,
        outbound_rules: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"workspaceId": workspace_id, "includeSpark": include_spark}
        if outbound_rules:
            props["outboundRules"] = sorted(outbound_rules)
        super().__init__(_Provider(), name, {**props, "status": None, "sparkReady": None}, opts)
