"""Property tests over network isolation, identities and secrets: valid args give a valid, well-ordered graph
that Azure's definitions accept; invalid ones give one clear error with the path."""

from __future__ import annotations

from typing import Any

from conftest import plan_cluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import security_cluster_args

from ml_inference_lb import InferenceClusterArgsError, build_spec
from ml_inference_lb.contract import check_plan, errors


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(security_cluster_args())
def test_valid_security_args_build_a_valid_ordered_graph(args: dict[str, Any]) -> None:
    spec = build_spec("prop", args)
    result = plan_cluster(args, name="prop")
    by_type: dict[str, list[Any]] = {}
    for r in result.resources:
        by_type.setdefault(r.type.rsplit(":", 1)[-1], []).append(r)
    deployments = by_type["OnlineDeployment"]
    endpoint = by_type["OnlineEndpoint"][0]
    private = spec.network.private
    assert endpoint.inputs["properties"]["publicNetworkAccess"] == ("Disabled" if private else "Enabled")
    assert bool(by_type.get("PrivateEndpoint")) == private
    rules = by_type.get("ManagedNetworkSettingsRule", [])
    assert len(rules) == len(spec.network.outbound_rules)
    provisioning = by_type.get("ManagedNetworkProvisioning", [])
    assert len(provisioning) == (0 if spec.network.mode == "none" else 1)
    for deployment in deployments:
        assert all(p.urn in deployment.dependencies for p in provisioning)
        for grant in by_type.get("RoleAssignment", []):
            if grant.name.startswith(("prop-endpoint-", "prop-secret-")):
                assert grant.urn in deployment.dependencies, grant.name
    for p in provisioning:
        assert all(r.urn in p.dependencies for r in rules)
    identity = endpoint.inputs["identity"]
    template = by_type["Deployment"][0].inputs["properties"]["template"]["resources"][0]["identity"]
    assert template["type"] == identity["type"]
    assert sorted(template.get("userAssignedIdentities", {})) == sorted(identity.get("userAssignedIdentities", []))
    for d in deployments:
        env = d.inputs["properties"].get("environmentVariables") or {}
        assert all(v.startswith("${{keyvault:https://") for k, v in env.items() if k.startswith("SECRET_"))
    problems = [str(v) for v in errors(check_plan(result))]
    assert not problems, "\n".join(problems)


BREAKERS: dict[str, tuple[str, Any]] = {
    "unknown mode": ("network_isolation.mode", lambda a: a["network_isolation"].update(mode="closed")),
    "public endpoint in private": (
        "endpoint.public_network_access",
        lambda a: (
            a["network_isolation"].update(mode="private", private_endpoint={"subnet_id": "/x"})
            or a["endpoint"].update(public_network_access="enabled")
        ),
    ),
    "bad identity id": (
        "endpoint.identity.user_assigned_identity_id",
        lambda a: a["endpoint"].update(identity={"type": "user_assigned", "user_assigned_identity_id": "scoring"}),
    ),
    "secret without version": (
        "secrets.broken.version",
        lambda a: a.setdefault("secrets", {}).update(broken={"key_vault_id": "/x", "secret_name": "s"}),
    ),
    "undeclared secret": (
        "deployments[0].secret_environment_variables.X",
        lambda a: a["deployments"][0].update(secret_environment_variables={"X": "nope"}),
    ),
    "fqdn without destination": (
        "network_isolation.outbound_rules[0].destination",
        lambda a: a["network_isolation"].update(mode="private", outbound_rules=[{"name": "r", "type": "fqdn"}]),
    ),
}


@settings(max_examples=30, deadline=None)
@given(security_cluster_args(), st.sampled_from(sorted(BREAKERS)))
def test_invalid_security_args_give_a_clear_error_with_the_path(args: dict[str, Any], breaker: str) -> None:
    path, breaks = BREAKERS[breaker]
    breaks(args)
    try:
        build_spec("prop", args)
    except InferenceClusterArgsError as error:
        paths = [p.path for p in error.problems]
        assert path in paths, (breaker, paths)
        assert all(p.message for p in error.problems)
    else:
        raise AssertionError(f"{breaker}: no error")
