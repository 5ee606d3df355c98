"""Run every check over one Pulumi program and gather the report."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..local.cluster import check_servable
from ..local.errors import LocalTargetError
from ..spec.model import ClusterSpec, DeploymentSpec
from .backing import backing_servers
from .capacity import capacity_rows, quota_lines, sku_lines_and_demand
from .drift import drift_line
from .model import CheckLine, CheckReport
from .probes import memory_line, probe_line
from .run import Measured, start_and_measure
from .samples import sample_files
from .static import contract_line, plan_program, rules_lines


@dataclass(frozen=True)
class CheckOptions:
    stack: str = "dev"
    config: Mapping[str, str] = field(default_factory=dict)
    quota: Mapping[str, int] = field(default_factory=dict)
    """vCPUs free for managed online endpoints, by VM family (``standardDSv2Family``), in every region."""
    samples: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Sample request files by ``DEPLOYMENT`` or ``CLUSTER/DEPLOYMENT``."""
    startup_timeout_s: float = 300.0
    request_timeout_s: float = 30.0
    run_deployments: bool = True
    """False skips check 2-4 (nothing is started): plan, rules, SKUs and capacity only."""


def run_check(
    directory: str, options: CheckOptions | None = None, on_line: Callable[[CheckLine], None] | None = None
) -> CheckReport:
    """Every check over the program in ``directory``; ``on_line`` sees each line as soon as it is known."""
    options = options or CheckOptions()
    lines: list[CheckLine] = []

    def emit(line: CheckLine) -> None:
        lines.append(line)
        if on_line is not None:
            on_line(line)

    result, plan_line = plan_program(directory, options.stack, options.config)
    emit(plan_line)
    if result is None or not result.specs:
        return CheckReport(directory, tuple(lines))
    emit(contract_line(result))
    for line in rules_lines(result):
        emit(line)
    clusters: tuple[ClusterSpec, ...] = tuple(result.specs)
    sku_lines, demand = sku_lines_and_demand(clusters)
    for line in sku_lines:
        emit(line)
    measured: list[Measured] = []
    if options.run_deployments and importlib.util.find_spec("azureml_inference_server_http") is None:
        emit(
            CheckLine(
                "start",
                "plan",
                "fail",
                "the Azure ML inference server is not installed: no deployment can start",
                "pip install 'ml-inference-lb[local]' (or pass --no-run to check the plan and capacity only)",
            )
        )
    elif options.run_deployments:
        for cluster in clusters:
            measured.extend(_run_cluster(cluster, directory, options, emit))
    rows = capacity_rows(demand)
    for line in quota_lines(rows, options.quota):
        emit(line)
    return CheckReport(directory, tuple(lines), capacity=tuple(rows), deployments=tuple(m.as_json() for m in measured))


def _run_cluster(
    cluster: ClusterSpec, directory: str, options: CheckOptions, emit: Callable[[CheckLine], None]
) -> list[Measured]:
    try:
        check_servable(cluster)
    except LocalTargetError as error:
        emit(
            CheckLine(
                "start",
                cluster.name,
                "fail",
                "cannot start its deployments locally",
                "see below for each setting that only Azure can serve; the local check runs what `local up` runs",
                details=tuple(str(error).splitlines()[1:]),
            )
        )
        return []
    try:
        with backing_servers(cluster, on_event=lambda _message: None) as servers:
            return [
                _run_deployment(
                    cluster.name, spec, directory, options, emit, servers.environment(spec) if servers else None
                )
                for spec in cluster.deployments
            ]
    except LocalTargetError as error:
        emit(
            CheckLine(
                "start",
                cluster.name,
                "fail",
                "its backing services (Redis, PostgreSQL) did not start, so its deployments were not started",
                "fix what the first line below names; `local up` starts the same servers the same way",
                details=tuple(str(error).splitlines()),
            )
        )
        return []


def _run_deployment(
    cluster: str,
    spec: DeploymentSpec,
    directory: str,
    options: CheckOptions,
    emit: Callable[[CheckLine], None],
    backing: Mapping[str, str] | None,
) -> Measured:
    files, origin = sample_files(cluster, spec, directory, options.samples)
    m = start_and_measure(
        cluster,
        spec,
        files,
        timeout_s=options.startup_timeout_s,
        request_timeout_s=options.request_timeout_s,
        backing=backing,
    )
    subject = m.subject
    if m.failure is not None:
        emit(
            CheckLine(
                "start",
                subject,
                "fail",
                f"deployment {spec.name!r} of {cluster!r}: {m.failure}",
                "fix the scoring script's init() (traceback below); Azure would fail the same way "
                "(ResourceNotReady, liveness probe failures)" + (f"; whole log: {m.log_path}" if m.log_path else ""),
                details=m.log_excerpt,
                data=m.as_json(),
            )
        )
        return m
    assert m.ready_s is not None
    emit(
        CheckLine("start", subject, "ok", f"ready after {m.ready_s:.2f} s with {m.workers} worker(s)", data=m.as_json())
    )
    emit(probe_line(subject, spec, m.ready_s))
    emit(memory_line(subject, spec, m.workers, m.master_rss_mib, m.worker_rss_mib))
    _sample_lines(subject, files, origin, m, emit)
    emit(drift_line(subject, spec.environment.conda_file, m.imports))
    return m


def _sample_lines(subject: str, files: list[str], origin: str, m: Measured, emit: Callable[[CheckLine], None]) -> None:
    if not files:
        emit(
            CheckLine(
                "sample",
                subject,
                "warn",
                "no sample request: the deployment started but nothing was scored",
                "add sample-request.json next to the scoring script (or pass --sample DEPLOYMENT=FILE)",
            )
        )
        return
    for result in m.samples:
        name = os.path.relpath(result.file)
        data = {"file": result.file, "status": result.status, "json": result.json_body, "from": origin}
        if result.ok:
            emit(
                CheckLine(
                    "sample",
                    subject,
                    "ok",
                    f"{name}: {result.status} with a JSON body in {result.seconds:.2f} s",
                    data=data,
                )
            )
            continue
        what = result.error or (
            f"answered {result.status}" + ("" if result.json_body else " with a body that is not JSON")
        )
        emit(
            CheckLine(
                "sample",
                subject,
                "fail",
                f"{name}: {what}",
                "make run() answer the sample with a 2xx and a JSON body"
                + (f"; log: {m.log_path}" if m.log_path else ""),
                details=tuple(result.body_excerpt.splitlines()[:10]),
                data=data,
            )
        )
