"""Routing through the local endpoint: weighted split, mirroring, per-request deployment header, key auth."""

from __future__ import annotations

import http.client
import json
import math
import os
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from local_helpers import Client, echo_cluster, echo_deployment, wait_until

from ml_inference_lb.local import LocalCluster, serve

pytestmark = pytest.mark.integration

REQUESTS = 300
MIRROR_PERCENT = 20


@pytest.fixture(scope="module")
def shadow_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("mirror") / "shadow.log")


@pytest.fixture(scope="module")
def split_cluster(shadow_log: str) -> Iterator[LocalCluster]:
    spec = echo_cluster(
        echo_deployment("blue", traffic_percent=70),
        echo_deployment("green", traffic_percent=30),
        echo_deployment("shadow", mirror_percent=MIRROR_PERCENT, env={"SCORE_LOG": shadow_log}),
        name="split",
    )
    with serve(spec) as local:
        yield local


def _shadow_lines(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def _within(observed: int, n: int, p: float, sigmas: float = 4.0) -> bool:
    return abs(observed - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def test_split_matches_weights_and_mirror_answers_never_reach_the_client(
    split_cluster: LocalCluster, shadow_log: str
) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    before = len(_shadow_lines(shadow_log))
    answers = [client.score({"data": [1], "id": f"live-{i}"}) for i in range(REQUESTS)]

    assert all(a.status == 200 for a in answers), Counter(a.status for a in answers)
    served = Counter(a.body["deployment"] for a in answers)
    assert set(served) == {"blue", "green"}, served  # the mirror's answers are never returned
    assert _within(served["blue"], REQUESTS, 0.70), served
    # The mirror gets about mirror_percent of live requests, asynchronously.
    expected_low = REQUESTS * MIRROR_PERCENT / 100 - 4 * math.sqrt(REQUESTS * 0.2 * 0.8)
    wait_until(lambda: len(_shadow_lines(shadow_log)) - before >= expected_low, 10, "mirrored requests")
    time.sleep(0.5)
    mirrored = [line for line in _shadow_lines(shadow_log)[before:] if " live-" in line]
    assert _within(len(mirrored), REQUESTS, MIRROR_PERCENT / 100), len(mirrored)


def test_deployment_header_routes_to_that_deployment_without_mirroring(
    split_cluster: LocalCluster, shadow_log: str
) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    for name in ("green", "shadow"):
        azure_name = split_cluster.spec.deployment_names[name]  # what the header takes on Azure: blue-3f2a9c
        answers = [
            client.score({"data": [1], "id": f"pinned-{name}-{i}"}, headers={"azureml-model-deployment": azure_name})
            for i in range(20)
        ]
        assert {(a.status, a.body.get("deployment")) for a in answers} == {(200, name)}
    time.sleep(1.0)
    lines = _shadow_lines(shadow_log)
    assert not [line for line in lines if " pinned-green-" in line]  # pinned requests are not mirrored
    assert len([line for line in lines if " pinned-shadow-" in line]) == 20


def test_responses_name_the_deployment_that_served_them(split_cluster: LocalCluster) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
        conn.request("POST", "/score", body=b'{"data": [1]}', headers={"Authorization": f"Bearer {client.key}"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        # Azure names the deployment by its Azure name (blue-3f2a9c), the one its header takes.
        assert response.getheader("azureml-model-deployment") == split_cluster.spec.deployment_names[body["deployment"]]


def test_an_unknown_deployment_name_gets_404_naming_the_deployments(split_cluster: LocalCluster) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    answer = client.score(headers={"azureml-model-deployment": "purple"})
    assert answer.status == 404
    assert answer.body["message"].startswith("Deployment name purple not found for this endpoint")
    names = split_cluster.spec.deployment_names
    assert f"{names['blue']}, {names['green']}, {names['shadow']}" in answer.body["message"]
    assert client.score(key="wrong", headers={"azureml-model-deployment": "purple"}).status == 401


def test_key_auth(split_cluster: LocalCluster) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    assert client.score().status == 200
    assert client.score(key="").status == 401
    assert client.score(key="not-the-key").status == 401
    assert client.score(key=split_cluster.key + "x").status == 401
    assert client.score(headers={"Authorization": f"Basic {split_cluster.key}"}, key="").status == 401
    # The pinned route checks the key too.
    blue = split_cluster.spec.deployment_names["blue"]
    assert client.score(key="wrong", headers={"azureml-model-deployment": blue}).status == 401


def test_other_paths_are_not_served(split_cluster: LocalCluster) -> None:
    client = Client(split_cluster.scoring_uri, split_cluster.key)
    assert client.score(path="/").status == 404  # the replicas' health route is not exposed
    assert client.score(path="/score/../").status in (400, 404)
