"""BoostRegressor's objectives: gradients, domains, start scores, margins, leaf caps, quantile columns,
model files and the command line. Their accuracy against LightGBM's and XGBoost's is in
tests/compare/test_objectives_vs_peers.py."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy.special import gammaln

import silva
from silva.losses.base import get_loss
from tests.datasets import load_frame


def _bike():
    frame = load_frame("bike_sharing_hourly")
    X = frame.drop(columns="target")
    return X.assign(**{c: X[c].cat.codes for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)}), \
        frame["target"].to_numpy(float)


# per-row losses written independently of silva (F: raw score), whose derivatives the gradients are
def _nll(name, y, F, delta=1.0, alpha=0.3, rho=1.5):
    if name == "poisson":
        return np.exp(F) - y * F + gammaln(y + 1)
    if name == "tweedie":
        return -y * np.exp((1 - rho) * F) / (1 - rho) + np.exp((2 - rho) * F) / (2 - rho)
    if name == "gamma":
        return y * np.exp(-F) + F
    if name == "cross_entropy":
        return np.logaddexp(0, F) - y * F
    if name == "huber":
        a = np.abs(y - F)
        return np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    if name == "pseudo_huber":
        return delta ** 2 * (np.sqrt(1 + ((F - y) / delta) ** 2) - 1)
    if name == "absolute_error":
        return np.abs(y - F)
    d = y - F
    return np.where(d >= 0, alpha * d, (alpha - 1) * d)  # quantile


def _target(name, u):
    return {"poisson": np.floor(10 * u), "tweedie": np.where(u < 0.3, 0.0, 5 * u), "gamma": 0.1 + 5 * u,
            "cross_entropy": u}.get(name, 10 * u - 5)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["poisson", "tweedie", "gamma", "cross_entropy", "huber", "pseudo_huber",
                             "absolute_error", "quantile"]),
       u=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20),
       F=st.floats(-3.0, 3.0), w=st.floats(0.1, 5.0))
def test_gradients_and_hessians_are_the_derivatives_of_the_loss(name, u, F, w):
    """g = w dL/dF and h = w d2L/dF2 (Poisson without its hessian safeguard), away from the kinks of
    the piecewise losses, where only the gradient is checked and h is the weight (LightGBM's)."""
    y = _target(name, np.asarray(u))
    loss = get_loss(name, params=dict(max_delta_step=0.0, huber_delta=1.0, quantile_alpha=0.3))
    raw = np.full((y.size, 1), F)
    g, h = np.empty((1, y.size)), np.empty((1, y.size))
    loss.gradients(y, raw, np.full(y.size, w), g, h)
    eps = 1e-5
    up, mid, down = (_nll(name, y, F + s, alpha=0.3) for s in (eps, 0.0, -eps))
    smooth = name in ("poisson", "tweedie", "gamma", "cross_entropy", "pseudo_huber")
    away = np.abs(y - F) > 10 * eps
    if name == "huber":
        away &= np.abs(np.abs(y - F) - 1.0) > 10 * eps
    np.testing.assert_allclose(g[0][away], w * ((up - down) / (2 * eps))[away], rtol=1e-4, atol=1e-6)
    if smooth:
        np.testing.assert_allclose(h[0], w * (up - 2 * mid + down) / eps ** 2, rtol=1e-3, atol=1e-4)
    else:
        np.testing.assert_array_equal(h[0], w)


@pytest.mark.parametrize("objective, y, match", [
    ("poisson", [1.0, -1.0, 2.0], "non-negative counts"),
    ("poisson", [0.0, 0.0, 0.0], "not all zero"),
    ("tweedie", [1.0, -0.5, 0.0], "non-negative"),
    ("gamma", [1.0, 0.0, 2.0], "positive targets"),
    ("cross_entropy", [0.2, 1.5, 0.0], r"targets in \[0, 1\]"),
])
def test_a_target_outside_the_loss_domain_is_refused(objective, y, match):
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match=match):
        silva.BoostRegressor(objective=objective, n_estimators=2).fit(X, y)
    good = {"poisson": [1.0, 2.0, 0.0], "tweedie": [1.0, 2.0, 0.0], "gamma": [1.0, 2.0, 3.0],
            "cross_entropy": [0.2, 0.5, 1.0]}[objective]
    with pytest.raises(ValueError, match="eval_set"):
        silva.BoostRegressor(objective=objective, n_estimators=2).fit(X, good, eval_set=[(X, y)])


def test_bad_objective_parameters():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    with pytest.raises(ValueError, match="tweedie_variance_power"):
        silva.BoostRegressor(objective="tweedie", tweedie_variance_power=2.5).fit(X, y)
    with pytest.raises(ValueError, match="quantile_alpha"):
        silva.BoostRegressor(objective="quantile", quantile_alpha=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="base_score must be positive"):
        silva.BoostRegressor(objective="poisson", base_score=0.0).fit(X, y)
    with pytest.raises(ValueError, match="is not supported"):
        silva.BoostRegressor(objective="poisson_typo").fit(X, y)


def test_log_link_predictions_and_start_score():
    """Poisson predicts exp(raw score); it starts from the log of the (weighted) mean, and base_score
    equal to that mean gives the same model."""
    X, y = _bike()
    w = np.random.RandomState(0).uniform(0.5, 2.0, y.size)
    model = silva.BoostRegressor(objective="poisson", n_estimators=20, random_state=0).fit(X, y, sample_weight=w)
    assert model._baseline[0] == pytest.approx(np.log(np.average(y, weights=w)), rel=1e-12)
    pred = model.predict(X)
    np.testing.assert_allclose(pred, np.exp(model.predict(X, raw_score=True)), rtol=1e-12)
    assert np.all(pred > 0)
    same = silva.BoostRegressor(objective="poisson", n_estimators=20, random_state=0,
                                base_score=float(np.average(y, weights=w))).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(same.predict(X), pred, rtol=1e-9)


def test_tweedie_power_one_is_poisson_without_its_safeguard():
    X, y = _bike()
    a = silva.BoostRegressor(objective="tweedie", tweedie_variance_power=1.0, n_estimators=20).fit(X, y)
    b = silva.BoostRegressor(objective="poisson", max_delta_step=0, n_estimators=20).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_cross_entropy_on_zero_one_targets_is_the_binary_classifier():
    frame = load_frame("lightgbm_binary_train")
    X, y = frame.drop(columns="target"), frame["target"].to_numpy(float)
    reg = silva.BoostRegressor(objective="cross_entropy", n_estimators=20, random_state=0).fit(X, y)
    clf = silva.BoostClassifier(n_estimators=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), clf.predict_proba(X)[:, 1], rtol=1e-12)


def test_init_score_is_where_the_trees_start():
    """Margins equal to the start score give the same trees as the start score itself; the model then
    starts at 0 and predicts the same once given the margins back."""
    X, y = _bike()
    plain = silva.BoostRegressor(objective="poisson", n_estimators=15, random_state=0).fit(X, y)
    margin = np.full(y.size, plain._baseline[0])
    shifted = silva.BoostRegressor(objective="poisson", n_estimators=15, random_state=0).fit(
        X, y, init_score=margin)
    assert shifted._baseline[0] == 0.0
    np.testing.assert_allclose(shifted.predict(X, init_score=margin), plain.predict(X), rtol=1e-9)
    np.testing.assert_allclose(shifted.predict(X, base_margin=margin), plain.predict(X), rtol=1e-9)
    with pytest.raises(ValueError, match="init_score must have shape"):
        shifted.predict(X, init_score=margin[:10])
    with pytest.raises(ValueError, match="not both"):
        shifted.predict(X, init_score=margin, base_margin=margin)
    with pytest.raises(ValueError, match="eval_init_score"):
        silva.BoostRegressor(n_estimators=2).fit(X, y, eval_set=[(X, y)], eval_init_score=[margin, margin])


def test_max_delta_step_caps_every_node_value():
    X, y = _bike()
    lr = 0.3
    for kw, cap in [(dict(objective="squared_error", max_delta_step=5.0), 5.0),
                    (dict(objective="poisson"), 0.7),  # Poisson's default cap (XGBoost's)
                    (dict(objective="absolute_error", max_delta_step=2.0), 2.0)]:  # renewed leaves too
        model = silva.BoostRegressor(n_estimators=10, learning_rate=lr, random_state=0, **kw).fit(X, y)
        values = model._forest.values[:, 0]
        assert np.abs(values).max() <= cap * lr * (1 + 1e-12), kw
        assert np.abs(values).max() >= 0.5 * cap * lr, kw  # the cap binds on these targets
    free = silva.BoostRegressor(n_estimators=10, learning_rate=lr).fit(X, y)
    assert np.abs(free._forest.values[:, 0]).max() > 5.0 * lr


def test_absolute_error_leaves_are_the_median_of_their_residuals():
    X, y = _bike()
    model = silva.BoostRegressor(objective="absolute_error", n_estimators=1, learning_rate=1.0,
                                 max_depth=2).fit(X, y)
    leaf = model.apply(X)[:, 0] if hasattr(model, "apply") else None
    residual = y - model._baseline[0]
    pred = model.predict(X)
    for value in np.unique(pred if leaf is None else leaf):
        rows = (pred == value) if leaf is None else (leaf == value)
        assert np.sort(residual[rows])[(rows.sum() - 1) // 2] == pytest.approx(pred[rows][0] - model._baseline[0])


def test_quantile_columns_never_cross_and_cover_their_share():
    frame = load_frame("california_housing")
    X = frame.drop(columns="target")
    y = frame["target"].to_numpy(float)
    alphas = [0.9, 0.1, 0.5]  # any order: the columns follow it
    model = silva.BoostRegressor(objective="quantile", quantile_alpha=alphas, n_estimators=60,
                                 random_state=0).fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (y.size, 3)
    assert np.all(pred[:, 1] <= pred[:, 2]) and np.all(pred[:, 2] <= pred[:, 0])
    for k, a in enumerate(alphas):
        assert abs(np.mean(y <= pred[:, k]) - a) < 0.03, (a, np.mean(y <= pred[:, k]))
    single = silva.BoostRegressor(objective="quantile", quantile_alpha=0.9, n_estimators=5).fit(X, y)
    assert single.predict(X).shape == (y.size,)
    staged = list(model.staged_predict(X.iloc[:50]))
    np.testing.assert_array_equal(staged[-1], pred[:50])


@pytest.mark.parametrize("kw", [dict(objective="poisson"), dict(objective="tweedie", tweedie_variance_power=1.2),
                                dict(objective="gamma"), dict(objective="huber", huber_delta=3.0),
                                dict(objective="quantile", quantile_alpha=[0.2, 0.8]),
                                dict(objective="absolute_error", max_delta_step=4.0, base_score=100.0)])
def test_model_file_round_trip(tmp_path, kw):
    X, y = _bike()
    y = y + 1.0  # gamma's domain
    model = silva.BoostRegressor(n_estimators=8, random_state=0, **kw).fit(X, y)
    model.save(tmp_path / "m.json")
    loaded = silva.load(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()


def test_command_line_quantiles_and_deviance(tmp_path, capsys):
    from silva import cli
    from tests.datasets import path
    data = path("bike_sharing_hourly")
    out = tmp_path / "m.json"
    assert cli.main(["train", str(data), "--target", "target", "--param", "n_estimators=10",
                     "objective=quantile", "quantile_alpha=[0.1, 0.9]", "--out", str(out), "--quiet"]) == 0
    assert cli.main(["predict", str(out), str(data), "--out", str(tmp_path / "p.parquet")]) == 0
    pred = pd.read_parquet(tmp_path / "p.parquet")
    assert list(pred.columns) == ["quantile_0.1", "quantile_0.9"]
    assert (pred["quantile_0.1"] <= pred["quantile_0.9"]).all()
    capsys.readouterr()
    assert cli.main(["evaluate", str(out), str(data)]) == 0
    assert "coverage 0.1-0.9" in capsys.readouterr().out
    assert cli.main(["train", str(data), "--target", "target", "--param", "n_estimators=10",
                     "objective=count:poisson", "--out", str(out), "--quiet"]) == 0
    assert cli.main(["evaluate", str(out), str(data)]) == 0
    assert "poisson deviance" in capsys.readouterr().out


def test_a_2d_target_fits_one_model_per_column():
    """Squared error on a 2-D y grows one tree per column each round, from that column's gradients:
    each column's predictions are bit-identical to its own single-target model's."""
    frame = load_frame("california_housing")
    X = frame.drop(columns="target")
    Y = np.column_stack([frame["target"], np.log(frame["target"]), frame["median_income"] * 1000.0])
    model = silva.BoostRegressor(n_estimators=20, random_state=0).fit(X, Y)
    pred = model.predict(X)
    assert pred.shape == Y.shape
    for k in range(Y.shape[1]):
        single = silva.BoostRegressor(n_estimators=20, random_state=0).fit(X, Y[:, k])
        np.testing.assert_array_equal(pred[:, k], single.predict(X))
    assert model.score(X, Y) > 0.8
    assert model.evals_result_ == {}
    stopped = silva.BoostRegressor(n_estimators=200, n_iter_no_change=5, random_state=0).fit(X, Y)
    assert stopped.n_iter_ < 200 and "rmse" in stopped.evals_result_["validation"]
    one_column = silva.BoostRegressor(n_estimators=5).fit(X, Y[:, :1])
    assert one_column.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match="needs objective='squared_error'"):
        silva.BoostRegressor(objective="poisson", n_estimators=2).fit(X, Y)
    with pytest.raises(ValueError, match="target column"):
        silva.BoostRegressor(n_estimators=2).fit(X, Y, eval_set=[(X, Y[:, :2])])
    with pytest.raises(ValueError, match="1d array|1-D"):
        silva.BoostClassifier(n_estimators=2).fit(X, Y > Y.mean(axis=0))


def test_a_2d_target_model_file_round_trip(tmp_path):
    frame = load_frame("california_housing")
    X = frame.drop(columns="target")
    Y = np.column_stack([frame["target"], frame["housing_median_age"]])
    model = silva.BoostRegressor(n_estimators=5, random_state=0).fit(X, Y)
    model.save(tmp_path / "m.json")
    np.testing.assert_array_equal(silva.load(tmp_path / "m.json").predict(X), model.predict(X))
