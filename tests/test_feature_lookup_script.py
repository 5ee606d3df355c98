"""The feature-lookup scoring script's logic, in process, with stand-ins for Redis and PostgreSQL:
cache-aside, degrading to the database when Redis fails, 503 when PostgreSQL fails. (The same behaviour
against real servers is the local target's integration test.)"""

from __future__ import annotations

import importlib.util
import json
import os
from types import ModuleType
from typing import Any

import azureml_inference_server_http.server  # noqa: F401  (makes azureml.contrib.services importable)
import pytest

from ml_inference_lb import runtime

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "feature-lookup")
ROW = (7, 134.42, 0)


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.ttl: dict[str, int] = {}
        self.down = False

    def get(self, key: str) -> str | None:
        if self.down:
            raise ConnectionError("Redis is down")
        return self.data.get(key)

    def set(self, key: str, value: str, ex: int) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        self.data[key], self.ttl[key] = value, ex


class FakeCursor:
    def __init__(self, row: Any) -> None:
        self.row = row

    def fetchone(self) -> Any:
        return self.row


class FakeConnection:
    def __init__(self, rows: dict[str, Any], log: list[str]) -> None:
        self.rows, self.log, self.closed = rows, log, False

    def execute(self, query: str, params: tuple[Any, ...] = ()) -> FakeCursor:
        self.log.append(query)
        return FakeCursor(self.rows.get(params[0]) if params else None)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Any:
    cache = FakeRedis()
    queries: list[str] = []
    state: dict[str, Any] = {"db_down": False, "connects": 0}

    def connect(**kwargs: Any) -> FakeConnection:
        if state["db_down"]:
            raise OSError("connection refused")
        state["connects"] += 1
        return FakeConnection({"c-0042": ROW}, queries)

    monkeypatch.setattr(runtime, "redis_client", lambda **kwargs: cache)
    monkeypatch.setattr(runtime, "postgres_connect", connect)
    monkeypatch.setenv("AZUREML_MODEL_DIR", os.path.join(EXAMPLE, "model"))
    spec = importlib.util.spec_from_file_location("feature_lookup_score", os.path.join(EXAMPLE, "src", "score.py"))
    assert spec and spec.loader
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.init()
    return module, cache, queries, state


def score(module: Any, body: Any) -> Any:
    return module.run(json.dumps(body))


def test_first_request_reads_the_database_then_the_cache_answers(script: Any) -> None:
    module, cache, queries, _ = script
    first = score(module, {"entity_id": "c-0042"})
    assert (first["features_from"], first["cache"]) == ("db", "up")
    assert first["churn_probability"] == pytest.approx(0.7019, abs=1e-4)
    assert cache.ttl["features:c-0042"] == 300
    assert queries[0].startswith("SET statement_timeout")
    second = score(module, {"entity_id": "c-0042"})
    assert second["features_from"] == "cache"
    assert second["churn_probability"] == first["churn_probability"]
    assert sum("customer_features" in q for q in queries) == 1


def test_redis_down_degrades_to_the_database_and_is_skipped_for_a_while(script: Any) -> None:
    module, cache, *_ = script
    cache.down = True
    answer = score(module, {"entity_id": "c-0042"})
    assert (answer["features_from"], answer["cache"]) == ("db", "unavailable")
    cache.down = False  # back, but the script waits CACHE_RETRY_AFTER_S before trying again
    assert score(module, {"entity_id": "c-0042"})["cache"] == "unavailable"
    module._cache_down_until = 0.0
    assert score(module, {"entity_id": "c-0042"})["cache"] == "up"


def test_postgres_down_is_a_clear_503(script: Any) -> None:
    module, _, _, state = script
    state["db_down"] = True
    response = score(module, {"entity_id": "c-0042"})
    assert response.status_code == 503
    assert "PostgreSQL" in json.loads(response.get_data())["error"]


def test_unknown_ids_and_bad_requests(script: Any) -> None:
    module, *_ = script
    assert score(module, {"entity_id": "nobody"}).status_code == 404
    assert score(module, {"id": 1}).status_code == 400
