"""MLI021: `plan` warns when a public global entry in front of two or more regions has no WAF."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from conftest import EXAMPLES, tiny_deployment

from ml_inference_lb import GlobalInferenceService
from ml_inference_lb.cli import main
from ml_inference_lb.deployability import check_plan, rule
from ml_inference_lb.plan import PlanResult, run


def service_plan(load_balancer: dict[str, Any], regions: int = 2) -> PlanResult:
    cluster = {"endpoint": {"auth_mode": "aad_token"}, "deployments": [tiny_deployment("blue", traffic_percent=100)]}
    locations = ["westeurope", "northeurope"][:regions]
    args = {
        "resource_group_name": "rg",
        "regions": [{"location": loc, "cluster": cluster} for loc in locations],
        "load_balancer": load_balancer,
    }
    return run(lambda: GlobalInferenceService("svc", args))


def waf_findings(plan: PlanResult) -> list[str]:
    return [f.resource for f in check_plan(plan).findings if f.rule == "MLI021"]


@pytest.mark.parametrize(
    ("load_balancer", "regions", "warned"),
    [
        ({}, 2, []),  # the default: Premium with its WAF
        ({"sku": "Standard_AzureFrontDoor"}, 2, ["svc-afd"]),
        ({"waf": {"enabled": False}}, 2, ["svc-afd"]),
        ({"sku": "Standard_AzureFrontDoor", "waf": {"rate_limit": {"requests": 300}}}, 2, []),
        ({"sku": "Standard_AzureFrontDoor"}, 1, []),  # one region: not a multi-region service
        ({"kind": "traffic_manager"}, 2, ["svc-tm"]),
        ({"kind": "traffic_manager"}, 1, []),
    ],
    ids=[
        "premium-default",
        "standard",
        "waf-off",
        "standard-rate-limit",
        "one-region",
        "traffic-manager",
        "tm-one-region",
    ],
)
def test_global_entry_without_waf(load_balancer: dict[str, Any], regions: int, warned: list[str]) -> None:
    assert waf_findings(service_plan(load_balancer, regions)) == warned


def test_the_rule_is_a_sourced_warning() -> None:
    found = rule("global-entry-without-waf")
    assert (found.id, found.severity) == ("MLI021", "warning")
    assert "waf-front-door-best-practices.md" in found.source


def test_plan_prints_the_warning_in_the_tree_and_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    example = os.path.join(EXAMPLES, "multi-region")
    assert main(["plan", example, "--names-only", "--config", "loadBalancer=traffic_manager"]) == 0
    assert "MLI021 global-entry-without-waf: iris-tm" in capsys.readouterr().out
    assert main(["plan", example, "--json"]) == 0
    assert not [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "MLI021"]
