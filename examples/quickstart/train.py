"""Re-trains the quickstart's model: a softmax (multinomial logistic) regression on the iris data set.

Run with scikit-learn installed: ``python train.py``. It writes ``model/model.json`` (weights as
plain numbers), which the scoring script reads with no dependency beyond the standard library.
Two versions are written, ``v1`` (blue, strong regularisation) and ``v2`` (green), so the
blue/green pair serves two real, different models.
"""

import json
import pathlib

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split


def train(c: float) -> dict:
    data = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, random_state=7, stratify=data.target
    )
    model = LogisticRegression(C=c, max_iter=1000).fit(x_train, y_train)
    return {
        "features": list(data.feature_names),
        "classes": [str(c) for c in data.target_names],
        "coef": model.coef_.round(6).tolist(),
        "intercept": model.intercept_.round(6).tolist(),
        "test_accuracy": round(float(model.score(x_test, y_test)), 4),
        "regularisation_c": c,
    }


if __name__ == "__main__":
    out = pathlib.Path(__file__).parent / "model" / "model.json"
    out.write_text(json.dumps({"v1": train(0.05), "v2": train(1.0)}, indent=1) + "\n")
    print(f"wrote {out}")
