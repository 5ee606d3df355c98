"""Property tests over both backends: valid args build a graph whose every resource is parented to the
component; args asking the inference_pool backend for what it lacks raise one error naming the path."""

from __future__ import annotations

from typing import Any

from conftest import cluster_args, plan_cluster, tiny_deployment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceClusterArgsError, build_spec

NAME = st.from_regex(r"\A[a-z][a-z0-9]{2,10}\Z")
BACKEND_TYPES = {
    "managed_online": "azure-native:machinelearningservices:OnlineDeployment",
    "inference_pool": "azure-native:machinelearningservices:InferenceGroup",
}


@st.composite
def valid_args(draw: st.DrawFn) -> dict[str, Any]:
    """Args both backends accept: at most one live deployment, no mirror, no autoscale, Entra auth."""
    backend = draw(st.sampled_from(sorted(BACKEND_TYPES)))
    names = draw(st.lists(NAME, min_size=1, max_size=4, unique_by=str.lower))
    live = draw(st.sampled_from([None, *range(len(names))]))
    deployments = [
        tiny_deployment(
            n,
            traffic_percent=100 if i == live else 0,
            instance_count=draw(st.integers(1, 50)),
            request_settings={"request_timeout_ms": draw(st.integers(1, 180_000))},
        )
        for i, n in enumerate(names)
    ]
    pool: dict[str, Any] = {"instance_type": draw(st.sampled_from(["Standard_DS3_v2", "Standard_NC6s_v3"]))}
    if backend == "inference_pool":
        if draw(st.booleans()):
            pool["scale_unit_size"] = draw(st.integers(1, 64))
        if draw(st.booleans()):
            pool["scale_unit"] = {"public_egress": draw(st.sampled_from(["enabled", "disabled"]))}
    return cluster_args(*deployments, backend=backend, pool=pool, endpoint={"auth_mode": "aad_token"})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_args())
def test_valid_args_on_either_backend_build_a_parented_graph(args: dict[str, Any]) -> None:
    spec = build_spec("prop", args)
    result = plan_cluster(args, name="prop")
    component = next(r for r in result.resources if r.type == "ml-inference-lb:index:InferenceCluster")
    assert all(r.parent == component.urn for r in result.resources if r is not component)
    served = [r for r in result.resources if r.type == BACKEND_TYPES[spec.backend]]
    assert len(served) == len(spec.deployments)
    other = next(t for b, t in BACKEND_TYPES.items() if b != spec.backend)
    assert not [r for r in result.resources if r.type == other]


# Each breaks one inference_pool rule: (how to break the args, the path the error must name).
BREAKS = {
    "split": (lambda a: a["deployments"][1].update(traffic_percent=30), "deployments[1].traffic_percent"),
    "mirror": (lambda a: a["deployments"][1].update(mirror_percent=10), "deployments[1].mirror_percent"),
    "autoscale": (lambda a: a["deployments"][0].update(autoscale={"max_instances": 3}), "deployments[0].autoscale"),
    "pool_autoscale": (lambda a: a["pool"].update(autoscale={"max_instances": 3}), "pool.autoscale"),
    "key_auth": (lambda a: a["endpoint"].update(auth_mode="key"), "endpoint.auth_mode"),
    "aml_token": (lambda a: a["endpoint"].update(auth_mode="aml_token"), "endpoint.auth_mode"),
    "scale_unit_size": (lambda a: a["pool"].update(scale_unit_size=0), "pool.scale_unit_size"),
}


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(NAME, min_size=2, max_size=4, unique_by=str.lower),
    broken=st.sets(st.sampled_from(sorted(BREAKS)), min_size=1),
)
def test_pool_backend_rejects_what_it_lacks_with_the_path(names: list[str], broken: set[str]) -> None:
    args = cluster_args(
        tiny_deployment(names[0], traffic_percent=70),
        *(tiny_deployment(n) for n in names[1:]),
        backend="inference_pool",
        pool={},
        endpoint={},
    )
    for key in broken:
        BREAKS[key][0](args)
    if "split" not in broken:
        args["deployments"][0]["traffic_percent"] = 100
    try:
        build_spec("prop", args)
    except InferenceClusterArgsError as error:
        paths = {p.path for p in error.problems}
        assert {BREAKS[key][1] for key in broken} <= paths
        assert all(p.message for p in error.problems)
    else:
        raise AssertionError(f"{sorted(broken)} accepted by the inference_pool backend")
