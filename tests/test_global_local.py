"""The multi-region local target: the router's configuration, then a whole region stopped under load."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psutil
import pytest
from conftest import ROOT

from ml_inference_lb.global_lb import GlobalSpec, build_global_spec
from ml_inference_lb.global_lb.local import serve_global
from ml_inference_lb.global_lb.local_config import RegionRoute, RouterPlan, dynamic_config, tiers_of

ECHO = os.path.join(ROOT, "tests", "integration", "fixtures", "echo")
PROBES = {
    "readiness": {"initial_delay_seconds": 0, "period_seconds": 1, "timeout_seconds": 1, "failure_threshold": 3},
    "liveness": {"initial_delay_seconds": 1, "period_seconds": 1, "timeout_seconds": 1, "failure_threshold": 30},
}


def echo_cluster(instances: int = 1, auth_mode: str = "key") -> dict[str, Any]:
    return {
        "endpoint": {"auth_mode": auth_mode},
        "probes": PROBES,
        "request_settings": {"request_timeout_ms": 5000, "max_concurrent_requests_per_instance": 50},
        "deployments": [
            {
                "name": "blue",
                "traffic_percent": 100,
                "instance_count": instances,
                "model": {"path": os.path.join(ECHO, "model"), "name": "echo"},
                "code": {"path": os.path.join(ECHO, "src"), "scoring_script": "score.py"},
                "environment": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", "name": "echo"},
                "environment_variables": {"WORKER_COUNT": "2"},
            }
        ],
    }


def global_spec(load_balancer: dict[str, Any], *regions: tuple[str, int, int], instances: int = 1) -> GlobalSpec:
    # Front Door needs a credential every region accepts (Entra); Traffic Manager clients use each region's key.
    auth_mode = "key" if load_balancer.get("kind") == "traffic_manager" else "aad_token"
    return build_global_spec(
        "geo",
        {
            "resource_group_name": "rg-local",
            "regions": [
                {"location": loc, "priority": p, "weight": w, "cluster": echo_cluster(instances, auth_mode)}
                for loc, p, w in regions
            ],
            "load_balancer": load_balancer,
        },
    )


# --- the router's configuration (pure)


def routes(spec: GlobalSpec) -> tuple[RegionRoute, ...]:
    return tuple(RegionRoute(r.location, r.priority, r.weight, 9000 + i) for i, r in enumerate(spec.regions))


def plan_of(spec: GlobalSpec) -> RouterPlan:
    rs = routes(spec)
    return RouterPlan(9200, 9201, "global-key", "deny", "inside", rs, tiers_of(spec, rs), 0.5)


def test_priority_tiers_chain_with_failover_and_weights_split_inside_a_tier() -> None:
    spec = global_spec({"routing": "latency"}, ("westeurope", 1, 80), ("eastus", 1, 20), ("japaneast", 2, 50))
    config = dynamic_config(plan_of(spec))["http"]
    services = config["services"]
    assert config["routers"]["score"]["service"] == "failover-0"
    assert services["failover-0"]["failover"] == {
        "service": "tier-0",
        "fallback": "region-japaneast",
        "healthCheck": {},
    }
    assert services["tier-0"]["weighted"]["services"] == [
        {"name": "region-westeurope", "weight": 80},
        {"name": "region-eastus", "weight": 20},
    ]
    assert config["routers"]["score"]["rule"].endswith("&& Header(`Authorization`, `Bearer global-key`)")
    assert config["routers"]["score"]["middlewares"] == ["retry"]


def test_regions_are_reached_directly_with_a_credential_free_probe_and_no_open_hop() -> None:
    spec = global_spec({"kind": "traffic_manager"}, ("westeurope", 1, 1), ("eastus", 2, 1))
    config = dynamic_config(plan_of(spec))["http"]
    region = config["services"]["region-eastus"]["loadBalancer"]
    assert region["servers"] == [{"url": "http://127.0.0.1:9001"}]  # the region's own scoring port
    health = region["healthCheck"]
    assert (health["path"], health["status"], health["interval"]) == ("/score", 401, "500ms")
    assert "headers" not in health  # the probe carries no credential: 401 means the region's front end is up
    # Only the web entry point forwards, and only with the key; the internal one needs the run's secret.
    for name, router in config["routers"].items():
        if router["entryPoints"] == ["web"]:
            assert name == "unauthorized" or "Bearer global-key" in router["rule"]
        else:
            assert "Header(`X-Ml-Inference-Lb-Internal`, `inside`)" in router["rule"], name
    chain = config["services"]["failover-0"]["failover"]
    assert (chain["service"], chain["fallback"]) == ("region-westeurope", "region-eastus")


@pytest.mark.parametrize(("routing", "weights"), [("weighted", [3, 1]), ("performance", [1, 1])])
def test_traffic_manager_weighted_and_performance_are_one_tier(routing: str, weights: list[int]) -> None:
    spec = global_spec({"kind": "traffic_manager", "routing": routing}, ("westeurope", 1, 3), ("eastus", 2, 1))
    config = dynamic_config(plan_of(spec))["http"]
    assert config["routers"]["score"]["service"] == "tier-0"
    assert [s["weight"] for s in config["services"]["tier-0"]["weighted"]["services"]] == weights
    assert not any(name.startswith("failover") for name in config["services"])


# --- real processes on loopback


def score(port: int, key: str, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/score",
            body=json.dumps({"data": [1], "sleep": 0.01}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        response = conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if response.status == 200 else {"text": raw.decode()})
    finally:
        conn.close()


def process_trees(leaders: list[int]) -> set[int]:
    """Every pid of the replicas' process trees (the inference server's workers answer requests)."""
    pids = set(leaders)
    for leader in leaders:
        pids.update(child.pid for child in psutil.Process(leader).children(recursive=True))
    return pids


def region_of(answer: dict[str, Any], pids: dict[str, set[int]]) -> str:
    return next(loc for loc, tree in pids.items() if int(answer["pid"]) in tree)


def score_under_load(
    port: int, key: str, *, clients: int, seconds: float, after_s: float, action: Callable[[], None]
) -> list[tuple[int, dict[str, Any]] | Exception]:
    """Score from ``clients`` threads for ``seconds``; run ``action`` ``after_s`` into the load.
    A connection error counts as a failed request."""
    results: list[tuple[int, dict[str, Any]] | Exception] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            try:
                answer: tuple[int, dict[str, Any]] | Exception = score(port, key)
            except Exception as error:
                answer = error
            with lock:
                results.append(answer)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(after_s)
    action()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.integration
def test_stopping_a_whole_region_under_load_fails_no_request() -> None:
    lb = {"kind": "traffic_manager", "routing": "priority", "probe": {"interval_seconds": 10, "timeout_seconds": 5}}
    spec = global_spec(lb, ("westeurope", 1, 1), ("northeurope", 2, 1), instances=2)
    with serve_global(spec, time_scale=0.02) as service:  # 10 s probes become 0.2 s
        port = int(service.scoring_uri.split(":")[2].split("/")[0])
        groups = {loc: process_trees(c.replica_pids("blue")) for loc, c in service.regions.items()}
        assert score(port, "wrong")[0] == 401
        before = Counter(region_of(score(port, service.key)[1], groups) for _ in range(20))
        assert before == Counter({"westeurope": 20})

        results = score_under_load(
            port, service.key, clients=6, seconds=5.0, after_s=1.5, action=lambda: service.stop_region("westeurope")
        )

        failures = [r for r in results if isinstance(r, Exception) or r[0] != 200]
        assert len(results) > 100
        assert failures == []
        served = Counter(region_of(r[1], groups) for r in results if not isinstance(r, Exception))
        assert served["westeurope"] > 0 and served["northeurope"] > 0, served
        service.wait_for_regions({"westeurope": "DOWN", "northeurope": "UP"}, timeout_s=5)
        after = Counter(region_of(score(port, service.key)[1], groups) for _ in range(20))
        assert after == Counter({"northeurope": 20})


@pytest.mark.integration
def test_active_active_regions_split_by_weight_and_survive_one_region_stopping() -> None:
    lb = {"kind": "front_door", "routing": "weighted", "probe": {"interval_seconds": 20}}
    spec = global_spec(lb, ("westeurope", 1, 3), ("eastus", 1, 1))
    with serve_global(spec, time_scale=0.01) as service:  # 20 s probes become 0.2 s
        port = int(service.scoring_uri.split(":")[2].split("/")[0])
        groups = {loc: process_trees(c.replica_pids("blue")) for loc, c in service.regions.items()}
        split = Counter(region_of(score(port, service.key)[1], groups) for _ in range(80))
        assert split == Counter({"westeurope": 60, "eastus": 20}), split  # weighted round robin, 3:1

        results = score_under_load(
            port, service.key, clients=4, seconds=4.0, after_s=1.0, action=lambda: service.stop_region("eastus")
        )
        assert len(results) > 50
        assert [r for r in results if isinstance(r, Exception) or r[0] != 200] == []
        service.wait_for_regions({"eastus": "DOWN", "westeurope": "UP"}, timeout_s=5)
        assert {region_of(score(port, service.key)[1], groups) for _ in range(10)} == {"westeurope"}


@pytest.mark.integration
def test_serve_global_and_serve_accept_a_folder() -> None:
    from ml_inference_lb.local import serve

    folder = os.path.join(ROOT, "tests", "integration", "fixtures", "multi_region")
    with serve_global(folder, time_scale=0.02) as service:
        port = int(service.scoring_uri.split(":")[2].split("/")[0])
        assert sorted(service.regions) == ["northeurope", "westeurope"]
        assert score(port, service.key)[0] == 200
    with serve(folder, cluster="geo-northeurope") as region:  # one region alone, without the router
        port = int(region.scoring_uri.split(":")[2].split("/")[0])
        assert score(port, region.key)[0] == 200


def _request(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=b'{"data": [1]}' if method == "POST" else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.integration
def test_no_port_of_a_multi_region_service_serves_without_a_key_or_reveals_one() -> None:
    """Issue 13: the global router's hop ports forwarded with a region's key, and its API listed every
    region's key. Every port the service's processes (and this one) listen on is probed."""
    spec = global_spec({"kind": "traffic_manager"}, ("westeurope", 1, 1), ("eastus", 2, 1))
    with serve_global(spec, time_scale=0.02) as service:
        regions = list(service.regions.values())
        keys = {service.key, *(region.key for region in regions)}
        accepted = {service.plan.port if service.plan else -1: {service.key}}
        for region in regions:
            accepted[region.port] = {region.key, service.key}  # a region also takes the service's credential
        me = psutil.Process(os.getpid())
        ports = {
            conn.laddr.port
            for proc in [me, *me.children(recursive=True)]
            for conn in proc.net_connections(kind="tcp")
            if conn.status == psutil.CONN_LISTEN
        }
        assert set(accepted) <= ports and len(ports) > len(accepted), ports
        paths = (("POST", "/score"), ("GET", "/swagger.json"), ("GET", "/"), ("GET", "/metrics"))
        api = (("GET", "/api/http/routers"), ("GET", "/api/http/middlewares"), ("GET", "/api/rawdata"))
        problems = []
        for port in sorted(ports):
            for key in (None, *sorted(keys)):
                headers = {"Content-Type": "application/json"}
                if key is not None:
                    headers["Authorization"] = f"Bearer {key}"
                who = "no key" if key is None else "the service's key" if key == service.key else "a region's key"
                for method, path in (*paths, *api):
                    status, body = _request(port, method, path, headers)
                    if key in accepted.get(port, set()) and path in ("/score", "/swagger.json"):
                        if status != 200:
                            problems.append(f"port {port} refused {method} {path} with {who}: {status}")
                        continue
                    if status == 200 and path != "/":
                        problems.append(f"port {port} answered {method} {path} with {who}: 200")
                    if any(secret.encode() in body for secret in keys):
                        problems.append(f"port {port} revealed a key on {method} {path} with {who}")
        assert not problems, "\n".join(problems)
