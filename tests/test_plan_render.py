"""The plan tree: every value in full, nested values on their own lines, the traffic split up front."""

from __future__ import annotations

import json
import os

from conftest import EXAMPLES, cluster_args, plan_cluster, tiny_deployment

from ml_inference_lb.plan import PlanResult, RegisteredResource, render_json, render_tree, run_directory


def one_resource(inputs: dict[str, object], outputs: dict[str, object] | None = None) -> PlanResult:
    resource = RegisteredResource(
        type="test:index:Thing", name="thing", urn="urn:thing", parent=None, custom=True, inputs=inputs
    )
    return PlanResult(project="p", stack="dev", resources=(resource,), outputs=outputs or {}, specs=())


def test_long_values_are_printed_in_full() -> None:
    long_id = "/subscriptions/" + "0" * 200 + "/resourceGroups/rg"
    tree = render_tree(one_resource({"resourceUri": long_id, "tags": {"k": "v" * 300}}))
    assert "..." not in tree
    assert f'resourceUri: "{long_id}"' in tree
    assert "v" * 300 in tree


def test_nested_values_are_one_line_each_with_keys_sorted() -> None:
    tree = render_tree(
        one_resource({"zeta": 1, "properties": {"sku": {"name": "standard", "family": "A"}, "list": [1, {"a": 2}]}})
    )
    assert tree.splitlines()[1:] == [
        "+ test:index:Thing  thing",
        "    properties:",
        "        list:",
        "            - 1",
        "            - a: 2",
        "        sku:",
        '            family: "A"',
        '            name: "standard"',
        "    zeta: 1",
    ]


def test_multi_line_strings_are_blocks() -> None:
    tree = render_tree(one_resource({"condaFile": "name: env\ndependencies:\n  - python=3.11\n"}))
    assert tree.splitlines()[2:] == [
        "    condaFile: |",
        "        name: env",
        "        dependencies:",
        "          - python=3.11",
    ]


def test_quickstart_tree_shows_the_traffic_split_readably() -> None:
    tree = render_tree(run_directory(os.path.join(EXAMPLES, "quickstart")))
    lines = tree.splitlines()
    step = lines.index("    + azure-native:resources:Deployment  iris-traffic")
    assert lines[step + 1 : step + 3] == [
        "        => live traffic: blue 90%, green 10%",
        "        => mirror traffic: none",
    ]
    assert "..." not in tree


def test_mirror_traffic_is_shown_with_its_deployment() -> None:
    args = cluster_args(
        tiny_deployment("blue", traffic_percent=100),
        tiny_deployment("green", mirror_percent=20),
    )
    tree = render_tree(plan_cluster(args))
    assert "=> live traffic: blue 100%" in tree
    assert "=> mirror traffic: green 20%" in tree


def test_json_inputs_and_outputs_have_sorted_keys() -> None:
    document = json.loads(render_json(one_resource({"b": {"y": 1, "x": 2}, "a": 0}, outputs={"z": 1, "a": 2})))
    inputs = document["resources"][0]["inputs"]
    assert list(inputs) == ["a", "b"] and list(inputs["b"]) == ["x", "y"]
    assert list(document["outputs"]) == ["a", "z"]
