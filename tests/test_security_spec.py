"""The endpoint identity, storage authentication, Application Insights local auth and Key Vault secret
references in the spec: defaults, what each option decides, and every misuse as an error with its path."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import cluster_args, tiny_deployment
from test_network_spec import VAULT
from test_spec_validation import problems_of

from ml_inference_lb import build_spec

IDENTITY = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ids/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/scoring"
)
VERSION = "0123456789abcdef0123456789abcdef"


def secret(**overrides: Any) -> dict[str, Any]:
    return {"key_vault_id": VAULT, "secret_name": "upstream-api-key", "version": VERSION, **overrides}


def with_secret(**deployment: Any) -> dict[str, Any]:
    blue = tiny_deployment("blue", traffic_percent=100, secret_environment_variables={"API_KEY": "api"}, **deployment)
    return cluster_args(blue, secrets={"api": secret()})


def test_identity_defaults_to_system_assigned() -> None:
    assert build_spec("demo", cluster_args()).endpoint.identity.type == "SystemAssigned"


def test_user_assigned_identity_created_or_existing() -> None:
    created = build_spec("demo", cluster_args(endpoint={"identity": "user_assigned"})).endpoint.identity
    assert (created.type, created.user_assigned_identity_id, created.created_by_library) == ("UserAssigned", None, True)
    given = {"type": "user_assigned", "user_assigned_identity_id": IDENTITY}
    existing = build_spec("demo", cluster_args(endpoint={"identity": given})).endpoint.identity
    assert existing.user_assigned_identity_id == IDENTITY and not existing.created_by_library


@pytest.mark.parametrize(
    ("identity", "path", "fragment"),
    [
        ("managed", "endpoint.identity.type", "must be one of"),
        (
            {"type": "user_assigned", "user_assigned_identity_id": "scoring"},
            "endpoint.identity.user_assigned_identity_id",
            "ARM id",
        ),
        (
            {"type": "system_assigned", "user_assigned_identity_id": IDENTITY},
            "endpoint.identity.user_assigned_identity_id",
            "only with",
        ),
        ({"type": "user_assigned", "client_id": "x"}, "endpoint.identity.client_id", "unknown field"),
    ],
)
def test_identity_mistakes_are_errors_with_their_path(identity: Any, path: str, fragment: str) -> None:
    assert fragment in problems_of(cluster_args(endpoint={"identity": identity}))[path]


def test_an_output_identity_id_is_taken_as_given() -> None:
    def program() -> None:
        output = pulumi.Output.from_input(IDENTITY)
        spec = build_spec(
            "demo", cluster_args(endpoint={"identity": {"type": "user_assigned", "user_assigned_identity_id": output}})
        )
        assert spec.endpoint.identity.user_assigned_identity_id is output

    from ml_inference_lb.plan import run

    run(program)


def test_storage_access_defaults_to_azures() -> None:
    storage = build_spec("demo", cluster_args()).workspace.storage  # type: ignore[union-attr]
    assert (storage.datastore_auth, storage.shared_key_access) == ("AccessKey", True)


def test_shared_key_access_off_needs_identity_datastores_and_no_uploads() -> None:
    problems = problems_of(cluster_args(workspace={"storage_shared_key_access": "disabled"}))
    assert "datastore_auth 'identity'" in problems["workspace.storage_shared_key_access"]
    assert "account key" in problems["deployments[0].model.path"]
    assert "account key" in problems["deployments[0].code.path"]
    registered = tiny_deployment(
        "blue",
        traffic_percent=100,
        model={"asset_id": "azureml://registries/azureml/models/iris/versions/1"},
        code={"asset_id": "azureml://registries/azureml/codes/iris-src/versions/1", "scoring_script": "score.py"},
    )
    spec = build_spec(
        "demo",
        cluster_args(registered, workspace={"datastore_auth": "identity", "storage_shared_key_access": "disabled"}),
    )
    assert spec.workspace.storage.shared_key_access is False  # type: ignore[union-attr]


def test_app_insights_local_auth_follows_the_deployments() -> None:
    assert build_spec("demo", cluster_args()).workspace.app_insights_local_auth is True  # type: ignore[union-attr]
    quiet = cluster_args(tiny_deployment("blue", traffic_percent=100, app_insights_enabled=False))
    assert build_spec("demo", quiet).workspace.app_insights_local_auth is False  # type: ignore[union-attr]
    explicit = {**quiet, "workspace": {"app_insights_local_auth": "enabled"}}
    assert build_spec("demo", explicit).workspace.app_insights_local_auth is True  # type: ignore[union-attr]


def test_app_insights_local_auth_off_with_a_logging_deployment_is_an_error() -> None:
    problems = problems_of(cluster_args(workspace={"app_insights_local_auth": "disabled"}))
    assert "instrumentation key" in problems["deployments[0].app_insights_enabled"]
    assert problems["deployments[0].app_insights_enabled"].startswith("True by default")


def test_secret_references_are_read_and_attached() -> None:
    spec = build_spec("demo", with_secret())
    assert spec.secrets[0].secret_name == "upstream-api-key" and spec.secrets[0].grant
    assert spec.deployments[0].secret_environment == (("API_KEY", "api"),)
    assert "API_KEY" not in spec.deployments[0].env  # never a plain environment variable


@pytest.mark.parametrize(
    ("entry", "path", "fragment"),
    [
        (secret(key_vault_id="kv-app"), "secrets.api.key_vault_id", "key vault's ARM id"),
        (secret(secret_name="no_underscores"), "secrets.api.secret_name", "1-127"),
        (secret(version="latest"), "secrets.api.version", "32 hexadecimal"),
        ({"key_vault_id": VAULT, "secret_name": "s"}, "secrets.api.version", "names a version"),
        (secret(grant="vault"), "secrets.api.grant", "must be one of"),
        (secret(value="hunter2"), "secrets.api.value", "unknown field"),
    ],
)
def test_secret_mistakes_are_errors_with_their_path(entry: dict[str, Any], path: str, fragment: str) -> None:
    args = with_secret()
    args["secrets"] = {"api": entry}
    assert fragment in problems_of(args)[path]


def test_secret_variables_must_name_a_declared_secret_and_not_clash() -> None:
    args = cluster_args(
        tiny_deployment(
            "blue",
            traffic_percent=100,
            environment_variables={"API_KEY": "plain"},
            secret_environment_variables={"API_KEY": "api", "OTHER": "missing", "1BAD": "api"},
        ),
        secrets={"api": secret()},
    )
    problems = problems_of(args)
    assert "environment_variables" in problems["deployments[0].secret_environment_variables.API_KEY"]
    assert "'missing' is not a key of secrets (api)" in problems["deployments[0].secret_environment_variables.OTHER"]
    assert "environment variable name" in problems["deployments[0].secret_environment_variables"]


def test_the_same_secret_twice_would_be_a_duplicate_role_assignment() -> None:
    args = with_secret()
    args["secrets"] = {"api": secret(), "again": secret(secret_name="UPSTREAM-API-KEY")}
    assert "409 RoleAssignmentExists" in problems_of(args)["secrets.again"]
    args["secrets"]["again"] = secret(secret_name="UPSTREAM-API-KEY", grant="none")
    assert build_spec("demo", args)


def test_secret_keys_name_logical_resources() -> None:
    args = with_secret()
    args["secrets"] = {"API Key": secret()}
    assert "lower-case" in problems_of(args)["secrets.API Key"]


def test_inference_pool_backend_refuses_what_it_cannot_honour() -> None:
    args = with_secret()
    args.update(backend="inference_pool", endpoint={"identity": "user_assigned"})
    problems = problems_of(args)
    assert "pool's own identity" in problems["endpoint.identity"]
    assert "online endpoints only" in problems["secrets"]
    assert "inference_pool" in problems["deployments[0].secret_environment_variables"]


def test_the_local_target_refuses_a_key_vault_reference_it_cannot_resolve_offline() -> None:
    from ml_inference_lb.local.cluster import check_servable
    from ml_inference_lb.local.errors import LocalTargetError

    with pytest.raises(LocalTargetError) as error:
        check_servable(build_spec("demo", with_secret()))
    assert "deployments[0] (blue).secret_environment_variables.API_KEY: a Key Vault reference" in str(error.value)
