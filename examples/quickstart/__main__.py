"""Quickstart: an iris classifier on an Azure ML managed online endpoint.

Blue serves model v1 and takes 90% of live traffic; green serves v2 and takes 10%. Both autoscale
on CPU and on requests per minute between 1 and 5 instances. Deploy with `pulumi up`; try it
offline with `ml-inference-lb plan .` or on this machine with `ml-inference-lb local up .`.
"""

import pulumi

from ml_inference_lb import DeploymentArgs, InferenceCluster, InferenceClusterArgs

config = pulumi.Config()


def deployment(name: str, traffic_percent: int, model_version: str) -> DeploymentArgs:
    """Blue and green run the same model files, scoring code and environment; the label differs."""
    return {
        "name": name,
        "traffic_percent": traffic_percent,
        "model": {"path": "model", "name": "iris-softmax"},
        "code": {"path": "src", "scoring_script": "score.py"},
        "environment": {
            "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
            "conda_file": "environment.yml",
            "name": "iris-scoring",
        },
        "environment_variables": {"MODEL_VERSION": model_version, "WORKER_COUNT": "4"},
    }


# Typed as InferenceClusterArgs, a type checker (mypy, pyright) flags a misspelt or unknown key here.
args: InferenceClusterArgs = {
    "resource_group_name": config.get("resourceGroupName") or "rg-ml-inference-quickstart",
    "endpoint": {"auth_mode": "key"},
    "pool": {
        "instance_type": "Standard_DS3_v2",
        "instance_count": 2,
        "autoscale": {
            "min_instances": 1,
            "max_instances": 5,
            "rules": [
                {"metric": "CpuUtilizationPercentage", "scale_out_above": 70, "scale_in_below": 25},
                {"metric": "RequestsPerMinute", "scale_out_above": 600, "scale_in_below": 60},
            ],
        },
    },
    "probes": {"readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3}},
    "request_settings": {"request_timeout_ms": 3000, "max_concurrent_requests_per_instance": 4},
    "deployments": [deployment("blue", 90, "v1"), deployment("green", 10, "v2")],
    "tags": {"app": "iris", "owner": "ml-platform"},
}
cluster = InferenceCluster("iris", args)

pulumi.export("scoring_uri", cluster.scoring_uri)
pulumi.export("endpoint_name", cluster.endpoint_name)
pulumi.export("deployment_ids", cluster.deployment_ids)
pulumi.export("primary_key", cluster.primary_key)
