"""Benchmark of the local target: load through the endpoint (Traefik) vs straight to the replicas.

Serves ``examples/quickstart`` (blue 90 / green 10, 2 replicas each, autoscale off so the replica set
stays fixed) and, in the same run, alternates two modes at each concurrency:

* ``endpoint``: every request to ``/score`` through Traefik, with the key;
* ``direct``: the client itself spreads requests over the same replicas (90/10 by deployment, round
  robin within one), straight to each replica's port.

It reports throughput, p50/p99 latency, their ratios (endpoint / direct), and how close the
observed blue/green split is to 90/10. Writes ``results/local-bench.json`` and ``results/local-bench.png``;
it records the machine's load average too, since other work on the machine moves the figures.

Run: ``python benchmarks/bench_local.py [--seconds 8] [--concurrency 1 4 8] [--rounds 2] [--rows N]``
(``--rows`` repeats the sample rows so the model does more work per request; results then go to
``results/local-bench-rows<N>.*``)
(not part of the test suite; needs the ``local`` and ``bench`` extras).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ml_inference_lb.local import serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICKSTART = os.path.join(ROOT, "examples", "quickstart")
RESULTS = os.path.join(ROOT, "benchmarks", "results")
with open(os.path.join(QUICKSTART, "sample-request.json"), encoding="utf-8") as _handle:
    SAMPLE = json.load(_handle)
BODY = json.dumps(SAMPLE).encode()


class Target:
    """Where one worker thread sends its next request: (port, headers)."""

    def __init__(self, pick: Callable[[], tuple[int, dict[str, str]]]):
        self.pick = pick


def _worker(
    target: Target, deadline: float, latencies: list[float], versions: Counter[str], errors: Counter[str]
) -> None:
    connections: dict[int, http.client.HTTPConnection] = {}
    local_lat: list[float] = []
    local_versions: Counter[str] = Counter()
    local_errors: Counter[str] = Counter()
    while time.perf_counter() < deadline:
        port, headers = target.pick()
        conn = connections.get(port)
        if conn is None:
            conn = connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start = time.perf_counter()
        try:
            conn.request("POST", "/score", body=BODY, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            local_errors[type(error).__name__] += 1
            continue
        elapsed = time.perf_counter() - start
        if status != 200:
            local_errors[str(status)] += 1
            continue
        local_lat.append(elapsed)
        local_versions[json.loads(payload)["model_version"]] += 1
    for conn in connections.values():
        conn.close()
    latencies.extend(local_lat)
    versions.update(local_versions)
    errors.update(local_errors)


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes and their children."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def run_mode(
    make_target: Callable[[], Target], concurrency: int, seconds: float, lb: list[int], replicas: list[int]
) -> dict[str, Any]:
    lb_before, replicas_before = cpu_seconds(lb), cpu_seconds(replicas)
    latencies: list[float] = []
    versions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_worker, args=(make_target(), deadline, latencies, versions, errors))
        for _ in range(concurrency)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    lb_cpu, replicas_cpu = cpu_seconds(lb) - lb_before, cpu_seconds(replicas) - replicas_before
    return {
        "lb_cpu_ms_per_request": 1000 * lb_cpu / n if n else None,
        "replicas_cpu_ms_per_request": 1000 * replicas_cpu / n if n else None,
        "requests": n,
        "errors": dict(errors),
        "throughput_rps": n / elapsed,
        "p50_ms": 1000 * latencies[n // 2] if n else None,
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else None,
        "mean_ms": 1000 * statistics.fmean(latencies) if n else None,
        "versions": dict(versions),
    }


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one mode: total requests, mean throughput, median of the per-round percentiles."""
    versions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for r in runs:
        versions.update(r["versions"])
        errors.update(r["errors"])
    return {
        "requests": sum(r["requests"] for r in runs),
        "errors": dict(errors),
        "throughput_rps": statistics.fmean(r["throughput_rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "lb_cpu_ms_per_request": statistics.fmean(r["lb_cpu_ms_per_request"] for r in runs),
        "replicas_cpu_ms_per_request": statistics.fmean(r["replicas_cpu_ms_per_request"] for r in runs),
        "versions": dict(versions),
        "rounds": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per mode per round")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--rounds", type=int, default=2, help="endpoint/direct alternations per concurrency")
    parser.add_argument("--rows", type=int, default=0, help="rows per request (default: the sample request's 3)")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    global BODY
    rows = SAMPLE["data"]
    if args.rows:
        rows = [rows[i % len(rows)] for i in range(args.rows)]
        BODY = json.dumps({"data": rows}).encode()
    name = "local-bench" if not args.rows else f"local-bench-rows{args.rows}"

    with serve(QUICKSTART, autoscale=False) as local:
        local.wait_routed()
        blue = local.replica_ports("blue")
        green = local.replica_ports("green")
        weights = {d.name: d.traffic_percent for d in local.spec.deployments}
        auth = {"Authorization": f"Bearer {local.key}", "Content-Type": "application/json"}
        plain = {"Content-Type": "application/json"}

        def endpoint() -> Target:
            return Target(lambda: (local.port, auth))

        def direct() -> Target:
            rng = random.Random(7)
            cycles = {"blue": itertools.cycle(blue), "green": itertools.cycle(green)}
            names, shares = list(weights), list(weights.values())
            return Target(lambda: (next(cycles[rng.choices(names, shares)[0]]), plain))

        lb_pids = [local.traefik_pid or 0]
        replica_pids = local.replica_pids("blue") + local.replica_pids("green")

        def measure(make: Callable[[], Target], concurrency: int, seconds: float) -> dict[str, Any]:
            return run_mode(make, concurrency, seconds, lb_pids, replica_pids)

        measure(endpoint, 4, 2.0)  # warm-up: connections, Python caches, Traefik's pools
        measure(direct, 4, 2.0)
        results: dict[str, Any] = {}
        for concurrency in args.concurrency:
            rounds: dict[str, list[dict[str, Any]]] = {"endpoint": [], "direct": []}
            for _ in range(args.rounds):
                rounds["endpoint"].append(measure(endpoint, concurrency, args.seconds))
                rounds["direct"].append(measure(direct, concurrency, args.seconds))
            e, d = _merge(rounds["endpoint"]), _merge(rounds["direct"])
            served = sum(e["versions"].values()) or 1
            results[str(concurrency)] = {
                "endpoint": e,
                "direct": d,
                "throughput_ratio": e["throughput_rps"] / d["throughput_rps"],
                "p50_ratio": e["p50_ms"] / d["p50_ms"],
                "p99_ratio": e["p99_ms"] / d["p99_ms"],
                "p50_added_ms": e["p50_ms"] - d["p50_ms"],
                "split_blue_percent": 100 * e["versions"].get("v1", 0) / served,
                # Traefik's CPU per request as a share of all server-side CPU per request: what the load
                # balancer takes from the replicas when the machine's CPUs are the bottleneck.
                "lb_cpu_share": e["lb_cpu_ms_per_request"]
                / (e["lb_cpu_ms_per_request"] + e["replicas_cpu_ms_per_request"]),
            }
            print(
                f"concurrency {concurrency}: endpoint {e['throughput_rps']:.0f} rps p50 {e['p50_ms']:.2f} ms "
                f"p99 {e['p99_ms']:.2f} ms | direct {d['throughput_rps']:.0f} rps p50 {d['p50_ms']:.2f} ms "
                f"p99 {d['p99_ms']:.2f} ms | throughput ratio {results[str(concurrency)]['throughput_ratio']:.3f} "
                f"p50 +{results[str(concurrency)]['p50_added_ms']:.2f} ms | blue {results[str(concurrency)]['split_blue_percent']:.1f}% "
                f"| traefik {e['lb_cpu_ms_per_request']:.2f} ms CPU/request, replicas {e['replicas_cpu_ms_per_request']:.2f}",
                flush=True,
            )

    report = {
        "benchmark": "local target: endpoint (Traefik) vs direct to replicas, examples/quickstart",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "seconds_per_mode": args.seconds,
            "rounds": args.rounds,
            "rows_per_request": len(rows),
            "replicas": {"blue": 2, "green": 2},
            "worker_count": 4,
        },
        "weights": {"blue": 90, "green": 10},
        "results": results,
    }
    with open(os.path.join(args.out, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    plot(report, os.path.join(args.out, f"{name}.png"))
    print(f"wrote {args.out}/{name}.json and {name}.png")


def plot(report: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = list(report["results"])
    x = range(len(levels))
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, key, label in (
        (axes[0], "throughput_rps", "throughput (requests/s)"),
        (axes[1], "p50_ms", "p50 latency (ms)"),
        (axes[2], "p99_ms", "p99 latency (ms)"),
    ):
        for offset, mode in ((-0.2, "direct"), (0.2, "endpoint")):
            ax.bar([i + offset for i in x], [report["results"][c][mode][key] for c in levels], width=0.4, label=mode)
        ax.set_xticks(list(x), [f"c={c}" for c in levels])
        ax.set_title(label)
    axes[0].legend()
    rows = report["settings"]["rows_per_request"]
    fig.suptitle(f"local target, quickstart ({rows} rows/request): through Traefik vs straight to the replicas")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
