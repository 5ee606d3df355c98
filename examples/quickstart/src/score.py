"""Scoring script for the Azure ML inference server: iris species from four measurements.

Azure ML calls ``init()`` once per worker and ``run(raw_data)`` per request. The model folder is
in ``AZUREML_MODEL_DIR``; the model version this deployment serves is in ``MODEL_VERSION``.
"""

import json
import math
import os

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


def run(raw_data):
    data = json.loads(raw_data)["data"]
    if not isinstance(data, list) or not all(isinstance(row, list) and len(row) == 4 for row in data):
        raise ValueError('expected {"data": [[sepal length, sepal width, petal length, petal width], ...]}')
    return {"predictions": [_predict(row) for row in data], "model_version": os.environ.get("MODEL_VERSION", "v1")}
