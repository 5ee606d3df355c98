"""The Azure target under Pulumi's mocks: each resource, each option, ordering and secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb.azure.roles import endpoint_needs_role_assignments
from ml_inference_lb.plan import PlanResult, RegisteredResource
from ml_inference_lb.plan.render import render_json

ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
TRAFFIC = "azure-native:resources:Deployment"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"


def of_type(result: PlanResult, type_token: str) -> list[RegisteredResource]:
    return [r for r in result.resources if r.type == type_token]


def one(result: PlanResult, type_token: str) -> RegisteredResource:
    found = of_type(result, type_token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def named(result: PlanResult, name: str) -> RegisteredResource:
    return next(r for r in result.resources if r.name == name)


@pytest.fixture(scope="module")
def blue_green() -> PlanResult:
    return plan_cluster(
        cluster_args(
            tiny_deployment("blue", traffic_percent=90),
            tiny_deployment("green", traffic_percent=10),
            tiny_deployment("shadow", mirror_percent=20),
            pool={"autoscale": {"min_instances": 2, "max_instances": 6}},
            tags={"team": "ml"},
        )
    )


def test_every_child_is_parented_to_the_component(blue_green: PlanResult) -> None:
    component = one(blue_green, "ml-inference-lb:index:InferenceCluster")
    assert component.parent is None or component.parent.endswith("pulumi:pulumi:Stack::project-dev")
    for r in blue_green.resources:
        if r is not component:
            assert r.parent == component.urn, r.name


def test_new_workspace_storage_and_vault_baseline(blue_green: PlanResult) -> None:
    storage = one(blue_green, "azure-native:storage:StorageAccount").inputs
    assert storage["minimumTlsVersion"] == "TLS1_2"
    assert storage["allowBlobPublicAccess"] is False
    assert storage["enableHttpsTrafficOnly"] is True
    vault = one(blue_green, "azure-native:keyvault:Vault").inputs["properties"]
    assert vault["enableRbacAuthorization"] is True and vault["enablePurgeProtection"] is True
    assert one(blue_green, "azure-native:containerregistry:Registry").inputs["adminUserEnabled"] is False
    insights = one(blue_green, "azure-native:applicationinsights:Component").inputs
    workspace_name = one(blue_green, "azure-native:machinelearningservices:Workspace").inputs["workspaceName"]
    assert insights["workspaceResourceId"].endswith(f"/workspaces/{workspace_name}-logs")
    workspace = one(blue_green, "azure-native:machinelearningservices:Workspace").inputs
    assert workspace["identity"] == {"type": "SystemAssigned"}
    assert workspace["managedNetwork"] == {"isolationMode": "AllowInternetOutbound"}
    for key in ("storageAccount", "keyVault", "applicationInsights", "containerRegistry"):
        assert workspace[key].startswith("/subscriptions/")


def test_globally_unique_names_come_from_pulumi_random(blue_green: PlanResult) -> None:
    suffix = named(blue_green, "demo-suffix")
    assert suffix.type == "random:index/randomString:RandomString"
    account = one(blue_green, "azure-native:storage:StorageAccount").inputs["accountName"]
    assert 3 <= len(account) <= 24 and account.isalnum() and account.islower()
    assert len(one(blue_green, "azure-native:keyvault:Vault").inputs["vaultName"]) <= 24


def test_endpoint_has_identity_auth_and_no_traffic(blue_green: PlanResult) -> None:
    endpoint = one(blue_green, ENDPOINT)
    assert endpoint.inputs["identity"] == {"type": "SystemAssigned"}
    assert endpoint.inputs["properties"] == {"authMode": "Key", "publicNetworkAccess": "Enabled"}
    assert "properties" in endpoint.ignore_changes
    assert endpoint.inputs["endpointName"].startswith("demo-")


ENDPOINT_ID_INPUTS = {"endpointName", "workspaceName", "resourceGroupName"}


def test_the_endpoint_resource_never_updates_so_no_put_can_drop_traffic(blue_green: PlanResult) -> None:
    """After creation every endpoint input is owned by the traffic step (ignored here) or replaces the
    endpoint: Pulumi never sends the endpoint a PUT, which would carry no ``traffic``."""
    endpoint = one(blue_green, ENDPOINT)
    owned = set(endpoint.ignore_changes) | set(endpoint.replace_on_changes)
    assert "location" in endpoint.replace_on_changes
    for key in set(endpoint.inputs) - ENDPOINT_ID_INPUTS:
        assert key in owned, f"a change of endpoint input {key!r} would PUT the endpoint without traffic"


def test_the_traffic_step_sends_everything_the_endpoint_resource_ignores(blue_green: PlanResult) -> None:
    """A tag, description, auth or access change is one PUT by the traffic step, with the live traffic."""
    endpoint = one(blue_green, ENDPOINT).inputs
    (body,) = one(blue_green, TRAFFIC).inputs["properties"]["template"]["resources"]
    assert body["identity"] == endpoint["identity"] and body["kind"] == endpoint["kind"]
    assert body["tags"] == endpoint["tags"] == {"team": "ml"}
    assert body["location"] == endpoint["location"]
    properties = {k: v for k, v in body["properties"].items() if k not in ("traffic", "mirrorTraffic")}
    assert properties == endpoint["properties"]
    assert body["properties"]["traffic"] == {"blue": 90, "green": 10}


def test_a_tag_or_description_edit_changes_the_traffic_step_not_the_endpoint() -> None:
    def planned(tags: dict[str, str], description: str) -> PlanResult:
        args = cluster_args(tiny_deployment("blue", traffic_percent=100), tags=tags)
        args["endpoint"] = {"description": description}
        return plan_cluster(args)

    before, after = planned({"team": "ml"}, "v1"), planned({"team": "ai"}, "v2")
    endpoint_before, endpoint_after = one(before, ENDPOINT), one(after, ENDPOINT)
    changed = {k for k in endpoint_after.inputs if endpoint_after.inputs[k] != endpoint_before.inputs.get(k)}
    assert changed and changed <= set(endpoint_after.ignore_changes)  # Pulumi sends no endpoint PUT
    (body,) = one(after, TRAFFIC).inputs["properties"]["template"]["resources"]
    assert body["tags"] == {"team": "ai"} and body["properties"]["description"] == "v2"
    assert body["properties"]["traffic"] == {"blue": 100}


def test_deployments_carry_probes_requests_and_sku(blue_green: PlanResult) -> None:
    blue = named(blue_green, "demo-blue").inputs
    assert blue["sku"] == {"name": "Default", "capacity": 6}  # autoscale max_instances
    properties = blue["properties"]
    assert properties["endpointComputeType"] == "Managed"
    assert properties["livenessProbe"] == {
        "initialDelay": "PT10S",
        "period": "PT10S",
        "timeout": "PT2S",
        "successThreshold": 1,
        "failureThreshold": 30,
    }
    assert properties["requestSettings"]["requestTimeout"] == "PT5S"
    assert properties["requestSettings"]["maxConcurrentRequestsPerInstance"] == 1
    assert properties["codeConfiguration"]["scoringScript"] == "score.py"
    assert properties["appInsightsEnabled"] is True
    assert "startupProbe" not in properties


def test_ordering_endpoint_then_deployments_then_traffic(blue_green: PlanResult) -> None:
    endpoint = one(blue_green, ENDPOINT)
    deployments = of_type(blue_green, DEPLOYMENT)
    traffic = one(blue_green, TRAFFIC)
    for d in deployments:
        assert endpoint.urn in d.dependencies
        assert d.deleted_with == endpoint.urn
    assert {d.urn for d in deployments} <= set(traffic.dependencies)
    order = [r.urn for r in blue_green.resources]
    assert order.index(endpoint.urn) < min(order.index(d.urn) for d in deployments)


def test_traffic_step_puts_the_endpoint_with_traffic_and_mirror(blue_green: PlanResult) -> None:
    traffic = one(blue_green, TRAFFIC).inputs
    assert traffic["properties"]["mode"] == "Incremental"
    (resource,) = traffic["properties"]["template"]["resources"]
    endpoint = one(blue_green, ENDPOINT).inputs
    assert resource["type"] == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
    assert resource["apiVersion"] == "2025-12-01"
    workspace_name = one(blue_green, "azure-native:machinelearningservices:Workspace").inputs["workspaceName"]
    assert resource["name"] == f"{workspace_name}/{endpoint['endpointName']}"
    assert resource["properties"]["traffic"] == {"blue": 90, "green": 10}
    assert resource["properties"]["mirrorTraffic"] == {"shadow": 20}
    # The template repeats the endpoint's own body, so an endpoint PUT always re-applies traffic.
    for key, value in endpoint["properties"].items():
        assert resource["properties"][key] == value
    assert resource["tags"] == endpoint["tags"] and resource["identity"] == endpoint["identity"]
    assert traffic["deploymentName"].startswith(f"mlilb-traffic-{endpoint['endpointName']}-")


def test_an_autoscaled_deployment_is_put_at_its_ceiling_so_a_rollout_never_scales_it_down(
    blue_green: PlanResult,
) -> None:
    """Every deployment PUT is a full body; with ignore_changes Pulumi would send the capacity from state
    (the count at the last update), not the live one. The autoscale ceiling is never below the live count."""
    for d in of_type(blue_green, DEPLOYMENT):
        assert d.inputs["sku"]["capacity"] == 6  # max_instances
        assert "sku.capacity" not in d.ignore_changes
    settings = of_type(blue_green, AUTOSCALE)
    assert len(settings) == 3
    blue = named(blue_green, "demo-blue-autoscale").inputs
    assert blue["targetResourceUri"].endswith(
        "/onlineEndpoints/" + one(blue_green, ENDPOINT).inputs["endpointName"] + "/deployments/blue"
    )
    (profile,) = blue["profiles"]
    assert profile["capacity"] == {"minimum": "2", "maximum": "6", "default": "2"}  # default_instances kept
    directions = [(r["metricTrigger"]["metricName"], r["scaleAction"]["direction"]) for r in profile["rules"]]
    assert directions == [("CpuUtilizationPercentage", "Increase"), ("CpuUtilizationPercentage", "Decrease")]


def test_fixed_instance_count_is_managed_by_pulumi() -> None:
    result = plan_cluster(cluster_args(pool={"instance_count": 3}))
    deployment = one(result, DEPLOYMENT)
    assert deployment.inputs["sku"]["capacity"] == 3 and deployment.ignore_changes == ()
    assert of_type(result, AUTOSCALE) == []


def test_endpoint_metric_rules_and_schedules() -> None:
    autoscale: dict[str, Any] = {
        "min_instances": 1,
        "max_instances": 4,
        "rules": [{"metric": "RequestLatency", "scale_out_above": 200, "scale_in_below": 50, "window_minutes": 10}],
        "schedules": [
            {
                "name": "business-hours",
                "days": ["Monday", "Friday"],
                "start": "08:00",
                "end": "18:30",
                "time_zone": "W. Europe Standard Time",
                "min_instances": 3,
                "max_instances": 8,
            }
        ],
    }
    result = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100, autoscale=autoscale)))
    profiles = one(result, AUTOSCALE).inputs["profiles"]
    assert [p["name"] for p in profiles] == [
        "default",
        "business-hours",
        json.dumps({"name": "default", "for": "business-hours"}),
    ]
    trigger = profiles[0]["rules"][0]["metricTrigger"]
    assert trigger["metricNamespace"] == "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
    assert trigger["metricResourceUri"].endswith("/onlineEndpoints/" + one(result, ENDPOINT).inputs["endpointName"])
    assert trigger["dimensions"] == [{"dimensionName": "deployment", "operator": "Equals", "values": ["blue"]}]
    assert trigger["timeWindow"] == "PT10M"
    work = profiles[1]
    assert work["capacity"] == {"minimum": "3", "maximum": "8", "default": "3"}
    # The business-hours profile may run 8 instances: every PUT sends the highest ceiling of all profiles.
    assert one(result, DEPLOYMENT).inputs["sku"]["capacity"] == 8
    assert work["recurrence"]["schedule"] == {
        "days": ["Monday", "Friday"],
        "hours": [8],
        "minutes": [0],
        "timeZone": "W. Europe Standard Time",
    }
    assert profiles[2]["recurrence"]["schedule"]["hours"] == [18] and profiles[2]["recurrence"]["schedule"][
        "minutes"
    ] == [30]


def test_startup_probe_env_vars_and_per_deployment_overrides() -> None:
    result = plan_cluster(
        cluster_args(
            tiny_deployment(
                "blue",
                traffic_percent=100,
                instance_type="Standard_NC6s_v3",
                probes={"startup": {"period_seconds": 5, "failure_threshold": 60}},
                request_settings={"request_timeout_ms": 1500},
                environment_variables={"WORKER_COUNT": "8"},
                app_insights_enabled=False,
            ),
            request_settings={"max_concurrent_requests_per_instance": 8},
        )
    )
    properties = one(result, DEPLOYMENT).inputs["properties"]
    assert properties["instanceType"] == "Standard_NC6s_v3"
    assert properties["startupProbe"]["period"] == "PT5S" and properties["startupProbe"]["failureThreshold"] == 60
    assert properties["requestSettings"]["requestTimeout"] == "PT1.5S"
    assert properties["requestSettings"]["maxConcurrentRequestsPerInstance"] == 8
    assert properties["environmentVariables"] == {"WORKER_COUNT": "8", "APP_INSIGHTS_LOG_RESPONSE_ENABLED": "false"}
    assert properties["appInsightsEnabled"] is False


def test_shared_assets_are_registered_once(blue_green: PlanResult) -> None:
    models = of_type(blue_green, "azure-native:machinelearningservices:ModelVersion")
    assert [m.name for m in models] == ["demo-model-tiny"]
    assert (
        models[0]
        .inputs["properties"]["modelUri"]
        .startswith("azureml://datastores/workspaceblobstore/paths/LocalUpload/")
    )
    code = one(blue_green, "azure-native:machinelearningservices:CodeVersion").inputs
    assert (
        code["properties"]["codeUri"].startswith("https://")
        and ".blob.core.windows.net/azureml-blobstore-" in code["properties"]["codeUri"]
    )
    blobs = of_type(blue_green, "azure-native:storage:Blob")
    assert sorted(b.name for b in blobs) == ["demo-code-demo-src/score.py", "demo-model-tiny/weights.json"]
    environment = one(blue_green, "azure-native:machinelearningservices:EnvironmentVersion").inputs
    assert environment["properties"]["condaFile"].startswith("name: tiny")


def test_existing_assets_are_used_as_given() -> None:
    deployment = {
        "name": "blue",
        "traffic_percent": 100,
        "model": {"asset_id": "azureml://registries/azureml/models/iris/versions/3"},
        "environment": {"asset_id": "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"},
    }
    result = plan_cluster(cluster_args(deployment))
    assert of_type(result, "azure-native:storage:Blob") == []
    properties = one(result, DEPLOYMENT).inputs["properties"]
    assert properties["model"] == "azureml://registries/azureml/models/iris/versions/3"
    assert "codeConfiguration" not in properties


def test_bring_your_own_workspace_creates_no_workspace() -> None:
    result = plan_cluster(
        cluster_args(
            existing_workspace={"name": "shared-ws", "resource_group_name": "rg-shared"},
            diagnostics={
                "log_analytics_workspace_id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/la"
            },
        )
    )
    types = {r.type for r in result.resources}
    assert "azure-native:machinelearningservices:Workspace" not in types
    assert "azure-native:storage:StorageAccount" not in types
    endpoint = one(result, ENDPOINT).inputs
    assert endpoint["workspaceName"] == "shared-ws" and endpoint["resourceGroupName"] == "rg-shared"
    assert of_type(result, "azure-native:authorization:RoleAssignment") == []  # Azure assigns them itself
    blob = of_type(result, "azure-native:storage:Blob")[0].inputs
    assert blob["containerName"].startswith("azureml-blobstore-")
    assert one(result, "azure-native:monitor:DiagnosticSetting").inputs["workspaceId"].endswith("/workspaces/la")


def test_no_role_assignment_azure_makes_itself_for_the_system_assigned_endpoint_identity(
    blue_green: PlanResult,
) -> None:
    """Azure assigns AcrPull, Storage Blob Data Reader and Metrics Writer to a system-assigned endpoint
    identity; a second assignment of the same principal/role/scope fails with 409 RoleAssignmentExists."""
    assert one(blue_green, ENDPOINT).inputs["identity"] == {"type": "SystemAssigned"}
    assert of_type(blue_green, "azure-native:authorization:RoleAssignment") == []


def test_identities_azure_does_not_cover_get_their_role_assignments() -> None:
    assert not endpoint_needs_role_assignments("SystemAssigned")
    assert endpoint_needs_role_assignments("UserAssigned")


def test_diagnostics_send_endpoint_logs_to_log_analytics(blue_green: PlanResult) -> None:
    setting = named(blue_green, "demo-endpoint-diagnostics").inputs
    assert [log["category"] for log in setting["logs"]] == [
        "AmlOnlineEndpointTrafficLog",
        "AmlOnlineEndpointConsoleLog",
        "AmlOnlineEndpointEventLog",
    ]
    assert setting["resourceUri"].endswith("/onlineEndpoints/" + one(blue_green, ENDPOINT).inputs["endpointName"])
    without = plan_cluster(cluster_args(diagnostics={"enabled": False}))
    assert of_type(without, ENDPOINT) and not of_type(without, "azure-native:monitor:DiagnosticSetting")


def test_tags_reach_every_taggable_resource(blue_green: PlanResult) -> None:
    for r in blue_green.resources:
        if "tags" in r.inputs:
            assert r.inputs["tags"] == {"team": "ml"}, r.name


def test_keys_are_secrets_and_never_printed() -> None:
    from ml_inference_lb import InferenceCluster
    from ml_inference_lb.plan import run

    def program() -> None:
        import pulumi

        cluster = InferenceCluster("demo", cluster_args())
        pulumi.export("key", cluster.primary_key)
        pulumi.export("uri", cluster.scoring_uri)

    result = run(program)
    assert result.outputs["key"] == "[secret]"
    assert result.outputs["uri"].startswith("https://demo-") and result.outputs["uri"].endswith(
        ".westeurope.inference.ml.azure.com/score"
    )
    assert "mock-primary" not in render_json(result)
    component = one(result, "ml-inference-lb:index:InferenceCluster")
    assert component.custom is False


def test_token_auth_has_no_keys() -> None:
    from ml_inference_lb import InferenceCluster
    from ml_inference_lb.plan import run

    clusters: list[InferenceCluster] = []
    result = run(
        lambda: clusters.append(
            InferenceCluster("demo", cluster_args(endpoint={"auth_mode": "aad_token", "name": "my-endpoint"}))
        )
    )
    assert clusters[0].primary_key is None
    endpoint = one(result, ENDPOINT).inputs
    assert endpoint["properties"]["authMode"] == "AADToken" and endpoint["endpointName"] == "my-endpoint"
    assert not [r for r in result.resources if r.name == "demo-endpoint-suffix"]


def test_two_clusters_in_one_stack_do_not_collide() -> None:
    from ml_inference_lb import InferenceCluster
    from ml_inference_lb.plan import run

    result = run(lambda: [InferenceCluster("a", cluster_args()), InferenceCluster("b", cluster_args())])
    urns = [r.urn for r in result.resources]
    assert len(urns) == len(set(urns))
    assert len(result.specs) == 2


def test_derived_names_fit_each_azure_resource_rule() -> None:
    result = plan_cluster(cluster_args(workspace={"name": "9_team_models"}))
    # "_" is not allowed in a Log Analytics name: cleaned, and a hash of the source keeps it unique.
    logs = one(result, "azure-native:operationalinsights:Workspace").inputs["workspaceName"]
    assert logs.startswith("9-team-models-") and logs.endswith("-logs") and "_" not in logs
    vault = one(result, "azure-native:keyvault:Vault").inputs["vaultName"]
    assert vault[0].isalpha() and len(vault) <= 24
    registry = one(result, "azure-native:containerregistry:Registry").inputs["registryName"]
    assert registry.isalnum() and 5 <= len(registry) <= 50


def test_identifiers_accept_outputs_of_other_resources() -> None:
    import pulumi_azure_native as azure_native

    from ml_inference_lb import InferenceCluster
    from ml_inference_lb.plan import run

    def program() -> None:
        group = azure_native.resources.ResourceGroup("rg", resource_group_name="rg-from-resource")
        InferenceCluster("demo", cluster_args(resource_group_name=group.name, location="swedencentral"))

    result = run(program)
    endpoint = one(result, ENDPOINT).inputs
    assert endpoint["resourceGroupName"] == "rg-from-resource" and endpoint["location"] == "swedencentral"
