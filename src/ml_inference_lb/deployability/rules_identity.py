"""Rules about identities: role assignments Azure makes itself for an endpoint's system-assigned identity."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .graph import ENDPOINT, ROLE_ASSIGNMENT, PlanGraph, property_dependencies
from .model import Hit, Measurements, Rule

# Built-in role definition ids (Azure RBAC built-in roles) Azure ML assigns to a system-assigned endpoint
# identity, and the workspace property naming the scope it assigns them at.
AUTOMATIC_ROLES = {
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": ("AcrPull", "containerRegistry"),
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": ("Storage Blob Data Reader", "storageAccount"),
    "635dd51f-9968-44d3-b7fb-6d9a6bd613ae": ("AzureML Metrics Writer (preview)", None),  # the workspace itself
}


def _system_assigned(endpoint_inputs: Mapping[str, object]) -> bool:
    identity = endpoint_inputs.get("identity")
    kind = identity.get("type") if isinstance(identity, Mapping) else None
    return "systemassigned" in str(kind).lower().replace(",", "").replace(" ", "")


def automatic_role_assignment_duplicated(graph: PlanGraph, _: Measurements) -> Iterator[Hit]:
    endpoints = {e.urn: e for e in graph.of_type(ENDPOINT) if _system_assigned(e.inputs)}
    for assignment in graph.of_type(ROLE_ASSIGNMENT):
        role_id = str(assignment.inputs.get("roleDefinitionId", "")).rstrip("/").split("/")[-1].lower()
        if role_id not in AUTOMATIC_ROLES:
            continue
        sources = property_dependencies(assignment).get("principalId") or assignment.dependencies
        for urn in sources:
            endpoint = endpoints.get(urn)
            if endpoint is None:
                continue
            role, scope_key = AUTOMATIC_ROLES[role_id]
            workspace = graph.workspace_of(endpoint)
            if workspace is not None:
                expected = graph.arm_id(workspace) if scope_key is None else workspace.inputs.get(scope_key)
                if str(expected).lower() != str(assignment.inputs.get("scope", "")).lower():
                    continue  # another scope: Azure did not make this one
            yield Hit(
                assignment.name,
                assignment.type,
                f"grants {role} to the system-assigned identity of '{endpoint.name}', which Azure ML already "
                "granted at the same scope: ARM answers 409 RoleAssignmentExists and the deployments that wait "
                "for it are never created",
            )


RULES = (
    Rule(
        id="MLI002",
        name="automatic-role-assignment-duplicated",
        statement="Do not assign the roles Azure ML assigns itself to a system-assigned endpoint identity.",
        source=(
            'MicrosoftDocs/azure-ai-docs articles/machine-learning/concept-endpoints-online-auth.md ("Automatic '
            'role assignment for endpoint identity": AcrPull, Storage Blob Data Reader, AzureML Metrics Writer); '
            "Azure-Samples/openai-end-to-end-baseline infra-as-code/bicep/machinelearning.bicep leaves them out"
        ),
        severity="error",
        fix="Remove the assignment (Azure makes it), or give the endpoint a user-assigned identity and assign "
        "its roles yourself.",
        check=automatic_role_assignment_duplicated,
    ),
)
