"""Only the public port serves scoring, and only with the key; nothing the local target runs reveals the
key; replicas see the deployment's environment, not the developer's shell; oversized bodies get 413."""

from __future__ import annotations

import http.client
import os
import select
import socket
import stat
import time
from collections.abc import Iterator

import psutil
import pytest
from local_helpers import Client, echo_cluster, echo_deployment, process_tree

from ml_inference_lb.local import LocalCluster, serve

pytestmark = pytest.mark.integration

SHELL_SECRETS = {"AZURE_CLIENT_SECRET": "shell-secret-1", "GITHUB_TOKEN": "shell-secret-2"}
PROBED_PATHS = (
    ("POST", "/score"),
    ("GET", "/swagger.json"),
    ("GET", "/"),
    ("GET", "/api/http/routers"),
    ("GET", "/api/http/middlewares"),
    ("GET", "/api/rawdata"),
    ("GET", "/metrics"),
    ("GET", "/ping"),
    ("GET", "/generation/1"),
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    saved = {name: os.environ.get(name) for name in SHELL_SECRETS}
    os.environ.update(SHELL_SECRETS)  # the developer's shell, as `local up` would inherit it
    try:
        autoscale = {
            "min_instances": 1,
            "max_instances": 1,
            "rules": [{"metric": "RequestsPerMinute", "scale_out_above": 1e9, "scale_in_below": 0}],
        }
        spec = echo_cluster(
            echo_deployment("blue", traffic_percent=100, autoscale=autoscale, env={"MODEL_VERSION": "v7"}),
            echo_deployment("shadow", mirror_percent=10),
            name="secure",
        )
        with serve(spec) as local:
            yield local
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _tree(local: LocalCluster) -> list[psutil.Process]:
    """Every process the cluster runs: Traefik and each replica's process group."""
    leaders = [local.traefik_pid or 0, *local.replica_pids("blue"), *local.replica_pids("shadow")]
    return [p for leader in leaders for p in process_tree(leader)]


def _listening_ports(local: LocalCluster) -> set[int]:
    """Every TCP port the cluster's processes listen on, and the ones this (test) process listens on
    for it (the status responder runs in the local target's own process)."""
    ports = set()
    for proc in [*_tree(local), psutil.Process(os.getpid())]:
        for conn in proc.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN:
                ports.add(conn.laddr.port)
    return ports


def _request(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, body=b'{"data": [1]}' if method == "POST" else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_only_the_public_port_serves_scoring_and_only_with_the_key(cluster: LocalCluster) -> None:
    ports = _listening_ports(cluster)
    assert cluster.port in ports and len(ports) >= 5  # web, internal, two replicas, status responder
    with_key = {"Authorization": f"Bearer {cluster.key}", "Content-Type": "application/json"}
    for port in ports:
        for method, path in PROBED_PATHS:
            for headers in ({"Content-Type": "application/json"}, with_key):
                status, body = _request(port, method, path, headers)
                served = status == 200 and path in ("/score", "/swagger.json")
                if port == cluster.port and headers is with_key and served:
                    continue  # the one way in
                assert status != 200 or path == "/", f"port {port} answered {method} {path} with {status}"
                assert cluster.key.encode() not in body, f"port {port} {method} {path} revealed the key"
    # The replicas' health route answers only the local target's own probes.
    for port in cluster.replica_ports("blue"):
        assert _request(port, "GET", "/", {})[0] == 403


def test_no_process_shows_the_key_and_the_files_holding_it_are_private(cluster: LocalCluster) -> None:
    secret = cluster.internal_headers()
    for proc in _tree(cluster):
        command_line = " ".join(proc.cmdline())
        assert cluster.key not in command_line
        assert not any(value in command_line for value in secret.values())
        environment = proc.environ()
        assert not any(cluster.key in value for value in environment.values())
        assert not any(value in environment.values() for value in secret.values())
    assert stat.S_IMODE(os.stat(cluster.workdir).st_mode) == 0o700
    for folder, _, files in os.walk(cluster.workdir):
        for name in files:
            assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600, name
    for folder, _, files in os.walk(cluster.logdir):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                assert cluster.key not in handle.read(), f"the key is in {name}"


def test_replicas_see_the_deployment_environment_not_the_shell(cluster: LocalCluster) -> None:
    answer = Client(cluster.scoring_uri, cluster.key).score({"env": True})
    names = set(answer.body["env"])
    assert not names & set(SHELL_SECRETS), names
    assert {"MODEL_VERSION", "WORKER_COUNT", "PATH", "AZUREML_MODEL_DIR"} <= names
    assert "HTTP_AUTHORIZATION" not in names


def test_an_unauthorized_request_gets_a_bearer_challenge_not_a_login_box(cluster: LocalCluster) -> None:
    for key in ("", "wrong"):
        conn = http.client.HTTPConnection("127.0.0.1", cluster.port, timeout=5)
        conn.request("POST", "/score", body=b"{}", headers={"Authorization": f"Bearer {key}"} if key else {})
        response = conn.getresponse()
        response.read()
        assert response.status == 401
        assert response.getheader("WWW-Authenticate") == "Bearer"
        conn.close()


def _send_head_and_read(port: int, head: bytes, body_parts: Iterator[bytes]) -> bytes:
    """Send a request head, then body parts for as long as the server reads them and has not
    answered; the first line of its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        pending = next(body_parts, b"")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 1.0)
            if readable:
                return sock.recv(4096).split(b"\r\n", 1)[0]
            if writable:
                try:
                    pending = pending[sock.send(pending) :] or next(body_parts, b"")
                except (BrokenPipeError, ConnectionResetError):
                    pending = b""
        raise AssertionError("no answer from the server")


def test_an_oversized_body_gets_413_and_a_body_under_the_limit_is_served(cluster: LocalCluster) -> None:
    from ml_inference_lb.local.cluster import DEFAULT_MAX_REQUEST_BODY_BYTES

    limit = DEFAULT_MAX_REQUEST_BODY_BYTES
    assert Client(cluster.scoring_uri, cluster.key).score({"data": [1], "pad": "x" * 1_000_000}).status == 200
    auth = f"Authorization: Bearer {cluster.key}\r\n".encode()
    # A declared length over the limit is refused before the body is read.
    head = b"POST /score HTTP/1.1\r\nHost: x\r\n" + auth + f"Content-Length: {limit + 1}\r\n\r\n".encode()
    assert _send_head_and_read(cluster.port, head, iter([b"{"])) == b"HTTP/1.1 413 Request Entity Too Large"
    # A chunked body (no declared length) is cut at the limit.
    head = b"POST /score HTTP/1.1\r\nHost: x\r\n" + auth + b"Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"  # 1 MiB
    first_line = _send_head_and_read(cluster.port, head, (chunk for _ in range(limit // 0x100000 + 64)))
    assert first_line == b"HTTP/1.1 413 Request Entity Too Large"
