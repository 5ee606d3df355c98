"""Azure names: unique where Azure needs them, by construction; new ones for a re-created stack."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.azure import azure_names
from ml_inference_lb.global_lb import GlobalInferenceService, build_global_spec
from ml_inference_lb.plan import PlanResult, run
from ml_inference_lb.spec import ClusterSpec, NewWorkspaceSpec
from ml_inference_lb.spec.names import fit

WORKSPACE = "azure-native:machinelearningservices:Workspace"
SUFFIX = "abcd1234"  # the worst case: two components whose random suffixes happen to be equal

cluster_names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=70
).filter(lambda n: n[0].isalpha())


def _spec(name: str) -> ClusterSpec:
    return build_spec(name, cluster_args(tiny_deployment("blue", traffic_percent=100)))


def _names(spec: ClusterSpec) -> dict[str, str]:
    assert isinstance(spec.workspace, NewWorkspaceSpec)
    ws = azure_names.new_workspace_names(spec.workspace, SUFFIX)
    endpoint = azure_names.endpoint_name(spec.endpoint.name_prefix, "x1y2z")
    return {
        "workspace": ws.workspace,
        "storage account": ws.storage_account,
        "key vault": ws.key_vault,
        "container registry": ws.container_registry,
        "log analytics": ws.log_analytics,
        "app insights": ws.app_insights,
        "endpoint": endpoint,
        "autoscale setting": azure_names.autoscale_setting_name(ws.workspace, endpoint, "blue"),
        "traffic deployment": azure_names.traffic_deployment_name(ws.workspace, endpoint),
    }


LIMITS = {
    "workspace": (3, 33),
    "storage account": (3, 24),
    "key vault": (3, 24),
    "container registry": (5, 50),
    "log analytics": (4, 63),
    "app insights": (1, 260),
    "endpoint": (3, 32),
    "autoscale setting": (1, 260),
    "traffic deployment": (1, 64),
}


@st.composite
def name_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two component names, often ones a naive derivation confuses: same text in another case or with
    '_' for '-', one cut where the other goes on, or a region of the same long service name."""
    first = draw(cluster_names)
    how = draw(st.sampled_from(["any", "case", "underscore", "longer", "regions"]))
    if how == "case":
        return first, first.swapcase() if first.swapcase()[0].isalpha() else first + "A"
    if how == "underscore":
        return first, first.replace("-", "_") if "-" in first else first + "_x"
    if how == "longer":
        return first + "x" * 30, first + "x" * 30 + draw(cluster_names)
    if how == "regions":
        return f"{first}-westeurope", f"{first}-northeurope"
    return first, draw(cluster_names)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name_pairs())
def test_two_different_components_never_share_an_azure_name(pair: tuple[str, str]) -> None:
    first, second = pair
    if first == second:
        return
    a, b = _names(_spec(first)), _names(_spec(second))
    for kind in a:
        assert a[kind] != b[kind], f"{kind}: {first!r} and {second!r} both give {a[kind]!r}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_names)
def test_every_generated_name_keeps_azures_length_and_character_rules(name: str) -> None:
    names = _names(_spec(name))
    for kind, value in names.items():
        low, high = LIMITS[kind]
        assert low <= len(value) <= high, (kind, value)
    assert names["storage account"].isalnum() and names["storage account"].islower()
    assert names["container registry"].isalnum()
    assert names["key vault"][0].isalpha()
    assert names["endpoint"][0].isalpha() and "--" not in names["workspace"]


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80), st.integers(6, 40))
def test_fit_is_injective_whatever_it_has_to_cut_or_clean(first: str, second: str, limit: int) -> None:
    if first != second:
        assert fit(first, limit) != fit(second, limit)
        assert fit(first, limit, hyphens=False) != fit(second, limit, hyphens=False)
    assert len(fit(first, limit)) <= limit


def test_names_that_fit_are_kept_as_they_are() -> None:
    assert fit("iris-ws", 24) == "iris-ws"
    assert fit("Iris_WS", 24).startswith("iris-ws-")  # changed: a hash of the source follows


def _global(service: str, **cluster: Any) -> dict[str, Any]:
    region_cluster = {
        "endpoint": {"auth_mode": "aad_token"},
        "deployments": [tiny_deployment("blue", traffic_percent=100, autoscale={"max_instances": 2})],
        **cluster,
    }
    return {
        "resource_group_name": "rg-global",
        "regions": [
            {"location": "westeurope", "cluster": region_cluster},
            {"location": "northeurope", "cluster": region_cluster},
        ],
    }


def test_regions_of_a_service_with_a_long_name_get_distinct_names_in_one_resource_group() -> None:
    """Before: both regions' names were cut from "<service>-<region>-ws" at 33 characters, the same."""
    service = "fraud-scoring-production-europe-primary"

    def program() -> None:
        GlobalInferenceService(service, _global(service))

    spec = build_global_spec(service, _global(service))
    prefixes = [(r.cluster.workspace.name_prefix, r.cluster.endpoint.name_prefix) for r in spec.regions]  # type: ignore[union-attr]
    assert prefixes[0][0] != prefixes[1][0] and prefixes[0][1] != prefixes[1][1]
    result = run(program)
    for type_token, name_input in (
        (WORKSPACE, "workspaceName"),
        ("azure-native:operationalinsights:Workspace", "workspaceName"),
        ("azure-native:applicationinsights:Component", "resourceName"),
        ("azure-native:monitor:AutoscaleSetting", "autoscaleSettingName"),
        ("azure-native:resources:Deployment", "deploymentName"),
        ("azure-native:storage:StorageAccount", "accountName"),
        ("azure-native:keyvault:Vault", "vaultName"),
        ("azure-native:containerregistry:Registry", "registryName"),
    ):
        values = [r.inputs[name_input] for r in result.resources if r.type == type_token]
        assert len(values) == 2 and len(set(values)) == 2, (type_token, values)


def test_the_same_explicit_workspace_name_in_two_regions_of_one_group_is_refused() -> None:
    with pytest.raises(InferenceClusterArgsError) as caught:
        build_global_spec("svc", _global("svc", workspace={"name": "shared-ws"}))
    problems = {p.path: p.message for p in caught.value.problems}
    assert "regions[1].cluster.workspace.name" in problems
    assert "regions[0].cluster.workspace.name" not in problems


def _workspace(result: PlanResult) -> Any:
    return next(r for r in result.resources if r.type == WORKSPACE)


def test_the_default_workspace_name_comes_from_the_stacks_random_suffix() -> None:
    """Azure ML soft-deletes a workspace and refuses its name for 14 days: a stack destroyed and created
    again must not ask for the same name. The suffix is a pulumi-random resource of the stack, so a new
    stack draws a new one."""
    result = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100)))
    workspace = _workspace(result)
    suffix = next(r for r in result.resources if r.name == "demo-suffix")
    assert suffix.type == "random:index/randomString:RandomString"
    assert dict(workspace.property_dependencies)["workspaceName"] == (suffix.urn,)
    assert workspace.inputs["workspaceName"].startswith("demo-ws-")
    assert len(workspace.inputs["workspaceName"]) == len("demo-ws-") + azure_names.SUFFIX_LENGTH


def test_an_explicit_workspace_name_is_used_as_given() -> None:
    result = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100), workspace={"name": "team-ws"}))
    workspace = _workspace(result)
    assert workspace.inputs["workspaceName"] == "team-ws"
    assert not dict(workspace.property_dependencies).get("workspaceName")
