"""What `local up` serves from a program: clusters on their own, multi-region services behind their router."""

from __future__ import annotations

import os

import pytest
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


def test_serve_on_a_multi_region_folder_asks_which_region_and_points_at_serve_global() -> None:
    from ml_inference_lb.local import LocalTargetError, serve

    folder = os.path.join(EXAMPLES, "multi-region")
    with pytest.raises(LocalTargetError) as info, serve(folder):
        pass  # never reached: nothing is started
    message = str(info.value)
    assert "iris-westeurope, iris-northeurope" in message and "cluster=<name>" in message
    assert f"serve_global({folder!r})" in message


def test_serve_global_reads_the_service_of_a_folder() -> None:
    from ml_inference_lb.global_lb.local import _one_service
    from ml_inference_lb.local import LocalTargetError

    service = _one_service(os.path.join(EXAMPLES, "multi-region"), None, "dev", None)
    assert [r.location for r in service.regions] == ["westeurope", "northeurope"]
    with pytest.raises(LocalTargetError, match="declares no GlobalInferenceService"):
        _one_service(os.path.join(EXAMPLES, "quickstart"), None, "dev", None)
    with pytest.raises(LocalTargetError, match="no GlobalInferenceService named 'other'"):
        _one_service(os.path.join(EXAMPLES, "multi-region"), "other", "dev", None)


def test_the_quickstart_answers_400_to_a_request_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import json

    quickstart = os.path.join(EXAMPLES, "quickstart")
    monkeypatch.setenv("AZUREML_MODEL_DIR", os.path.join(quickstart, "model"))
    loaded = importlib.util.spec_from_file_location("quickstart_score", os.path.join(quickstart, "src", "score.py"))
    assert loaded is not None and loaded.loader is not None
    score = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(score)
    score.init()
    for bad in ("{not json", '{"rows": []}', '{"data": [[1, 2, 3]]}', '{"data": [["a", "b", "c", "d"]]}', "[]"):
        answer = score.run(bad)
        assert answer.status_code == 400, bad
        assert "expected" in json.loads(answer.get_data())["error"]
    with open(os.path.join(quickstart, "sample-request.json"), encoding="utf-8") as handle:
        good = score.run(handle.read())
    assert len(good["predictions"]) == 3
