"""Replicas of one deployment: how one is started (command line, environment, the run's secret).

A replica is one ``azmlinfsrv`` process group on its own loopback port, started through
``_entry/replica.py`` (loopback only, behind the run's internal secret). The supervisor decides when it
joins the routing, when it leaves it and when it is restarted (see :mod:`.supervisor`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..spec.model import DeploymentSpec
from .probes import free_port
from .processes import ENTRY, ManagedProcess

REPLICA_ENTRY = os.path.join(ENTRY, "replica.py")

ReplicaState = Literal["starting", "ready", "unready"]
"""``starting`` until its first successful readiness probe; then ``ready`` (routed) or ``unready``
(failed its readiness probe ``failure_threshold`` times in a row: out of the routing until it passes
``success_threshold`` times)."""


@dataclass
class Replica:
    deployment: str
    index: int
    port: int
    process: ManagedProcess
    state: ReplicaState = "starting"
    started_at: float = field(default_factory=time.monotonic)
    ready_at: float | None = None
    liveness_failures: int = 0
    next_liveness_at: float = 0.0
    readiness_failures: int = 0
    readiness_successes: int = 0
    next_readiness_at: float = 0.0
    restarts: int = 0


SHELL_ALLOW_LIST = frozenset(
    {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PYTHONPATH", "LD_LIBRARY_PATH", "SYSTEMROOT"}
)
"""What a replica takes from the shell that runs ``local up``: what Python, its native libraries and
the server need to start (plus every ``LC_*`` locale variable). Nothing else: Azure's containers see
only their own variables, and a scoring script that prints its environment must not print the
developer's ``AZURE_CLIENT_SECRET`` or ``GITHUB_TOKEN``."""


def replica_env(
    spec: DeploymentSpec,
    index: int,
    shell: Mapping[str, str] | None = None,
    backing: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The replica's environment: the allow-listed shell variables, then the deployment's
    ``environment_variables`` (which may set the inference server's own settings, such as
    ``WORKER_COUNT``), then its backing services' connection variables (``backing``; the spec keeps
    the deployment's own variables from setting those names), then the local target's own."""
    shell = os.environ if shell is None else shell
    env = {k: v for k, v in shell.items() if k in SHELL_ALLOW_LIST or k.startswith("LC_")}
    for key, value in spec.env.items():
        if not isinstance(value, str):  # check_servable refuses these before any replica starts
            raise ValueError(f"{spec.name}: environment variable {key} is a pulumi.Output, unknown offline")
        env[key] = value
    env.update(backing or {})
    env.setdefault("WORKER_COUNT", "1")
    env["ML_INFERENCE_LB_DEPLOYMENT"] = spec.name
    env["ML_INFERENCE_LB_REPLICA"] = f"{spec.name}-{index}"
    env["PYTHONUNBUFFERED"] = "1"
    # gunicorn 23+ opens a control socket under $HOME, one path shared by every replica: turn it off.
    env["GUNICORN_CMD_ARGS"] = (env.get("GUNICORN_CMD_ARGS", "") + " --no-control-socket").strip()
    return env


def replica_argv(spec: DeploymentSpec, port: int) -> list[str]:
    """The inference server's own command line, run through the local target's replica entry point."""
    assert spec.code is not None and spec.code.path is not None and spec.model.path is not None
    return [
        sys.executable,
        REPLICA_ENTRY,
        "--entry_script",
        os.path.join(spec.code.path, spec.code.scoring_script),
        "--model_dir",
        spec.model.path,
        "--port",
        str(port),
    ]


def new_replica(
    spec: DeploymentSpec,
    index: int,
    logdir: str,
    secret: str,
    port: int | None = None,
    backing: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Replica:
    """Start replica ``index`` of ``spec``; ``secret`` is the run's internal secret (see ``_entry/replica.py``),
    ``backing`` its connection variables (:meth:`~ml_inference_lb.local.backing.BackingServers.environment`),
    ``extra_env`` the local target's own settings (``ml-inference-lb check`` asks for the imports report)."""
    port = port or free_port()
    process = ManagedProcess(
        replica_argv(spec, port),
        env={**replica_env(spec, index, backing=backing), **(extra_env or {})},
        log_path=os.path.join(logdir, f"{spec.name}-{index}.log"),
        cwd=spec.code.path if spec.code else None,
        stdin_data=secret.encode() + b"\n",
    )
    process.start()
    return Replica(deployment=spec.name, index=index, port=port, process=process)
