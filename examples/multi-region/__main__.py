"""Multi-region: the quickstart's iris classifier in West Europe and North Europe behind one global entry.

Each region is a full InferenceCluster (its own workspace, endpoint and blue deployment). Front Door
Premium (the default) with its WAF sends each caller to the nearest healthy region, so callers authenticate with a
Microsoft Entra token that both regions accept. Set `loadBalancer: traffic_manager` for DNS-based
priority failover instead (North Europe takes over when West Europe's probe fails); clients then
call the resolved region with that region's key (`region_keys`).
The model, scoring code and environment are the quickstart's. Try it offline with
`ml-inference-lb plan examples/multi-region`.
"""

import pulumi

from ml_inference_lb import GlobalInferenceService

config = pulumi.Config()
kind = config.get("loadBalancer") or "front_door"

deployment = {
    "name": "blue",
    "traffic_percent": 100,
    "model": {"path": "../quickstart/model", "name": "iris-softmax"},
    "code": {"path": "../quickstart/src", "scoring_script": "score.py"},
    "environment": {
        "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
        "conda_file": "../quickstart/environment.yml",
        "name": "iris-scoring",
    },
    "environment_variables": {"WORKER_COUNT": "4"},
}

cluster = {
    # Front Door may send a request to either region, so callers need a credential both accept: a
    # Microsoft Entra token. With Traffic Manager, clients call the resolved region with its own key.
    "endpoint": {"auth_mode": "key" if kind == "traffic_manager" else "aad_token"},
    "pool": {
        "instance_type": "Standard_DS3_v2",
        "instance_count": 2,
        "autoscale": {"min_instances": 2, "max_instances": 5},
    },
    "request_settings": {"request_timeout_ms": 3000, "max_concurrent_requests_per_instance": 4},
    "deployments": [deployment],
}

if kind == "traffic_manager":
    load_balancer = {
        "kind": "traffic_manager",
        "routing": "priority",
        "probe": {"path": "/", "interval_seconds": 10, "timeout_seconds": 5, "tolerated_failures": 2},
    }
else:
    load_balancer = {
        "kind": "front_door",
        # Premium (the default) brings a WAF with Microsoft's managed rules and bot protection; the
        # rate limit blocks one client IP for the rest of the minute past 1200 requests (tune it to your
        # callers: about twice what one legitimate client sends).
        "routing": "latency",
        "probe": {"path": "/", "interval_seconds": 30},
        "waf": {"rate_limit": {"requests": 1200, "window_minutes": 1}},
    }

service = GlobalInferenceService(
    "iris",
    {
        "resource_group_name": config.get("resourceGroupName") or "rg-ml-inference-multi-region",
        "regions": [
            {"location": "westeurope", "priority": 1, "weight": 50, "cluster": cluster},
            {"location": "northeurope", "priority": 1 if kind == "front_door" else 2, "weight": 50, "cluster": cluster},
        ],
        "load_balancer": load_balancer,
        "tags": {"app": "iris", "owner": "ml-platform"},
    },
)

pulumi.export("global_hostname", service.global_hostname)
pulumi.export("scoring_uri", service.scoring_uri)
pulumi.export("regions", service.regions)
pulumi.export("region_keys", service.region_keys)
