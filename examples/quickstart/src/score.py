"""Scoring script for the Azure ML inference server: iris species from four measurements.

Azure ML calls ``init()`` once per worker and ``run(raw_data)`` per request. The model folder is
in ``AZUREML_MODEL_DIR``; the model version this deployment serves is in ``MODEL_VERSION``.

A request the model cannot read (not JSON, or not four numbers per row) is the caller's error: ``run``
answers 400 with what is wrong, through the inference server's ``AMLResponse``, instead of raising
(which the server answers 500, as for a bug in the script). On Azure a model's non-200 answer reaches
the client as 424 with the model's status in the ``ms-azureml-model-error-statuscode`` header.
"""

import json
import math
import os
from numbers import Real

from azureml_inference_server_http.api.aml_response import AMLResponse

EXPECTED = 'expected {"data": [[sepal length, sepal width, petal length, petal width], ...]}'

_model = None


def init():
    global _model
    path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.json")
    with open(path, encoding="utf-8") as handle:
        _model = json.load(handle)[os.environ.get("MODEL_VERSION", "v1")]


def _predict(row):
    scores = [sum(w * x for w, x in zip(coef, row)) + b for coef, b in zip(_model["coef"], _model["intercept"])]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    probabilities = [e / total for e in exps]
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return {"class": _model["classes"][best], "probability": round(probabilities[best], 4)}


def _rows(raw_data):
    """The rows of a request, or None when the request is not what the model reads."""
    try:
        data = json.loads(raw_data)["data"]
    except (ValueError, TypeError, KeyError):
        return None
    valid = isinstance(data, list) and all(
        isinstance(row, list) and len(row) == 4 and all(isinstance(x, Real) and not isinstance(x, bool) for x in row)
        for row in data
    )
    return data if valid else None


def run(raw_data):
    data = _rows(raw_data)
    if data is None:
        return AMLResponse({"error": EXPECTED}, 400, json_str=True)
    return {"predictions": [_predict(row) for row in data], "model_version": os.environ.get("MODEL_VERSION", "v1")}
