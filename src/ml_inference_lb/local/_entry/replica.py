"""One replica: the Azure ML inference server (``azmlinfsrv``), on loopback, behind a per-run secret.

Run as ``python replica.py --entry_script ... --model_dir ... --port ...`` (the server's own command
line) with the run's internal secret as the first line of stdin. Three changes to the server as
Azure's images run it, none visible to the scoring script:

* **Loopback.** ``azmlinfsrv`` binds ``0.0.0.0`` (``azureml_inference_server_http.constants.DEFAULT_HOST``),
  which would expose an unauthenticated scoring route to the whole network; here it binds ``127.0.0.1``.
* **Only the load balancer gets in.** Every request (scoring, swagger, the health route) must carry
  the secret in the ``X-Ml-Inference-Lb-Internal`` header, which only the local target's Traefik and
  supervisor add; anything else is answered 403 before it reaches the server. Any process on the
  machine can reach a loopback port, so binding to loopback alone would let it score without the
  endpoint's key. The secret and the caller's ``Authorization`` header are removed from the request
  before the scoring script sees it. The secret comes on stdin, not the command line (readable by
  every user in ``/proc``) nor the environment (which the scoring script could print).
* **No orphans, no half responses.** Each gunicorn worker asks for SIGTERM when its master dies
  (``prctl(PR_SET_PDEATHSIG)``), so killing the master alone does not leave workers serving; they
  finish the request in hand and exit. A worker sends a response's headers and body in one write, so
  a replica killed mid-response leaves either a whole response or none, never headers without a body,
  which the load balancer could not retry.
"""

from __future__ import annotations

import hmac
import os
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

LOOPBACK = "127.0.0.1"
SECRET_ENVIRON_KEY = "HTTP_X_ML_INFERENCE_LB_INTERNAL"
IMPORTS_REPORT_ENV = "ML_INFERENCE_LB_IMPORTS_REPORT"
"""Set by ``ml-inference-lb check``: each worker writes, once the scoring script's ``init()`` has run,
the distributions (and versions) of every module it has loaded to ``<value>.<worker pid>.json``."""
"""The WSGI name of the ``X-Ml-Inference-Lb-Internal`` request header."""
FORBIDDEN = b"403: this port is internal to ml-inference-lb local; call the scoring URI with the endpoint's key\n"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

try:
    from .launch import set_parent_death_signal
except ImportError:  # run as a script: its folder is on sys.path
    from launch import set_parent_death_signal  # type: ignore[import-not-found,no-redef]


def read_secret() -> bytes:
    """The first line of stdin; stdin is then /dev/null, as the server expects."""
    secret = sys.stdin.buffer.readline().strip()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if not secret:
        raise SystemExit("replica.py: no internal secret on stdin")
    return secret


def guard(app: WsgiApp, secret: bytes) -> WsgiApp:
    """``app`` behind the secret header; the header and ``Authorization`` never reach ``app``."""

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        given = str(environ.pop(SECRET_ENVIRON_KEY, "")).encode("latin-1", "replace")
        environ.pop("HTTP_AUTHORIZATION", None)
        if not hmac.compare_digest(given, secret):
            start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", str(len(FORBIDDEN)))])
            return [FORBIDDEN]
        return app(environ, start_response)

    return guarded


class _Prefixed:
    """A socket stand-in whose next ``sendall`` sends ``head`` and the data in one call."""

    def __init__(self, sock: Any, head: bytes):
        self.sock = sock
        self.head = head

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(self.head + bytes(data))
        self.head = b""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class _Recorder:
    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += bytes(data)


def coalesce_headers_with_body() -> bool:
    """Make gunicorn send a response's headers with its first body bytes; False if its internals differ."""
    from gunicorn.http import wsgi  # type: ignore[import-untyped]

    response = wsgi.Response
    if not all(hasattr(response, name) for name in ("send_headers", "_emit_body", "close", "sendfile")):
        return False
    send_headers, emit_body, close, sendfile = (
        response.send_headers,
        response._emit_body,
        response.close,
        response.sendfile,
    )

    def deferred_send_headers(self: Any) -> None:
        if self.headers_sent:
            return
        sock, recorder = self.sock, _Recorder()
        self.sock = recorder
        try:
            send_headers(self)
        finally:
            self.sock = sock
        self._ml_inference_lb_head = recorder.data

    def with_head(self: Any, write: Callable[..., Any], *args: Any, keep: bool) -> Any:
        """Run ``write`` so that its first send carries the pending headers. If it sent nothing, the
        headers stay pending (``keep``) or are sent alone."""
        head = getattr(self, "_ml_inference_lb_head", b"")
        if not head:
            return write(self, *args)
        self._ml_inference_lb_head = b""
        sock = self.sock
        prefixed = self.sock = _Prefixed(sock, head)
        try:
            return write(self, *args)
        finally:
            self.sock = sock
            if prefixed.head and keep:
                self._ml_inference_lb_head = prefixed.head
            elif prefixed.head:
                sock.sendall(prefixed.head)

    def flush_then(write: Callable[..., Any]) -> Callable[..., Any]:
        def flushed(self: Any, *args: Any) -> Any:
            head = getattr(self, "_ml_inference_lb_head", b"")
            if head:
                self._ml_inference_lb_head = b""
                self.sock.sendall(head)
            return write(self, *args)

        return flushed

    def closing(self: Any) -> None:
        if not self.headers_sent:
            deferred_send_headers(self)
        with_head(self, close, keep=False)

    response.send_headers = deferred_send_headers
    response._emit_body = lambda self, data: with_head(self, emit_body, data, keep=True)
    response.close = closing
    response.sendfile = flush_then(sendfile)
    return True


def report_imports(path_prefix: str) -> None:
    """Write ``{"python": "3.11.9", "distributions": {name: version}}`` for every loaded top-level module
    that an installed distribution provides (the scoring script's imports and the server's own)."""
    import json
    from importlib import metadata

    providers = metadata.packages_distributions()
    loaded = {name.partition(".")[0] for name in list(sys.modules)}
    versions: dict[str, str] = {}
    for module in loaded:
        for distribution in providers.get(module, []):
            try:
                versions[distribution] = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                continue
    python = ".".join(str(part) for part in sys.version_info[:3])
    with open(f"{path_prefix}.{os.getpid()}.json", "w", encoding="utf-8") as handle:
        json.dump({"python": python, "distributions": versions}, handle)


def install(secret: bytes) -> None:
    """Hook the guard and the worker's parent-death signal into gunicorn before the server starts it."""
    from gunicorn.app import wsgiapp  # type: ignore[import-untyped]

    master = os.getpid()
    load_wsgiapp, load_config = wsgiapp.WSGIApplication.load_wsgiapp, wsgiapp.WSGIApplication.load_config

    def guarded_load_wsgiapp(self: Any) -> WsgiApp:
        return guard(load_wsgiapp(self), secret)

    def post_fork(_server: Any, _worker: Any) -> None:
        set_parent_death_signal(signal.SIGTERM)
        if os.getppid() != master:  # the master died before the request
            os.kill(os.getpid(), signal.SIGTERM)

    def post_worker_init(_worker: Any) -> None:
        report = os.environ.get(IMPORTS_REPORT_ENV)
        if report:
            try:
                report_imports(report)
            except Exception as error:  # a report must never stop the worker
                print(f"ml-inference-lb: could not report the loaded modules: {error!r}")

    def configured(self: Any) -> None:
        load_config(self)
        self.cfg.set("post_fork", post_fork)
        self.cfg.set("post_worker_init", post_worker_init)

    wsgiapp.WSGIApplication.load_wsgiapp = guarded_load_wsgiapp
    wsgiapp.WSGIApplication.load_config = configured
    if not coalesce_headers_with_body():
        print("ml-inference-lb: this gunicorn sends headers and body separately; a crash can cut a response")


def main() -> None:
    install(read_secret())
    from azureml_inference_server_http import amlserver  # type: ignore[import-untyped]

    amlserver.DEFAULT_HOST = LOOPBACK
    amlserver.run()


if __name__ == "__main__":
    main()
