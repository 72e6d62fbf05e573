"""The boosters' ``eval_metric``, early stopping on the chosen metric, ``eval_sample_weight`` and fit
``callbacks``: recorded values equal scikit-learn's metrics of the model's own predictions."""
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.metrics import (average_precision_score, log_loss, mean_absolute_error, mean_squared_error,
                             roc_auc_score)
from sklearn.model_selection import train_test_split

import silva
from silva import io as sio

from datasets import load_frame


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)


def _best_round(history, tol, higher_is_better):
    """The loop's rule: the first round that beats every earlier one by more than tol."""
    sign = -1.0 if higher_is_better else 1.0
    best, best_it = np.inf, 0
    for it, value in enumerate(history):
        if sign * value < best - tol:
            best, best_it = sign * value, it
    return best_it


def test_early_stopping_on_auc_keeps_the_auc_best_round():
    df = load_frame("adult_train")
    X, y = df.drop(columns="target"), df["target"].to_numpy()
    X_tr, X_v, y_tr, y_v = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    model = silva.BoostClassifier(n_estimators=400, learning_rate=0.5, max_depth=6, eval_metric=["logloss", "auc"],
                                  n_iter_no_change=15, random_state=0).fit(X_tr, y_tr, eval_set=[(X_v, y_v)])
    history = model.evals_result_["validation_0"]
    auc = np.array(history["auc"])
    assert set(history) == {"logloss", "auc"} and len(history["logloss"]) == auc.size
    assert model.best_iteration_ == _best_round(auc, model.tol, True)
    assert auc[model.best_iteration_] >= auc.max() - model.tol
    assert auc.size == model.best_iteration_ + 16 and model.n_iter_ == model.best_iteration_ + 1
    # the kept model is the AUC-best one: its predictions score the recorded AUC
    proba = model.predict_proba(X_v)[:, 1]
    assert roc_auc_score(y_v, proba) == pytest.approx(auc[model.best_iteration_], abs=1e-12)
    # with a high learning rate the log-loss turns up long before the AUC stops rising
    logloss = np.array(history["logloss"])
    assert np.argmin(logloss) < model.best_iteration_


def test_the_last_metric_decides(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    kw = dict(n_estimators=300, learning_rate=0.5, n_iter_no_change=10, random_state=0)
    for metrics in (["auc", "logloss"], ["logloss", "error"]):
        model = silva.BoostClassifier(eval_metric=metrics, **kw).fit(X_tr, y_tr, eval_set=[(X_tr, y_tr), (X_te, y_te)])
        last = model.evals_result_["validation_1"][metrics[-1]]
        assert model.best_iteration_ == _best_round(last, model.tol, False)


def test_recorded_values_equal_sklearn_on_the_models_of_each_round(cancer):
    """Round k's values are those of the first k rounds (a fit with n_estimators=k grows the same
    trees), weighted by eval_sample_weight."""
    X_tr, X_te, y_tr, y_te = cancer
    w = np.random.default_rng(0).uniform(0.2, 5.0, y_te.size)
    kw = dict(learning_rate=0.3, max_depth=3, random_state=0, eval_metric=["auc", "aucpr", "logloss", "error"])
    full = silva.BoostClassifier(n_estimators=12, **kw).fit(X_tr, y_tr, eval_set=[(X_te, y_te)],
                                                           eval_sample_weight=[w])
    history = full.evals_result_["validation_0"]
    for k in (1, 4, 12):
        p = silva.BoostClassifier(n_estimators=k, **kw).fit(X_tr, y_tr).predict_proba(X_te)[:, 1]
        assert history["auc"][k - 1] == pytest.approx(roc_auc_score(y_te, p, sample_weight=w), rel=1e-12)
        assert history["aucpr"][k - 1] == pytest.approx(average_precision_score(y_te, p, sample_weight=w),
                                                        rel=1e-12)
        assert history["logloss"][k - 1] == pytest.approx(log_loss(y_te, p, sample_weight=w), rel=1e-9)
        assert history["error"][k - 1] == pytest.approx(np.average((p > 0.5) != y_te, weights=w), rel=1e-12)
    unweighted = silva.BoostClassifier(n_estimators=12, **kw).fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    assert unweighted.evals_result_["validation_0"]["logloss"][-1] != pytest.approx(history["logloss"][-1])


@pytest.mark.parametrize("cls", [silva.BoostRegressor, silva.GBDTRegressor])
def test_regression_metrics_and_early_stopping_on_mae(cls):
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    w = np.linspace(0.5, 2.0, y_te.size)
    model = cls(n_estimators=300, learning_rate=0.2, eval_metric=["rmse", "mape", "l1"], n_iter_no_change=8,
                random_state=0).fit(X_tr, y_tr, eval_set=[(X_te, y_te)], eval_sample_weight=[w])
    history = model.evals_result_["validation_0"]
    assert list(history) == ["rmse", "mape", "mae"]
    assert model.best_iteration_ == _best_round(history["mae"], model.tol, False)
    pred = model.predict(X_te)
    best = model.best_iteration_
    assert history["mae"][best] == pytest.approx(mean_absolute_error(y_te, pred, sample_weight=w), rel=1e-9)
    assert history["rmse"][best] == pytest.approx(np.sqrt(mean_squared_error(y_te, pred, sample_weight=w)),
                                                  rel=1e-9)


def test_multiclass_metrics_on_gbdt():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]  # metrics see the encoded labels
    model = silva.GBDTClassifier(n_estimators=5, eval_metric=["merror", "multi_logloss"],
                                 random_state=0).fit(X, labels, eval_set=[(X, labels)])
    proba = model.predict_proba(X)
    history = model.evals_result_["validation_0"]
    assert history["mlogloss"][-1] == pytest.approx(log_loss(labels, proba), rel=1e-9)
    assert history["merror"][-1] == pytest.approx(np.mean(model.predict(X) != labels))


def test_callable_metric_is_minimised_unless_it_says_otherwise(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    seen = {}

    def gini(y_true, y_pred, sample_weight=None):
        seen["weights"] = sample_weight
        return 2 * roc_auc_score(y_true, y_pred, sample_weight=sample_weight) - 1

    kw = dict(n_estimators=200, learning_rate=0.5, n_iter_no_change=10, random_state=0)
    w = np.full(y_te.size, 2.0)
    model = silva.BoostClassifier(eval_metric=gini, **kw).fit(X_tr, y_tr, eval_set=[(X_te, y_te)],
                                                             eval_sample_weight=[w])
    curve = model.evals_result_["validation_0"]["gini"]
    assert seen["weights"] is not None and np.array_equal(seen["weights"], w)
    assert model.best_iteration_ == _best_round(curve, model.tol, False)
    gini.higher_is_better = True
    model = silva.BoostClassifier(eval_metric=gini, **kw).fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    curve = model.evals_result_["validation_0"]["gini"]
    assert model.best_iteration_ == _best_round(curve, model.tol, True)
    p = model.predict_proba(X_te)[:, 1]
    assert curve[model.best_iteration_] == pytest.approx(2 * roc_auc_score(y_te, p) - 1, rel=1e-12)


def test_callback_stops_training(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    seen = []

    def stop_at_5(iteration, evals_result):
        seen.append((iteration, len(evals_result["validation_0"]["auc"])))
        return iteration == 5

    model = silva.BoostClassifier(n_estimators=50, eval_metric="auc", random_state=0).fit(
        X_tr, y_tr, eval_set=[(X_te, y_te)], callbacks=[stop_at_5])
    assert model.n_iter_ == 6 and model._forest.n_trees == 6 and model.best_iteration_ is None
    assert seen == [(i, i + 1) for i in range(6)]
    assert len(model.evals_result_["validation_0"]["auc"]) == 6
    assert "callbacks" not in model.get_params()

    # with early stopping on, a stop keeps the best round so far
    def stop_at_30(iteration, evals_result):
        return iteration == 30

    model = silva.BoostClassifier(n_estimators=200, learning_rate=0.5, eval_metric="logloss", n_iter_no_change=100,
                                  random_state=0).fit(X_tr, y_tr, eval_set=[(X_te, y_te)], callbacks=[stop_at_30])
    curve = model.evals_result_["validation_0"]["logloss"]
    assert len(curve) == 31 and model.best_iteration_ == _best_round(curve, model.tol, False) < 30
    assert model.n_iter_ == model.best_iteration_ + 1


def test_the_progress_hook_still_sees_every_metric(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    calls = []
    est = silva.BoostClassifier(n_estimators=3, eval_metric=["auc", "error"])
    est._iteration_callback = lambda it, n, history: calls.append(sorted(history["validation_0"]))
    est.fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    assert calls == [["auc", "error"]] * 3


def test_bad_fit_inputs_give_clear_errors(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    est = silva.BoostClassifier(n_estimators=2)
    with pytest.raises(ValueError, match="eval_sample_weight has 2 entries but eval_set has 1 pairs"):
        est.fit(X_tr, y_tr, eval_set=[(X_te, y_te)], eval_sample_weight=[None, None])
    with pytest.raises(ValueError, match="eval_sample_weight has 1 entries but eval_set has 0 pairs"):
        est.fit(X_tr, y_tr, eval_sample_weight=[np.ones(5)])
    with pytest.raises(ValueError, match="eval_sample_weight must be a list"):
        est.fit(X_tr, y_tr, eval_set=[(X_te, y_te)], eval_sample_weight=np.ones(y_te.size))
    with pytest.raises(ValueError, match="inconsistent|sample_weight"):
        est.fit(X_tr, y_tr, eval_set=[(X_te, y_te)], eval_sample_weight=[np.ones(3)])
    with pytest.raises(ValueError, match="callbacks must be a list of callables"):
        est.fit(X_tr, y_tr, callbacks=lambda it, h: None)
    with pytest.raises(ValueError, match="unknown eval_metric 'accuracy'; choose from"):
        silva.BoostClassifier(eval_metric="accuracy").fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="'rmse' is a regression metric; this model is binary"):
        silva.BoostClassifier(eval_metric="rmse").fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="'auc' is a binary metric; this model is regression"):
        silva.GBDTRegressor(eval_metric="auc").fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="eval_metric must be None, a metric name"):
        silva.BoostRegressor(eval_metric=[None]).fit(X_tr, y_tr)

    def brier(y_true, y_pred):
        return float(np.mean((y_true - y_pred) ** 2))

    with pytest.raises(ValueError, match="'brier' takes no sample_weight"):
        silva.BoostClassifier(n_estimators=2, eval_metric=brier).fit(
            X_tr, y_tr, eval_set=[(X_te, y_te)], eval_sample_weight=[np.ones(y_te.size)])


def test_hold_out_validation_is_weighted_by_its_rows_weights():
    X, y = load_breast_cancer(return_X_y=True)
    w = np.where(y == 1, 5.0, 1.0)
    kw = dict(n_estimators=3, n_iter_no_change=5, validation_fraction=0.3, eval_metric="error", random_state=0)
    plain = silva.BoostClassifier(**kw).fit(X, y)
    weighted = silva.BoostClassifier(**kw).fit(X, y, sample_weight=w)
    # same split (same seed); the class-1 rows weigh 5x in the held-out error too
    assert plain.evals_result_["validation"]["error"] != weighted.evals_result_["validation"]["error"]


def test_model_file_keeps_every_metric_and_drops_callables(cancer, tmp_path):
    X_tr, X_te, y_tr, y_te = cancer

    def brier(y_true, y_pred):
        return float(np.mean((y_true - y_pred) ** 2))

    est = silva.BoostClassifier(n_estimators=15, eval_metric=["logloss", brier, "auc"], n_iter_no_change=5,
                                random_state=0).fit(X_tr, y_tr, eval_set=[(X_tr, y_tr), (X_te, y_te)])
    est.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    assert loaded.evals_result_ == est.evals_result_
    assert set(loaded.evals_result_["validation_1"]) == {"logloss", "brier", "auc"}
    assert loaded.eval_metric == ["logloss", "auc"]  # code is never stored in a model file
    assert loaded.best_iteration_ == est.best_iteration_
    assert np.array_equal(loaded.predict_proba(X_te), est.predict_proba(X_te))
    sio.save(loaded, tmp_path / "again.silva")
    assert (tmp_path / "again.silva").read_bytes() == (tmp_path / "m.silva").read_bytes()

    named = silva.GBDTRegressor(n_estimators=4, eval_metric="mae").fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    named.save(tmp_path / "g.silva")
    assert silva.load(tmp_path / "g.silva").eval_metric == "mae"


def test_old_model_files_load_with_the_default_metric():
    from silva._params import with_added_param_defaults

    params = silva.BoostRegressor().get_params()
    del params["eval_metric"]
    assert with_added_param_defaults(params, silva.BoostRegressor)["eval_metric"] is None
