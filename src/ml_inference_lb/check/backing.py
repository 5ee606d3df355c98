"""The backing servers of a checked cluster: the real Redis and PostgreSQL that `local up` starts.

A cluster that declares ``backing_services`` has its servers started by the local target's own
:class:`~ml_inference_lb.local.backing.BackingServers` (free loopback ports, generated passwords, the
declared databases and their seeds), each deployment gets the same connection variables a `local up`
replica gets (:meth:`~ml_inference_lb.local.backing.BackingServers.environment`), and the servers are
stopped, and their folders removed, when the cluster's checks end, however they end (an error, Ctrl-C).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..local.backing import BackingServers
from ..local.errors import LocalTargetError
from ..local.restarts import RestartPolicy
from ..spec.model import ClusterSpec


@contextmanager
def backing_servers(cluster: ClusterSpec, on_event: Callable[[str], None]) -> Iterator[BackingServers | None]:
    """The cluster's servers, started (None when it declares no backing service).

    Raises :class:`~ml_inference_lb.local.errors.LocalTargetError` when one cannot start (a missing
    server wheel, a failing seed): nothing started is left running then either. Check runs no
    supervision loop, so a server that dies during the check is not restarted: the deployment's
    samples then fail, as they would against a failed server on Azure.
    """
    if cluster.backing is None:
        yield None
        return
    workdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-check-{cluster.name}-")
    logdir = tempfile.mkdtemp(prefix=f"ml-inference-lb-check-{cluster.name}-logs-")
    servers: BackingServers | None = None
    keep_logs = False
    try:
        try:
            servers = BackingServers(
                cluster,
                workdir=workdir,
                logdir=logdir,
                policy=RestartPolicy(),
                on_event=on_event,
                on_give_up=on_event,
            )
            servers.start(on_event)
        except LocalTargetError as error:
            keep_logs = servers is not None  # the servers' and seeds' logs tell why (no password in them)
            where = f" (server and seed logs kept in {logdir})" if keep_logs else ""
            raise LocalTargetError(f"{error}{where}") from error
        yield servers
    finally:
        if servers is not None:
            servers.close()
            servers.stop()
            servers.remove_data(False, on_event)
        shutil.rmtree(workdir, ignore_errors=True)
        if not keep_logs:
            shutil.rmtree(logdir, ignore_errors=True)
