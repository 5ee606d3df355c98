"""Replicas of one deployment: start the inference server, track readiness and liveness, restart.

A replica is one ``azmlinfsrv`` process group on its own loopback port. It joins the load balancer
after its first successful readiness probe (``GET /``, after ``initial_delay``); Traefik's active
health check then takes it out whenever readiness fails. A replica that fails its liveness probe
``failure_threshold`` times in a row, or exits, is replaced by a new process (on a new port), as Azure
restarts a container. A replica that exits before it was ever ready has failed to start (``init()`` raised, the
script is missing): it is not restarted, and its log lines explain why.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Literal

from ..spec.model import DeploymentSpec
from .probes import free_port
from .processes import ManagedProcess

ReplicaState = Literal["starting", "ready", "failed", "stopped"]


@dataclass
class Replica:
    deployment: str
    index: int
    port: int
    process: ManagedProcess
    state: ReplicaState = "starting"
    started_at: float = field(default_factory=time.monotonic)
    liveness_failures: int = 0
    next_liveness_at: float = 0.0
    restarts: int = 0


# Settings of the inference server (azureml_inference_server_http/constants.py) that must come from the
# deployment, never from the shell that runs `local up` (Azure's containers do not see that shell).
SERVER_SETTINGS = frozenset(
    {
        "WORKER_COUNT",
        "WORKER_TIMEOUT",
        "WORKER_PRELOAD",
        "SERVER_PORT",
        "HEALTH_PORT",
        "SEPERATE_HEALTH_ENDPOINT",
        "TRANSPORT_PROTOCOL",
        "SCORING_TIMEOUT_MS",
    }
)


def replica_env(spec: DeploymentSpec, index: int) -> dict[str, str]:
    """The replica's environment: this process's (PATH, Python, GUNICORN_CMD_ARGS...) without the
    inference server's own settings, then the deployment's ``environment_variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZUREML_", "AML_")) and k not in SERVER_SETTINGS}
    for key, value in spec.env.items():
        if not isinstance(value, str):  # check_servable refuses these before any replica starts
            raise ValueError(f"{spec.name}: environment variable {key} is a pulumi.Output, unknown offline")
        env[key] = value
    env.setdefault("WORKER_COUNT", "1")
    env["ML_INFERENCE_LB_DEPLOYMENT"] = spec.name
    env["ML_INFERENCE_LB_REPLICA"] = f"{spec.name}-{index}"
    env["PYTHONUNBUFFERED"] = "1"
    # gunicorn 23+ opens a control socket under $HOME, one path shared by every replica: turn it off.
    env["GUNICORN_CMD_ARGS"] = (env.get("GUNICORN_CMD_ARGS", "") + " --no-control-socket").strip()
    return env


def replica_argv(spec: DeploymentSpec, port: int) -> list[str]:
    assert spec.code is not None and spec.code.path is not None and spec.model.path is not None
    return [
        sys.executable,
        "-m",
        "ml_inference_lb.local._replica_main",
        "--entry_script",
        os.path.join(spec.code.path, spec.code.scoring_script),
        "--model_dir",
        spec.model.path,
        "--port",
        str(port),
    ]


def new_replica(spec: DeploymentSpec, index: int, logdir: str, port: int | None = None) -> Replica:
    port = port or free_port()
    process = ManagedProcess(
        replica_argv(spec, port),
        env=replica_env(spec, index),
        log_path=os.path.join(logdir, f"{spec.name}-{index}.log"),
        cwd=spec.code.path if spec.code else None,
    )
    process.start()
    return Replica(deployment=spec.name, index=index, port=port, process=process)
