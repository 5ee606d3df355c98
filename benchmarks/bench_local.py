"""Benchmark of the local target: the endpoint (Traefik) against the replicas and a plain Traefik.

Serves ``examples/quickstart`` (blue 90 / green 10, 2 replicas each, ``WORKER_COUNT=4``, autoscale off so
the replica set stays fixed) and, in the same run, alternates three modes at each client concurrency:

* ``endpoint``: every request to ``/score`` through the local target's Traefik with the key: the key
  check, weighted split, per-deployment 429 limit, replay buffer and 413 limit, 408 mapping, response
  header, Prometheus service metrics (the quickstart's autoscale rules need them);
* ``reference``: a second Traefik with one router and no middleware, round robin over the same four
  replicas, with the same Go runtime settings: the floor a Traefik-based design can reach;
* ``direct``: the client spreads requests over the same replicas itself (90/10 by deployment, round
  robin within one), straight to each replica's port.

The replicas admit only requests with the run's internal secret: the reference and direct clients
send it themselves (the endpoint adds it). The report gives, per concurrency, throughput, p50/p99,
the load balancer's CPU time per request (endpoint and reference), and the ratios the targets are
stated in: throughput endpoint / direct, p50 added by the endpoint, endpoint CPU / reference CPU. It
records the CPU the rest of the machine used meanwhile (other work moves the figures).

Run: ``python benchmarks/bench_local.py [--seconds 6] [--rounds 2] [--concurrency 1 4 8] [--rows N]``
(writes ``results/local-bench[-rows<N>].json`` and ``.png``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import QUICKSTART, RESULTS, Pick, Sample, extra_traefik, median, plain_proxy, run_load

from ml_inference_lb.local import serve
from ml_inference_lb.local.traefik import GO_RUNTIME

MODES = ("endpoint", "reference", "direct")


def summarise(samples: list[Sample]) -> dict[str, Any]:
    """Rounds of one mode: total requests, mean throughput, medians of the per-round figures."""
    versions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for s in samples:
        versions.update(s.versions)
        errors.update(s.errors)
    return {
        "requests": sum(s.requests for s in samples),
        "errors": dict(errors),
        "throughput_rps": sum(s.throughput for s in samples) / len(samples),
        "p50_ms": median([s.quantile(0.5) for s in samples]),
        "p99_ms": median([s.quantile(0.99) for s in samples]),
        "lb_cpu_ms_per_request": median([s.per_request_ms(s.lb_cpu) for s in samples]),
        "replicas_cpu_ms_per_request": median([s.per_request_ms(s.replicas_cpu) for s in samples]),
        "client_cpu_ms_per_request": median([s.per_request_ms(s.client_cpu) for s in samples]),
        "other_load_cores": median([s.other_load_cores for s in samples]),
        "versions": dict(versions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per mode per round")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the three modes per concurrency")
    parser.add_argument("--rows", type=int, default=0, help="rows per request (default: the sample request's 3)")
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(QUICKSTART, "sample-request.json"), encoding="utf-8") as handle:
        rows = json.load(handle)["data"]
    if args.rows:
        rows = [rows[i % len(rows)] for i in range(args.rows)]
    body = json.dumps({"data": rows}).encode()
    name = "local-bench" if not args.rows else f"local-bench-rows{args.rows}"
    load_at_start = os.getloadavg()

    with serve(QUICKSTART, autoscale=False) as local:
        local.wait_routed()
        blue, green = local.replica_ports("blue"), local.replica_ports("green")
        weights = {d.name: d.traffic_percent for d in local.spec.deployments}
        internal = {**local.internal_headers(), "Content-Type": "application/json"}
        keyed = {"Authorization": f"Bearer {local.key}", "Content-Type": "application/json"}
        replica_pids = local.replica_pids("blue") + local.replica_pids("green")
        static, dynamic, reference_port = plain_proxy(blue + green)

        def version_of(payload: bytes) -> str:
            return str(json.loads(payload)["model_version"])

        with extra_traefik(static, dynamic, reference_port) as reference:

            def endpoint() -> Pick:
                return lambda: (local.port, keyed)

            def through_reference() -> Pick:
                return lambda: (reference.port, internal)

            def direct() -> Pick:
                rng = random.Random(7)
                cycles = {"blue": itertools.cycle(blue), "green": itertools.cycle(green)}
                names, shares = list(weights), list(weights.values())
                return lambda: (next(cycles[rng.choices(names, shares)[0]]), internal)

            modes = {
                "endpoint": (endpoint, [local.traefik_pid or 0]),
                "reference": (through_reference, [reference.pid]),
                "direct": (direct, []),
            }

            def measure(mode: str, concurrency: int, seconds: float) -> Sample:
                pick, lb = modes[mode]
                return run_load(pick, body, concurrency, seconds, lb, replica_pids, version_of)

            for mode in MODES:  # warm-up: connections, Python caches, Traefik's pools
                measure(mode, 4, 2.0)
            results: dict[str, Any] = {}
            for concurrency in args.concurrency:
                samples: dict[str, list[Sample]] = {mode: [] for mode in MODES}
                for _ in range(args.rounds):
                    for mode in MODES:
                        samples[mode].append(measure(mode, concurrency, args.seconds))
                e, r, d = (summarise(samples[mode]) for mode in MODES)
                served = sum(e["versions"].values()) or 1
                row = {
                    "endpoint": e,
                    "reference": r,
                    "direct": d,
                    "throughput_ratio": e["throughput_rps"] / d["throughput_rps"],
                    "p50_added_ms": e["p50_ms"] - d["p50_ms"],
                    "lb_cpu_vs_reference": e["lb_cpu_ms_per_request"] / r["lb_cpu_ms_per_request"],
                    "reference_throughput_ratio": r["throughput_rps"] / d["throughput_rps"],
                    "split_blue_percent": 100 * e["versions"].get("v1", 0) / served,
                }
                results[str(concurrency)] = row
                print(
                    f"c={concurrency}: endpoint {e['throughput_rps']:.0f} rps p50 {e['p50_ms']:.2f} ms | "
                    f"reference {r['throughput_rps']:.0f} rps p50 {r['p50_ms']:.2f} | direct {d['throughput_rps']:.0f} "
                    f"rps p50 {d['p50_ms']:.2f} | throughput ratio {row['throughput_ratio']:.3f}, p50 "
                    f"{row['p50_added_ms']:+.2f} ms | LB CPU/request {e['lb_cpu_ms_per_request']:.3f} ms = "
                    f"{row['lb_cpu_vs_reference']:.2f} x reference ({r['lb_cpu_ms_per_request']:.3f}) | "
                    f"blue {row['split_blue_percent']:.1f}% | other load {e['other_load_cores']:.2f} cores",
                    flush=True,
                )

    report = {
        "benchmark": "local target: endpoint (Traefik) vs a plain Traefik (reference) vs direct, examples/quickstart",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
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
            "traefik_go_runtime": {**GO_RUNTIME, **{k: v for k, v in os.environ.items() if k in GO_RUNTIME}},
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
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    panels = (
        (axes[0], "throughput_rps", "throughput (requests/s)", MODES),
        (axes[1], "p50_ms", "p50 latency (ms)", MODES),
        (axes[2], "lb_cpu_ms_per_request", "load balancer CPU per request (ms)", ("endpoint", "reference")),
    )
    for ax, key, label, modes in panels:
        width = 0.8 / len(modes)
        for i, mode in enumerate(modes):
            offset = (i - (len(modes) - 1) / 2) * width
            ax.bar([j + offset for j in x], [report["results"][c][mode][key] for c in levels], width=width, label=mode)
        ax.set_xticks(list(x), [f"c={c}" for c in levels])
        ax.set_title(label)
        ax.legend()
    rows = report["settings"]["rows_per_request"]
    fig.suptitle(f"local target, quickstart ({rows} rows/request): endpoint vs plain Traefik vs straight to the replicas")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
