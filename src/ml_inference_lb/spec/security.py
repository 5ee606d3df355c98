"""The endpoint identity, storage authentication, Application Insights local auth and Key Vault secret
references: their args, and the rules that tie them to the deployments. Sources: ``docs/security.md``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from . import rules
from .model import DeploymentSpec
from .network import is_output
from .problems import Problems, join
from .security_model import (
    SYSTEM_ASSIGNED,
    EndpointIdentitySpec,
    NetworkSpec,
    SecretReferenceSpec,
    StorageAccessSpec,
)

IDENTITY_FIELDS = ("type", "user_assigned_identity_id")
SECRET_FIELDS = ("key_vault_id", "secret_name", "version", "grant")
IDENTITY_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+$",
    re.IGNORECASE,
)
VAULT_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$",
    re.IGNORECASE,
)
SECRET_NAME_RE = re.compile(r"^[0-9A-Za-z-]{1,127}$")
"""Key Vault object names: 1-127 characters, 0-9, a-z, A-Z and - (azure-docs ``articles/key-vault/general/
about-keys-secrets-certificates.md``, "Object identifiers")."""
SECRET_VERSION_RE = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
SECRET_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def read_identity(problems: Problems, raw_value: Any) -> EndpointIdentitySpec:
    """``endpoint.identity``: ``"system_assigned"`` / ``"user_assigned"`` or the dict form."""
    path = "endpoint.identity"
    if raw_value is None:
        return SYSTEM_ASSIGNED
    raw: Mapping[str, Any] = {"type": raw_value} if isinstance(raw_value, str) else problems.mapping(path, raw_value)
    problems.unknown_keys(path, raw, IDENTITY_FIELDS)
    kind = problems.choice(join(path, "type"), raw.get("type"), ("system_assigned", "user_assigned"), "system_assigned")
    identity_id = raw.get("user_assigned_identity_id")
    if kind == "system_assigned":
        if identity_id is not None:
            problems.add(join(path, "user_assigned_identity_id"), "only with type 'user_assigned'")
        return SYSTEM_ASSIGNED
    if (
        identity_id is not None
        and not is_output(identity_id)
        and (not isinstance(identity_id, str) or not IDENTITY_ID_RE.match(identity_id))
    ):
        problems.add(
            join(path, "user_assigned_identity_id"),
            f"{identity_id!r} is not the ARM id of a user-assigned identity (/subscriptions/<s>/resourceGroups/"
            "<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)",
        )
    return EndpointIdentitySpec(type="UserAssigned", user_assigned_identity_id=identity_id)


def read_storage_access(problems: Problems, raw: Mapping[str, Any]) -> StorageAccessSpec:
    """``workspace.datastore_auth`` and ``workspace.storage_shared_key_access``."""
    auth = problems.choice(
        "workspace.datastore_auth", raw.get("datastore_auth"), ("access_key", "identity"), "access_key"
    )
    shared = problems.choice(
        "workspace.storage_shared_key_access", raw.get("storage_shared_key_access"), ("enabled", "disabled"), "enabled"
    )
    if shared == "disabled" and auth != "identity":
        problems.add(
            "workspace.storage_shared_key_access",
            "'disabled' needs workspace.datastore_auth 'identity': with 'access_key' Azure ML reads its own "
            "datastores with the account key, which a storage account without shared-key access refuses",
        )
    return StorageAccessSpec(
        datastore_auth="Identity" if auth == "identity" else "AccessKey", shared_key_access=shared == "enabled"
    )


def read_app_insights_local_auth(
    problems: Problems, raw_value: Any, deployments: Sequence[DeploymentSpec], raw_deployments: Any
) -> bool:
    """Whether Application Insights keeps local (instrumentation-key) authentication.

    Default: only while a deployment logs to it. The inference server sends its request logs with the
    instrumentation key alone (no Microsoft Entra credential), which Azure rejects once local auth is off.
    """
    logging = [i for i, d in enumerate(deployments) if d.app_insights_enabled]
    value = problems.choice("workspace.app_insights_local_auth", raw_value, ("enabled", "disabled"), "")
    if value == "disabled":
        for i in logging:
            explicit = _raw_at(raw_deployments, i).get("app_insights_enabled") is not None
            problems.add(
                f"deployments[{i}].app_insights_enabled",
                ("" if explicit else "True by default; ")
                + "the inference server logs to Application Insights with the instrumentation key only, which "
                "workspace.app_insights_local_auth 'disabled' makes Azure reject: set app_insights_enabled to "
                "False, or leave app_insights_local_auth at its default",
            )
        return False
    if value == "enabled":
        return True
    return bool(logging)


def read_secrets(problems: Problems, raw_value: Any) -> tuple[SecretReferenceSpec, ...]:
    """``secrets``: Key Vault secrets the deployments reference by key."""
    raw = problems.mapping("secrets", raw_value)
    out: list[SecretReferenceSpec] = []
    seen: dict[tuple[str, str], str] = {}
    for key, item in raw.items():
        path = join("secrets", str(key))
        if not isinstance(key, str) or not SECRET_KEY_RE.match(key):
            problems.add(
                path, f"{key!r}: a key of 1-40 lower-case letters, digits and '-', starting with a letter or digit"
            )
            continue
        entry = problems.mapping(path, item)
        problems.unknown_keys(path, entry, SECRET_FIELDS)
        vault = entry.get("key_vault_id")
        if vault is None:
            problems.add(join(path, "key_vault_id"), "required: the ARM id of the key vault")
        elif not is_output(vault) and (not isinstance(vault, str) or not VAULT_ID_RE.match(vault)):
            problems.add(
                join(path, "key_vault_id"),
                f"{vault!r} is not a key vault's ARM id (/subscriptions/<s>/resourceGroups/<rg>/providers/"
                "Microsoft.KeyVault/vaults/<name>)",
            )
        name = problems.string(join(path, "secret_name"), entry.get("secret_name"))
        if name is None:
            problems.add(join(path, "secret_name"), "required: the secret's name in the vault")
        elif not SECRET_NAME_RE.match(name):
            problems.add(join(path, "secret_name"), f"{name!r}: 1-127 letters, digits and '-'")
        version = entry.get("version")
        if version is None:
            problems.add(
                join(path, "version"),
                "required: Azure's reference syntax (${{keyvault:https://<vault>.vault.azure.net/secrets/<name>/"
                "<version>}}) names a version",
            )
        elif not is_output(version) and (not isinstance(version, str) or not SECRET_VERSION_RE.match(version)):
            problems.add(
                join(path, "version"), f"{version!r} is not a Key Vault secret version (32 hexadecimal characters)"
            )
        grant = problems.choice(join(path, "grant"), entry.get("grant"), ("secret", "none"), "secret")
        if isinstance(vault, str) and name is not None and grant == "secret":
            same = (vault.lower(), name.lower())
            if same in seen:
                problems.add(
                    path,
                    f"the same secret as secrets.{seen[same]}: Azure refuses a second identical role assignment "
                    "(409 RoleAssignmentExists); reference one key from both variables",
                )
            seen.setdefault(same, key)
        out.append(
            SecretReferenceSpec(
                key=key, key_vault_id=vault, secret_name=name or "", version=version, grant=grant == "secret"
            )
        )
    return tuple(out)


def attach_secret_environment(
    problems: Problems,
    raw_deployments: Any,
    deployments: tuple[DeploymentSpec, ...],
    secrets: tuple[SecretReferenceSpec, ...],
) -> tuple[DeploymentSpec, ...]:
    """Each deployment's ``secret_environment_variables`` (variable → key of ``secrets``)."""
    known = {s.key for s in secrets}
    out = []
    for i, deployment in enumerate(deployments):
        path = f"deployments[{i}].secret_environment_variables"
        raw = problems.mapping(path, _raw_at(raw_deployments, i).get("secret_environment_variables"))
        pairs = []
        for variable, key in raw.items():
            where = join(path, str(variable))
            if not isinstance(variable, str) or not rules.ENV_VAR_RE.match(variable):
                problems.add(path, f"{variable!r} is not a valid environment variable name")
                continue
            if variable in deployment.env:
                problems.add(where, "also set in environment_variables: give the variable one value")
            if key not in known:
                choices = ", ".join(sorted(known)) or "none declared"
                problems.add(where, f"{key!r} is not a key of secrets ({choices})")
                continue
            pairs.append((variable, str(key)))
        out.append(dataclasses.replace(deployment, secret_environment=tuple(sorted(pairs))) if pairs else deployment)
    return tuple(out)


def check_private_environment(problems: Problems, network: NetworkSpec, deployments: Sequence[DeploymentSpec]) -> None:
    """With ``private`` isolation the workspace's registry has no public access, and Azure ML then cannot build
    an environment from a conda file (it needs an image-build compute cluster the library does not create)."""
    if not network.private:
        return
    for i, deployment in enumerate(deployments):
        if deployment.environment.conda_file is not None:
            problems.add(
                f"deployments[{i}].environment.conda_file",
                "network_isolation 'private' closes the workspace's container registry to public networks, and "
                "Azure ML cannot build images on such a registry without an image-build compute cluster "
                "(docs/network-isolation.md): give a ready image (environment.image without conda_file) or an "
                "environment.asset_id, built outside the isolated workspace",
            )


def check_uploads(problems: Problems, storage: StorageAccessSpec, deployments: Sequence[DeploymentSpec]) -> None:
    """pulumi-azure-native's ``storage.Blob`` uploads with the storage account key: shared-key access must stay on
    while a model or code comes from a local path."""
    if storage.shared_key_access:
        return
    for i, deployment in enumerate(deployments):
        uploads = [("model", deployment.model.path)]
        if deployment.code is not None:
            uploads.append(("code", deployment.code.path))
        for part, path in uploads:
            if path is not None:
                problems.add(
                    f"deployments[{i}].{part}.path",
                    "is uploaded by pulumi-azure-native's storage.Blob, which signs with the storage account key "
                    "(docs/security.md), and workspace.storage_shared_key_access 'disabled' makes Azure refuse it: "
                    f"register the {part} beforehand and give {part}.asset_id, or keep shared-key access enabled",
                )


def check_pool_backend(
    problems: Problems, identity: EndpointIdentitySpec, raw_deployments: Any, has_secrets: bool
) -> None:
    """The PREVIEW inference-pool backend has its own identity and no documented secret injection."""
    if identity.type == "UserAssigned":
        problems.add(
            "endpoint.identity",
            "not available with backend 'inference_pool' (PREVIEW): the pool's own identity runs its groups",
        )
    if has_secrets:
        problems.add(
            "secrets",
            "not available with backend 'inference_pool' (PREVIEW): Azure documents secret injection for "
            "online endpoints only",
        )
    for i, _ in enumerate(raw_deployments if isinstance(raw_deployments, Sequence) else []):
        if _raw_at(raw_deployments, i).get("secret_environment_variables"):
            problems.add(
                f"deployments[{i}].secret_environment_variables", "not available with backend 'inference_pool'"
            )


def _raw_at(raw_deployments: Any, index: int) -> Mapping[str, Any]:
    if (
        isinstance(raw_deployments, Sequence)
        and not isinstance(raw_deployments, (str, bytes))
        and index < len(raw_deployments)
        and isinstance(raw_deployments[index], Mapping)
    ):
        item: Mapping[str, Any] = raw_deployments[index]
        return item
    return {}
