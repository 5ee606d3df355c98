"""The second `pulumi up` model: Pulumi's step semantics on small programs, and every invariant caught by a
seeded fault on the raw stack of deployability_programs.py (which already has the fixes issue 9 asks for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_random as random
from deployability_programs import plan_raw

from ml_inference_lb.plan import run
from ml_inference_lb.rollout import RolloutReport, plan_steps, simulate


def rollout(old: dict[str, Any], new: dict[str, Any]) -> RolloutReport:
    return simulate(plan_raw(**old), plan_raw(**new))


def invariants(report: RolloutReport) -> set[str]:
    return {v.invariant for v in report.violations}


def ops(old: Callable[[], None], new: Callable[[], None]) -> list[str]:
    return [f"{s.op} {s.resource.name}" + (" (skipped)" if s.skipped else "") for s in plan_steps(run(old), run(new))]


# -- Pulumi's step semantics --------------------------------------------------------------------------------
def test_no_change_means_no_step() -> None:
    assert rollout({}, {}).steps == ()


def test_ignored_inputs_take_the_old_value_so_an_ignored_change_is_no_step() -> None:
    def program(length: int) -> Callable[[], None]:
        return lambda: random.RandomString("s", length=length, opts=pulumi.ResourceOptions(ignore_changes=["length"]))

    assert ops(program(5), program(8)) == []


def test_random_resources_are_replaced_create_before_delete_and_deleted_last() -> None:
    def program(length: int) -> Callable[[], None]:
        def declare() -> None:
            random.RandomString("s", length=length)
            random.RandomString("t", length=3)

        return declare

    assert ops(program(5), program(8)) == ["create-replacement s", "delete-replaced s"]


def test_delete_before_replace_deletes_first() -> None:
    def program(length: int) -> Callable[[], None]:
        return lambda: random.RandomString("s", length=length, opts=pulumi.ResourceOptions(delete_before_replace=True))

    assert ops(program(5), program(8)) == ["delete-before-replace s", "create-replacement s"]


def test_deletes_run_last_in_reverse_dependency_order() -> None:
    def old() -> None:
        base = random.RandomString("base", length=4)
        random.RandomString("dependent", length=4, opts=pulumi.ResourceOptions(depends_on=[base]))
        random.RandomString("kept", length=4)

    def new() -> None:
        random.RandomString("kept", length=5)
        random.RandomString("added", length=4)

    steps = ops(old, new)
    assert sorted(steps[:2]) == ["create added", "create-replacement kept"]  # independent: either order
    assert sorted(steps[2:]) == ["delete base", "delete dependent", "delete-replaced kept"]
    assert steps.index("delete dependent") < steps.index("delete base")


def test_deleted_with_skips_the_provider_delete_when_its_owner_goes_too() -> None:
    def old() -> None:
        owner = random.RandomString("owner", length=4)
        random.RandomString("child", length=4, opts=pulumi.ResourceOptions(deleted_with=owner))

    assert ops(old, lambda: None) == ["delete child (skipped)", "delete owner"]


def test_an_alias_keeps_the_resource_instead_of_replacing_it() -> None:
    def new() -> None:
        random.RandomString("renamed", length=4, opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="original")]))

    assert ops(lambda: random.RandomString("original", length=4), new) == []


def test_deleting_a_protected_resource_is_refused() -> None:
    old = run(lambda: random.RandomString("keep", length=4, opts=pulumi.ResourceOptions(protect=True)))
    report = simulate(old, run(lambda: None))
    assert invariants(report) == {"REFUSED"}
    assert "protected" in report.violations[0].message


# -- the fixed design keeps serving -------------------------------------------------------------------------
def test_tag_edit_on_a_create_only_endpoint_keeps_traffic_and_instances() -> None:
    report = rollout({}, {"tags": {"team": "ml"}})
    assert report.safe, [str(v) for v in report.violations]
    assert "update OnlineEndpoint 'endpoint'" not in report.operations()
    assert "update Deployment 'traffic'" in report.operations()


def test_traffic_shift_is_one_update_of_the_traffic_step() -> None:
    report = rollout({"mirror": (0, 3)}, {"mirror": (0, 3), "traffic": {"blue": 50, "green": 50}})
    assert report.safe and report.operations() == ["update Deployment 'traffic'"]


def test_lowering_the_autoscale_maximum_is_the_users_choice_not_a_violation() -> None:
    report = rollout({"capacity": 3, "autoscale_max": 3}, {"capacity": 2, "autoscale_max": 2})
    assert report.safe
    assert any("at most 2" in note for result in report.steps for note in result.notes)


def test_removing_a_mirror_deployment_with_the_traffic_step_clears_the_mirror_first() -> None:
    report = rollout({}, {"without": ("green",), "mirror": (0, 1)})
    assert report.safe, [str(v) for v in report.violations]
    assert report.operations()[-1] == "delete OnlineDeployment 'deployment-green'"


# -- every invariant caught by a seeded fault -----------------------------------------------------------------
def test_seeded_endpoint_put_without_traffic_breaks_traffic_and_names_the_step() -> None:
    loose = {"endpoint_ignore": ["properties.traffic", "properties.mirrorTraffic"]}
    report = rollout(loose, {**loose, "tags": {"team": "ml"}})
    assert invariants(report) == {"TRAFFIC"}
    broken = report.violations[0]
    assert report.steps[broken.step - 1].step.label == "update OnlineEndpoint 'endpoint'"
    assert "0 % live traffic" in broken.message and "create-only" in broken.recipe


def test_seeded_stale_capacity_breaks_capacity() -> None:
    stale = {"deployment_ignore": ["sku.capacity"], "capacity": 2, "autoscale_max": 5}
    report = rollout(stale, {**stale, "tags": {"team": "ml"}})
    assert invariants(report) == {"CAPACITY"}
    assert "from 5 live instances to 2" in report.violations[0].message


def test_seeded_delete_of_a_deployment_with_live_traffic_is_refused() -> None:
    old = {"traffic": {"blue": 50, "green": 50}, "mirror": (0, 3)}
    report = rollout(old, {"without": ("green",), "mirror": (0, 3), "traffic_step": False})
    assert invariants(report) == {"DRAIN", "REFUSED"}


def test_seeded_delete_of_a_mirrored_deployment_breaks_drain() -> None:
    report = rollout({}, {"without": ("green",), "mirror": (0, 1), "traffic_step": False})
    assert invariants(report) == {"DRAIN"}
    assert "20 % mirrored" in report.violations[0].message


def test_seeded_instance_type_change_is_refused_with_the_safe_recipe() -> None:
    report = rollout({}, {"green_instance_type": "Standard_F4s_v2"})
    assert invariants(report) == {"REFUSED"}
    assert report.steps[0].step.op == "create-replacement"
    assert "properties.instanceType" in report.steps[0].step.reason
    assert "Add a new deployment" in report.violations[0].recipe


def test_a_versioned_azure_deployment_name_makes_an_instance_type_change_safe() -> None:
    """What InferenceCluster does (spec/versioning.py, docs/blue-green.md): a create-only change also changes the
    Azure deployment name, so the replacement is created beside the old one, the traffic step moves traffic to
    it, and the old one is deleted last, drained. Here on a raw program, with the same logical name."""
    old = {"traffic": {"blue": 50, "green": 50}, "mirror": (0, 3)}
    new = {
        "traffic": {"blue": 50, "green-f4s": 50},
        "mirror": (0, 3),
        "green_instance_type": "Standard_F4s_v2",
        "green_deployment_name": "green-f4s",
    }
    report = rollout(old, new)
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    assert ops.index("create-replacement OnlineDeployment 'deployment-green'") < ops.index(
        "update Deployment 'traffic'"
    )
    assert ops[-1] == "delete-replaced OnlineDeployment 'deployment-green'"


def test_seeded_workspace_rename_replaces_stateful_resources() -> None:
    report = rollout({}, {"random_workspace_name": False})
    assert "STATEFUL" in invariants(report)
    assert any("replaces the workspace" in v.message for v in report.violations)


def test_seeded_database_server_move_breaks_stateful() -> None:
    import pulumi_azure_native as azure_native

    def program(location: str) -> Callable[[], None]:
        return lambda: azure_native.dbforpostgresql.Server(
            "db", server_name="raw-db", resource_group_name="rg", location=location
        )

    report = simulate(run(program("westeurope")), run(program("northeurope")))
    assert invariants(report) == {"STATEFUL"}
    assert "PostgreSQL server" in report.violations[0].message


def test_seeded_secret_sent_in_clear_breaks_secret() -> None:
    def program(secret: bool) -> Callable[[], None]:
        def declare() -> None:
            value = pulumi.Output.secret("s3cr3t") if secret else "s3cr3t"
            random.RandomString("s", length=4, keepers={"token": value})
            pulumi.export("token", value)

        return declare

    report = simulate(run(program(True)), run(program(False)))
    assert invariants(report) == {"SECRET"}
    assert {v.message.split(" was")[0] for v in report.violations} == {
        "RandomString 's' input keepers.token",
        "stack output 'token'",
    }
