"""Every example (any ``examples/*/`` with a ``__main__.py``) sends only bodies Azure's definitions accept.

Examples are discovered, not listed: a new example is checked the day it lands, and a resource type
the checker has no contract for fails with a message that says so.
"""

from __future__ import annotations

import os

import pytest

from ml_inference_lb.contract import check_plan
from ml_inference_lb.plan import run_directory

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "examples")


def example_dirs() -> list[str]:
    return sorted(name for name in os.listdir(EXAMPLES) if os.path.isfile(os.path.join(EXAMPLES, name, "__main__.py")))


def test_examples_are_discovered() -> None:
    assert "quickstart" in example_dirs()


@pytest.mark.parametrize("example", example_dirs())
def test_example_matches_azure_contract(example: str) -> None:
    plan = run_directory(os.path.join(EXAMPLES, example))
    assert plan.resources, f"example {example} registered nothing"
    problems = [str(v) for v in check_plan(plan) if v.severity == "error"]
    assert not problems, f"example {example} would send Azure bodies it rejects:\n" + "\n".join(problems)
