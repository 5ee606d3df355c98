"""Scoring script: iris species from four measurements, each answer signed with a key from Key Vault.

The signing key reaches the container as ``RESPONSE_SIGNING_KEY``: Azure ML resolves the deployment's
Key Vault reference with the endpoint's identity when the container starts (secret injection), so the key
is in no file, no image, no deployment definition and no Pulumi state. Consumers that hold the same key
verify ``signature`` = HMAC-SHA256 over the canonical JSON of ``predictions``.
"""

import hashlib
import hmac
import json
import math
import os

_model = None
_key = None


def init():
    global _model, _key
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.json"), encoding="utf-8") as handle:
        _model = json.load(handle)["v1"]
    key = os.environ.get("RESPONSE_SIGNING_KEY")
    if not key:
        raise RuntimeError("RESPONSE_SIGNING_KEY is not set: the Key Vault reference was not resolved")
    _key = key.encode()


def _predict(row):
    scores = [sum(w * x for w, x in zip(coef, row)) + b for coef, b in zip(_model["coef"], _model["intercept"])]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    best = max(range(len(exps)), key=exps.__getitem__)
    return {"class": _model["classes"][best], "probability": round(exps[best] / sum(exps), 4)}


def sign(predictions, key):
    canonical = json.dumps(predictions, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def run(raw_data):
    data = json.loads(raw_data)["data"]
    if not isinstance(data, list) or not all(isinstance(row, list) and len(row) == 4 for row in data):
        raise ValueError('expected {"data": [[sepal length, sepal width, petal length, petal width], ...]}')
    predictions = [_predict(row) for row in data]
    return {"predictions": predictions, "signature": sign(predictions, _key)}
