"""A small raw pulumi-azure-native stack that every deployability rule accepts, and switches that break one rule each.

The rules read the plan, never ``InferenceCluster``'s args, so their seeded faults are built from raw
resources: a fault here is one keyword argument away from the clean stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random
from pulumi_azure_native import machinelearningservices as ml

from ml_inference_lb.deployability import waive
from ml_inference_lb.plan import PlanResult, run

RG = "rg-raw"
LOCATION = "westeurope"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
CLEAN_ENV = {"WORKER_COUNT": "2", "APP_INSIGHTS_LOG_RESPONSE_ENABLED": "false"}


def raw_program(**fault: Any) -> None:
    """Declare the clean stack; each keyword in ``fault`` changes one thing (see the defaults below)."""
    options: dict[str, Any] = {
        "isolation": "AllowInternetOutbound",
        "provision_network": True,
        "registry_sku": "Premium",
        "random_workspace_name": True,
        "duplicate_role_assignment": False,
        "endpoint_ignore": ["*"],
        "endpoint_public_access": "Enabled",
        "deployment_ignore": [],
        "capacity": 3,
        "autoscale_max": 3,
        "context_uri": "https://acct.blob.core.windows.net/c/LocalUpload/abc/context/",
        "model": None,
        "time_zone": "W. Europe Standard Time",
        "front_door": False,
        "private_endpoint": False,
        "second_storage_account": None,
        "env": CLEAN_ENV,
        "mirror": (20, 1),
        "max_concurrent": 2,
        "instance_type": "Standard_DS3_v2",
        "waivers": (),
        "tags": {},
        "traffic": {"blue": 100},
        "green_instance_type": None,
        "without": (),
        "traffic_step": True,
        "green_deployment_name": "green",
        "provision_step": None,
        "global_entry_without_waf": False,
    }
    unknown = set(fault) - set(options)
    assert not unknown, f"unknown fault {unknown}"
    options.update(fault)
    opts = options

    suffix = random.RandomString("suffix", length=6, upper=False, special=False)
    storage = azure_native.storage.StorageAccount(
        "storage",
        account_name=suffix.result.apply(lambda s: f"rawstore{s}"),
        resource_group_name=RG,
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
    )
    if opts["second_storage_account"]:
        azure_native.storage.StorageAccount(
            "storage-copy",
            account_name=suffix.result.apply(lambda s: f"rawstore{s}"),
            resource_group_name=opts["second_storage_account"],
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
        )
    registry = azure_native.containerregistry.Registry(
        "registry",
        registry_name=suffix.result.apply(lambda s: f"rawacr{s}"),
        resource_group_name=RG,
        sku={"name": opts["registry_sku"]},
    )
    workspace_name: Any = suffix.result.apply(lambda s: f"raw-ws-{s}") if opts["random_workspace_name"] else "raw-ws"
    workspace = ml.Workspace(
        "workspace",
        workspace_name=workspace_name,
        resource_group_name=RG,
        location=LOCATION,
        identity={"type": "SystemAssigned"},
        storage_account=storage.id,
        container_registry=registry.id,
        managed_network={"isolation_mode": opts["isolation"]},
        provision_network_now=opts["provision_network"] or None,
    )
    provisioning: list[pulumi.Resource] = []
    if opts["provision_step"]:  # "awaited" (deployments depend on it) or "not-awaited"
        step = pulumi.CustomResource(
            "test:index:ManagedNetworkProvisioning", "managed-network", {"workspaceId": workspace.id}
        )
        provisioning = [step] if opts["provision_step"] == "awaited" else []
    if opts["private_endpoint"]:
        azure_native.network.PrivateEndpoint(
            "workspace-pe",
            resource_group_name=RG,
            subnet={
                "id": "/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            },
            private_link_service_connections=[
                {"name": "ws", "private_link_service_id": workspace.id, "group_ids": ["amlworkspace"]}
            ],
        )
    endpoint = ml.OnlineEndpoint(
        "endpoint",
        endpoint_name="raw-endpoint",
        workspace_name=workspace.name,
        resource_group_name=RG,
        location=LOCATION,
        kind="Managed",
        identity={"type": "SystemAssigned"},
        properties={"auth_mode": "Key", "public_network_access": opts["endpoint_public_access"]},
        tags=opts["tags"],
        opts=pulumi.ResourceOptions(depends_on=[workspace], ignore_changes=opts["endpoint_ignore"]),
    )
    if opts["duplicate_role_assignment"]:
        azure_native.authorization.RoleAssignment(
            "endpoint-blob-reader",
            principal_id=endpoint.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            scope=storage.id,
            role_definition_id=f"/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/{BLOB_READER}",
        )
    environment = ml.EnvironmentVersion(
        "environment",
        name="raw-env",
        version="1",
        workspace_name=workspace.name,
        resource_group_name=RG,
        properties={"build": {"context_uri": opts["context_uri"]}},
    )
    model = opts["model"] or workspace.id.apply(lambda i: f"{i}/models/raw/versions/1")
    mirror_share, shadow_max = opts["mirror"]
    deployments = []
    for name, capacity, peak in (
        ("blue", opts["capacity"], opts["autoscale_max"]),
        ("green", shadow_max, shadow_max),
    ):
        if name in opts["without"]:
            continue
        instance_type = (name == "green" and opts["green_instance_type"]) or opts["instance_type"]
        azure_name = opts["green_deployment_name"] if name == "green" else name
        deployment = ml.OnlineDeployment(
            f"deployment-{name}",
            deployment_name=azure_name,
            endpoint_name=endpoint.name,
            workspace_name=workspace.name,
            resource_group_name=RG,
            location=LOCATION,
            kind="Managed",
            sku={"name": "Default", "capacity": capacity},
            tags=opts["tags"],
            properties=ml.ManagedOnlineDeploymentArgs(
                endpoint_compute_type="Managed",
                instance_type=instance_type,
                model=model,
                environment_id=environment.id,
                environment_variables=dict(opts["env"]),
                app_insights_enabled=True,
                request_settings=ml.OnlineRequestSettingsArgs(
                    max_concurrent_requests_per_instance=opts["max_concurrent"]
                ),
            ),
            opts=pulumi.ResourceOptions(
                depends_on=[endpoint, workspace, *provisioning], ignore_changes=opts["deployment_ignore"]
            ),
        )
        azure_native.monitor.AutoscaleSetting(
            f"deployment-{name}-autoscale",
            autoscale_setting_name=f"raw-{azure_name}-autoscale",
            resource_group_name=RG,
            location=LOCATION,
            enabled=True,
            target_resource_uri=deployment.id,
            profiles=[
                {
                    "name": "default",
                    "capacity": {"minimum": "1", "maximum": str(peak), "default": str(capacity)},
                    "rules": [],
                    "recurrence": {
                        "frequency": "Week",
                        "schedule": {"days": ["Monday"], "hours": [8], "minutes": [0], "time_zone": opts["time_zone"]},
                    },
                }
            ],
        )
        deployments.append(deployment)
    template = pulumi.Output.all(workspace.name, endpoint.name).apply(
        lambda names: {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [
                {
                    "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                    "apiVersion": "2025-12-01",
                    "name": f"{names[0]}/{names[1]}",
                    "location": LOCATION,
                    "kind": "Managed",
                    "identity": {"type": "SystemAssigned"},
                    "tags": opts["tags"],
                    "properties": {
                        "authMode": "Key",
                        "publicNetworkAccess": opts["endpoint_public_access"],
                        "traffic": opts["traffic"],
                        "mirrorTraffic": {opts["green_deployment_name"]: mirror_share} if mirror_share else {},
                    },
                }
            ],
        }
    )
    if opts["traffic_step"]:
        azure_native.resources.Deployment(
            "traffic",
            deployment_name="raw-traffic",
            resource_group_name=RG,
            properties={"mode": "Incremental", "template": template},
            opts=pulumi.ResourceOptions(depends_on=[endpoint, *deployments]),
        )
    if opts["front_door"]:
        azure_native.cdn.AFDOrigin(
            "origin",
            origin_name="raw",
            origin_group_name="raw",
            profile_name="raw-fd",
            resource_group_name=RG,
            host_name=f"raw-endpoint.{LOCATION}.inference.ml.azure.com",
        )
    if opts["global_entry_without_waf"]:
        profile = azure_native.cdn.Profile(
            "fd",
            profile_name="raw-fd-public",
            resource_group_name=RG,
            location="Global",
            sku={"name": "Standard_AzureFrontDoor"},
        )
        for region in ("westeurope", "northeurope"):
            azure_native.cdn.AFDOrigin(
                f"origin-{region}",
                origin_name=region,
                origin_group_name="regions",
                profile_name=profile.name,
                resource_group_name=RG,
                host_name=f"raw-endpoint.{region}.inference.ml.azure.com",
            )
    for rule, resource, reason in opts["waivers"]:
        waive(rule, resource, reason=reason)


def plan_raw(**fault: Any) -> PlanResult:
    return run(lambda: raw_program(**fault))


def rule_ids(plan: PlanResult, measurements: Mapping[str, Any] | None = None) -> set[str]:
    from ml_inference_lb.deployability import Measurements, check_plan

    report = check_plan(plan, Measurements.from_mapping(measurements or {}))
    return {f.rule for f in report.findings if f.waived is None}
