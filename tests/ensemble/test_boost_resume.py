"""Continued boosting (``warm_start``, ``fit(init_model=...)``) and per-round predictions
(``iteration_range``, ``raw_score``, ``staged_*``) on real data: a fit continued from 50 rounds is the
100-round fit, bit for bit (silva/ensemble/_resume.py)."""
import numpy as np
import pytest

import silva
from tests.datasets import load, to_numeric

N_ROWS = 3000
PARAMS = dict(max_depth=4, learning_rate=0.1, random_state=0)


@pytest.fixture(scope="module")
def housing():
    X, y = load("california_housing")  # a frame with a categorical column
    return X.iloc[:N_ROWS], y[:N_ROWS].astype(np.float64)


@pytest.fixture(scope="module")
def binary():
    X, y = load("lightgbm_binary_train")
    return to_numeric(X).to_numpy()[:N_ROWS], y[:N_ROWS]


@pytest.fixture(scope="module")
def multiclass():
    X, y = load("lightgbm_multiclass_train")
    return to_numeric(X).to_numpy()[:N_ROWS], y[:N_ROWS]


def _warm(cls, X, y, first, total, **params):
    model = cls(n_estimators=first, warm_start=True, **PARAMS, **params).fit(X, y)
    return model.set_params(n_estimators=total).fit(X, y)


def test_warm_start_50_plus_50_is_the_100_round_fit_regression(housing):
    X, y = housing
    once = silva.BoostRegressor(n_estimators=100, **PARAMS).fit(X, y)
    resumed = _warm(silva.BoostRegressor, X, y, 50, 100)
    assert resumed.n_iter_ == 100
    np.testing.assert_array_equal(resumed.predict(X), once.predict(X))


def test_warm_start_50_plus_50_is_the_100_round_fit_binary(binary):
    X, y = binary
    once = silva.BoostClassifier(n_estimators=100, **PARAMS).fit(X, y)
    resumed = _warm(silva.BoostClassifier, X, y, 50, 100)
    np.testing.assert_array_equal(resumed.decision_function(X), once.decision_function(X))


def test_init_model_object_and_file_continue_to_the_100_round_fit(binary, tmp_path):
    X, y = binary
    once = silva.BoostClassifier(n_estimators=100, **PARAMS).fit(X, y)
    first = silva.BoostClassifier(n_estimators=50, **PARAMS).fit(X, y)
    path = tmp_path / "first.json"
    first.save(path)
    from_object = silva.BoostClassifier(n_estimators=50, **PARAMS).fit(X, y, init_model=first)
    from_file = silva.BoostClassifier(n_estimators=50, **PARAMS).fit(X, y, init_model=str(path))
    for model in (from_object, from_file):
        assert model.n_iter_ == 100  # n_estimators counts the new rounds, as XGBoost and LightGBM
        np.testing.assert_array_equal(model.decision_function(X), once.decision_function(X))
    assert first.n_iter_ == 50  # the model continued from is left as it was


def test_init_model_on_a_frame_keeps_the_category_codes(housing):
    X, y = housing
    once = silva.BoostRegressor(n_estimators=60, **PARAMS).fit(X, y)
    first = silva.BoostRegressor(n_estimators=30, **PARAMS).fit(X, y)
    # the same rows in another order of levels: codes must still mean the levels of the first fit
    X2 = X.copy()
    col = X2.select_dtypes("category").columns[0]
    X2[col] = X2[col].cat.reorder_categories(X2[col].cat.categories[::-1])
    again = silva.BoostRegressor(n_estimators=30, **PARAMS).fit(X2, y, init_model=first)
    np.testing.assert_array_equal(again.predict(X), once.predict(X))


def test_warm_start_with_sampling_resumes_the_random_stream(binary):
    X, y = binary
    sampled = dict(subsample=0.7, colsample_bytree=0.8, colsample_bynode=0.8)
    once = silva.BoostClassifier(n_estimators=40, **PARAMS, **sampled).fit(X, y)
    resumed = _warm(silva.BoostClassifier, X, y, 20, 40, **sampled)
    np.testing.assert_array_equal(resumed.decision_function(X), once.decision_function(X))
    # an init_model has no stream to resume: its first rounds are the model's, the later ones draw anew
    first = silva.BoostClassifier(n_estimators=20, **PARAMS, **sampled).fit(X, y)
    cont = silva.BoostClassifier(n_estimators=20, **PARAMS, **sampled).fit(X, y, init_model=first)
    np.testing.assert_array_equal(cont.decision_function(X, iteration_range=(0, 20)), first.decision_function(X))
    assert not np.array_equal(cont.decision_function(X), once.decision_function(X))


def test_warm_start_with_target_statistics(housing):
    X, y = housing
    params = dict(cat_encoding="target")
    once = silva.BoostRegressor(n_estimators=40, **PARAMS, **params).fit(X, y)
    resumed = _warm(silva.BoostRegressor, X, y, 20, 40, **params)
    assert resumed._schema.target_stats is not None
    np.testing.assert_array_equal(resumed.predict(X), once.predict(X))


def test_warm_start_with_early_stopping_keeps_the_fitted_rounds(binary):
    X, y = binary
    model = silva.BoostClassifier(n_estimators=15, n_iter_no_change=5, **PARAMS, warm_start=True).fit(X, y)
    before = model.decision_function(X)
    n_old = model.n_iter_
    model.set_params(n_estimators=300).fit(X, y)
    assert n_old <= model.n_iter_ <= 300
    assert model.best_iteration_ >= n_old - 1
    np.testing.assert_array_equal(model.decision_function(X, iteration_range=(0, n_old)), before)
    # evals_result_ holds this fit's rounds only (XGBoost's), through the patience past the best one
    scores = model.evals_result_["validation"]["logloss"]
    assert len(scores) == min(300 - n_old, model.best_iteration_ + 1 - n_old + 5)


def test_warm_start_without_new_rounds_changes_nothing(binary):
    X, y = binary
    model = silva.BoostClassifier(n_estimators=10, warm_start=True, **PARAMS).fit(X, y)
    forest = model._forest
    model.fit(X, y)
    assert model._forest is forest
    with pytest.raises(ValueError, match="n_estimators=5 must be larger or equal to n_iter_=10"):
        model.set_params(n_estimators=5).fit(X, y)


def test_gbdt_warm_start_is_the_longer_fit(housing):
    X, y = housing
    once = silva.GBDTRegressor(n_estimators=40, random_state=0).fit(X, y)
    model = silva.GBDTRegressor(n_estimators=20, random_state=0, warm_start=True).fit(X, y)
    model.set_params(n_estimators=40).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), once.predict(X))


def test_multiclass_continues_and_ranges_count_rounds(multiclass):
    X, y = multiclass
    once = silva.BoostClassifier(n_estimators=20, **PARAMS).fit(X, y)
    assert once._forest.n_trees == 20 * once.n_classes_
    first = silva.BoostClassifier(n_estimators=10, **PARAMS).fit(X, y)
    cont = silva.BoostClassifier(n_estimators=10, **PARAMS).fit(X, y, init_model=first)
    np.testing.assert_array_equal(cont.predict_proba(X), once.predict_proba(X))
    np.testing.assert_array_equal(once.decision_function(X, iteration_range=(0, 10)), first.decision_function(X))
    np.testing.assert_array_equal(once.predict_proba(X, iteration_range=(0, 10)), first.predict_proba(X))
    # rounds a..b-1 add to the baseline: the two halves give the whole, less the baseline counted twice
    head = once.decision_function(X, iteration_range=(0, 7))
    tail = once.decision_function(X, iteration_range=(7, 20))
    np.testing.assert_allclose(head + tail - once._baseline, once.decision_function(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(once.decision_function(X, iteration_range=(0, 0)), once.decision_function(X))


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_staged_predictions_are_the_ranged_ones(task, housing, binary, multiclass):
    X, y = {"regression": housing, "binary": binary, "multiclass": multiclass}[task]
    cls = silva.BoostRegressor if task == "regression" else silva.BoostClassifier
    model = cls(n_estimators=12, **PARAMS).fit(X, y)
    staged = list(model.staged_predict(X))
    assert len(staged) == model.n_iter_
    np.testing.assert_array_equal(staged[-1], model.predict(X))
    if task == "regression":
        for i, pred in enumerate(staged):
            np.testing.assert_array_equal(pred, model.predict(X, iteration_range=(0, i + 1)))
        np.testing.assert_array_equal(model.predict(X, raw_score=True), model.predict(X))
        return
    probas = list(model.staged_predict_proba(X))
    margins = list(model.staged_decision_function(X))
    for i in range(model.n_iter_):
        np.testing.assert_array_equal(probas[i], model.predict_proba(X, iteration_range=(0, i + 1)))
        np.testing.assert_array_equal(margins[i], model.decision_function(X, iteration_range=(0, i + 1)))
        np.testing.assert_array_equal(staged[i], model.predict(X, iteration_range=(0, i + 1)))
    np.testing.assert_array_equal(model.predict(X, raw_score=True), model.decision_function(X))


def test_staged_predictions_follow_early_stopping(binary):
    X, y = binary
    model = silva.BoostClassifier(n_estimators=200, n_iter_no_change=3, **PARAMS).fit(X, y)
    assert model.n_iter_ < 200
    stages = list(model.staged_predict_proba(X))
    assert len(stages) == model.n_iter_
    np.testing.assert_array_equal(stages[-1], model.predict_proba(X))


def test_bad_continuations_and_ranges_raise(binary, multiclass, housing):
    X, y = binary
    model = silva.BoostClassifier(n_estimators=5, **PARAMS).fit(X, y)
    with pytest.raises(ValueError, match="init_model must be a fitted BoostClassifier"):
        silva.BoostClassifier(n_estimators=5).fit(X, y, init_model=silva.GBDTClassifier(n_estimators=2).fit(X, y))
    with pytest.raises(ValueError, match="init_model is not fitted"):
        silva.BoostClassifier(n_estimators=5).fit(X, y, init_model=silva.BoostClassifier())
    with pytest.raises(ValueError, match="features the model was fitted on"):
        silva.BoostClassifier(n_estimators=5).fit(X[:, :-1], y, init_model=model)
    with pytest.raises(ValueError, match="classes the model was fitted on"):
        silva.BoostClassifier(n_estimators=5).fit(X, np.where(y == 1, 2, 0), init_model=model)
    with pytest.raises(ValueError, match="objective the model was fitted with"):
        silva.BoostClassifier(n_estimators=5, objective=lambda y, raw: (raw - y, np.ones_like(raw))).fit(
            X, y, init_model=model)
    with pytest.raises(ValueError, match="not both"):
        silva.BoostClassifier(n_estimators=10, warm_start=True).fit(X, y).fit(X, y, init_model=model)
    Xr, yr = housing
    reg = silva.BoostRegressor(n_estimators=5, **PARAMS).fit(Xr, yr)
    with pytest.raises(ValueError, match="features the model was fitted on"):
        silva.BoostRegressor(n_estimators=5).fit(Xr.rename(columns={Xr.columns[0]: "other"}), yr, init_model=reg)
    for bad in [(0, 6), (3, 3), (-1, 2), (4, 2)]:
        with pytest.raises(ValueError, match=r"0 <= begin < end <= n_iter_=5"):
            model.predict_proba(X, iteration_range=bad)
    with pytest.raises(ValueError, match="pair"):
        model.predict(X, iteration_range=3)
    with pytest.raises(ValueError, match="integers"):
        model.predict(X, iteration_range=(0.0, 2.5))
