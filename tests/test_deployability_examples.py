"""The examples against the deployability rules. Before issue 9's fixes they showed exactly issue 9's defects
(MLI001, MLI002, MLI003, MLI004, MLI005, MLI010, MLI012 on quickstart and multi-region; MLI006, MLI010 on
inference-pool: docs/deployability.md). With those fixes every example passes clean."""

from __future__ import annotations

import os

import pytest
from conftest import EXAMPLES

from ml_inference_lb.deployability import check_plan, render_findings
from ml_inference_lb.plan import run_directory

EXAMPLE_NAMES = sorted(
    name for name in os.listdir(EXAMPLES) if os.path.isfile(os.path.join(EXAMPLES, name, "__main__.py"))
)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_examples_pass_every_rule(example: str) -> None:
    report = check_plan(run_directory(os.path.join(EXAMPLES, example)))
    assert not report.findings, render_findings(report)
