"""The examples against the deployability rules: today they show exactly the defects of issue 9; once the
fixes of issue 9 land (deploy-fixes, value-fixes) they must pass clean."""

from __future__ import annotations

import os

import pytest
from conftest import EXAMPLES

from ml_inference_lb.deployability import check_plan, render_findings
from ml_inference_lb.plan import run_directory

# Issue 9's defects, by the rule that finds them: MLI001 network not provisioned (9.1), MLI002 role
# assignments Azure makes (9.2), MLI006 build context without '/' (9.3), MLI003 endpoint PUT without
# traffic (9.4), MLI004/MLI005 stale capacity on rollout (9.5), MLI010 fixed workspace name (9.6), MLI012
# response bodies logged (9.12).
ISSUE_9 = {
    "quickstart": {"MLI001", "MLI002", "MLI003", "MLI004", "MLI005", "MLI010", "MLI012"},
    "multi-region": {"MLI001", "MLI002", "MLI003", "MLI004", "MLI005", "MLI010", "MLI012"},
    "inference-pool": {"MLI006", "MLI010"},
}


@pytest.mark.parametrize("example", sorted(ISSUE_9))
def test_examples_show_exactly_the_defects_of_issue_9(example: str) -> None:
    report = check_plan(run_directory(os.path.join(EXAMPLES, example)))
    assert {f.rule for f in report.findings} == ISSUE_9[example], render_findings(report)


@pytest.mark.xfail(strict=True, reason="issue 9's fixes (deploy-fixes, value-fixes) have not landed")
@pytest.mark.parametrize("example", sorted(ISSUE_9))
def test_examples_pass_every_rule(example: str) -> None:
    report = check_plan(run_directory(os.path.join(EXAMPLES, example)))
    assert not report.findings, render_findings(report)
