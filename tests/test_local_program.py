"""What `local up` serves from a program: clusters on their own, multi-region services behind their router."""

from __future__ import annotations

import os

from conftest import EXAMPLES

from ml_inference_lb.local.cluster import load_program


def test_a_single_cluster_is_served_on_its_own() -> None:
    clusters, services = load_program(os.path.join(EXAMPLES, "quickstart"))
    assert [c.name for c in clusters] == ["iris"] and services == ()


def test_a_global_service_serves_its_regions_behind_its_router() -> None:
    clusters, services = load_program(os.path.join(EXAMPLES, "multi-region"))
    assert clusters == ()
    (service,) = services
    assert [r.cluster_name for r in service.regions] == ["iris-westeurope", "iris-northeurope"]
