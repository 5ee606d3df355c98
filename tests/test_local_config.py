"""The local target's Traefik configuration and failure reports, as pure functions (no processes)."""

from __future__ import annotations

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb.local.processes import ManagedProcess
from ml_inference_lb.local.replicas import Replica, replica_env
from ml_inference_lb.local.supervisor import DeploymentState, Supervisor, failure_excerpt
from ml_inference_lb.local.traefik_config import DeploymentPlan, ServingPlan, dynamic_config, static_config
from ml_inference_lb.spec.model import ProbeSpec

READINESS = ProbeSpec(initial_delay_s=0, period_s=2, timeout_s=1, success_threshold=1, failure_threshold=3)


def _plan(*deployments: tuple[str, int, int]) -> ServingPlan:
    return ServingPlan(
        cluster="demo",
        port=8080,
        api_port=8081,
        key="the-key",
        deny_secret="nobody-knows",
        deployments=tuple(
            DeploymentPlan(name, i, traffic, mirror, 9000 + i, READINESS, 3000, 4, f"{name}-0a1b2c")
            for i, (name, traffic, mirror) in enumerate(deployments)
        ),
    )


def test_static_config_listens_on_loopback_only_and_never_calls_home() -> None:
    static = static_config(_plan(("blue", 100, 0)), "/tmp/dyn")
    addresses = [ep["address"] for ep in static["entryPoints"].values()]
    assert addresses == ["127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:9000"]
    assert static["global"] == {"checkNewVersion": False, "sendAnonymousUsage": False}
    assert static["providers"]["file"] == {"directory": "/tmp/dyn", "watch": True}


def test_weights_mirror_and_per_deployment_limits() -> None:
    plan = _plan(("blue", 90, 0), ("green", 10, 0), ("shadow", 0, 20))
    http = dynamic_config(plan, {"blue": [1, 2], "green": [3], "shadow": [4]})["http"]
    assert http["services"]["live"]["weighted"]["services"] == [
        {"name": "deployment-blue", "weight": 90},
        {"name": "deployment-green", "weight": 10},
    ]
    assert http["services"]["endpoint"]["mirroring"] == {
        "service": "live",
        "mirrors": [{"name": "deployment-shadow", "percent": 20}],
    }
    assert http["routers"]["score"]["service"] == "endpoint"
    # Azure's limit: 2 x max_concurrent_requests_per_instance (4) x the ready replicas
    assert http["middlewares"]["limit-blue"] == {"inFlightReq": {"amount": 16}}
    assert http["middlewares"]["limit-green"] == {"inFlightReq": {"amount": 8}}
    assert http["routers"]["inner-blue"]["middlewares"] == ["timeout-blue", "limit-blue", "retry-blue"]
    assert http["middlewares"]["timeout-blue"]["errors"]["statusRewrites"] == {"504": 408}
    assert http["services"]["replicas-blue"]["loadBalancer"]["servers"] == [
        {"url": "http://127.0.0.1:1"},
        {"url": "http://127.0.0.1:2"},
    ]
    assert http["services"]["replicas-blue"]["loadBalancer"]["healthCheck"] == {
        "path": "/",
        "interval": "2000ms",
        "timeout": "1000ms",
    }
    assert http["serversTransports"]["timeout-blue"] == {"forwardingTimeouts": {"responseHeaderTimeout": "3000ms"}}


def test_key_is_checked_on_every_scoring_route() -> None:
    http = dynamic_config(_plan(("blue", 100, 0)), {"blue": [1]})["http"]
    auth = "Header(`Authorization`, `Bearer the-key`)"
    assert auth in http["routers"]["score"]["rule"]
    assert auth in http["routers"]["to-blue"]["rule"]
    # Azure's header takes the deployment's Azure name (DeploymentSpec.azure_name), not the user's name.
    assert "Header(`azureml-model-deployment`, `blue-0a1b2c`)" in http["routers"]["to-blue"]["rule"]
    assert "`blue`)" not in http["routers"]["to-blue"]["rule"]
    deny = http["routers"]["unauthorized"]
    assert deny["rule"].endswith(f"!{auth}") and deny["middlewares"] == ["deny"]
    assert "nobody-knows" not in str(http["middlewares"]["deny"])  # only its hash is written


def test_a_deployment_without_ready_replicas_leaves_the_split_and_the_mirror() -> None:
    plan = _plan(("blue", 50, 0), ("green", 50, 0), ("shadow", 0, 10))
    http = dynamic_config(plan, {"blue": [1], "green": [], "shadow": []})["http"]
    assert http["services"]["live"]["weighted"]["services"] == [{"name": "deployment-blue", "weight": 50}]
    assert "endpoint" not in http["services"]
    assert http["routers"]["score"]["service"] == "live"
    nothing = dynamic_config(plan, {})["http"]
    assert "score" not in nothing["routers"] and "unauthorized" in nothing["routers"]


def test_failure_excerpt_keeps_the_users_traceback() -> None:
    log = [
        "I gunicorn - Booting worker",
        "E azmlinfsrv - User's init function failed",
        "Traceback (most recent call last):",
        '  File "score.py", line 3, in init',
        "RuntimeError: no model",
        "",
        "The above exception was the direct cause of the following exception:",
        "Traceback (most recent call last):",
        "UserScriptException: Failed to execute init()",
    ]
    assert failure_excerpt(log) == log[1:5]
    assert failure_excerpt(["a", "b", "c"], limit=2) == ["b", "c"]


def test_replica_environment_comes_from_the_deployment_not_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_COUNT", "9")
    monkeypatch.setenv("AZUREML_MODEL_DIR", "/somewhere/else")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--worker-class gthread")
    spec = plan_cluster(
        cluster_args(tiny_deployment("blue", traffic_percent=100, environment_variables={"MODEL_VERSION": "v2"}))
    ).specs[0]
    env = replica_env(spec.deployments[0], 3)
    assert env["WORKER_COUNT"] == "1"  # Azure's default, not the shell's 9
    assert "AZUREML_MODEL_DIR" not in env  # the server sets it from --model_dir
    assert env["MODEL_VERSION"] == "v2"
    assert env["ML_INFERENCE_LB_REPLICA"] == "blue-3"
    assert env["GUNICORN_CMD_ARGS"] == "--worker-class gthread --no-control-socket"


def test_the_startup_probe_guards_a_replica_until_it_is_first_ready() -> None:
    probes = {"startup": {"period_seconds": 5, "failure_threshold": 7}, "liveness": {"period_seconds": 3}}
    spec = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100, probes=probes))).specs[0]
    deployment = spec.deployments[0]
    assert deployment.probes.startup is not None
    d = DeploymentState(spec=deployment, plan=_plan(("blue", 100, 0)).deployments[0], desired=1)
    replica = Replica("blue", 0, 1234, ManagedProcess(["true"], env={}, log_path="/dev/null"))
    assert Supervisor.restart_probe(d, replica) == deployment.probes.startup
    replica.state = "ready"
    assert Supervisor.restart_probe(d, replica) == deployment.probes.liveness
