"""The metric registry (silva/metrics.py) against scikit-learn's metric functions, weighted and not,
and the resolution of an ``eval_metric`` value for a loss and a task."""
import numpy as np
import pytest
from sklearn.metrics import (average_precision_score, log_loss, mean_absolute_error,
                             mean_absolute_percentage_error, mean_squared_error, roc_auc_score)

from silva import metrics as M
from silva.losses import LogLoss, SoftmaxLoss, SquaredError
from silva.losses.gradient_boosting import GBHuber


@pytest.fixture(params=[False, True], ids=["unweighted", "weighted"])
def weights(request):
    return np.random.default_rng(1).uniform(0.1, 3.0, 400) if request.param else None


def _binary(n=400):
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.4).astype(np.float64)
    # rounded so many scores tie: ties are where AUC and average precision implementations differ
    p = np.round(np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1), 1)
    return y, p


def test_regression_metrics_equal_sklearn(weights):
    rng = np.random.default_rng(2)
    y = rng.normal(size=400) * 3
    pred = y + rng.normal(size=400)
    assert M.rmse(y, pred, weights) == pytest.approx(
        np.sqrt(mean_squared_error(y, pred, sample_weight=weights)), rel=1e-12)
    assert M.mae(y, pred, weights) == pytest.approx(mean_absolute_error(y, pred, sample_weight=weights),
                                                    rel=1e-12)
    assert M.mape(y, pred, weights) == pytest.approx(
        mean_absolute_percentage_error(y, pred, sample_weight=weights), rel=1e-12)


def test_binary_metrics_equal_sklearn(weights):
    y, p = _binary()
    assert M.auc(y, p, weights) == pytest.approx(roc_auc_score(y, p, sample_weight=weights), rel=1e-12)
    assert M.average_precision(y, p, weights) == pytest.approx(
        average_precision_score(y, p, sample_weight=weights), rel=1e-12)
    assert M.logloss(y, p, weights) == pytest.approx(log_loss(y, p, sample_weight=weights), rel=1e-9)
    wrong = (p > 0.5) != (y == 1)
    assert M.error(y, p, weights) == pytest.approx(np.average(wrong, weights=weights), rel=1e-12)


def test_auc_without_ties_is_the_share_of_ordered_pairs():
    rng = np.random.default_rng(3)
    y = (rng.random(60) < 0.5).astype(float)
    p = rng.random(60)
    pos, neg = p[y == 1], p[y == 0]
    assert M.auc(y, p, None) == pytest.approx(np.mean(pos[:, None] > neg[None, :]), rel=1e-12)


def test_multiclass_metrics_equal_sklearn(weights):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 400).astype(np.float64)
    proba = rng.dirichlet(np.ones(3), 400)
    proba[np.arange(400), y.astype(int)] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    assert M.mlogloss(y, proba, weights) == pytest.approx(log_loss(y, proba, sample_weight=weights),
                                                          rel=1e-9)
    wrong = proba.argmax(axis=1) != y
    assert M.merror(y, proba, weights) == pytest.approx(np.average(wrong, weights=weights), rel=1e-12)


def test_one_class_gives_a_clear_error():
    with pytest.raises(ValueError, match="both classes"):
        M.auc(np.ones(5), np.linspace(0, 1, 5), None)
    with pytest.raises(ValueError, match="both classes"):  # the negatives weigh nothing
        M.average_precision(np.array([0.0, 1.0, 1.0]), np.array([0.1, 0.5, 0.9]), np.array([0.0, 1, 1]))


@pytest.mark.parametrize("alias, canon", [("binary_logloss", "logloss"), ("binary_error", "error"),
                                          ("average_precision", "aucpr"), ("multi_logloss", "mlogloss"),
                                          ("multi_error", "merror"), ("l1", "mae"), ("l2_root", "rmse")])
def test_peer_names_resolve(alias, canon):
    assert M.canonical_metric(alias) == canon


def test_resolution_per_loss_and_task():
    names = [m.name for m in M.resolve_metrics(["auc", "binary_logloss", "average_precision"], LogLoss(),
                                               "binary")]
    assert names == ["auc", "logloss", "aucpr"]
    # the loss's own metric reads raw scores (exact where a probability rounds to 0 or 1)
    own = M.resolve_metrics(None, LogLoss(), "binary")
    assert [(m.name, m.raw) for m in own] == [("logloss", True)]
    assert M.resolve_metrics("binary_logloss", LogLoss(), "binary")[0].raw
    assert [m.name for m in M.resolve_metrics("huber", GBHuber(), "regression")] == ["huber"]
    assert M.resolve_metrics("auc", LogLoss(), "binary")[0].higher_is_better
    assert not M.resolve_metrics("mlogloss", SoftmaxLoss(3), "multiclass")[0].higher_is_better


def test_bad_metrics_give_clear_errors():
    with pytest.raises(ValueError, match=r"unknown eval_metric 'acc'.*'auc'.*'rmse'"):
        M.resolve_metrics("acc", LogLoss(), "binary")
    with pytest.raises(ValueError, match="'auc' is a binary metric; this model is regression"):
        M.resolve_metrics("auc", SquaredError(), "regression")
    with pytest.raises(ValueError, match="'rmse' is a regression metric; this model is multiclass"):
        M.resolve_metrics(["mlogloss", "rmse"], SoftmaxLoss(3), "multiclass")
    with pytest.raises(ValueError, match="'logloss' twice"):
        M.resolve_metrics(["logloss", "binary_logloss"], LogLoss(), "binary")
    with pytest.raises(ValueError, match="at least one metric"):
        M.check_eval_metric("eval_metric", [])
    with pytest.raises(ValueError, match="a metric name, a callable or a list"):
        M.check_eval_metric("eval_metric", ["auc", 1])


def test_callables_follow_sklearns_convention():
    def gini(y_true, y_pred, sample_weight=None):
        return 2 * roc_auc_score(y_true, y_pred, sample_weight=sample_weight) - 1

    def brier(y_true, y_pred):
        return float(np.mean((y_true - y_pred) ** 2))

    gini.higher_is_better = True
    y, p = _binary()
    w = np.linspace(0.5, 2, y.size)
    g, b = M.resolve_metrics([gini, brier], LogLoss(), "binary")
    assert (g.name, g.higher_is_better, b.name, b.higher_is_better) == ("gini", True, "brier", False)
    assert g(y, p, w) == pytest.approx(2 * roc_auc_score(y, p, sample_weight=w) - 1)
    assert b(y, p, None) == pytest.approx(np.mean((y - p) ** 2))
    with pytest.raises(ValueError, match="'brier' takes no sample_weight"):
        b(y, p, w)


def test_register_metric_refuses_taken_names():
    with pytest.raises(ValueError, match="'l1' is already taken by 'mae'"):
        M.register_metric("mad", M.mae, higher_is_better=False, tasks=("regression",), aliases=("l1",))
    with pytest.raises(ValueError, match="tasks must be"):
        M.register_metric("brier", M.rmse, higher_is_better=False, tasks=("survival",))
    assert "mad" not in M.metric_names() and "brier" not in M.metric_names()


def _xgboost_metric(name, objective, y, margin, w, **params):
    """XGBoost's value of metric ``name`` for predictions given as margins (a booster of no trees
    predicts its base_margin)."""
    xgb = pytest.importorskip("xgboost")
    data = xgb.DMatrix(np.zeros((y.size, 1)), label=y, weight=w, base_margin=margin)
    booster = xgb.train({"objective": objective, "eval_metric": name, **params}, data, num_boost_round=0)
    return float(booster.eval(data).split(":")[-1])


def test_metrics_equal_xgboosts_on_the_same_predictions(weights):
    """XGBoost computes in float32: equal to ~1e-7. Its aucpr interpolates between thresholds, so it is
    not silva's aucpr (average precision) and is not compared."""
    y, p = _binary()
    p = np.clip(p, 0.05, 0.95)
    logit = np.log(p / (1 - p))
    for name, fn in (("auc", M.auc), ("logloss", M.logloss), ("error", M.error)):
        want = _xgboost_metric(name, "binary:logistic", y, logit, weights)
        assert fn(y, p, weights) == pytest.approx(want, rel=1e-6)

    rng = np.random.default_rng(5)
    target = rng.normal(size=400) + 3
    pred = target + rng.normal(size=400)
    for name, fn in (("rmse", M.rmse), ("mae", M.mae), ("mape", M.mape)):
        want = _xgboost_metric(name, "reg:squarederror", target, pred, weights)
        assert fn(target, pred, weights) == pytest.approx(want, rel=1e-6)

    labels = rng.integers(0, 3, 400).astype(np.float64)
    proba = rng.dirichlet(np.ones(3), 400)
    for name, fn in (("mlogloss", M.mlogloss), ("merror", M.merror)):
        want = _xgboost_metric(name, "multi:softprob", labels, np.log(proba), weights, num_class=3)
        assert fn(labels, proba, weights) == pytest.approx(want, rel=1e-6)
