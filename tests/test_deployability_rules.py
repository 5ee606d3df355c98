"""Every deployability rule is proven by a seeded fault: a small raw program that breaks it is caught, and the
clean version of the same program is not."""

from __future__ import annotations

from typing import Any

import pytest
from deployability_programs import plan_raw, rule_ids

from ml_inference_lb.deployability import RULES, Measurements, check_plan, render_findings

MEASURED = {"model_load_seconds": {"*": 100}, "vcpu_quota": {"standardDSv2Family": 24}}

# rule id -> (fault, measurements): the fault breaks exactly that rule.
SEEDED_FAULTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "MLI001": ({"provision_network": False}, {}),
    "MLI002": ({"duplicate_role_assignment": True}, {}),
    "MLI003": ({"endpoint_ignore": ["properties.traffic", "properties.mirrorTraffic"]}, {}),
    "MLI004": ({"deployment_ignore": ["sku.capacity"]}, {}),
    "MLI005": ({"capacity": 2, "autoscale_max": 3}, {}),
    "MLI006": ({"context_uri": "https://acct.blob.core.windows.net/c/LocalUpload/abc/context"}, {}),
    "MLI007": ({"model": "azureml:iris-softmax:1"}, {}),
    "MLI008": ({"time_zone": "Europe/Berlin"}, {}),
    "MLI009": ({"endpoint_public_access": "Disabled", "front_door": True, "private_endpoint": True}, {}),
    "MLI010": ({"random_workspace_name": False}, {}),
    "MLI011": ({"second_storage_account": "rg-other"}, {}),
    "MLI012": ({"env": {"WORKER_COUNT": "2"}}, {}),
    "MLI013": ({"env": {**{"WORKER_COUNT": "2", "APP_INSIGHTS_LOG_RESPONSE_ENABLED": "false"}, "API_KEY": "abc"}}, {}),
    "MLI014": ({"isolation": "AllowOnlyApprovedOutbound", "registry_sku": "Standard"}, {}),
    "MLI015": ({"endpoint_public_access": "Disabled"}, {}),
    "MLI016": ({"mirror": (50, 1)}, {}),
    "MLI017": ({"env": {"WORKER_COUNT": "8", "APP_INSIGHTS_LOG_RESPONSE_ENABLED": "false"}}, {}),
    "MLI018": ({}, {"model_load_seconds": {"blue": 400}}),
    "MLI019": ({"capacity": 60, "autoscale_max": 60, "mirror": (0, 1)}, {"vcpu_quota": {"standardDSv2Family": 1000}}),
    "MLI020": ({}, {"vcpu_quota": {"standardDSv2Family": 20}}),
    "MLI021": ({"global_entry_without_waf": True}, {}),
}


def test_the_clean_stack_passes_every_rule_with_every_measurement() -> None:
    report = check_plan(plan_raw(), Measurements.from_mapping(MEASURED))
    assert not report.findings, render_findings(report)
    assert not report.skipped


def test_every_rule_has_a_seeded_fault() -> None:
    assert set(SEEDED_FAULTS) == {rule.id for rule in RULES}


@pytest.mark.parametrize("rule_id", sorted(SEEDED_FAULTS))
def test_seeded_fault_is_caught_by_its_rule_only(rule_id: str) -> None:
    fault, measured = SEEDED_FAULTS[rule_id]
    assert rule_ids(plan_raw(**fault), {**MEASURED, **measured}) == {rule_id}


def test_a_provisioning_step_the_deployments_wait_for_satisfies_the_managed_network_rule() -> None:
    assert rule_ids(plan_raw(provision_network=False, provision_step="awaited"), MEASURED) == set()
    assert rule_ids(plan_raw(provision_network=False, provision_step="not-awaited"), MEASURED) == {"MLI001"}


def test_an_endpoint_that_ignores_every_updatable_input_is_create_only() -> None:
    ignored = ["properties", "tags", "identity", "kind"]
    assert rule_ids(plan_raw(endpoint_ignore=ignored), MEASURED) == set()
    assert rule_ids(plan_raw(endpoint_ignore=ignored[:-1]), MEASURED) == {"MLI003"}


def test_every_rule_says_what_where_and_how_to_fix() -> None:
    ids = [rule.id for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    for rule in RULES:
        assert rule.statement and rule.fix and rule.severity in ("error", "warning")
        assert any(marker in rule.source for marker in ("docs", "Azure", "pulumi", "azure", "Pulumi")), rule.id


def test_rules_that_need_a_measurement_are_skipped_visibly_without_it() -> None:
    report = check_plan(plan_raw())
    assert dict(report.skipped).keys() == {"MLI018", "MLI020"}
    assert "[skipped] MLI018" in render_findings(report)


def test_probe_budget_counts_the_startup_probe_when_there_is_one() -> None:
    from ml_inference_lb.deployability.rules_capacity import _probe_budget

    assert _probe_budget({}) == 10 + 10 * 30  # Azure's defaults
    assert _probe_budget({"initialDelay": "PT1M", "period": "PT5S", "failureThreshold": 10}) == 110


def test_a_waiver_marks_the_finding_waived_with_its_reason() -> None:
    reason = "the network team provisions the managed network before this stack runs"
    plan = plan_raw(
        provision_network=False,
        waivers=[
            ("MLI001", "deployment-blue", reason),
            ("managed-network-not-provisioned", "deployment-green", reason),
        ],
    )
    report = check_plan(plan)
    assert {f.resource: f.waived for f in report.findings} == {"deployment-blue": reason, "deployment-green": reason}
    assert not report.blocking
    assert f"[waived: {reason}] MLI001" in render_findings(report)


def test_a_waiver_covers_only_its_rule_and_resource() -> None:
    plan = plan_raw(provision_network=False, waivers=[("MLI001", "deployment-blue", "managed elsewhere")])
    assert [f.resource for f in check_plan(plan).blocking] == ["deployment-green"]


def test_waive_refuses_unknown_rules_and_missing_reasons() -> None:
    from ml_inference_lb.deployability import waive

    with pytest.raises(KeyError, match="MLI999"):
        waive("MLI999", "x", reason="typo")
    with pytest.raises(ValueError, match="reason"):
        waive("MLI001", "x", reason="  ")
