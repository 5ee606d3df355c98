"""The programs the local target starts its children with (``local/_entry``), without starting a server:
the replica's secret guard, its one-write responses, and the launcher's parent-death signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import types
from collections.abc import Iterable
from typing import Any

import psutil
import pytest

from ml_inference_lb.local._entry import replica
from ml_inference_lb.local.processes import launch_argv


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, bytes]:
    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.append(status)

    body = b"".join(app(environ, start_response))
    return seen[0], body


def test_the_guard_admits_only_the_secret_and_hides_it_and_the_key_from_the_app() -> None:
    received: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        received.append(dict(environ))
        start_response("200 OK", [])
        return [b"scored"]

    guarded = replica.guard(app, b"s3cret")
    assert _call(guarded, {})[0].startswith("403")
    assert _call(guarded, {replica.SECRET_ENVIRON_KEY: "wrong"})[0].startswith("403")
    assert received == []
    status, body = _call(guarded, {replica.SECRET_ENVIRON_KEY: "s3cret", "HTTP_AUTHORIZATION": "Bearer key"})
    assert (status, body) == ("200 OK", b"scored")
    assert replica.SECRET_ENVIRON_KEY not in received[0] and "HTTP_AUTHORIZATION" not in received[0]


class RecordingSocket:
    def __init__(self) -> None:
        self.sends: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sends.append(bytes(data))


def _response(monkeypatch: pytest.MonkeyPatch, coalesced: bool) -> tuple[Any, RecordingSocket]:
    from gunicorn.config import Config
    from gunicorn.http import wsgi

    if coalesced:
        # Patch a copy of the class so the real gunicorn Response stays as it is for other tests.
        copy = type("Response", (wsgi.Response,), {})
        monkeypatch.setattr(wsgi, "Response", copy)
        assert replica.coalesce_headers_with_body()
    sock = RecordingSocket()
    request = types.SimpleNamespace(version=(1, 1), method="POST", headers=[], should_close=lambda: True)
    response = wsgi.Response(request, sock, Config())
    response.start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
    return response, sock


@pytest.mark.parametrize("coalesced", [False, True])
def test_a_small_response_leaves_in_one_write_only_when_coalesced(
    monkeypatch: pytest.MonkeyPatch, coalesced: bool
) -> None:
    response, sock = _response(monkeypatch, coalesced)
    response.write(b'{"ok": true}'[:11])
    response.close()
    text = b"".join(sock.sends)
    assert text.startswith(b"HTTP/1.1 200 OK\r\n") and text.endswith(b'{"ok": true'[:11])
    # gunicorn itself sends the headers, then the body: a replica killed between the two leaves a
    # response the load balancer cannot replay. Coalesced, there is one write.
    assert len(sock.sends) == (1 if coalesced else 2)


def test_a_response_without_a_body_still_sends_its_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    response, sock = _response(monkeypatch, coalesced=True)
    response.close()
    assert len(sock.sends) == 1 and sock.sends[0].startswith(b"HTTP/1.1 200 OK\r\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_launched_child_dies_with_the_thread_that_started_it() -> None:
    # A parent that starts a child through the launcher, prints its pid, then is killed.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            f"argv = {launch_argv(['/bin/sleep', '60'])!r}\n"
            "argv[3] = str(__import__('os').getpid())\n"
            "child = subprocess.Popen(argv)\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
                return  # dead, waiting for its new parent to reap it
        except psutil.NoSuchProcess:
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the child outlived its killed parent")
