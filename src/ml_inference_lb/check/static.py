"""Check 1: the program under mocks, its request bodies against Azure's definitions, and the
deployability rules. Any error fails."""

from __future__ import annotations

from collections.abc import Mapping

from ..contract.check import check_plan as check_contract
from ..contract.check import errors as contract_errors
from ..deployability import check_plan as check_rules
from ..errors import InferenceClusterArgsError
from ..plan.engine import PlanResult, run_directory
from .model import CheckLine

MEASURED_HERE = {"MLI018": "probes", "MLI020": "capacity"}
"""Rules that need a measurement this command takes itself: the ``probes`` and ``capacity`` lines
report them with the measured values."""


def plan_program(directory: str, stack: str, config: Mapping[str, str]) -> tuple[PlanResult | None, CheckLine]:
    try:
        result = run_directory(directory, stack=stack, config=dict(config))
    except InferenceClusterArgsError as error:
        return None, CheckLine(
            "plan",
            "plan",
            "fail",
            "the program's arguments are invalid",
            "fix each argument named below",
            details=tuple(str(error).splitlines()),
        )
    except Exception as error:  # the user's program may raise anything
        return None, CheckLine(
            "plan",
            "plan",
            "fail",
            f"the program failed under Pulumi's mocks: {error!r}",
            "run `ml-inference-lb plan DIR` to see the whole error",
        )
    if not result.specs:
        return result, CheckLine(
            "plan", "plan", "fail", "the program declares no InferenceCluster", "nothing to check: declare one"
        )
    clusters = ", ".join(spec.name for spec in result.specs)
    return result, CheckLine(
        "plan",
        "plan",
        "ok",
        f"{len(result.resources)} resources, clusters: {clusters}",
        data={"resources": len(result.resources), "clusters": [spec.name for spec in result.specs]},
    )


def contract_line(result: PlanResult) -> CheckLine:
    violations = contract_errors(check_contract(result))
    if violations:
        return CheckLine(
            "contract",
            "plan",
            "fail",
            f"{len(violations)} request bod{'y' if len(violations) == 1 else 'ies'} Azure would reject",
            "change the arguments behind each path below (python -m ml_inference_lb.contract DIR)",
            details=tuple(str(v) for v in violations),
        )
    return CheckLine("contract", "plan", "ok", "every request body matches Azure's API definitions")


def rules_lines(result: PlanResult) -> list[CheckLine]:
    report = check_rules(result)
    lines = []
    for finding in report.findings:
        if finding.waived is not None:
            continue
        lines.append(
            CheckLine(
                "rules",
                finding.resource,
                "fail" if finding.severity == "error" else "warn",
                f"{finding.rule} {finding.name}: {finding.message}",
                finding.fix,
                details=(f"source: {finding.source}",),
                data={"rule": finding.rule, "severity": finding.severity},
            )
        )
    waived = sum(1 for f in report.findings if f.waived is not None)
    skipped = [rule for rule, _ in report.skipped if rule not in MEASURED_HERE]
    if not lines:
        extra = f", {waived} waived" if waived else ""
        extra += f", skipped {', '.join(skipped)}" if skipped else ""
        lines.append(CheckLine("rules", "plan", "ok", f"no deployability findings{extra}"))
    return lines
