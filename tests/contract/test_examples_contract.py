"""Every example (any ``examples/*/`` with a ``__main__.py``) sends only bodies Azure's definitions accept.

Examples are discovered, not listed: a new example is checked the day it lands, and a resource type
the checker has no contract for fails with a message that says so.
"""

from __future__ import annotations

import os

import pytest
from conftest import tiny_deployment

from ml_inference_lb import GlobalInferenceService
from ml_inference_lb.contract import check_plan
from ml_inference_lb.plan import run, run_directory

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


def _two_region_service(load_balancer: dict[str, object]) -> None:
    cluster = {"endpoint": {"auth_mode": "aad_token"}, "deployments": [tiny_deployment("blue", traffic_percent=100)]}
    regions = [{"location": "westeurope", "cluster": cluster}, {"location": "northeurope", "cluster": cluster}]
    GlobalInferenceService("svc", {"resource_group_name": "rg", "regions": regions, "load_balancer": load_balancer})


@pytest.mark.parametrize(
    "load_balancer",
    [
        {"kind": "front_door", "sku": "Premium_AzureFrontDoor", "waf": {"mode": "detection", "bot_protection": True}},
        {"kind": "traffic_manager", "routing": "weighted", "probe": {"custom_headers": {"X-Probe": "1"}}},
    ],
    ids=["front-door-premium-waf", "traffic-manager"],
)
def test_global_entry_variants_match_azure_contract(load_balancer: dict[str, object]) -> None:
    """The global entry's other shapes (not in the examples' default config) are checked too."""
    plan = run(lambda: _two_region_service(load_balancer))
    kinds = {r.type for r in plan.resources}
    expected = (
        "azure-native:frontdoor:Policy"
        if load_balancer["kind"] == "front_door"
        else "azure-native:trafficmanager:Profile"
    )
    assert expected in kinds
    problems = [str(v) for v in check_plan(plan) if v.severity == "error"]
    assert not problems, "\n".join(problems)
