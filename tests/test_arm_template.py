"""`plan --format arm`: the plan as an ARM template of the request bodies Azure would receive.

Checked here: the template has ARM's shape; every resource's body is the contract checker's rebuild (one
rebuild, two users) and validates against Azure's definitions; dependencies point at resources of the
template; secrets and values unknown offline become parameters, and no secret value is ever written.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pytest
from conftest import EXAMPLES, cluster_args, plan_cluster

from ml_inference_lb.cli import main
from ml_inference_lb.contract import check_resource
from ml_inference_lb.contract.check import PROVIDER_DEFAULT_VALUE, TEMPLATE_KEYS, request_body
from ml_inference_lb.contract.contracts import BY_PULUMI_TYPE
from ml_inference_lb.plan import PlanResult, run, run_directory
from ml_inference_lb.plan.arm_template import TEMPLATE_SCHEMA, arm_template, export

TARGETS = [
    *(
        (name, {})
        for name in sorted(os.listdir(EXAMPLES))
        if os.path.isfile(os.path.join(EXAMPLES, name, "__main__.py"))
    ),
    ("multi-region", {"loadBalancer": "traffic_manager"}),
]


def example_plan(example: str, config: dict[str, str]) -> PlanResult:
    return run_directory(os.path.join(EXAMPLES, example), config=config)


def unescape(value: Any) -> Any:
    """Undo ARM's literal-string escape (``[[`` -> ``[``) to compare with the raw body."""
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, str) and value.startswith("[["):
        return value[1:]
    return value


@pytest.mark.parametrize(
    ("example", "config"), TARGETS, ids=[f"{e}{'-' + '-'.join(c.values()) if c else ''}" for e, c in TARGETS]
)
def test_example_exports_an_arm_template_of_its_request_bodies(example: str, config: dict[str, str]) -> None:
    plan = example_plan(example, config)
    exported = export(plan)
    template = exported.template
    assert template["$schema"] == TEMPLATE_SCHEMA
    assert template["contentVersion"] == "1.0.0.0"
    assert isinstance(template["parameters"], dict)
    resources = template["resources"]
    by_urn = {r.urn: r for r in plan.resources}
    omitted = {o.name for o in exported.omitted}
    azure = [r for r in plan.resources if r.custom and not r.type.startswith(("random:", "pulumi:"))]
    assert len(resources) + len(omitted) == len(azure), "every Azure resource is exported or listed as omitted"

    ids = set()
    for entry in resources:
        assert set(entry) >= {"type", "apiVersion", "name", "metadata"}
        registered = by_urn[entry["metadata"]["pulumi"]["urn"]]
        contract = BY_PULUMI_TYPE[registered.type]
        assert entry["type"] == contract.arm_type
        assert entry["apiVersion"] == contract.provider_api_version
        if "scope" not in entry:
            # a child's name has one segment per type segment after the provider and root type
            assert len(entry["name"].split("/")) == len(entry["type"].split("/")) - 1, entry["name"]
        # The body is the contract checker's rebuild, nothing added, nothing lost.
        body, _ = request_body(contract, dict(registered.inputs), registered.name)
        if body.get("location") == PROVIDER_DEFAULT_VALUE:
            body["location"] = "[resourceGroup().location]"
        exported_body = {k: v for k, v in entry.items() if k not in TEMPLATE_KEYS}
        if entry["type"] == "Microsoft.Resources/deployments":
            assert exported_body["properties"].pop("expressionEvaluationOptions") == {"scope": "inner"}
        assert unescape(exported_body) == body, registered.name
        ids.add(_id_of(entry))
    for entry in resources:
        for dependency in entry.get("dependsOn", []):
            assert dependency in ids, f"{entry['name']} depends on {dependency}, which is not in the template"

    # The whole template, as the inline template of a deployment, passes the contract checker (each
    # resource body against Azure's definition at the API version the provider sends).
    problems = check_resource(
        "azure-native:resources:Deployment",
        {"resourceGroupName": "rg", "properties": {"mode": "Incremental", "template": template}},
        "export",
    )
    assert not [str(p) for p in problems if p.severity == "error"]
    json.dumps(template)  # plain JSON


def _id_of(entry: dict[str, Any]) -> str:
    if entry["name"].startswith("[") and not entry["name"].startswith("[["):
        inner = entry["name"][1:-1]
        segments = inner if inner.startswith("parameters(") else inner[inner.index(", ") + 2 : -1]
        return f"[extensionResourceId('{entry['scope']}', '{entry['type']}', {segments})]"
    segments = ", ".join("'" + s + "'" for s in entry["name"].split("/"))
    if "scope" in entry:
        return f"[extensionResourceId('{entry['scope']}', '{entry['type']}', {segments})]"
    return f"[resourceId('{entry['type']}', {segments})]"


def test_dependencies_follow_what_pulumi_waits_for() -> None:
    template = arm_template(example_plan("multi-region", {}))
    by_name = {r["name"]: r for r in template["resources"]}
    route = next(r for r in template["resources"] if r["type"] == "Microsoft.Cdn/profiles/afdEndpoints/routes")
    origins = [r for r in template["resources"] if r["type"] == "Microsoft.Cdn/profiles/originGroups/origins"]
    assert len(origins) == 2
    for origin in origins:
        assert _id_of(origin) in route["dependsOn"], "the route waits for every origin (explicit depends_on)"
    traffic_steps = [r for r in template["resources"] if r["type"] == "Microsoft.Resources/deployments"]
    assert len(traffic_steps) == 2
    for traffic in traffic_steps:
        # each region's traffic step waits for that region's deployment (the endpoint PUT inside names it)
        endpoint = traffic["properties"]["template"]["resources"][0]["name"]
        assert _id_of(by_name[f"{endpoint}/blue"]) in traffic["dependsOn"]


def test_nested_template_keeps_its_expressions_and_literals_are_escaped() -> None:
    plan = plan_cluster(cluster_args(tags={"note": "[not an expression]"}))
    template = arm_template(plan)
    storage = next(r for r in template["resources"] if r["type"] == "Microsoft.Storage/storageAccounts")
    assert storage["tags"]["note"] == "[[not an expression]"
    traffic = next(r for r in template["resources"] if r["type"] == "Microsoft.Resources/deployments")
    output = traffic["properties"]["template"]["outputs"]["traffic"]["value"]
    assert output.startswith("[reference(") and not output.startswith("[[")


SECRET = "s3cr3t-value-that-must-not-leak"


def _program_with_secret_and_unknown() -> None:
    unknown = pulumi.Output(
        set(), pulumi.Output.from_input("x").future(), is_known=pulumi.Output.from_input(False).future()
    )  # type: ignore[arg-type]
    azure_native.storage.StorageAccount(
        "acct",
        account_name="acct",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        tags={"token": pulumi.Output.secret(SECRET), "later": unknown},
    )


def test_secrets_and_unknowns_become_parameters_and_no_secret_is_written() -> None:
    plan = run(_program_with_secret_and_unknown)
    template = arm_template(plan)
    text = json.dumps(template)
    assert SECRET not in text
    tags = template["resources"][0]["tags"]
    secret_param = tags["token"][len("[parameters('") : -len("')]")]
    unknown_param = tags["later"][len("[parameters('") : -len("')]")]
    assert template["parameters"][secret_param]["type"] == "securestring"
    assert "defaultValue" not in template["parameters"][secret_param]
    assert template["parameters"][unknown_param]["type"] == "string"
    assert "acct tags.token" in template["parameters"][secret_param]["metadata"]["description"]


def test_resources_without_an_arm_body_are_listed_not_dropped_silently() -> None:
    def program() -> None:
        azure_native.network.VirtualNetwork(
            "vnet", resource_group_name="rg", address_space={"address_prefixes": ["10.0.0.0/16"]}
        )

    exported = export(run(program))
    assert exported.template["resources"] == []
    (item,) = exported.omitted
    assert item.name == "vnet" and "no contract" in item.reason
    assert exported.template["metadata"]["omitted"][0]["name"] == "vnet"


def test_cli_format_arm_prints_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", os.path.join(EXAMPLES, "quickstart"), "--format", "arm"]) == 0
    out, err = capsys.readouterr()
    template = json.loads(out)
    assert template["$schema"] == TEMPLATE_SCHEMA
    assert "not in the template" in err and "storage:Blob" in err
    assert main(["plan", os.path.join(EXAMPLES, "quickstart"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "ml-inference-lb/plan/v1"
