"""Model files written by earlier versions of silva still load and predict what they predicted then."""
from pathlib import Path

import numpy as np
import pytest

import silva
from tests import datasets

MODELS = Path(__file__).parent / "data" / "models"
ROWS = {"boost_classifier": "adult_train", "gbdt_regressor": "california_housing",
        "random_forest_classifier": "titanic", "adaboost_regressor": "california_housing"}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_files_from_before_the_leaf_value_matrix_load_and_predict_the_same(name, tmp_path):
    model = silva.load(MODELS / f"{name}.silva")
    X, _ = datasets.load(ROWS[name])
    X = X.iloc[:40]
    got = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    want = np.load(MODELS / "predictions_v0_1.npz")[name]
    np.testing.assert_array_equal(got, want)
    # and the loaded model saves and loads again, unchanged
    model.save(tmp_path / "again.silva")
    again = silva.load(tmp_path / "again.silva")
    np.testing.assert_array_equal(again.predict_proba(X) if hasattr(again, "predict_proba") else again.predict(X),
                                  want)
