"""The local target's Traefik configuration, restart policy and failure reports, as pure functions
(no processes)."""

from __future__ import annotations

import pytest
from conftest import cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb.local.processes import ManagedProcess
from ml_inference_lb.local.replicas import Replica, replica_env
from ml_inference_lb.local.restarts import CrashCount, RestartPolicy
from ml_inference_lb.local.supervisor import DeploymentState, Supervisor, failure_excerpt
from ml_inference_lb.local.traefik_config import (
    INTERNAL_HEADER,
    DeploymentPlan,
    ServingPlan,
    dynamic_config,
    static_config,
)

AUTH = "Header(`Authorization`, `Bearer the-key`)"
SECRET_RULE = f"Header(`{INTERNAL_HEADER}`, `inside`)"


def _plan(
    *deployments: tuple[str, int, int], metrics: bool = False, keys: tuple[str, ...] = ("the-key",)
) -> ServingPlan:
    return ServingPlan(
        cluster="demo",
        port=8080,
        internal_port=8081,
        keys=keys,
        deny_secret="nobody-knows",
        internal_secret="inside",
        status_port=8082,
        max_request_body_bytes=1000,
        metrics=metrics,
        deployments=tuple(
            DeploymentPlan(name, i, traffic, mirror, 3000, 4, f"{name}-0a1b2c")
            for i, (name, traffic, mirror) in enumerate(deployments)
        ),
    )


def test_static_config_listens_on_loopback_only_never_calls_home_and_has_no_api() -> None:
    static = static_config(_plan(("blue", 100, 0)), "/tmp/dyn")
    addresses = [ep["address"] for ep in static["entryPoints"].values()]
    assert addresses == ["127.0.0.1:8080", "127.0.0.1:8081"]  # scoring, and the internal routes
    assert static["global"] == {"checkNewVersion": False, "sendAnonymousUsage": False}
    assert static["providers"]["file"] == {"directory": "/tmp/dyn", "watch": True}
    # No API (its router list shows every rule, hence the key), no ping, no metrics unless autoscale reads them.
    assert "api" not in static and "ping" not in static and "metrics" not in static
    metrics = static_config(_plan(("blue", 100, 0), metrics=True), "/tmp/dyn")["metrics"]["prometheus"]
    assert metrics["manualRouting"] is True and metrics["addServicesLabels"] is True
    assert metrics["addRoutersLabels"] is False and metrics["addEntryPointsLabels"] is False


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
    assert http["routers"]["to-green"]["service"] == "deployment-green"  # a pinned request skips the split
    # Azure's limit: 2 x max_concurrent_requests_per_instance (4) x the ready replicas
    assert http["middlewares"]["limit-blue"] == {"inFlightReq": {"amount": 16}}
    assert http["middlewares"]["limit-green"] == {"inFlightReq": {"amount": 8}}
    # One pass: the deployment's limits are middlewares of its service, applied after the split.
    blue = http["services"]["deployment-blue"]
    assert blue["middlewares"] == ["served-by-blue", "timeout-blue", "limit-blue", "replay-blue"]
    assert http["middlewares"]["timeout-blue"]["errors"]["statusRewrites"] == {"504": 408}
    assert http["middlewares"]["served-by-blue"]["headers"]["customResponseHeaders"] == {
        "azureml-model-deployment": "blue-0a1b2c"
    }
    assert blue["loadBalancer"]["servers"] == [{"url": "http://127.0.0.1:1"}, {"url": "http://127.0.0.1:2"}]
    assert "healthCheck" not in blue["loadBalancer"]  # the supervisor probes readiness, with Azure's thresholds
    assert http["serversTransports"]["timeout-blue"] == {"forwardingTimeouts": {"responseHeaderTimeout": "3000ms"}}


def test_a_request_is_replayed_only_when_its_replica_died_and_its_body_is_bounded() -> None:
    http = dynamic_config(_plan(("blue", 100, 0)), {"blue": [1]})["http"]
    replay = http["middlewares"]["replay-blue"]["buffering"]
    assert replay["retryExpression"] == "ResponseCode() == 502 && Attempts() < 6"  # not 504: that is Azure's 408
    assert replay["maxRequestBodyBytes"] == 1000
    assert replay["memRequestBodyBytes"] == 1000
    mirrored = dynamic_config(_plan(("blue", 100, 0), ("shadow", 0, 10)), {"blue": [1], "shadow": [2]})["http"]
    # Mirroring reads the body of a mirrored request whole: it is checked before.
    assert mirrored["routers"]["score"]["middlewares"] == ["internal", "body-limit"]
    assert mirrored["middlewares"]["body-limit"] == {"buffering": {"maxRequestBodyBytes": 1000}}


def test_the_key_opens_the_public_routers_and_the_internal_secret_everything_behind_them() -> None:
    http = dynamic_config(_plan(("blue", 100, 0)), {"blue": [1]})["http"]
    routers = http["routers"]
    for name in ("score", "to-blue", "unknown-deployment"):
        assert routers[name]["entryPoints"] == ["web"] and AUTH in routers[name]["rule"], name
        assert routers[name]["middlewares"][0] == "internal"
    # Azure's header takes the deployment's Azure name (DeploymentSpec.azure_name), not the user's name.
    assert "Header(`azureml-model-deployment`, `blue-0a1b2c`)" in routers["to-blue"]["rule"]
    assert "`blue`)" not in routers["to-blue"]["rule"]
    internal = http["middlewares"]["internal"]["headers"]["customRequestHeaders"]
    assert internal == {INTERNAL_HEADER: "inside", "Authorization": ""}  # the key goes no further
    for name, router in routers.items():
        if router["entryPoints"] != ["web"]:
            assert SECRET_RULE in router["rule"], f"{name} answers without the internal secret"
    deny = routers["unauthorized"]
    assert deny["rule"].endswith(f"!{AUTH}") and deny["middlewares"] == ["bearer-challenge", "deny"]
    assert "nobody-knows" not in str(http["middlewares"]["deny"])  # only its hash is written
    assert http["middlewares"]["bearer-challenge"]["headers"]["customResponseHeaders"] == {"WWW-Authenticate": "Bearer"}


def test_another_key_is_accepted_beside_the_endpoints_own() -> None:
    http = dynamic_config(_plan(("blue", 100, 0), keys=("own", "global")), {"blue": [1]})["http"]
    rule = http["routers"]["score"]["rule"]
    assert "(Header(`Authorization`, `Bearer own`) || Header(`Authorization`, `Bearer global`))" in rule


def test_a_deployment_that_cannot_serve_leaves_the_split_and_answers_503_when_pinned() -> None:
    plan = _plan(("blue", 50, 0), ("green", 50, 0), ("shadow", 0, 10))
    http = dynamic_config(plan, {"blue": [1], "green": [2], "shadow": []}, {"green": "failed: crash loop"})["http"]
    assert http["services"]["live"]["weighted"]["services"] == [{"name": "deployment-blue", "weight": 50}]
    assert "endpoint" not in http["services"]  # the shadow has no ready replica: no mirroring
    assert http["routers"]["score"]["service"] == "live"
    assert http["routers"]["to-green"]["service"] == "status"
    assert http["middlewares"]["status-to-green"] == {"replacePath": {"path": "/unavailable/green"}}
    nothing = dynamic_config(plan, {}, {})["http"]
    assert nothing["routers"]["score"]["service"] == "status"
    assert nothing["middlewares"]["status-score"] == {"replacePath": {"path": "/unavailable/blue,green"}}
    no_traffic = dynamic_config(_plan(("blue", 0, 0)), {"blue": [1]})["http"]
    assert no_traffic["middlewares"]["status-score"] == {"replacePath": {"path": "/no-traffic"}}


def test_each_routing_is_numbered_and_metrics_are_behind_the_secret() -> None:
    http = dynamic_config(_plan(("blue", 100, 0), metrics=True), {"blue": [1]}, generation=7)["http"]
    assert http["routers"]["generation"]["rule"] == f"Path(`/generation/7`) && {SECRET_RULE}"
    assert http["routers"]["metrics"]["service"] == "prometheus@internal"
    assert http["routers"]["metrics"]["entryPoints"] == ["internal"]


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


def test_replica_environment_is_an_allow_list_plus_the_deployments_variables() -> None:
    shell = {
        "PATH": "/usr/bin",
        "HOME": "/home/dev",
        "LC_ALL": "C.UTF-8",
        "WORKER_COUNT": "9",
        "AZUREML_MODEL_DIR": "/somewhere/else",
        "GUNICORN_CMD_ARGS": "--worker-class gthread",
        "AZURE_CLIENT_SECRET": "do-not-leak",
        "GITHUB_TOKEN": "do-not-leak-either",
    }
    spec = plan_cluster(
        cluster_args(tiny_deployment("blue", traffic_percent=100, environment_variables={"MODEL_VERSION": "v2"}))
    ).specs[0]
    env = replica_env(spec.deployments[0], 3, shell)
    assert env["WORKER_COUNT"] == "1"  # Azure's default, not the shell's 9
    assert "AZUREML_MODEL_DIR" not in env  # the server sets it from --model_dir
    assert "AZURE_CLIENT_SECRET" not in env and "GITHUB_TOKEN" not in env
    assert env["PATH"] == "/usr/bin" and env["LC_ALL"] == "C.UTF-8"
    assert env["MODEL_VERSION"] == "v2"
    assert env["ML_INFERENCE_LB_REPLICA"] == "blue-3"
    assert env["GUNICORN_CMD_ARGS"] == "--no-control-socket"  # the shell's server settings do not pass either


def test_restarts_back_off_exponentially_and_give_up_after_the_budget() -> None:
    policy = RestartPolicy(initial_backoff_s=0.5, max_backoff_s=3.0, max_crashes=5, stable_after_s=10.0)
    count = CrashCount()
    delays = [count.record(policy, ran_for_s=1.0) for _ in range(5)]
    assert delays == [0.0, 0.5, 1.0, 2.0, None]
    stable = CrashCount()
    assert [stable.record(policy, ran_for_s=60.0) for _ in range(10)] == [0.0] * 10  # ran long: a new count
    capped = RestartPolicy(initial_backoff_s=1.0, max_backoff_s=3.0, max_crashes=50)
    assert capped.delay(10) == 3.0
    with pytest.raises(ValueError):
        RestartPolicy(max_crashes=0)


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


def test_a_supervised_process_is_restarted_with_back_off_then_given_up_loudly() -> None:
    import threading
    import time

    from ml_inference_lb.local.supervised import Supervised

    alive = threading.Event()
    starts: list[float] = []
    events: list[str] = []
    gave_up: list[str] = []

    def start() -> None:
        starts.append(time.monotonic())
        if len(starts) >= 2:
            raise OSError("address already in use")  # from the second restart on, it cannot come back
        alive.set()

    router = Supervised(
        "traefik",
        start=start,
        running=alive.is_set,
        describe_exit=lambda: "signal SIGKILL",
        policy=RestartPolicy(initial_backoff_s=0.05, max_backoff_s=1.0, max_crashes=4, stable_after_s=60),
        on_event=events.append,
        on_give_up=gave_up.append,
    )
    alive.set()
    router.started()
    alive.clear()  # it dies
    router.check(time.monotonic())
    assert events[0] == "traefik exited (signal SIGKILL); restarting it in 0.0 s"
    deadline = time.monotonic() + 5
    while router.state == "restarting" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert router.state == "up" and events[-1] == "traefik restarted"
    alive.clear()  # it dies again, and now every start fails
    router.check(time.monotonic())
    while router.state == "restarting" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert router.state == "failed" and gave_up and "could not be restarted" in gave_up[0]
    assert "address already in use" in gave_up[0]
    # Crashes in a row: the death (2), two failed restarts (3, 4 = the budget). Back-off 0.05 s, then 0.1 s.
    assert len(starts) == 3, starts
    assert starts[2] - starts[1] >= 0.09


def test_a_replica_that_never_became_ready_keeps_counting_crashes_however_long_it_ran() -> None:
    """A scoring script whose init() fails after more than ``stable_after_s`` (a slow model load, or a
    busy machine) must still be given up on: only time served after readiness makes a crash count
    start again (seen under CPU contention: the count restarted at 1 and the loop never ended)."""
    import threading

    spec = plan_cluster(cluster_args(tiny_deployment("blue", traffic_percent=100))).specs[0]
    d = DeploymentState(spec=spec.deployments[0], plan=_plan(("blue", 100, 0)).deployments[0], desired=1)
    policy = RestartPolicy(initial_backoff_s=0.5, max_backoff_s=30.0, max_crashes=5, stable_after_s=10.0)
    events: list[str] = []
    supervisor = Supervisor(
        {"blue": d},
        plan=_plan(("blue", 100, 0)),
        traefik=None,  # type: ignore[arg-type]  # not used by the restart bookkeeping
        metrics=None,
        responder=None,  # type: ignore[arg-type]
        logdir="/nonexistent",
        lock=threading.RLock(),
        on_event=events.append,
        policy=policy,
    )

    def crash_after(ran_s: float, ready_after_s: float | None) -> None:
        replica = Replica("blue", 0, 1234, ManagedProcess(["true"], env={}, log_path="/nonexistent/log"))
        replica.started_at = 1000.0
        if ready_after_s is not None:
            replica.state, replica.ready_at = "ready", replica.started_at + ready_after_s
        d.replicas.append(replica)
        d.pending.clear()
        supervisor._crashed(d, replica, replica.started_at + ran_s, "exited (code 3)")

    for _ in range(5):
        crash_after(ran_s=15.0, ready_after_s=None)  # init() fails after 15 s, every time
    assert 0 in d.given_up and "crashed 5 times in a row" in d.given_up[0], events
    assert d.failed is not None

    d.given_up.clear()
    d.failed = None
    d.crashes.clear()
    for _ in range(8):
        crash_after(ran_s=70.0, ready_after_s=5.0)  # served for a minute before each crash: separate crashes
    assert d.given_up == {} and d.crashes[0].crashes == 1
    supervisor.close()
