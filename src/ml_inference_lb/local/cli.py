"""``ml-inference-lb local up DIR``: serve every InferenceCluster of a Pulumi program on loopback."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from contextlib import ExitStack
from types import FrameType
from typing import Any, Protocol

from ..cli import config_pairs
from .autoscale import SUPPORTED_METRICS
from .cluster import LocalCluster, load_program
from .errors import LocalTargetError


def add_local_commands(subparsers: Any) -> None:
    """Add ``local up`` to the ``ml-inference-lb`` command (called by :mod:`ml_inference_lb.cli`)."""
    local = subparsers.add_parser("local", help="serve a cluster on this machine (inference server + Traefik)")
    commands = local.add_subparsers(dest="local_command", required=True)
    up = commands.add_parser(
        "up",
        help="serve every InferenceCluster of a Pulumi program on 127.0.0.1 until Ctrl-C",
        description="Run the program offline, start the declared backing servers (Redis, PostgreSQL), each "
        "deployment's replicas (azmlinfsrv) and Traefik in front of them, print 'scoring_uri: ...' and 'key: ...', "
        "then stream the replicas' status until Ctrl-C.",
    )
    up.add_argument("directory", help="folder of the Pulumi Python program (its __main__.py)")
    up.add_argument(
        "--port", type=int, default=0, help="scoring port (default: a free port; a second cluster gets port+1)"
    )
    up.add_argument("--config", action="append", default=[], metavar="KEY=VALUE", help="stack config the program reads")
    up.add_argument("--stack", default="dev", help="stack name (default dev; reads Pulumi.<stack>.yaml)")
    up.add_argument(
        "--startup-timeout", type=float, default=120.0, help="seconds to wait for the replicas (default 120)"
    )
    up.set_defaults(handler=_up)


def _say(message: str, stream: Any = None) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=stream or sys.stdout, flush=True)


class _Served(Protocol):
    """A served cluster or multi-region service, as the command watches it."""

    fatal: str | None

    @property
    def router_state(self) -> str: ...


def _status_line(clusters: list[LocalCluster], routers: list[tuple[str, _Served]]) -> str:
    parts = []
    for c in clusters:
        statuses = ", ".join(str(s) for s in c.status().values())
        if c.router_state != "up":
            statuses += f" | router {c.router_state.upper()}"
        for server, state in c.backing_states.items():
            if state != "up":
                statuses += f" | {server} {state.upper()}"
        parts.append(f"{c.spec.name}: {statuses}" if len(clusters) > 1 else statuses)
    for name, served in routers:
        if served.router_state != "up":
            parts.append(f"{name}: global router {served.router_state.upper()}")
    return " | ".join(parts)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
"""Ctrl-C, a kill and a closed terminal all stop every process ``local up`` started. A SIGKILL cannot
be caught: the children then die by their parent-death signal (see ``processes.py``)."""


def _up(ns: argparse.Namespace) -> int:
    stop = threading.Event()
    serving = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        if not serving.is_set():
            raise KeyboardInterrupt  # still starting: abort the start (it stops what it started)

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in previous:
        signal.signal(sig, on_signal)
    try:
        return _serve(ns, stop, serving)
    except LocalTargetError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(ns: argparse.Namespace, stop: threading.Event, serving: threading.Event) -> int:
    from ..global_lb.local import LocalGlobalService  # the multi-region router builds on this package

    specs, services = load_program(ns.directory, stack=ns.stack, config=config_pairs(ns.config))
    ports = iter(range(ns.port, ns.port + len(specs) + len(services))) if ns.port else None

    def event(message: str) -> None:
        if "failed to start" in message:
            failures.append(message)  # shown once: with the status, or in the error if nothing can serve
            return
        _say(message, sys.stderr if "failed" in message or "error" in message else sys.stdout)

    failures: list[str] = []

    with ExitStack() as stack:
        clusters: list[LocalCluster] = []
        watched: list[tuple[str, _Served]] = []
        endpoints: list[tuple[str, str, str]] = []  # (name, scoring_uri, key)
        for service_spec in services:
            service = LocalGlobalService(
                service_spec,
                port=next(ports) if ports else 0,
                startup_timeout_s=ns.startup_timeout,
                on_event=event,
                keep_logs=True,
            )
            _say(f"starting {service_spec.name}: {len(service_spec.regions)} region(s) behind a local global router")
            stack.callback(service.stop)
            service.start()
            clusters.extend(service.regions.values())
            watched.append((service_spec.name, service))
            endpoints.append((service_spec.name, service.scoring_uri, service.key))
        for spec in specs:
            local = LocalCluster(
                spec,
                port=next(ports) if ports else 0,
                startup_timeout_s=ns.startup_timeout,
                on_event=event,
                keep_logs=True,
            )
            for note in _unsupported(local):
                _say(note, sys.stderr)
            _say(
                f"starting {spec.name}: {len(spec.deployments)} deployment(s); logs in {local.logdir} (kept after exit)"
            )
            stack.callback(local.stop)
            local.start()
            clusters.append(local)
            endpoints.append((spec.name, local.scoring_uri, local.key))
            for failure in failures:
                _say(f"{failure}\n  the other deployments keep serving", sys.stderr)
            failures.clear()
        # Everything runs: from now on Ctrl-C, SIGTERM and SIGHUP only ask the loop below to end (exit 0). Set
        # before the endpoint lines, so a signal sent as soon as the key is read is a normal stop.
        serving.set()
        for name, scoring_uri, key in endpoints:
            if len(endpoints) > 1:
                print(f"cluster: {name}")
            print(f"scoring_uri: {scoring_uri}")
            print(f"key: {key}", flush=True)
        for cluster in clusters:  # the header value that pins a deployment is its Azure name, as on Azure
            prefix = f"{cluster.spec.name}/" if len(clusters) > 1 else ""
            for name, azure_name in cluster.spec.deployment_names.items():
                print(f"deployment: {prefix}{name} (azureml-model-deployment: {azure_name})", flush=True)
        _say("serving; press Ctrl-C to stop")
        shown = ""
        everything: list[_Served] = [*clusters, *(served for _, served in watched)]
        while not stop.wait(0.5):
            line = _status_line(clusters, watched)
            if line != shown:
                _say(line)
                shown = line
            fatal = next((served.fatal for served in everything if served.fatal), None)
            if fatal:
                _say("stopping every replica, traefik and backing server", sys.stderr)
                raise LocalTargetError(fatal)
        _say("stopping every replica, traefik and backing server")
    return 0


def _unsupported(local: LocalCluster) -> list[str]:
    notes = []
    if local.spec.endpoint.auth_mode != "Key":
        notes.append(f"{local.spec.name}: auth_mode {local.spec.endpoint.auth_mode} is served with key auth locally")
    for d in local.spec.deployments:
        autoscale = d.autoscale
        if autoscale is None:
            continue
        skipped = sorted({r.metric for r in autoscale.rules if r.metric not in SUPPORTED_METRICS})
        if skipped:
            notes.append(f"{d.name}: autoscale rules on {', '.join(skipped)} cannot be measured locally and never fire")
    return notes
