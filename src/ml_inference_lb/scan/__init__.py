"""Security scanning of planned stacks: Checkov over the ARM export, gated by reviewed, accepted findings.

    ml-inference-lb scan --targets security/checkov --checkov .venv-checkov/bin/checkov

See ``docs/security-scan.md``: how targets and accepted findings are written, and how CI runs it.
"""

from .accepted import Accepted, Target, Verdict, compare, load_target, load_targets, render, updated
from .checkov import CheckovError, Finding, Template, find_checkov, scan
from .run import missing_targets, scan_targets, template_of

__all__ = [
    "Accepted",
    "CheckovError",
    "Finding",
    "Target",
    "Template",
    "Verdict",
    "compare",
    "find_checkov",
    "load_target",
    "load_targets",
    "missing_targets",
    "render",
    "scan",
    "scan_targets",
    "template_of",
    "updated",
]
