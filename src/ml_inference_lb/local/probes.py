"""Plain HTTP helpers on loopback: probe a replica, read a path of Traefik's internal entry point, find
or check a port."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from typing import Any

LOOPBACK = "127.0.0.1"


def http_get(port: int, path: str, timeout_s: float, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """GET ``http://127.0.0.1:<port><path>``; returns (status, body). Raises OSError when unreachable."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def probe(port: int, path: str, timeout_s: float, headers: Mapping[str, str] | None = None) -> bool:
    """True when ``GET path`` answers 200 within the timeout (Azure's probe success rule)."""
    try:
        status, _ = http_get(port, path, timeout_s, headers)
    except (OSError, http.client.HTTPException):
        return False
    return status == 200


def get_json(port: int, path: str, timeout_s: float = 2.0, headers: Mapping[str, str] | None = None) -> Any:
    status, body = http_get(port, path, timeout_s, headers)
    if status != 200:
        raise OSError(f"GET {path} answered {status}")
    return json.loads(body)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True
