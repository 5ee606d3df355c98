"""Cache hit vs cache miss through the local endpoint: examples/feature-lookup with real Redis and PostgreSQL.

    python benchmarks/bench_backing.py --rounds 5 --ids 200

Serves the example (one deployment, ``WORKER_COUNT=4``) and, ``--rounds`` times: empties Redis
(``FLUSHALL``), sends one request per id for ``--ids`` ids (each a **miss**: Redis, then PostgreSQL, then
a ``SET`` with the TTL), then the same ids again (each a **hit**: Redis only). One client thread, so
latencies are not queueing. Every answer's ``features_from`` is checked, so a miss counted as a hit (or
the reverse) fails the run. Prints and writes ``benchmarks/results/backing-bench.json``: median, p90 and
mean latency of each kind and their ratios, measured in the same run (never compared across runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))

from local_helpers import Client

from ml_inference_lb.local import serve
from ml_inference_lb.local.backing_binaries import redis_server_binary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "feature-lookup")
RESULTS = os.path.join(ROOT, "benchmarks", "results")


def flush(port: int, password: str) -> None:
    cli = os.path.join(os.path.dirname(redis_server_binary()), "redis-cli")
    env = {"PATH": os.environ.get("PATH", ""), "REDISCLI_AUTH": password}  # not on the command line
    subprocess.run([cli, "-h", "127.0.0.1", "-p", str(port), "FLUSHALL"], env=env, check=True, capture_output=True)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median_ms": 1000 * statistics.median(ordered),
        "p90_ms": 1000 * ordered[int(0.9 * (len(ordered) - 1))],
        "mean_ms": 1000 * statistics.fmean(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ids", type=int, default=200, help="ids per round (at most 1000, the seed's customers)")
    ns = parser.parse_args()
    ids = [f"c-{n:04d}" for n in range(1, min(ns.ids, 1000) + 1)]
    latencies: dict[str, list[float]] = {"miss": [], "hit": []}
    load_before = os.getloadavg()[0]
    with serve(EXAMPLE) as local:
        client = Client(local.scoring_uri, local.key)
        env = local.backing.environment(local.spec.deployments[0])
        for entity in ids[:20]:  # warm up: connections opened, code paths loaded
            client.score({"entity_id": entity})
        for _ in range(ns.rounds):
            flush(int(env["REDIS_PORT"]), env["REDIS_PASSWORD"])
            for kind, source in (("miss", "db"), ("hit", "cache")):
                for entity in ids:
                    answer = client.score({"entity_id": entity})
                    if answer.status != 200 or answer.body.get("features_from") != source:
                        raise SystemExit(f"{kind} for {entity}: {answer.status} {answer.body}")
                    latencies[kind].append(answer.seconds)
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_start": load_before,
        "rounds": ns.rounds,
        "ids_per_round": len(ids),
        "miss": summary(latencies["miss"]),
        "hit": summary(latencies["hit"]),
    }
    result["ratio_miss_over_hit"] = {
        k: result["miss"][k] / result["hit"][k] for k in ("median_ms", "p90_ms", "mean_ms")
    }
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "backing-bench.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
