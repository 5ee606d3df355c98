"""Key Vault secrets the deployments receive by reference (Azure ML secret injection, PREVIEW).

A deployment's environment variable holds ``${{keyvault:https://<vault>.vault.azure.net/secrets/<name>/
<version>}}``; Azure resolves it with the endpoint's identity when the container starts. "If the endpoint
identity doesn't have the permission to read secrets from designated secret stores ... the deployment
creation will fail", and Azure never grants it for a key vault itself (azure-ai-docs
``articles/machine-learning/how-to-deploy-online-endpoint-with-secret-injection.md``;
``concept-secret-injection.md``: "The endpoint identity won't automatically receive permission for the external
Key Vault"). So the library assigns *Key Vault Secrets User* on each referenced secret (a secret-scope
assignment: azure-docs ``articles/key-vault/general/rbac-guide.md``, "Secret scope role assignment") and every
deployment waits for it. Only the reference is stored in the deployment and in Pulumi's state.
"""

from __future__ import annotations

import pulumi

from ..spec import ClusterSpec, DeploymentSpec
from . import naming
from .endpoint import EndpointRefs
from .roles import KEY_VAULT_SECRETS_USER_ROLE, assign_role, role_in_subscription_of

VAULT_DNS_SUFFIX = "vault.azure.net"
"""Key Vault's DNS suffix in Azure's public cloud (the reference syntax's example host)."""


def reference(vault_id: str, secret_name: str, version: str) -> str:
    """The environment variable value Azure ML resolves: ``${{keyvault:<secret URI with version>}}``."""
    vault = vault_id.rstrip("/").rsplit("/", 1)[-1]
    return "${{keyvault:https://" + f"{vault}.{VAULT_DNS_SUFFIX}/secrets/{secret_name}/{version}" + "}}"


def secret_environment(spec: ClusterSpec, deployment: DeploymentSpec) -> dict[str, pulumi.Input[str]]:
    """A deployment's Key Vault references by variable name."""
    out: dict[str, pulumi.Input[str]] = {}
    for variable, key in deployment.secret_environment:
        secret = spec.secret(key)
        out[variable] = _reference_output(secret.key_vault_id, secret.secret_name, secret.version)
    return out


def grant_secret_readers(
    spec: ClusterSpec, endpoint: EndpointRefs, parent: pulumi.Resource
) -> tuple[pulumi.Resource, ...]:
    """Key Vault Secrets User for the endpoint identity on every referenced secret with ``grant: "secret"``."""
    used = {key for d in spec.deployments for _, key in d.secret_environment}
    grants = []
    for secret in spec.secrets:
        if not secret.grant or secret.key not in used:
            continue
        name = secret.secret_name
        grants.append(
            assign_role(
                naming.secret_reader(spec.name, secret.key),
                endpoint.principal_id,
                _secret_scope(secret.key_vault_id, name),
                role_in_subscription_of(secret.key_vault_id, KEY_VAULT_SECRETS_USER_ROLE),
                f"ml-inference-lb: endpoint of cluster {spec.name} reads secret {name}",
                parent,
                depends_on=[endpoint.resource, *endpoint.identity.resources],
            )
        )
    return tuple(grants)


def _reference_output(vault_id: pulumi.Input[str], name: str, version: pulumi.Input[str]) -> pulumi.Output[str]:
    def build(parts: list[str]) -> str:
        return reference(str(parts[0]), name, str(parts[1]))

    return pulumi.Output.all(vault_id, version).apply(build)


def _secret_scope(vault_id: pulumi.Input[str], name: str) -> pulumi.Output[str]:
    """``<vault id>/secrets/<name>``: a role assignment scope Key Vault's RBAC model accepts."""

    def build(vault: str) -> str:
        return f"{vault.rstrip('/')}/secrets/{name}"

    return pulumi.Output.from_input(vault_id).apply(build)
