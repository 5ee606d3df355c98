"""Inference pool: the quickstart's iris classifier on the PREVIEW ``inference_pool`` backend.

One inference pool; blue (model v1, 2 scale units) and green (v2, 1 scale unit) are each an inference
group with its own endpoint. Azure cannot split traffic between pool endpoints, so blue is the live
deployment (traffic_percent 100) and green is reached through its own endpoint (or, locally, the
``azureml-model-deployment`` header). Pool endpoints take Microsoft Entra tokens only, and Azure offers
no autoscale for pools: capacity is fixed. See docs/inference-pool.md.

Model, scoring code and conda file are the quickstart's. Try it offline with
``ml-inference-lb plan examples/inference-pool``.
"""

import pulumi

from ml_inference_lb import InferenceCluster

config = pulumi.Config()

shared = {
    "model": {"path": "../quickstart/model", "name": "iris-softmax"},
    "code": {"path": "../quickstart/src", "scoring_script": "score.py"},
    "environment": {
        "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
        "conda_file": "../quickstart/environment.yml",
        "name": "iris-scoring",
    },
}

cluster = InferenceCluster(
    "iris",
    {
        "resource_group_name": config.get("resourceGroupName") or "rg-ml-inference-pool",
        "backend": "inference_pool",
        "endpoint": {"auth_mode": "aad_token", "description": "Iris classifier (inference pool)"},
        "pool": {
            "name": "iris-pool",
            "instance_type": "Standard_DS3_v2",
            "instance_count": 1,
            "scale_unit_size": 1,
            "scale_unit": {"public_egress": "enabled"},
        },
        # The startup probe gives the server and init() 1 + 2 x 60 s; readiness reacts within seconds after
        # (`ml-inference-lb check .` measures the start against both).
        "probes": {
            "readiness": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 3},
            "startup": {"initial_delay_seconds": 1, "period_seconds": 2, "failure_threshold": 60},
        },
        "request_settings": {"request_timeout_ms": 3000, "max_concurrent_requests_per_instance": 4},
        "deployments": [
            {
                **shared,
                "name": "blue",
                "traffic_percent": 100,
                "instance_count": 2,
                "environment_variables": {"MODEL_VERSION": "v1", "WORKER_COUNT": "4"},
            },
            {
                **shared,
                "name": "green",
                "environment_variables": {"MODEL_VERSION": "v2", "WORKER_COUNT": "4"},
            },
        ],
        "tags": {"app": "iris", "owner": "ml-platform"},
    },
)

pulumi.export("pool_name", cluster.pool_name)
pulumi.export("endpoint_name", cluster.endpoint_name)
pulumi.export("scoring_uri", cluster.scoring_uri)
pulumi.export("endpoint_uris", cluster.endpoint_uris)
pulumi.export("deployment_ids", cluster.deployment_ids)
