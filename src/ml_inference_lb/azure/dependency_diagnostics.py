"""Diagnostic settings of a new workspace and its key vault, storage (blob service) and container registry,
sent to the same Log Analytics workspace as the endpoint's logs.

Each takes every log category through the ``allLogs`` category group and ``AllMetrics``: the default of Azure
Verified Modules' workspace, key vault, storage and registry modules (Azure/bicep-registry-modules
``avm/res/machine-learning-services/workspace/main.bicep``: ``logCategoriesAndGroups ?? [{ categoryGroup:
'allLogs' }]``, ``metricCategories ?? [{ category: 'AllMetrics' }]``), and what Microsoft's baseline sends for
the registry and the storage's blob service (Azure-Samples/openai-end-to-end-baseline ``acr.bicep``,
``storage.bicep``). Storage logs are per service: the setting sits on ``<account>/blobServices/default``
(the account itself has metrics only), where Azure ML keeps models, code and datastores.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from ..spec import ClusterSpec, NewWorkspaceSpec
from . import naming
from .workspace import WorkspaceRefs

SETTING_NAME = "ml-inference-lb"


def build_dependency_diagnostics(
    spec: ClusterSpec, workspace: WorkspaceRefs, parent: pulumi.Resource
) -> tuple[azure_native.monitor.DiagnosticSetting, ...]:
    """One diagnostic setting per resource of a new workspace; none for an existing one or with diagnostics off."""
    if not spec.diagnostics.enabled or not isinstance(spec.workspace, NewWorkspaceSpec):
        return ()
    destination = spec.diagnostics.log_analytics_workspace_id or workspace.log_analytics_id
    targets: list[tuple[str, pulumi.Input[str]]] = [
        (naming.WORKSPACE_DIAGNOSTICS, workspace.id),
        (naming.STORAGE_DIAGNOSTICS, workspace.storage_account_id.apply(lambda i: f"{i}/blobServices/default")),
    ]
    if workspace.key_vault_id is not None:
        targets.append((naming.KEY_VAULT_DIAGNOSTICS, workspace.key_vault_id))
    if workspace.registry_id is not None:
        targets.append((naming.REGISTRY_DIAGNOSTICS, workspace.registry_id))
    return tuple(
        azure_native.monitor.DiagnosticSetting(
            naming.child(spec.name, role),
            name=SETTING_NAME,
            resource_uri=uri,
            workspace_id=destination,
            logs=[{"category_group": "allLogs", "enabled": True}],
            metrics=[{"category": "AllMetrics", "enabled": True}],
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(workspace.resources)),
        )
        for role, uri in targets
    )
