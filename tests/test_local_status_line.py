"""The status line of `local up`: a router down or restarting and a failed deployment are shown, not
hidden behind the replicas' readiness (issue 13: after Traefik died it still said all replicas ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from ml_inference_lb.local.cli import _status_line
from ml_inference_lb.local.cluster import DeploymentStatus


@dataclass
class FakeCluster:
    name: str
    statuses: dict[str, DeploymentStatus]
    router_state: str = "up"
    fatal: str | None = None
    backing_states: dict[str, str] = field(default_factory=dict)
    spec: Any = field(init=False)

    def __post_init__(self) -> None:
        self.spec = SimpleNamespace(name=self.name)

    def status(self) -> dict[str, DeploymentStatus]:
        return self.statuses


def test_a_router_being_restarted_shows_beside_ready_replicas() -> None:
    cluster = FakeCluster("iris", {"blue": DeploymentStatus("blue", 2, 2)}, router_state="restarting")
    line = _status_line([cluster], [])
    assert line == "blue: 2/2 ready | router RESTARTING"
    cluster.router_state = "up"
    assert _status_line([cluster], []) == "blue: 2/2 ready"


def test_a_failed_deployment_and_a_global_router_down_show() -> None:
    region = FakeCluster("geo-westeurope", {"blue": DeploymentStatus("blue", 0, 1, failed="crashed 5 times in a row")})
    other = FakeCluster("geo-eastus", {"blue": DeploymentStatus("blue", 1, 1, restarting=0)})
    service = SimpleNamespace(router_state="failed", fatal=None)
    line = _status_line([region, other], [("geo", service)])
    assert line == (
        "geo-westeurope: blue: FAILED (crashed 5 times in a row) | geo-eastus: blue: 1/1 ready | geo: global router FAILED"
    )
