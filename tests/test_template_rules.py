"""`Template` exposes the deployability rules and the rollout model to users' own tests."""

from __future__ import annotations

import pytest
from deployability_programs import plan_raw

from ml_inference_lb.deployability import Measurements, Waiver
from ml_inference_lb.testing import Template


def test_check_rules_passes_a_clean_stack_and_returns_the_report() -> None:
    report = Template.from_plan(plan_raw()).check_rules()
    assert not report.findings


def test_check_rules_lists_every_unwaived_error_with_its_fix() -> None:
    with pytest.raises(
        AssertionError, match=r"MLI001 managed-network-not-provisioned(.|\n)*fix: Provision the network"
    ):
        Template.from_plan(plan_raw(provision_network=False)).check_rules()


def test_check_rules_honours_waivers_given_by_the_test() -> None:
    template = Template.from_plan(plan_raw(provision_network=False))
    waivers = tuple(
        Waiver("MLI001", name, "provisioned by the platform team") for name in ("deployment-blue", "deployment-green")
    )
    report = template.check_rules(waivers=waivers)
    assert [f.waived for f in report.findings] == ["provisioned by the platform team"] * 2


def test_warnings_fail_only_when_asked() -> None:
    template = Template.from_plan(plan_raw(random_workspace_name=False))
    template.check_rules()
    with pytest.raises(AssertionError, match="MLI010"):
        template.check_rules(allow_warnings=False)


def test_measured_rules_run_with_measurements() -> None:
    template = Template.from_plan(plan_raw())
    assert {f.rule for f in template.findings(Measurements(model_load_seconds={"blue": 1000})).findings} == {"MLI018"}


def test_rollout_from_and_its_assertion_name_the_step() -> None:
    old = Template.from_plan(plan_raw(endpoint_ignore=["properties.traffic"]))
    new = Template.from_plan(plan_raw(endpoint_ignore=["properties.traffic"], tags={"team": "ml"}))
    assert not new.rollout_from(old).safe
    with pytest.raises(AssertionError, match=r"\[TRAFFIC\] step \d+: after update OnlineEndpoint 'endpoint'"):
        new.assert_safe_rollout_from(old)
    Template.from_plan(plan_raw(tags={"team": "ml"})).assert_safe_rollout_from(Template.from_plan(plan_raw()))
