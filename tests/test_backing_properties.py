"""Property tests of backing_services: valid args give a valid graph whose request bodies Azure's definitions
accept; invalid args give a clear error with their path."""

from __future__ import annotations

import copy
from typing import Any

from conftest import plan_cluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import valid_backing_cluster_args

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.contract import check_plan, errors
from ml_inference_lb.spec.connection import PASSWORD_VARIABLES, POSTGRES_VARIABLES, REDIS_VARIABLES


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_backing_cluster_args())
def test_valid_backing_args_build_a_valid_graph_azure_accepts(args: dict[str, Any]) -> None:
    spec = build_spec("prop", args)
    assert spec.backing is not None
    result = plan_cluster(args, name="prop")
    component = next(r for r in result.resources if r.type == "ml-inference-lb:index:InferenceCluster")
    assert all(r.parent == component.urn for r in result.resources if r is not component)

    grants = {
        r.urn
        for r in result.resources
        if r.type.endswith((":AccessPolicyAssignment", ":AdministratorsMicrosoftEntra", ":ManagedNetworkSettingsRule"))
    }
    for deployment in spec.deployments:
        resource = next(r for r in result.resources if r.name == f"prop-{deployment.name}")
        env = resource.inputs["properties"].get("environmentVariables") or {}
        backing_keys = {k for k in env if k in POSTGRES_VARIABLES or k in REDIS_VARIABLES}
        assert not backing_keys & set(PASSWORD_VARIABLES)
        assert ("PGHOST" in env) == (deployment.backing.database is not None)
        assert ("REDIS_HOST" in env) == deployment.backing.cache
        if deployment.backing.database is not None:
            assert env["PGDATABASE"] == deployment.backing.database.database
            assert env["PGSSLMODE"] == "require"
        if deployment.backing.cache:
            assert (env["REDIS_PORT"], env["REDIS_SSL"]) == ("10000", "true")
        assert grants <= set(resource.dependencies)

    rules = [r for r in result.resources if r.type.endswith(":ManagedNetworkSettingsRule")]
    services = (spec.backing.cache is not None) + (spec.backing.database is not None)
    assert len(rules) == (services if spec.backing.connectivity == "private_endpoint" else 0)
    for created in (r for r in result.resources if r.type.endswith((":RedisEnterprise", "dbforpostgresql:Server"))):
        public = created.inputs.get("publicNetworkAccess") or created.inputs["network"]["publicNetworkAccess"]
        assert public == ("Enabled" if spec.backing.connectivity == "public" else "Disabled")

    problems = [str(v) for v in errors(check_plan(result))]
    assert not problems, "\n".join(problems)


def _set(path: list[Any], value: Any) -> Any:
    def apply(args: dict[str, Any]) -> None:
        target: Any = args
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
        target[path[-1]] = value

    return apply


BREAKERS: dict[str, tuple[str, Any]] = {
    "retired Redis SKU": ("backing_services.cache.sku", _set(["backing_services", "cache", "sku"], "Enterprise_E5")),
    "unknown connectivity": ("backing_services.connectivity", _set(["backing_services", "connectivity"], "vpn")),
    "bad database name": (
        "backing_services.database.databases[0].name",
        _set(["backing_services", "database", "databases"], [{"name": "Bad-Name"}]),
    ),
    "HA on Burstable": (
        "backing_services.database.high_availability",
        lambda a: a["backing_services"].update(
            database={"tier": "Burstable", "sku": "Standard_B1ms", "high_availability": "same_zone"}
        ),
    ),
    "contract variable set by hand": (
        "deployments[0].environment_variables.REDIS_HOST",
        lambda a: (
            a["backing_services"].setdefault("cache", {}),
            a["deployments"][0].update(environment_variables={"REDIS_HOST": "x"}, backing_services={"cache": True}),
        ),
    ),
    "deployment picks an unknown database": (
        "deployments[0].backing_services.database.name",
        lambda a: (
            a["backing_services"].setdefault("database", {}),
            a["deployments"][0].update(backing_services={"database": {"name": "nowhere"}}),
        ),
    ),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_backing_cluster_args(), st.sampled_from(sorted(BREAKERS)))
def test_invalid_backing_args_give_a_clear_error_with_the_path(args: dict[str, Any], breaker: str) -> None:
    path, breaks = BREAKERS[breaker]
    args = copy.deepcopy(args)
    breaks(args)
    try:
        build_spec("prop", args)
    except InferenceClusterArgsError as error:
        paths = {p.path for p in error.problems}
        assert path in paths, (breaker, paths)
    else:
        raise AssertionError(f"{breaker}: no error")
