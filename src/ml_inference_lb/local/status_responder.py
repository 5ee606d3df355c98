"""The answers Azure gives itself when no replica can: a small HTTP server that Traefik routes them to.

Traefik can choose a status code only by proxying, so requests that no replica may answer go here:

* ``/unavailable/<deployment>[,<deployment>...]``: **503**, naming each deployment and why it cannot
  serve (it failed: a crash loop; or every replica is down while being restarted);
* ``/unknown``: **404** for an ``azureml-model-deployment`` header naming no deployment of the
  endpoint, with the message azure-ai-ml gives for that case (it checks the name before calling);
* ``/no-traffic``: **404** when no deployment has live traffic, with Azure's message for it.

Bodies are JSON ``{"message": ...}``. Like every internal port it answers only requests that carry the
run's internal secret (Traefik adds it after checking the key); anything else gets 403. It never reads
a request body and closes each connection after answering.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .traefik_config import DEPLOYMENT_HEADER, INTERNAL_HEADER, LOOPBACK

NO_TRAFFIC = (
    "No valid deployments to route to. Please check that the endpoint has at least one deployment with "
    "positive weight values or use a deployment specific header to route."
)
"""Azure's message for an endpoint without live traffic (azure-ai-docs, how-to-troubleshoot-batch-endpoints.md,
"No valid deployments to route"); the status is 404 (how-to-troubleshoot-online-endpoints.md, status codes)."""


class StatusResponder:
    """Serves the status answers of one cluster on a loopback port. :meth:`start`, then :meth:`close`."""

    def __init__(self, secret: str, azure_names: Mapping[str, str]):
        """``azure_names``: each deployment's name to its Azure name (what the deployment header carries)."""
        self._secret = secret.encode()
        self._azure_names = dict(azure_names)
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()
        responder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                responder._answer(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return  # the replicas' and Traefik's logs tell what happened

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-responder", daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.server_address[1]
        return port

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def set_reason(self, deployment: str, reason: str | None) -> None:
        """Why ``deployment`` cannot serve (None: it can)."""
        with self._lock:
            if reason is None:
                self._reasons.pop(deployment, None)
            else:
                self._reasons[deployment] = reason

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        given = request.headers.get(INTERNAL_HEADER, "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, self._secret):
            self._send(request, 403, {"message": "this port is internal to ml-inference-lb local"})
            return
        kind, _, names = request.path.strip("/").partition("/")
        if kind == "unavailable" and names:
            deployments = names.split(",")
            with self._lock:
                reasons = [
                    f"deployment '{name}' cannot serve: {self._reasons.get(name, 'no replica is ready')}"
                    for name in deployments
                ]
            served_by = self._azure_names.get(deployments[0], deployments[0])
            headers = {DEPLOYMENT_HEADER: served_by} if len(deployments) == 1 else {}
            self._send(request, 503, {"message": "; ".join(reasons)}, headers)
        elif kind == "unknown":
            name = request.headers.get(DEPLOYMENT_HEADER, "")
            message = (
                f"Deployment name {name} not found for this endpoint; its deployments are "
                f"{', '.join(self._azure_names.values())}"
            )
            self._send(request, 404, {"message": message})
        else:
            self._send(request, 404, {"message": NO_TRAFFIC})

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, str], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        request.close_connection = True
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)
