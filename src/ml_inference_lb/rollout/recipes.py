"""The safe way to make a change the second ``pulumi up`` cannot make safely, by cause."""

from __future__ import annotations

RECIPES = {
    "instance-type": (
        "Azure cannot change a deployment's instance type in place, and this replacement keeps the deployment's "
        "Azure name, so its create fails on the live one. For an InferenceCluster deployment: remove the "
        "deployment's fixed azure_name (the default Azure name follows the instance type, code and scoring "
        "script, so the replacement is created beside the old one and the traffic step moves the traffic), or "
        "give it a new "
        "azure_name in the same change. By hand: Add a new deployment (a new name, the new instance_type, "
        "traffic_percent 0) beside the old one; `pulumi up`; move traffic to it (90/10, then 0/100); `pulumi up`; "
        "then remove the old deployment; `pulumi up`."
    ),
    "replacement": (
        "pulumi-azure-native replaces this resource (a create-only input changed), and the replacement has the "
        "same Azure name, so the create fails on the existing one. For an InferenceCluster deployment with a fixed "
        "azure_name: remove azure_name (the default Azure name follows the create-only inputs) or change it in the "
        "same change. For another deployment: add a new deployment under a new name beside it, move traffic, then "
        "remove the old one. Otherwise: give the resource a new name in the same change, or keep the create-only "
        "input as it is."
    ),
    "stateful": (
        "Never replace this resource in place: keep its name, location and create-only inputs. To move it, "
        "create a second one beside it (a new cluster or endpoint name), move callers and data, then remove the "
        "old one. Protect it (opts=pulumi.ResourceOptions(protect=True)) so Pulumi refuses the replacement."
    ),
    "traffic": (
        "Only a PUT that carries the live traffic may touch the endpoint. Make the endpoint resource create-only "
        "(ignoreChanges ['*']) and let one step (the traffic ARM deployment) do every later PUT with traffic "
        "and mirrorTraffic (rule MLI003)."
    ),
    "drain": (
        "Move the deployment's traffic (and mirror) to 0 in a step that runs before its delete: in the same "
        "change the traffic step does it (Pulumi deletes last); with your own resources, in a first `pulumi up`."
    ),
    "capacity": (
        "Send sku.capacity = the autoscale maximum with every PUT of an autoscaled deployment and do not "
        "ignore sku.capacity (rules MLI004, MLI005); Azure Monitor scales in afterwards."
    ),
    "secret": (
        "Keep the value a Pulumi secret end to end (pulumi.Output.secret, config.require_secret) and export it "
        "only as a secret."
    ),
    "protect": "Unprotect the resource (protect=False, `pulumi up`) only if deleting or replacing it is intended.",
    "refused": "Change the program so the step is valid for Azure, as the message says.",
}


def recipe_for(kind: str) -> str:
    return RECIPES[kind]
