"""The offline plan: run a Pulumi program under mocks and show every resource it would create."""

from .engine import PlanResult, RegisteredResource, run, run_directory
from .render import plan_document, render_json, render_tree

__all__ = [
    "PlanResult",
    "RegisteredResource",
    "plan_document",
    "render_json",
    "render_tree",
    "run",
    "run_directory",
]
