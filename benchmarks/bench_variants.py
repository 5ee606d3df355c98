"""What each part of the local load balancer costs, and what each change bought: Traefik's CPU time per
request for variants of the configuration, against the same replicas, in one run.

Serves ``examples/quickstart`` (autoscale off), then runs one extra Traefik per variant beside it and
sends the same load to each in turn (``--rounds`` times, interleaved), recording Traefik's CPU time per
request (median over rounds) and the p50 latency. Variants:

* ``reference``: one router, no middleware, round robin over the four replicas (the floor);
* ``current``: the local target's configuration, as ``local up`` serves the quickstart;
* ``current, Go defaults``: the same without the Go runtime settings (``GOMAXPROCS=1``, ``GOGC=400``);
* ``two passes``: the layout before (the split, then a second pass through a per-deployment entry
  point whose router held the deployment's middlewares);
* ``current without <part>``: the configuration without one middleware, or without metrics.

Requests pinned to blue with the ``azureml-model-deployment`` header would skip the split; these go
through it, as the quickstart's clients do. The replicas admit only requests with the run's internal
secret: the reference client sends it itself.

Run: ``python benchmarks/bench_variants.py [--seconds 4] [--rounds 3] [--concurrency 1 4]``
(writes ``results/local-variants.json``).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import QUICKSTART, RESULTS, extra_traefik, median, plain_proxy, run_load

from ml_inference_lb.local import serve
from ml_inference_lb.local.probes import free_port
from ml_inference_lb.local.traefik_config import INTERNAL_HEADER, LOOPBACK, dynamic_config, static_config

Config = tuple[dict[str, Any], dict[str, Any]]


def without_middleware(prefix: str) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        static, dynamic = copy.deepcopy(config)
        for service in dynamic["http"]["services"].values():
            if "middlewares" in service:
                service["middlewares"] = [m for m in service["middlewares"] if not m.startswith(prefix)]
        return static, dynamic

    return change


def without_metrics(config: Config) -> Config:
    static, dynamic = copy.deepcopy(config)
    static.pop("metrics", None)
    dynamic["http"]["routers"].pop("metrics", None)
    return static, dynamic


def two_passes(config: Config) -> Config:
    """The layout before service middlewares: each deployment's middlewares on a router of its own
    entry point, which the split reaches through a second proxy pass."""
    static, dynamic = copy.deepcopy(config)
    http = dynamic["http"]
    secret = http["middlewares"]["internal"]["headers"]["customRequestHeaders"][INTERNAL_HEADER]
    for number, (name, service) in enumerate(list(http["services"].items())):
        middlewares = service.pop("middlewares", None)
        if not middlewares:
            continue
        port = free_port()
        static["entryPoints"][f"dep{number}"] = {"address": f"{LOOPBACK}:{port}"}
        http["services"][f"replicas-{name}"] = service
        http["services"][name] = {"loadBalancer": {"servers": [{"url": f"http://{LOOPBACK}:{port}"}]}}
        http["routers"][f"inner-{name}"] = {
            "entryPoints": [f"dep{number}"],
            "rule": f"PathPrefix(`/`) && Header(`{INTERNAL_HEADER}`, `{secret}`)",
            "middlewares": middlewares,
            "service": f"replicas-{name}",
        }
    return static, dynamic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args()
    with open(os.path.join(QUICKSTART, "sample-request.json"), "rb") as handle:
        body = handle.read()
    load_at_start = os.getloadavg()
    table: dict[str, dict[str, list[tuple[float, float]]]] = {}

    with serve(QUICKSTART, autoscale=False) as local:
        local.wait_routed()
        replicas = local.replica_ports("blue") + local.replica_ports("green")
        replica_pids = local.replica_pids("blue") + local.replica_pids("green")
        ready = {name: local.replica_ports(name) for name in ("blue", "green")}
        plan = dataclasses.replace(local.plan, port=free_port(), internal_port=free_port())
        current: Config = (static_config(plan, "/unused"), dynamic_config(plan, ready, {}, 0))
        keyed = {"Authorization": f"Bearer {local.key}", "Content-Type": "application/json"}
        internal = {**local.internal_headers(), "Content-Type": "application/json"}
        go_defaults = {"PATH": os.environ.get("PATH", ""), "HOME": "/tmp"}
        variants: dict[str, tuple[Config, int, dict[str, str], dict[str, str] | None]] = {}
        ref_static, ref_dynamic, ref_port = plain_proxy(replicas)
        variants["reference"] = ((ref_static, ref_dynamic), ref_port, internal, None)
        variants["current"] = (current, plan.port, keyed, None)
        variants["current, Go defaults"] = (current, plan.port, keyed, go_defaults)
        variants["two passes"] = (two_passes(current), plan.port, keyed, None)
        variants["current without metrics"] = (without_metrics(current), plan.port, keyed, None)
        for part in ("served-by", "timeout", "limit", "replay"):
            variants[f"current without {part}"] = (without_middleware(part)(current), plan.port, keyed, None)

        for round_ in range(args.rounds):
            for name, (config, port, headers, env) in variants.items():
                with extra_traefik(*config, port, env) as traefik:
                    run_load(lambda h=headers, p=port: (lambda: (p, h)), body, 4, 1.0, [traefik.pid], replica_pids)
                    for concurrency in args.concurrency:
                        sample = run_load(
                            lambda h=headers, p=port: (lambda: (p, h)),
                            body,
                            concurrency,
                            args.seconds,
                            [traefik.pid],
                            replica_pids,
                        )
                        errors = sum(sample.errors.values())
                        if errors:
                            raise SystemExit(f"{name}: {errors} failed requests {dict(sample.errors)}")
                        cell = table.setdefault(name, {}).setdefault(str(concurrency), [])
                        cell.append((sample.per_request_ms(sample.lb_cpu), sample.quantile(0.5)))
                        print(
                            f"round {round_} c={concurrency} {name:30s} traefik {cell[-1][0]:.3f} ms CPU/request, "
                            f"p50 {cell[-1][1]:.2f} ms, other load {sample.other_load_cores:.2f} cores",
                            flush=True,
                        )

    results = {
        name: {
            c: {
                "lb_cpu_ms_per_request": median([cpu for cpu, _ in cells]),
                "p50_ms": median([p50 for _, p50 in cells]),
            }
            for c, cells in by_concurrency.items()
        }
        for name, by_concurrency in table.items()
    }
    print("\nmedians (Traefik CPU per request, multiple of the reference):")
    for name, by_concurrency in results.items():
        cells = ", ".join(
            f"c={c}: {v['lb_cpu_ms_per_request']:.3f} ms ({v['lb_cpu_ms_per_request'] / results['reference'][c]['lb_cpu_ms_per_request']:.2f}x)"
            for c, v in by_concurrency.items()
        )
        print(f"  {name:30s} {cells}")
    os.makedirs(args.out, exist_ok=True)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "seconds": args.seconds,
        "rounds": args.rounds,
        "results": results,
    }
    with open(os.path.join(args.out, "local-variants.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    print(f"wrote {args.out}/local-variants.json")


if __name__ == "__main__":
    main()
