"""Entry point of one replica: the Azure ML inference server (``azmlinfsrv``), bound to loopback.

``azmlinfsrv`` always binds ``0.0.0.0`` (``azureml_inference_server_http.constants.DEFAULT_HOST``), which
would expose an unauthenticated scoring route to the whole network. The local target starts the same
server code through this module, which changes only that host to ``127.0.0.1`` and then runs the
server's own command line (``--entry_script``, ``--model_dir``, ``--port``, ...).
"""

from __future__ import annotations

LOOPBACK = "127.0.0.1"


def main() -> None:
    from azureml_inference_server_http import amlserver  # type: ignore[import-untyped]

    amlserver.DEFAULT_HOST = LOOPBACK
    amlserver.run()


if __name__ == "__main__":
    main()
