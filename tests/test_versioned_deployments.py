"""Versioned Azure deployment names (spec/versioning.py): a change Azure accepts only at creation (instance type,
code, scoring script) replaces the deployment under a new Azure name, so the next `pulumi up` keeps serving.

Before them, the component named each Azure deployment exactly as the user's deployment, and every such change made
`pulumi up` fail: pulumi-azure-native replaces the deployment create-before-delete under the same name, and its
create refuses an existing resource (docs/rollout.md, section 2). The rollout tests below are refused on that code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import TINY, cluster_args, plan_cluster, tiny_deployment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_inference_lb import InferenceCluster, InferenceClusterArgsError, build_spec
from ml_inference_lb.cli import main
from ml_inference_lb.deployability import Measurements
from ml_inference_lb.plan import PlanResult, run
from ml_inference_lb.rollout import RolloutReport, simulate
from ml_inference_lb.rollout.replacements import CREATE_ONLY
from ml_inference_lb.spec import rules, versioning
from ml_inference_lb.testing.names import azure_name_of

DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
TRAFFIC = "azure-native:resources:Deployment"
AUTOSCALED = {"instance_count": 2, "autoscale": {"min_instances": 1, "max_instances": 5}}
VERSIONED = re.compile(r"^(?P<name>.+)-[0-9a-f]{6}$")


def args(*deployments: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return cluster_args(*deployments, pool=AUTOSCALED, **overrides)


def code_folder(tmp_path: Path, line: str = "# version 2") -> dict[str, Any]:
    """The tiny scoring code with one more line: a new content hash, so a new code asset version."""
    folder = tmp_path / "src"
    shutil.copytree(os.path.join(TINY, "src"), folder, dirs_exist_ok=True)
    (folder / "score.py").write_text((folder / "score.py").read_text() + f"\n{line}\n")
    return {"path": str(folder), "scoring_script": "score.py"}


def of_type(plan: PlanResult, pulumi_type: str) -> dict[str, dict[str, Any]]:
    return {r.name: dict(r.inputs) for r in plan.resources if r.type == pulumi_type}


def traffic_body(plan: PlanResult) -> dict[str, Any]:
    (step,) = of_type(plan, TRAFFIC).values()
    body: dict[str, Any] = step["properties"]["template"]["resources"][0]["properties"]
    return body


def verdict(report: RolloutReport) -> set[str]:
    return {v.invariant for v in report.violations}


# -- the spec: one field, computed once ------------------------------------------------------------------------
def test_the_azure_name_is_the_name_and_a_hash_of_the_create_only_inputs() -> None:
    """A known answer: the hash's inputs and format are part of every stack's Azure names, so a change to either
    replaces every deployment on upgrade. Change this value only with a CHANGELOG entry that says so."""
    spec = build_spec(
        "demo",
        cluster_args(
            tiny_deployment(
                "blue",
                traffic_percent=100,
                code={"asset_id": "azureml:scoring:3", "scoring_script": "score.py"},
                instance_type="Standard_DS3_v2",
            )
        ),
    )
    (blue,) = spec.deployments
    assert blue.azure_name == "blue-" + versioning.create_only_hash("Standard_DS3_v2", blue.code)
    assert blue.azure_name == "blue-32f923"


def test_an_uploaded_folder_and_the_short_form_of_the_same_version_share_the_azure_name() -> None:
    """Both become ``<workspace>/codes/<name>/versions/<version>``: no replacement for switching between them."""
    uploaded = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100))).deployments[0]
    assert uploaded.code is not None and uploaded.code.upload is not None
    version = uploaded.code.upload.content_hash()
    by_id = build_spec(
        "demo",
        cluster_args(
            tiny_deployment(
                "blue",
                traffic_percent=100,
                code={"asset_id": f"azureml:{uploaded.code.name}:{version}", "scoring_script": "score.py"},
            )
        ),
    ).deployments[0]
    assert by_id.azure_name == uploaded.azure_name


CREATE_ONLY_CHANGES: dict[str, Any] = {
    "instance type": lambda tmp: {"instance_type": "Standard_F4s_v2"},
    "scoring code": lambda tmp: {"code": code_folder(tmp)},
    "code asset name": lambda tmp: {"code": {**tiny_deployment("x")["code"], "name": "other-code"}},
    "scoring script": lambda tmp: {"code": {**tiny_deployment("x")["code"], "scoring_script": "./score.py"}},
    "existing code asset": lambda tmp: {"code": {"asset_id": "azureml:scoring:4", "scoring_script": "score.py"}},
}
IN_PLACE_CHANGES: dict[str, Any] = {
    "model": {"model": {"asset_id": "azureml:iris:7"}},
    "environment": {"environment": {"asset_id": "azureml:serving-env:2"}},
    "environment variables": {"environment_variables": {"WORKER_COUNT": "4"}},
    "probes": {"probes": {"readiness": {"period_seconds": 5, "timeout_seconds": 2}}},
    "request settings": {"request_settings": {"request_timeout_ms": 9000}},
    "instance count": {"instance_count": 3},
    "autoscale": {"autoscale": {"min_instances": 2, "max_instances": 8}},
    "traffic": {"traffic_percent": 0},
    "application insights": {"app_insights_enabled": False},
}


@pytest.mark.parametrize("change", sorted(CREATE_ONLY_CHANGES))
def test_a_create_only_change_gives_a_new_azure_name(change: str, tmp_path: Path) -> None:
    before = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100))).deployments[0]
    changed = tiny_deployment("blue", traffic_percent=100, **CREATE_ONLY_CHANGES[change](tmp_path))
    after = build_spec("demo", cluster_args(changed)).deployments[0]
    assert after.azure_name != before.azure_name
    assert VERSIONED.match(after.azure_name)["name"] == "blue"  # type: ignore[index]


@pytest.mark.parametrize("change", sorted(IN_PLACE_CHANGES))
def test_every_other_change_keeps_the_azure_name(change: str) -> None:
    """Azure updates these in place, as a rolling update of the same deployment."""
    before = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100))).deployments[0]
    changed = tiny_deployment("blue", **{"traffic_percent": 100, **IN_PLACE_CHANGES[change]})
    spec = build_spec(
        "demo", cluster_args(changed, tiny_deployment("green", traffic_percent=100 - changed["traffic_percent"]))
    )
    assert spec.deployments[0].azure_name == before.azure_name


def test_the_hash_covers_exactly_what_the_rollout_model_calls_create_only() -> None:
    assert CREATE_ONLY[DEPLOYMENT] == versioning.CREATE_ONLY_PATHS
    assert versioning.CREATE_ONLY_PATHS == (
        "properties.instanceType",
        "properties.codeConfiguration.codeId",
        "properties.codeConfiguration.scoringScript",
    )


def test_azure_name_keeps_an_exact_name() -> None:
    spec = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, azure_name="blue")))
    assert spec.deployments[0].azure_name == "blue"
    assert spec.traffic == {"blue": 100}
    renamed = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, azure_name="blue-v2")))
    assert renamed.deployment_names == {"blue": "blue-v2"}


@pytest.mark.parametrize(
    ("deployment", "path", "words"),
    [
        (tiny_deployment("a" * 26, traffic_percent=100), "deployments[0].name", ["26 characters", "at most 25"]),
        (tiny_deployment("blue", traffic_percent=100, azure_name="-xy"), "deployments[0].azure_name", ["not a valid"]),
        (tiny_deployment("blue", traffic_percent=100, azure_name="a" * 33), "deployments[0].azure_name", ["3-32"]),
    ],
)
def test_invalid_names_are_reported_with_their_path_and_the_limit(
    deployment: dict[str, Any], path: str, words: list[str]
) -> None:
    with pytest.raises(InferenceClusterArgsError) as raised:
        build_spec("demo", cluster_args(deployment))
    (problem,) = [p for p in raised.value.problems if p.path == path]
    assert all(w in problem.message for w in words), problem.message
    if path.endswith(".name"):
        assert "azure_name" in problem.message  # the way out


def test_a_fixed_azure_name_is_warned_about_with_its_path_and_consequence() -> None:
    spec = build_spec(
        "demo",
        cluster_args(
            tiny_deployment("blue", traffic_percent=100), tiny_deployment("green", azure_name="green"), pool=AUTOSCALED
        ),
    )
    (warning,) = versioning.fixed_name_warnings(spec)
    assert warning.startswith("deployments[1].azure_name: 'green' is a fixed Azure name")
    assert "cannot be made in place" in warning and "new azure_name in the same change" in warning
    # Setting azure_name to the name it would get anyway fixes nothing: no warning.
    blue = spec.deployments[0]
    same = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, azure_name=blue.azure_name)))
    assert versioning.fixed_name_warnings(same) == []
    pool = {"backend": "inference_pool", "endpoint": {"auth_mode": "aad_token"}}
    assert versioning.fixed_name_warnings(build_spec("demo", cluster_args(**pool))) == []


def test_the_component_logs_the_warning_so_pulumi_preview_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: logged.append(message))
    plan_cluster(args(tiny_deployment("blue", traffic_percent=100, azure_name="blue")))
    assert [m.split(":")[0] for m in logged] == ["deployments[0].azure_name"]
    logged.clear()
    plan_cluster(args(tiny_deployment("blue", traffic_percent=100)))
    assert logged == []


def test_a_long_name_is_fine_with_its_own_azure_name_and_25_characters_fit() -> None:
    long = build_spec("demo", cluster_args(tiny_deployment("a" * 32, traffic_percent=100, azure_name="a" * 32)))
    assert long.deployments[0].azure_name == "a" * 32
    fits = build_spec("demo", cluster_args(tiny_deployment("a" * 25, traffic_percent=100))).deployments[0]
    assert len(fits.azure_name) == rules.ENDPOINT_NAME_MAX


def test_an_azure_name_that_collides_with_another_deployments_is_reported() -> None:
    blue = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100))).deployments[0]
    with pytest.raises(InferenceClusterArgsError) as raised:
        build_spec(
            "demo",
            cluster_args(
                tiny_deployment("blue", traffic_percent=100),
                tiny_deployment("green", azure_name=blue.azure_name.upper()),
            ),
        )
    (problem,) = raised.value.problems
    assert problem.path == "deployments[1].azure_name" and "unique per endpoint" in problem.message


def test_the_inference_pool_backend_keeps_group_names_and_refuses_azure_name() -> None:
    pool = {"backend": "inference_pool", "endpoint": {"auth_mode": "aad_token"}}
    spec = build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100), **pool))
    assert spec.deployment_names == {"blue": "blue"}
    with pytest.raises(InferenceClusterArgsError) as raised:
        build_spec("demo", cluster_args(tiny_deployment("blue", traffic_percent=100, azure_name="blue1"), **pool))
    assert [p.path for p in raised.value.problems] == ["deployments[0].azure_name"]


NAME = st.from_regex(r"\A[a-zA-Z]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?\Z").filter(lambda n: len(n) >= 3 and "--" not in n)


@st.composite
def named_deployments(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(NAME, min_size=1, max_size=6, unique_by=str.lower))
    out = []
    for i, name in enumerate(names):
        deployment = tiny_deployment(name, traffic_percent=100 if i == 0 else 0)
        if draw(st.booleans()):
            deployment["instance_type"] = draw(st.sampled_from(["Standard_DS3_v2", "Standard_F4s_v2"]))
        if draw(st.integers(0, 3)) == 0:
            deployment["azure_name"] = draw(st.one_of(NAME, st.just(name)))
        out.append(deployment)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(named_deployments())
def test_any_valid_args_give_azure_names_that_azure_accepts_and_that_are_unique_per_endpoint(
    deployments: list[dict[str, Any]],
) -> None:
    try:
        spec = build_spec("prop", cluster_args(*deployments))
    except InferenceClusterArgsError as error:  # only the naming rules may refuse these args
        assert {p.path.rsplit(".", 1)[-1] for p in error.problems} <= {"name", "azure_name"}, error.problems
        assert all(("at most 25" in p.message) or ("unique per endpoint" in p.message) for p in error.problems)
        return
    names = [d.azure_name for d in spec.deployments]
    assert all(rules.ENDPOINT_NAME_MIN <= len(n) <= rules.ENDPOINT_NAME_MAX for n in names)
    assert all(rules.ENDPOINT_NAME_RE.match(n) for n in names)
    assert len({n.lower() for n in names}) == len(names)
    for raw, d in zip(deployments, spec.deployments, strict=True):
        assert d.azure_name == raw.get("azure_name", d.azure_name)
        if "azure_name" not in raw:
            assert VERSIONED.match(d.azure_name)["name"] == d.name  # type: ignore[index]


# -- the Azure target, under Pulumi's mocks ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def canary() -> PlanResult:
    return plan_cluster(
        args(
            tiny_deployment("blue", traffic_percent=90),
            tiny_deployment("green", traffic_percent=10, instance_type="Standard_F4s_v2"),
            tiny_deployment("shadow", mirror_percent=20),
            tiny_deployment("pinned", azure_name="pinned"),
        )
    )


def test_every_azure_name_in_the_plan_is_the_specs(canary: PlanResult) -> None:
    (spec,) = canary.specs
    names = spec.deployment_names
    assert set(names) == {"blue", "green", "shadow", "pinned"} and names["pinned"] == "pinned"
    assert all(VERSIONED.match(names[n])["name"] == n for n in ("blue", "green", "shadow"))  # type: ignore[index]
    deployments = of_type(canary, DEPLOYMENT)
    # Logical names stay <cluster>-<name> (public contract); only the Azure name is versioned.
    assert {n: d["deploymentName"] for n, d in deployments.items()} == {f"demo-{k}": v for k, v in names.items()}
    body = traffic_body(canary)
    assert body["traffic"] == {names["blue"]: 90, names["green"]: 10}
    assert body["mirrorTraffic"] == {names["shadow"]: 20}


def test_autoscale_settings_follow_the_azure_name(canary: PlanResult) -> None:
    (spec,) = canary.specs
    settings_by_name = of_type(canary, AUTOSCALE)
    deployments = of_type(canary, DEPLOYMENT)
    azure_names = [s["autoscaleSettingName"] for s in settings_by_name.values()]
    assert len(set(azure_names)) == len(azure_names) == 4
    for name, azure_name in spec.deployment_names.items():
        setting = settings_by_name[f"demo-{name}-autoscale"]
        assert f"-{azure_name}-" in setting["autoscaleSettingName"]
        target = setting["targetResourceUri"]
        assert target.endswith(f"/deployments/{azure_name}")
        assert target.endswith(deployments[f"demo-{name}"]["deploymentName"])


def test_endpoint_metrics_are_filtered_by_the_azure_name() -> None:
    plan = plan_cluster(
        args(
            tiny_deployment(
                "blue",
                traffic_percent=100,
                autoscale={
                    "min_instances": 1,
                    "max_instances": 3,
                    "rules": [{"metric": "RequestLatency", "scale_out_above": 200, "scale_in_below": 50}],
                },
            )
        )
    )
    (spec,) = plan.specs
    (setting,) = of_type(plan, AUTOSCALE).values()
    dimensions = [r["metricTrigger"]["dimensions"] for r in setting["profiles"][0]["rules"]]
    assert dimensions and all(
        d == [{"dimensionName": "deployment", "operator": "Equals", "values": [spec.deployment_names["blue"]]}]
        for d in dimensions
    )


def test_the_mapping_is_an_output_keyed_by_name() -> None:
    deployments = [tiny_deployment("blue", traffic_percent=100), tiny_deployment("green", azure_name="green")]

    def program() -> None:
        cluster = InferenceCluster("demo", cluster_args(*deployments))
        pulumi.export("names", cluster.deployment_names)
        pulumi.export("ids", cluster.deployment_ids)

    plan = run(program)
    (spec,) = plan.specs
    assert plan.outputs["names"] == spec.deployment_names
    assert plan.outputs["names"]["green"] == "green" and plan.outputs["names"]["blue"].startswith("blue-")
    assert set(plan.outputs["ids"]) == {"blue", "green"}  # by the user's names, as before


def test_name_snapshots_mask_the_create_only_hash_but_keep_a_fixed_name() -> None:
    assert azure_name_of(DEPLOYMENT, {"deploymentName": "blue-3f2a9c"}) == ("deploymentName", "blue-{create-only-hash}")
    assert azure_name_of(DEPLOYMENT, {"deploymentName": "blue"}) == ("deploymentName", "blue")
    assert azure_name_of(AUTOSCALE, {"autoscaleSettingName": "ep-blue-3f2a9c-0123abcd-autoscale"}) == (
        "autoscaleSettingName",
        "ep-blue-{create-only-hash}-{hash}-autoscale",
    )
    assert azure_name_of(AUTOSCALE, {"autoscaleSettingName": "ep-blue-0123abcd-autoscale"})[1] == (
        "ep-blue-0123abcd-autoscale"
    )


def test_measured_load_times_are_found_by_the_users_name() -> None:
    measured = Measurements(model_load_seconds={"blue": 90, "*": 10, "green-abc123": 30})
    assert measured.load_seconds("blue-3f2a9c") == 90
    assert measured.load_seconds("green-abc123") == 30
    assert measured.load_seconds("other-3f2a9c") == 10
    assert Measurements(model_load_seconds={"blue": 90}).load_seconds("red-3f2a9c") is None


# -- the next `pulumi up` (fails on the old naming: the replacement collided with the live deployment) ---------
def test_new_scoring_code_is_a_blue_green_replacement_under_a_new_azure_name(tmp_path: Path) -> None:
    old = args(tiny_deployment("blue", traffic_percent=90), tiny_deployment("green", traffic_percent=10))
    green_code = {**code_folder(tmp_path), "name": "green-src"}
    new = args(
        tiny_deployment("blue", traffic_percent=90), tiny_deployment("green", traffic_percent=10, code=green_code)
    )
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    created = ops.index("create-replacement OnlineDeployment 'demo-green'")
    traffic = ops.index("update Deployment 'demo-traffic'")
    assert created < traffic < ops.index("delete-replaced OnlineDeployment 'demo-green'") == len(ops) - 1
    assert ops.index("delete-replaced AutoscaleSetting 'demo-green-autoscale'") > traffic
    assert "update OnlineDeployment 'demo-blue'" not in ops  # blue's Azure name and inputs are unchanged


def test_an_instance_type_change_moves_the_traffic_before_the_old_deployment_goes() -> None:
    old, new = (
        args(tiny_deployment("blue", traffic_percent=100)),
        args(tiny_deployment("blue", traffic_percent=100, instance_type="Standard_F4s_v2")),
    )
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    before, after = (plan_cluster(p).specs[0].deployment_names["blue"] for p in (old, new))
    traffic = [r.traffic_after for r in report.steps]
    at_traffic_step = next(i for i, r in enumerate(report.steps) if r.step.label == "update Deployment 'demo-traffic'")
    assert all(f"{before} 100%" in t for t in traffic[:at_traffic_step])  # the old one serves until the step
    assert all(f"{after} 100%" in t for t in traffic[at_traffic_step:])  # then the new one, also while old goes
    assert report.steps[-1].step.label == "delete-replaced OnlineDeployment 'demo-blue'"


def test_a_shadow_deployment_is_replaced_the_same_way_and_keeps_its_mirror(tmp_path: Path) -> None:
    old = args(tiny_deployment("blue", traffic_percent=100), tiny_deployment("shadow", mirror_percent=20))
    shadow_code = {**code_folder(tmp_path), "name": "shadow-src"}
    new = args(
        tiny_deployment("blue", traffic_percent=100), tiny_deployment("shadow", mirror_percent=20, code=shadow_code)
    )
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert report.safe, [str(v) for v in report.violations]
    after = plan_cluster(new).specs[0].deployment_names["shadow"]
    assert f"mirror {after} 20%" in report.steps[-1].traffic_after


def test_a_fixed_azure_name_still_refuses_a_create_only_change_with_the_recipe() -> None:
    old = args(tiny_deployment("blue", traffic_percent=100, azure_name="blue"))
    new = args(tiny_deployment("blue", traffic_percent=100, azure_name="blue", instance_type="Standard_F4s_v2"))
    report = simulate(plan_cluster(old), plan_cluster(new))
    assert verdict(report) == {"REFUSED"}
    assert "already existing" in report.violations[0].message
    assert "remove the deployment's fixed azure_name" in report.violations[0].recipe


def test_a_new_fixed_azure_name_in_the_same_change_is_safe() -> None:
    """The manual form of the same mechanism: the user versions the Azure name by hand."""
    old = args(tiny_deployment("blue", traffic_percent=100, azure_name="blue-v1"))
    new = args(tiny_deployment("blue", traffic_percent=100, azure_name="blue-v2", instance_type="Standard_F4s_v2"))
    assert simulate(plan_cluster(old), plan_cluster(new)).safe


def test_upgrading_replaces_every_deployment_once_without_an_outage() -> None:
    """A stack an earlier release created has Azure names equal to the names: what ``azure_name=name`` keeps."""
    earlier = args(
        tiny_deployment("blue", traffic_percent=90, azure_name="blue"),
        tiny_deployment("green", traffic_percent=10, azure_name="green"),
    )
    now = args(tiny_deployment("blue", traffic_percent=90), tiny_deployment("green", traffic_percent=10))
    report = simulate(plan_cluster(earlier), plan_cluster(now))
    assert report.safe, [str(v) for v in report.violations]
    ops = report.operations()
    for name in ("blue", "green"):
        assert ops.index(f"create-replacement OnlineDeployment 'demo-{name}'") < ops.index(
            "update Deployment 'demo-traffic'"
        )
        assert ops.index(f"delete-replaced OnlineDeployment 'demo-{name}'") > ops.index(
            "update Deployment 'demo-traffic'"
        )
    assert simulate(plan_cluster(earlier), plan_cluster(earlier)).steps == ()  # the opt-out changes nothing


def write_program(folder: Path, deployment: dict[str, Any]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: versioned\nruntime: python\n")
    (folder / "__main__.py").write_text(
        textwrap.dedent(
            f"""
            from ml_inference_lb import InferenceCluster
            InferenceCluster("c", {{"resource_group_name": "rg", "deployments": [{deployment!r}]}})
            """
        )
    )
    return str(folder)


@pytest.mark.parametrize("change", ["scoring code", "instance type"])
def test_ml_inference_lb_diff_says_a_create_only_change_is_safe(
    change: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_program(tmp_path / "old", tiny_deployment("blue", traffic_percent=100))
    changed = tiny_deployment("blue", traffic_percent=100, **CREATE_ONLY_CHANGES[change](tmp_path))
    new = write_program(tmp_path / "new", changed)
    assert main(["diff", old, new, "--json"]) == 0, capsys.readouterr().out
    document = json.loads(capsys.readouterr().out)
    assert document["safe"] is True
    labels = [f"{s['op']} {s['name']}" for s in document["steps"]]
    assert labels.index("create-replacement c-blue") < labels.index("update c-traffic")
    assert labels.index("update c-traffic") < labels.index("delete-replaced c-blue")
