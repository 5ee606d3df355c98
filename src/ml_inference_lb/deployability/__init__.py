"""Deployability rules: what Azure (and Pulumi) do with a plan whose request bodies are all valid.

The contract checker proves each body has the right *shape*; these rules catch *behaviour*: a managed
network nobody provisioned, role assignments Azure already made, an endpoint PUT that zeroes traffic, a
rollout that scales an autoscaled deployment down. Each rule is data (id, statement, source, severity,
fix) and a small function over the plan (types, inputs, options, dependencies), never over args or spec.

    from ml_inference_lb.deployability import check_plan
    report = check_plan(plan_result)
    assert not report.blocking, "\\n".join(map(str, report.blocking))

See docs/testing.md and docs/deployability.md.
"""

from .catalog import BY_ID, RULES, rule
from .check import check_plan, render_findings
from .graph import PlanGraph
from .model import Finding, Hit, Measurements, Report, Rule, Waiver
from .waivers import waive

__all__ = [
    "BY_ID",
    "RULES",
    "Finding",
    "Hit",
    "Measurements",
    "PlanGraph",
    "Report",
    "Rule",
    "Waiver",
    "check_plan",
    "render_findings",
    "rule",
    "waive",
]
