"""Sample requests: where they are found, and what a good answer is.

Per deployment, in this order (the first that gives any file wins):

1. ``--sample DEPLOYMENT=FILE`` (or ``CLUSTER/DEPLOYMENT=FILE``), repeatable;
2. ``sample-request*.json`` next to the scoring script (the deployment's ``code.path``);
3. ``sample-request*.json`` in the program's folder (where the quickstart keeps ``sample-request.json``).

Each file's content is POSTed as is to ``/score`` with ``Content-Type: application/json``; the answer
must be a 2xx whose body is JSON.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..local.probes import LOOPBACK
from ..spec.model import DeploymentSpec

SAMPLE_GLOB = "sample-request*.json"


@dataclass(frozen=True)
class SampleResult:
    file: str
    status: int | None
    """HTTP status, or None when no answer came."""
    json_body: bool
    error: str | None
    seconds: float
    body_excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.json_body


def sample_files(
    cluster: str, spec: DeploymentSpec, directory: str, explicit: Mapping[str, Sequence[str]]
) -> tuple[list[str], str]:
    """The sample files of ``spec`` and where they came from (``--sample``, ``code folder``, ``program folder``)."""
    given = [*explicit.get(f"{cluster}/{spec.name}", ()), *explicit.get(spec.name, ())]
    if given:
        return [os.path.abspath(path) for path in given], "--sample"
    if spec.code is not None and spec.code.path is not None:
        found = sorted(glob.glob(os.path.join(spec.code.path, SAMPLE_GLOB)))
        if found:
            return found, "the scoring script's folder"
    found = sorted(glob.glob(os.path.join(os.path.abspath(directory), SAMPLE_GLOB)))
    return found, "the program's folder" if found else "nowhere"


def send_sample(port: int, path: str, headers: Mapping[str, str], timeout_s: float) -> SampleResult:
    """POST the file at ``path`` to ``/score`` on the replica's loopback port."""
    started = time.monotonic()
    try:
        with open(path, "rb") as handle:
            body = handle.read()
    except OSError as error:
        return SampleResult(path, None, False, f"cannot read the sample: {error}", 0.0)
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout_s)
    try:
        conn.request("POST", "/score", body=body, headers={**headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return SampleResult(path, None, False, f"no answer: {error!r}", time.monotonic() - started)
    finally:
        conn.close()
    try:
        json.loads(answer)
        is_json = True
    except ValueError:
        is_json = False
    excerpt = answer[:300].decode("utf-8", "replace")
    return SampleResult(path, status, is_json, None, time.monotonic() - started, excerpt)
