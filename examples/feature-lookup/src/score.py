"""Scoring script: churn probability of one customer, from features looked up by its id.

Cache-aside: the feature row is read from Redis; on a miss, from PostgreSQL, then written to Redis with a
TTL (``FEATURE_CACHE_TTL_S``, default 300 s). The answer says where the features came from
(``"features_from": "cache"`` or ``"db"``).

Failure behaviour:
- Redis down: the request is served from PostgreSQL (``"cache": "unavailable"``), and the cache is
  skipped for ``CACHE_RETRY_AFTER_S`` (default 5 s) so an outage does not cost a timeout per request.
- PostgreSQL down: a 503 with a JSON error, after at most ``DB_CONNECT_TIMEOUT_S`` (default 2 s) to
  connect or ``DB_STATEMENT_TIMEOUT_MS`` (default 1000 ms) to query: well inside the request timeout.

Connections come from ``ml_inference_lb.runtime``: passwords locally, Microsoft Entra tokens of the
endpoint's identity on Azure; the script is the same in both places.
"""

import json
import logging
import math
import os
import time

from azureml.contrib.services.aml_response import AMLResponse

from ml_inference_lb import runtime

log = logging.getLogger("feature-lookup")

TTL_S = int(os.environ.get("FEATURE_CACHE_TTL_S", "300"))
CACHE_RETRY_AFTER_S = float(os.environ.get("CACHE_RETRY_AFTER_S", "5"))
DB_CONNECT_TIMEOUT_S = int(os.environ.get("DB_CONNECT_TIMEOUT_S", "2"))
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "1000"))
QUERY = "SELECT tenure_months, monthly_spend, support_tickets FROM customer_features WHERE entity_id = %s"

_model = None
_cache = None
_cache_down_until = 0.0
_db = None


def init():
    global _model, _cache
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.json"), encoding="utf-8") as handle:
        _model = json.load(handle)
    _cache = runtime.redis_client(decode_responses=True)  # connects on first use


def run(raw_data):
    try:
        entity_id = str(json.loads(raw_data)["entity_id"])
    except (ValueError, KeyError, TypeError):
        return _error(400, 'expected {"entity_id": "<customer id>"}')
    features, cache_state = _cached(entity_id), "up"
    if features is _UNAVAILABLE:
        features, cache_state = None, "unavailable"
    source = "cache"
    if features is None:
        source = "db"
        try:
            features = _from_database(entity_id)
        except Exception as error:  # psycopg.Error and timeouts: the feature store is down
            log.warning("PostgreSQL unavailable: %s", error)
            return _error(503, f"feature store (PostgreSQL) unavailable: {type(error).__name__}")
        if features is None:
            return _error(404, f"no features for entity {entity_id!r}")
        if cache_state == "up":
            _store(entity_id, features)
    return {
        "entity_id": entity_id,
        "churn_probability": _predict(features),
        "features_from": source,
        "cache": cache_state,
        "model_version": _model["version"],
    }


_UNAVAILABLE = object()


def _cached(entity_id):
    """The feature row from Redis, None on a miss, or _UNAVAILABLE when Redis cannot be reached."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return _UNAVAILABLE
    try:
        value = _cache.get(f"features:{entity_id}")
    except Exception as error:  # redis.RedisError: degrade to the database
        log.warning("Redis unavailable, reading PostgreSQL: %s", error)
        _cache_down_until = time.monotonic() + CACHE_RETRY_AFTER_S
        return _UNAVAILABLE
    return json.loads(value) if value is not None else None


def _store(entity_id, features):
    global _cache_down_until
    try:
        _cache.set(f"features:{entity_id}", json.dumps(features), ex=TTL_S)
    except Exception as error:
        log.warning("Redis unavailable, feature row not cached: %s", error)
        _cache_down_until = time.monotonic() + CACHE_RETRY_AFTER_S


def _from_database(entity_id):
    global _db
    if _db is None or _db.closed:
        _db = runtime.postgres_connect(connect_timeout=DB_CONNECT_TIMEOUT_S, autocommit=True)
        _db.execute(f"SET statement_timeout = {DB_STATEMENT_TIMEOUT_MS}")
    try:
        row = _db.execute(QUERY, (entity_id,)).fetchone()
    except Exception:
        _db.close()  # a broken connection is opened again on the next request
        _db = None
        raise
    if row is None:
        return None
    return {"tenure_months": row[0], "monthly_spend": float(row[1]), "support_tickets": row[2]}


def _predict(features):
    z = _model["intercept"] + sum(w * features[name] for w, name in zip(_model["coef"], _model["features"]))
    return round(1 / (1 + math.exp(-z)), 4)


def _error(status, message):
    return AMLResponse({"error": message}, status, json_str=True)
