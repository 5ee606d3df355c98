"""``plan --json`` shows the options that decide what Pulumi does with each resource (docs/plan-format.md)."""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi_random as random
from conftest import EXAMPLES

from ml_inference_lb.plan import run, run_directory
from ml_inference_lb.plan.render import plan_document


def _program() -> None:
    first = random.RandomString("first", length=4, special=False)
    second = random.RandomString(
        "second",
        length=first.length.apply(lambda n: n + 1),
        special=False,
        opts=pulumi.ResourceOptions(
            protect=True,
            ignore_changes=["upper"],
            replace_on_changes=["length"],
            additional_secret_outputs=["result"],
            aliases=[pulumi.Alias(name="old-second")],
            retain_on_delete=True,
            delete_before_replace=True,
        ),
    )
    random.RandomString("third", length=3, opts=pulumi.ResourceOptions(depends_on=[second], deleted_with=first))


def _by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in document["resources"]}


def test_every_option_that_decides_an_update_is_in_the_document() -> None:
    document = plan_document(run(_program))
    assert document["schema"] == "ml-inference-lb/plan/v1"
    resources = _by_name(document)
    first, second, third = resources["first"], resources["second"], resources["third"]
    assert second["propertyDependencies"] == {"length": [first["urn"]]}
    assert first["urn"] in second["dependsOn"]  # implicit, through an input
    assert second["protect"] is True
    assert second["ignoreChanges"] == ["upper"]
    assert second["replaceOnChanges"] == ["length"]
    assert second["additionalSecretOutputs"] == ["result"]
    assert second["aliases"] == ["*::old-second"]
    assert second["retainOnDelete"] is True and second["deleteBeforeReplace"] is True
    assert third["dependsOn"] == [second["urn"]]  # explicit depends_on
    assert third["deletedWith"] == first["urn"]
    assert third["protect"] is False and third["ignoreChanges"] == [] and third["propertyDependencies"] == {}
    assert all(r["custom"] for r in resources.values())


def test_the_component_tree_is_linked_by_urn() -> None:
    document = plan_document(run_directory(os.path.join(EXAMPLES, "quickstart")))
    urns = {r["urn"] for r in document["resources"]}
    for resource in document["resources"]:
        parent = resource["parentUrn"]
        assert parent in urns or parent.endswith("pulumi:pulumi:Stack::ml-inference-quickstart-dev")
        assert set(resource["dependsOn"]) <= urns, resource["name"]
