"""Contract tests: is what we register what Azure accepts?

Pulumi's mocks accept any property, so a program can pass every unit test and still send Azure a body
it rejects. This package turns each registered resource's captured inputs into the ARM request body
pulumi-azure-native would send, and validates it against Azure's published definitions of the same
API version (vendored from the Azure SDK for Python, see ``schemas/`` and ``docs/contract-tests.md``).

    from ml_inference_lb.contract import check_plan
    problems = [v for v in check_plan(plan_result) if v.severity == "error"]
"""

from .check import CheckStats, Violation, check_plan, check_resource, check_resources, errors
from .contracts import CONTRACTS, Contract

__all__ = [
    "CONTRACTS",
    "CheckStats",
    "Contract",
    "Violation",
    "check_plan",
    "check_resource",
    "check_resources",
    "errors",
]
