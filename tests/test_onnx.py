"""silva/onnx.py: every model kind exported to ONNX and run by onnxruntime predicts as silva does
(float32 tolerance), on titanic rows with missing values, levels unseen at fit, and rows placed exactly
on the split thresholds and one float32 step above them."""
import warnings

import numpy as np
import pytest

import silva
from silva.onnx import input_matrix
from tests.datasets import load_frame

ort = pytest.importorskip("onnxruntime")

MODELS = {
    "boost_binary": lambda: silva.BoostClassifier(n_estimators=20, max_depth=4, random_state=0),
    "boost_multiclass": lambda: silva.BoostClassifier(n_estimators=10, random_state=0),
    "boost_poisson": lambda: silva.BoostRegressor(objective="poisson", n_estimators=20, random_state=0),
    "boost_quantiles": lambda: silva.BoostRegressor(objective="quantile", quantile_alpha=[0.9, 0.1, 0.5],
                                                    n_estimators=20, random_state=0),
    "boost_leafwise": lambda: silva.BoostRegressor(grow_policy="leafwise", max_leaves=16, max_depth=None,
                                                   n_estimators=20, random_state=0),
    "gbdt": lambda: silva.GBDTClassifier(n_estimators=10, random_state=0),
    "gbdt_regressor": lambda: silva.GBDTRegressor(n_estimators=10, random_state=0),
    "tree": lambda: silva.DecisionTreeClassifier(max_depth=6, random_state=0),
    "forest": lambda: silva.RandomForestClassifier(n_estimators=10, random_state=0),
    "forest_regressor": lambda: silva.RandomForestRegressor(n_estimators=10, random_state=0),
    "extra_trees": lambda: silva.ExtraTreesClassifier(n_estimators=10, random_state=0),
    "adaboost": lambda: silva.AdaBoostClassifier(n_estimators=10, random_state=0),
    "adaboost_multiclass": lambda: silva.AdaBoostClassifier(n_estimators=10, random_state=0),
    "adaboost_regressor": lambda: silva.AdaBoostRegressor(n_estimators=10, random_state=0),
}


def _data(kind):
    """Titanic without its near-unique strings, fitted without the rows embarked at Queenstown: "Q"
    stays a level of the column but no training row has it (an unseen level at predict)."""
    frame = load_frame("titanic").drop(columns=["Name", "Ticket", "Cabin"])
    if "multiclass" in kind:
        target = "Pclass"
    elif "regressor" in kind or kind in ("boost_poisson", "boost_quantiles", "boost_leafwise"):
        target = "Fare"
    else:
        target = "target"
    X, y = frame.drop(columns=target), frame[target].to_numpy()
    if target == "Fare":
        y = y + 1.0
    fit = (X["Embarked"] != "Q").to_numpy()
    return X[fit], y[fit], X


def _on_thresholds(model, X32):
    """Rows of X32 with one numeric split's feature set exactly on its float32 split value, and one
    float32 step above it, for the first splits of the model."""
    table = model.trees_to_dataframe()
    splits = table[table.Split.notna()].drop_duplicates(["Feature", "Split"]).head(40)
    names = [str(n) for n in model.feature_names_in_]
    rows = []
    for r in splits.itertuples():
        threshold = np.nextafter(r.Split, -np.inf)  # Split is the smallest float above the threshold
        with np.errstate(over="ignore"):
            s = np.float32(threshold)
        if s > threshold:
            s = np.nextafter(s, np.float32(-np.inf))  # the largest float32 not above it
        if not np.isfinite(s) or s == np.finfo(np.float32).max:
            continue
        for value in (s, np.nextafter(s, np.float32(np.inf))):
            row = X32[len(rows) % len(X32)].copy()
            row[names.index(r.Feature)] = value
            rows.append(row)
    return np.array(rows, dtype=np.float32)


@pytest.mark.parametrize("kind", list(MODELS))
def test_onnxruntime_predicts_as_silva(kind):
    Xa, ya, X = _data(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = MODELS[kind]().fit(Xa, ya)
    session = ort.InferenceSession(model.to_onnx().SerializeToString())
    X32 = input_matrix(model, X)
    assert np.isnan(X32[:, list(model.feature_names_in_).index("Age")]).any()
    assert (X["Embarked"] == "Q").any()
    X32 = np.vstack([X32, _on_thresholds(model, X32)])
    out = session.run(None, {"X": X32})
    X64 = X32.astype(np.float64)  # the same values: silva reads float32 rows exactly
    warnings.filterwarnings("ignore", "X does not have valid feature names")  # codes, as the graph reads
    if hasattr(model, "classes_"):
        label, proba = out
        expected = model.predict_proba(X64)
        np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)
        decided = np.abs(np.diff(np.sort(expected, axis=1)[:, -2:], axis=1))[:, 0] > 1e-5  # no near-ties
        np.testing.assert_array_equal(label[decided], model.predict(X64)[decided])
    else:
        expected = model.predict(X64)
        np.testing.assert_allclose(out[0].reshape(expected.shape), expected, rtol=1e-5,
                                   atol=1e-5 * np.abs(expected).max())


def test_string_labels_and_multiclass_probabilities():
    frame = load_frame("penguins")
    X, y = frame.drop(columns="target"), frame["target"].astype(str).to_numpy()
    model = silva.BoostClassifier(n_estimators=10, random_state=0).fit(X, y)
    label, proba = ort.InferenceSession(model.to_onnx().SerializeToString()).run(
        None, {"X": input_matrix(model, X)})
    assert list(label) == list(model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_target_statistics_are_a_clear_error():
    frame = load_frame("titanic")
    X, y = frame.drop(columns="target"), frame["target"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = silva.BoostClassifier(n_estimators=3).fit(X, y)
    with pytest.raises(ValueError, match="target statistics.*cat_encoding='set'"):
        model.to_onnx()
