"""The inference_pool backend under Pulumi's mocks: every mapping from the spec to pool, groups, endpoints."""

from __future__ import annotations

import os
import re

import pulumi
import pytest
from conftest import EXAMPLES, cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb import InferenceCluster
from ml_inference_lb.azure.pool import dockerfile
from ml_inference_lb.plan import PlanResult, RegisteredResource, run, run_directory

POOL = "azure-native:machinelearningservices:InferencePool"
GROUP = "azure-native:machinelearningservices:InferenceGroup"
ENDPOINT = "azure-native:machinelearningservices:InferenceEndpoint"
ENVIRONMENT = "azure-native:machinelearningservices:EnvironmentVersion"
COMPONENT = "ml-inference-lb:index:InferenceCluster"
MANAGED_ONLY = (
    "azure-native:machinelearningservices:OnlineEndpoint",
    "azure-native:machinelearningservices:OnlineDeployment",
    "azure-native:machinelearningservices:CodeVersion",
    "azure-native:monitor:AutoscaleSetting",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:resources:Deployment",
)


def of_type(result: PlanResult, type_token: str) -> list[RegisteredResource]:
    return [r for r in result.resources if r.type == type_token]


def named(result: PlanResult, type_token: str, name: str) -> RegisteredResource:
    return next(r for r in of_type(result, type_token) if r.name == name)


@pytest.fixture(scope="module")
def pool_plan() -> PlanResult:
    return plan_cluster(
        cluster_args(
            tiny_deployment(
                "blue",
                traffic_percent=100,
                instance_count=3,
                environment_variables={"WORKER_COUNT": "4", "MODEL_VERSION": "v1"},
                probes={"startup": {"period_seconds": 5, "timeout_seconds": 3}},
                request_settings={"request_timeout_ms": 2500, "max_concurrent_requests_per_instance": 4},
            ),
            tiny_deployment("green", instance_type="Standard_NC6s_v3"),
            backend="inference_pool",
            location="northeurope",
            endpoint={"description": "tiny"},
            pool={
                "instance_type": "Standard_D4s_v3",
                "scale_unit_size": 2,
                "scale_unit": {"registries": ["azureml"], "public_egress": "disabled"},
            },
            probes={"liveness": {"initial_delay_seconds": 20}},
            tags={"team": "ml"},
        )
    )


def test_logical_names_are_stable(pool_plan: PlanResult) -> None:
    names = {(r.type, r.name) for r in pool_plan.resources}
    assert {
        (POOL, "demo-pool"),
        (GROUP, "demo-blue"),
        (GROUP, "demo-green"),
        (ENDPOINT, "demo-blue-endpoint"),
        (ENDPOINT, "demo-green-endpoint"),
        ("azure-native:authorization:RoleAssignment", "demo-pool-blob-reader"),
        ("azure-native:authorization:RoleAssignment", "demo-pool-acr-pull"),
        (ENVIRONMENT, "demo-image-tiny-env-demo-src"),
        ("azure-native:storage:Blob", "demo-image-tiny-env-demo-src/Dockerfile"),
        ("azure-native:storage:Blob", "demo-image-tiny-env-demo-src/conda.yml"),
        ("azure-native:storage:Blob", "demo-image-tiny-env-demo-src/code/score.py"),
    } <= names


def test_every_child_is_parented_to_the_component(pool_plan: PlanResult) -> None:
    component = next(r for r in pool_plan.resources if r.type == COMPONENT)
    assert all(r.parent == component.urn for r in pool_plan.resources if r is not component)


def test_no_managed_online_resources(pool_plan: PlanResult) -> None:
    assert not [r.name for r in pool_plan.resources if r.type in MANAGED_ONLY]


def test_pool_mapping(pool_plan: PlanResult) -> None:
    (pool,) = of_type(pool_plan, POOL)
    assert pool.inputs["inferencePoolName"] == "demo-pool"
    assert pool.inputs["workspaceName"].startswith("demo-ws-")
    assert pool.inputs["location"] == "northeurope"
    assert pool.inputs["identity"] == {"type": "SystemAssigned"}
    assert pool.inputs["tags"] == {"team": "ml"}
    assert pool.inputs["inferencePoolProperties"]["scaleUnitConfiguration"] == {
        "registries": ["azureml"],
        "disablePublicEgress": True,
    }


def test_scale_unit_configuration_is_left_out_when_not_given() -> None:
    result = plan_cluster(cluster_args(backend="inference_pool"))
    (pool,) = of_type(result, POOL)
    assert "scaleUnitConfiguration" not in pool.inputs["inferencePoolProperties"]
    group = named(result, GROUP, "demo-blue")
    assert "scaleUnitSize" not in group.inputs["inferenceGroupProperties"]


def test_group_mapping(pool_plan: PlanResult) -> None:
    blue = named(pool_plan, GROUP, "demo-blue")
    assert blue.inputs["groupName"] == "blue"
    assert blue.inputs["poolName"] == "demo-pool"
    assert blue.inputs["sku"] == {"name": "Default", "capacity": 3}
    props = blue.inputs["inferenceGroupProperties"]
    assert props["nodeSkuType"] == "Standard_D4s_v3"
    assert props["scaleUnitSize"] == 2
    assert props["modelConfiguration"]["modelId"].endswith("/models/tiny/versions/" + _model_version(pool_plan))
    env = props["environmentConfiguration"]
    assert env["environmentId"].endswith("/environments/tiny-env-demo-src/versions/" + _image_version(pool_plan))
    assert env["environmentVariables"] == [
        {"key": "APP_INSIGHTS_LOG_RESPONSE_ENABLED", "value": "false"},
        {"key": "MODEL_VERSION", "value": "v1"},
        {"key": "WORKER_COUNT", "value": "4"},
    ]
    assert env["livenessProbe"] == {
        "initialDelay": "PT20S",
        "period": "PT10S",
        "timeout": "PT2S",
        "successThreshold": 1,
        "failureThreshold": 30,
    }
    assert env["readinessProbe"]["initialDelay"] == "PT10S"
    assert env["startupProbe"]["period"] == "PT5S"
    assert env["startupProbe"]["timeout"] == "PT3S"
    assert blue.inputs["tags"] == {"team": "ml"}


def test_group_overrides_and_defaults(pool_plan: PlanResult) -> None:
    green = named(pool_plan, GROUP, "demo-green")
    assert green.inputs["sku"]["capacity"] == 1
    props = green.inputs["inferenceGroupProperties"]
    assert props["nodeSkuType"] == "Standard_NC6s_v3"
    # Only the library's own: response bodies stay out of logs (docs/environment-variables.md).
    assert props["environmentConfiguration"]["environmentVariables"] == [
        {"key": "APP_INSIGHTS_LOG_RESPONSE_ENABLED", "value": "false"}
    ]
    assert "startupProbe" not in props["environmentConfiguration"]


def test_groups_wait_for_the_pool_and_its_access(pool_plan: PlanResult) -> None:
    pool = of_type(pool_plan, POOL)[0]
    roles = {r.urn for r in pool_plan.resources if r.name.startswith("demo-pool-") and "RoleAssignment" in r.type}
    for group in of_type(pool_plan, GROUP):
        assert pool.urn in group.dependencies
        assert roles <= set(group.dependencies)
        assert group.deleted_with == pool.urn


def test_endpoint_mapping(pool_plan: PlanResult) -> None:
    blue = named(pool_plan, ENDPOINT, "demo-blue-endpoint")
    group = named(pool_plan, GROUP, "demo-blue")
    assert blue.inputs["endpointName"] == "demo-blue"
    assert blue.inputs["poolName"] == "demo-pool"
    assert group.urn in blue.dependencies
    assert blue.deleted_with == of_type(pool_plan, POOL)[0].urn
    assert blue.inputs["inferenceEndpointProperties"] == {
        "authMode": "AAD",
        "groupName": "blue",
        "description": "tiny",
        "requestConfiguration": {"requestTimeout": "PT2.5S", "maxConcurrentRequestsPerInstance": 4},
    }
    green = named(pool_plan, ENDPOINT, "demo-green-endpoint")
    assert green.inputs["inferenceEndpointProperties"]["groupName"] == "green"
    assert green.inputs["inferenceEndpointProperties"]["requestConfiguration"] == {
        "requestTimeout": "PT5S",
        "maxConcurrentRequestsPerInstance": 1,
    }


def test_endpoint_names_follow_endpoint_name() -> None:
    result = plan_cluster(cluster_args(backend="inference_pool", endpoint={"name": "iris-prod"}))
    assert named(result, ENDPOINT, "demo-blue-endpoint").inputs["endpointName"] == "iris-prod-blue"


def test_code_is_built_into_one_environment_shared_by_both_groups(pool_plan: PlanResult) -> None:
    (environment,) = of_type(pool_plan, ENVIRONMENT)
    props = environment.inputs["properties"]
    assert props["build"]["dockerfilePath"] == "Dockerfile"
    # The environment service needs the build context as a folder URI ending in "/" (azure-ai-ml appends it,
    # _artifacts/_artifact_utilities.py, _check_and_upload_env_build_context).
    assert props["build"]["contextUri"].endswith(f"/LocalUpload/{_image_version(pool_plan)}/context/")
    assert props["inferenceConfig"] == {
        "livenessRoute": {"path": "/", "port": 5001},
        "readinessRoute": {"path": "/", "port": 5001},
        "scoringRoute": {"path": "/score", "port": 5001},
    }
    blobs = [r for r in pool_plan.resources if r.name.startswith("demo-image-")]
    assert {b.urn for b in blobs if b is not environment} <= set(environment.dependencies)
    ids = {
        g.inputs["inferenceGroupProperties"]["environmentConfiguration"]["environmentId"]
        for g in of_type(pool_plan, GROUP)
    }
    assert len(ids) == 1


def test_dockerfile_installs_conda_copies_code_and_runs_the_inference_server() -> None:
    text = dockerfile("mcr.microsoft.com/azureml/base:1", "pkg/score.py", with_conda=True)
    lines = text.splitlines()
    assert lines[0] == "FROM mcr.microsoft.com/azureml/base:1"
    assert "COPY conda.yml /tmp/conda.yml" in lines
    assert "COPY code/ /var/azureml-app/" in lines
    assert "ENV AML_APP_ROOT=/var/azureml-app AZUREML_ENTRY_SCRIPT=pkg/score.py" in lines
    assert lines[-1] == 'CMD ["azmlinfsrv", "--entry_script", "/var/azureml-app/pkg/score.py", "--port", "5001"]'
    assert "conda" not in dockerfile("img", "score.py", with_conda=False)


def test_code_less_deployments_use_the_catalog_environment() -> None:
    served = tiny_deployment("blue", environment={"asset_id": "azureml:serve-itself:3"})
    del served["code"]
    built = tiny_deployment("green")
    del built["code"]
    result = plan_cluster(cluster_args(served, built, backend="inference_pool"))
    env_ids = {
        g.name: g.inputs["inferenceGroupProperties"]["environmentConfiguration"]["environmentId"]
        for g in of_type(result, GROUP)
    }
    assert re.search(r"/workspaces/demo-ws-[a-z0-9]+/environments/serve-itself/versions/3$", env_ids["demo-blue"])
    assert "/environments/tiny-env/versions/" in env_ids["demo-green"]
    assert [e.name for e in of_type(result, ENVIRONMENT)] == ["demo-environment-tiny-env"]


def test_outputs_are_the_primary_endpoint_and_no_keys() -> None:
    args = cluster_args(
        tiny_deployment("blue"), tiny_deployment("green", traffic_percent=100), backend="inference_pool"
    )
    keys: list[object] = []

    def program() -> None:
        cluster = InferenceCluster("demo", args)
        keys.extend([cluster.primary_key, cluster.secondary_key])
        pulumi.export("endpoint_name", cluster.endpoint_name)
        pulumi.export("endpoint_id", cluster.endpoint_id)
        pulumi.export("deployment_ids", cluster.deployment_ids)
        pulumi.export("pool_name", cluster.pool_name)
        pulumi.export("endpoint_uris", cluster.endpoint_uris)

    result = run(program)
    assert keys == [None, None]
    assert result.outputs["endpoint_name"] == "demo-green"
    assert result.outputs["endpoint_id"].endswith("/inferencePools/demo-pool/endpoints/demo-green")
    assert result.outputs["pool_name"] == "demo-pool"
    assert set(result.outputs["deployment_ids"]) == {"blue", "green"}
    assert result.outputs["deployment_ids"]["blue"].endswith("/inferencePools/demo-pool/groups/blue")
    assert set(result.outputs["endpoint_uris"]) == {"blue", "green"}
    assert result.specs[0].backend == "inference_pool"


def test_example_plans_with_pool_groups_and_endpoints() -> None:
    result = run_directory(os.path.join(EXAMPLES, "inference-pool"))
    component = next(r for r in result.resources if r.type == COMPONENT)
    assert [r.name for r in of_type(result, POOL)] == ["iris-pool"]
    assert sorted(r.name for r in of_type(result, GROUP)) == ["iris-blue", "iris-green"]
    assert sorted(r.name for r in of_type(result, ENDPOINT)) == ["iris-blue-endpoint", "iris-green-endpoint"]
    assert all(r.parent == component.urn for r in result.resources if r is not component)
    assert result.outputs["pool_name"] == "iris-pool"
    assert result.outputs["endpoint_name"] == "iris-blue"
    assert result.specs[0].backend == "inference_pool"


def _model_version(result: PlanResult) -> str:
    model = next(r for r in result.resources if r.type.endswith(":ModelVersion"))
    return str(model.inputs["version"])


def _image_version(result: PlanResult) -> str:
    return str(of_type(result, ENVIRONMENT)[0].inputs["version"])
