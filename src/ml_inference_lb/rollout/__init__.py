"""The second ``pulumi up``: what Pulumi would do to go from one program to the next, and whether the
endpoint keeps serving through every step.

    from ml_inference_lb.rollout import simulate
    report = simulate(old_plan, new_plan)
    assert report.safe, "\\n".join(map(str, report.violations))

Command line: ``ml-inference-lb diff OLD_DIR NEW_DIR``. Model and limits: docs/rollout.md.
"""

from .recipes import RECIPES
from .render import render_report, report_document
from .simulate import RolloutReport, StepResult, Violation, simulate
from .steps import Step, plan_steps

__all__ = [
    "RECIPES",
    "RolloutReport",
    "Step",
    "StepResult",
    "Violation",
    "plan_steps",
    "render_report",
    "report_document",
    "simulate",
]
