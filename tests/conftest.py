"""Shared fixtures: paths of the examples and a tiny deployable model, and a way to plan a cluster."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from ml_inference_lb import InferenceCluster
from ml_inference_lb.plan import PlanResult, run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
TINY = os.path.join(ROOT, "tests", "fixtures", "tiny")


def tiny_deployment(name: str, **overrides: Any) -> dict[str, Any]:
    """A valid deployment of the tiny test model, with overrides."""
    deployment: dict[str, Any] = {
        "name": name,
        "model": {"path": os.path.join(TINY, "model"), "name": "tiny"},
        "code": {"path": os.path.join(TINY, "src"), "scoring_script": "score.py"},
        "environment": {
            "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
            "conda_file": os.path.join(TINY, "conda.yml"),
            "name": "tiny-env",
        },
    }
    deployment.update(overrides)
    return deployment


def cluster_args(*deployments: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "resource_group_name": "rg-test",
        "deployments": list(deployments) or [tiny_deployment("blue", traffic_percent=100)],
    }
    args.update(overrides)
    return args


def plan_cluster(args: Mapping[str, Any], name: str = "demo") -> PlanResult:
    return run(lambda: InferenceCluster(name, args))


@pytest.fixture
def plan() -> Callable[..., PlanResult]:
    return plan_cluster
