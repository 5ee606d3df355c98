"""Where the local load balancer's cost comes from: Traefik's CPU per request on each path.

With one client and the quickstart served (autoscale off), it sends requests for ``--seconds`` each
(``--rounds`` times) straight to a blue replica, to blue's internal entry point (one Traefik pass:
in-flight limit, retry, timeout mapping, replica pool), and to the endpoint pinned to blue with the
``azureml-model-deployment`` header (both passes), and prints Traefik's and the replicas' CPU time per
request and the p50 latency. Run it with ``GUNICORN_CMD_ARGS="--worker-class gthread --threads 1"`` in
the environment to see the effect of keep-alive connections to the replicas.

Run: ``python benchmarks/bench_paths.py [--seconds 4] [--rounds 2]`` (writes ``results/local-paths.json``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_local import QUICKSTART, RESULTS, Target, run_mode

from ml_inference_lb.local import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with serve(QUICKSTART, autoscale=False) as local:
        local.wait_routed()
        inner = local.plan.deployments[0].inner_port
        blue = local.replica_ports("blue")
        plain = {"Content-Type": "application/json"}
        pinned = {**plain, "Authorization": f"Bearer {local.key}", "azureml-model-deployment": "blue"}
        lb = [local.traefik_pid or 0]
        replicas = local.replica_pids("blue") + local.replica_pids("green")

        def direct() -> Target:
            ports = itertools.cycle(blue)
            return Target(lambda: (next(ports), plain))

        paths = {
            "direct to a replica": direct,
            "one pass (deployment entry point)": lambda: Target(lambda: (inner, plain)),
            "two passes (endpoint, pinned to blue)": lambda: Target(lambda: (local.port, pinned)),
        }
        run_mode(paths["two passes (endpoint, pinned to blue)"], 1, 1.0, lb, replicas)  # warm-up
        for round_ in range(args.rounds):
            for name, make in paths.items():
                r = run_mode(make, 1, args.seconds, lb, replicas)
                row = {
                    "round": round_,
                    "path": name,
                    "requests": r["requests"],
                    "p50_ms": r["p50_ms"],
                    "traefik_cpu_ms_per_request": r["lb_cpu_ms_per_request"],
                    "replicas_cpu_ms_per_request": r["replicas_cpu_ms_per_request"],
                }
                rows.append(row)
                print(
                    f"{name:40s} p50 {row['p50_ms']:.2f} ms | traefik {row['traefik_cpu_ms_per_request']:.2f} ms CPU/req"
                    f" | replicas {row['replicas_cpu_ms_per_request']:.2f} ms CPU/req",
                    flush=True,
                )
    gunicorn = os.environ.get("GUNICORN_CMD_ARGS", "")
    name = "local-paths" + ("-keepalive" if "gthread" in gunicorn else "")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "gunicorn_cmd_args": gunicorn,
                "load_average_at_end": os.getloadavg(),
                "rows": rows,
            },
            handle,
            indent=2,
        )
    print(f"wrote {args.out}/{name}.json")


if __name__ == "__main__":
    main()
