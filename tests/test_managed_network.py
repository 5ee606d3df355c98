"""Managed network provisioning: the POST and its long-running operation, against a fake ARM transport;
and the deployments' dependency on it, under Pulumi's mocks."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest._requests_basic import RestRequestsTransportResponse
from conftest import cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb.azure import managed_network
from ml_inference_lb.azure.managed_network import ManagedNetworkNotProvisionedError, provision

WORKSPACE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
OPERATION = "https://management.azure.com/subscriptions/s/providers/Microsoft.MachineLearningServices/operations/op1"


class FakeCredential:
    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        assert scopes == ("https://management.azure.com/.default",)
        return AccessToken("fake-token", 4_000_000_000)


class FakeArm(RequestsTransport):
    """Answers each request with the next canned (status, headers, body); records what it was sent."""

    def __init__(self, answers: list[tuple[int, dict[str, str], Any]]) -> None:
        super().__init__()
        self.answers = answers
        self.sent: list[Any] = []

    def send(self, request: Any, **_: Any) -> Any:  # type: ignore[override]
        self.sent.append(request)
        status, headers, body = self.answers.pop(0)
        raw = requests.Response()
        raw.status_code = status
        raw.headers.update({"Content-Type": "application/json", **headers})
        raw._content = json.dumps(body).encode() if body is not None else b""
        raw.url = request.url
        response = RestRequestsTransportResponse(request=request, internal_response=raw)
        response._content = raw._content  # what the real transport does once it has read the body
        return response


def _provision(arm: FakeArm) -> dict[str, Any]:
    return provision(WORKSPACE_ID, credential=FakeCredential(), transport=arm, poll_interval_s=0)


def test_provision_posts_and_waits_until_the_network_is_active() -> None:
    arm = FakeArm(
        [
            (202, {"Location": OPERATION, "Retry-After": "0"}, None),
            (202, {"Location": OPERATION, "Retry-After": "0"}, None),
            (200, {}, {"status": "Active", "sparkReady": False}),
        ]
    )
    assert _provision(arm) == {"status": "Active", "sparkReady": False}
    post = arm.sent[0]
    assert post.method == "POST"
    assert post.url.startswith(f"https://management.azure.com{WORKSPACE_ID}/provisionManagedNetwork?")
    assert "api-version=2025-12-01" in post.url
    assert json.loads(post.content) == {"includeSpark": False}
    assert post.headers["Authorization"] == "Bearer fake-token"
    assert [r.method for r in arm.sent[1:]] == ["GET", "GET"]  # it polled until Azure said done
    assert all(r.url == OPERATION for r in arm.sent[1:])


def test_a_refusal_surfaces_azures_error() -> None:
    error = {"error": {"code": "AuthorizationFailed", "message": "no provisionManagedNetwork/action"}}
    with pytest.raises(HttpResponseError, match="AuthorizationFailed"):
        _provision(FakeArm([(403, {}, error)]))


def test_an_operation_that_ends_without_an_active_network_fails() -> None:
    arm = FakeArm([(202, {"Location": OPERATION, "Retry-After": "0"}, None), (200, {}, {"status": "Inactive"})])
    with pytest.raises(ManagedNetworkNotProvisionedError, match="Inactive"):
        _provision(arm)


def test_credentials_come_from_pulumi_azure_natives_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential

    for key in ("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_USE_MSI"):
        monkeypatch.delenv(key, raising=False)
    assert isinstance(managed_network.credential_from_environment(), DefaultAzureCredential)
    monkeypatch.setenv("ARM_USE_MSI", "true")
    assert isinstance(managed_network.credential_from_environment(), ManagedIdentityCredential)
    monkeypatch.setenv("ARM_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
    monkeypatch.setenv("ARM_CLIENT_SECRET", "not-a-real-secret")
    monkeypatch.setenv("ARM_TENANT_ID", "00000000-0000-0000-0000-000000000002")
    assert isinstance(managed_network.credential_from_environment(), ClientSecretCredential)


# --- under Pulumi's mocks

PROVISIONING = managed_network.PULUMI_TYPE
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"


def _of(result: Any, type_token: str) -> list[Any]:
    return [r for r in result.resources if r.type == type_token]


def test_deployments_wait_for_the_new_workspaces_managed_network() -> None:
    result = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100)))
    (provisioning,) = _of(result, PROVISIONING)
    (workspace,) = _of(result, "azure-native:machinelearningservices:Workspace")
    assert workspace.urn in provisioning.dependencies
    assert provisioning.inputs["workspaceId"].endswith("/workspaces/" + workspace.inputs["workspaceName"])
    assert provisioning.inputs["includeSpark"] is False
    assert provisioning.inputs["__provider"] == "[secret]"  # the serialized provider never shows
    for deployment in _of(result, DEPLOYMENT):
        assert provisioning.urn in deployment.dependencies


def test_no_provisioning_without_a_managed_network_or_for_an_existing_workspace() -> None:
    disabled = plan_cluster(
        cluster_args(tiny_deployment("blue", traffic_percent=100), workspace={"isolation_mode": "Disabled"})
    )
    assert _of(disabled, PROVISIONING) == []
    existing = plan_cluster(
        cluster_args(
            tiny_deployment("blue", traffic_percent=100),
            existing_workspace={"name": "shared-ws"},
            diagnostics={"enabled": False},
        )
    )
    assert _of(existing, PROVISIONING) == []
