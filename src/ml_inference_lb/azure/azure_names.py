"""Azure names of what the component creates (not Pulumi's logical names: those are in ``naming``).

Each name is unique where Azure needs it, by construction:

- Names derived from the component's name go through :func:`~ml_inference_lb.spec.names.fit`, which
  appends a hash of the uncut source whenever it has to change it, so two components never derive
  the same prefix — not even the regions of a ``GlobalInferenceService`` with a long name.
- Globally unique names (storage account, key vault, container registry) and the default workspace
  name end with the stack's random suffix (pulumi-random), so a stack destroyed and created again gets
  new names: Azure ML soft-deletes a workspace and refuses its name for 14 days, and the key vault's
  purge protection keeps its name for 90 (docs/research-notes.md, "Names").
- Names scoped to a resource group that combine several parts (autoscale settings, the traffic step's
  ARM deployment) end with a hash of the exact parts, so ``("a-b", "c")`` and ``("a", "b-c")`` differ.

Limits: Azure's resource-name rules ("Naming rules and restrictions for Azure resources"):
workspace 3-33, storage account 3-24 lower-case letters and digits, key vault 3-24 starting with a
letter, container registry 5-50 letters and digits, Log Analytics workspace 4-63, Application
Insights 1-260, ARM deployment 1-64.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import NewWorkspaceSpec
from ..spec.names import fit, source_hash

SUFFIX_LENGTH = 8
"""Length of the stack's random suffix (``<cluster>-suffix``): lower-case letters and digits."""
ENDPOINT_SUFFIX_LENGTH = 5
"""Length of the random suffix of a generated endpoint name (``<cluster>-endpoint-suffix``)."""


@dataclass(frozen=True)
class WorkspaceNames:
    """Azure names of a new workspace and of what Azure ML needs beside it."""

    workspace: str
    storage_account: str
    key_vault: str
    container_registry: str
    log_analytics: str
    app_insights: str


def new_workspace_names(ws: NewWorkspaceSpec, suffix: str) -> WorkspaceNames:
    """Every name from the spec and the stack's random ``suffix``.

    The default workspace name is ``<fit(cluster-ws, 24)>-<suffix>``; an explicit ``workspace.name`` is
    used as given (and then a destroyed-and-recreated stack meets Azure's soft-deleted workspace: see
    ``WorkspaceArgs.name``).
    """
    workspace = ws.name if ws.name is not None else f"{ws.name_prefix}-{suffix}"
    base = ws.name if ws.name is not None else ws.name_prefix
    compact = fit(base, 12, hyphens=False)
    vault_head = fit(base, 10, hyphens=False)
    if not vault_head[0].isalpha():  # key vault names start with a letter
        vault_head = f"v{vault_head}"
    return WorkspaceNames(
        workspace=workspace,
        storage_account=f"{compact}{suffix}",
        key_vault=f"{vault_head}-kv-{suffix}",
        container_registry=f"{compact}{suffix}",
        log_analytics=f"{fit(workspace, 58)}-logs",
        app_insights=f"{fit(workspace, 200)}-appinsights",
    )


def endpoint_name(prefix: str, suffix: str) -> str:
    """A generated endpoint name: the spec's prefix (unique per component) and a random suffix."""
    return f"{prefix}-{suffix}"


def autoscale_setting_name(workspace: str, endpoint: str, deployment: str) -> str:
    """Autoscale settings are named per resource group: the parts, and a hash of exactly those parts."""
    return f"{endpoint}-{deployment}-{source_hash(f'{workspace}/{endpoint}/{deployment}', 8)}-autoscale"


def traffic_deployment_name(workspace: str, endpoint: str) -> str:
    """The traffic step's ARM deployment: at most 14 + 32 + 1 + 8 = 55 of the 64 characters allowed, unique
    in the resource group for each (workspace, endpoint)."""
    return f"mlilb-traffic-{endpoint}-{source_hash(f'{workspace}/{endpoint}', 8)}"
