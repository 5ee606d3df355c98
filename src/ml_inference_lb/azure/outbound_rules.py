"""User-defined outbound rules of a new workspace's managed network (``workspaces/outboundRules``, API
2025-12-01), created before the network is provisioned so that provisioning builds them.

- A rule is its own resource (``ManagedNetworkSettingsRule``), not part of the workspace body: the workspace
  is PUT whole on every update, and separate rules keep a change of one rule from touching the others.
- "Private endpoints for the workspace aren't created automatically. They're only created when the first
  compute is created or when managed virtual network provisioning is forced" (azure-ai-docs
  ``articles/machine-learning/how-to-managed-network.md``, "Private endpoints"): the provisioning step
  (azure/managed_network.py) depends on every rule and runs again when the set of rules changes.
- Private-endpoint rules: "starting April 30th, 2025, this role assignment isn't automatic ... grant [the
  Azure AI Enterprise Network Connection Approver role] to the Azure Machine Learning workspace's managed
  identity" on the target (same page, "Approval of private endpoints"). The library assigns it on each target
  before the rule. The role covers storage, key vault, container registry, Azure ML, SQL, Cosmos DB, MySQL,
  PostgreSQL, Redis, AI Search, Event Hubs, API Management and more (same page); other types need a custom
  role, which the library does not create.
- Rules are created one after another: each is a change of the same workspace's managed network.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import machinelearningservices as ml

from ..spec import ClusterSpec
from ..spec.security_model import OutboundRuleSpec
from . import naming
from .roles import AI_NETWORK_CONNECTION_APPROVER_ROLE, assign_role, role_in_subscription_of


def build_outbound_rules(
    spec: ClusterSpec,
    workspace: azure_native.machinelearningservices.Workspace,
    resource_group_name: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[pulumi.Resource, ...]:
    """Every rule of ``spec.network``, in order, each with its approval right when it needs one."""
    created: list[pulumi.Resource] = []
    previous: list[pulumi.Resource] = [workspace]
    principal = workspace.identity.apply(lambda i: (i.principal_id or "") if i else "")
    for rule in spec.network.outbound_rules:
        approval: list[pulumi.Resource] = []
        if rule.type == "private_endpoint":
            approval.append(
                assign_role(
                    naming.outbound_rule_approver(spec.name, rule.name),
                    principal,
                    rule.resource_id,
                    role_in_subscription_of(rule.resource_id, AI_NETWORK_CONNECTION_APPROVER_ROLE),
                    f"ml-inference-lb: workspace of cluster {spec.name} approves its private endpoint {rule.name}",
                    parent,
                    depends_on=[workspace],
                )
            )
        resource = ml.ManagedNetworkSettingsRule(
            naming.outbound_rule(spec.name, rule.name),
            resource_group_name=resource_group_name,
            workspace_name=workspace.name,
            rule_name=rule.name,
            properties=rule_properties(rule),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[*previous, *approval]),
        )
        created += [*approval, resource]
        previous = [resource]
    return tuple(created)


def rule_properties(rule: OutboundRuleSpec) -> Any:
    """The rule's ``properties`` (a union: built from the typed args so the SDK writes camelCase keys)."""
    if rule.type == "private_endpoint":
        return ml.PrivateEndpointOutboundRuleArgs(
            type="PrivateEndpoint",
            category="UserDefined",
            destination=ml.PrivateEndpointDestinationArgs(
                service_resource_id=rule.resource_id, subresource_target=rule.subresource, spark_enabled=False
            ),
        )
    if rule.type == "service_tag":
        return ml.ServiceTagOutboundRuleArgs(
            type="ServiceTag",
            category="UserDefined",
            destination=ml.ServiceTagDestinationArgs(
                service_tag=rule.service_tag, protocol=rule.protocol, port_ranges=rule.port_ranges, action="Allow"
            ),
        )
    return ml.FqdnOutboundRuleArgs(type="FQDN", category="UserDefined", destination=rule.destination)
