"""booster="gblinear": XGBoost's linear booster (silva/ensemble/_linear.py)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import silva
from tests.datasets import load_frame

xgb = pytest.importorskip("xgboost")


@pytest.fixture(scope="module")
def housing():
    """Standardized numeric columns of california_housing (total_bedrooms keeps its NaN)."""
    df = load_frame("california_housing")
    y = df.pop("target").to_numpy()
    X = df.drop(columns="ocean_proximity").to_numpy(float)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    sc = StandardScaler().fit(Xtr)  # NaN-aware: NaN stays NaN
    return sc.transform(Xtr), sc.transform(Xte), ytr, yte


@pytest.fixture(scope="module")
def binary():
    tr, te = load_frame("lightgbm_binary_train"), load_frame("lightgbm_binary_test")
    ytr, yte = tr.pop("target").to_numpy(), te.pop("target").to_numpy()
    wtr = tr.pop("weight").to_numpy(float)
    te.pop("weight")
    sc = StandardScaler().fit(tr.to_numpy(float))
    return sc.transform(tr.to_numpy(float)), sc.transform(te.to_numpy(float)), ytr, yte, wtr


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


@pytest.mark.parametrize("updater", ["coord_descent", "shotgun"])
@pytest.mark.parametrize("reg_lambda,reg_alpha", [(1.0, 0.0), (0.0, 0.0), (0.01, 0.01)])
def test_regression_matches_xgboost(housing, updater, reg_lambda, reg_alpha):
    Xtr, Xte, ytr, yte = housing
    assert np.isnan(Xtr).any()  # XGBoost skips missing entries, silva reads them as 0: the same sums
    kw = dict(n_estimators=50, learning_rate=0.5, reg_lambda=reg_lambda, reg_alpha=reg_alpha, updater=updater)
    ours = silva.BoostRegressor(booster="gblinear", **kw).fit(Xtr, ytr)
    # one thread: XGBoost's shotgun is then the same sequence as its coord_descent
    ref = xgb.XGBRegressor(booster="gblinear", n_jobs=1, **kw).fit(Xtr, ytr)
    r_ours, r_ref = _rmse(ours.predict(Xte), yte), _rmse(ref.predict(Xte), yte)
    assert abs(r_ours / r_ref - 1) < 0.01
    # measured 1e-8 relative: XGBoost keeps weights in float32, so 1e-5 of the largest weight
    assert ours.coef_.shape == ref.coef_.shape == (Xtr.shape[1],)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-5 * np.abs(ref.coef_).max())
    # XGBoost's float32 predictions: about 1e-7 of the target's scale
    np.testing.assert_allclose(ours.predict(Xte), ref.predict(Xte), rtol=1e-5, atol=1e-6 * np.abs(yte).max())


def test_weighted_binary_matches_xgboost(binary):
    Xtr, Xte, ytr, yte, wtr = binary
    kw = dict(n_estimators=30, learning_rate=0.3, reg_lambda=0.1, reg_alpha=0.001)
    # non-unit weights: the penalties are scaled by their sum (XGBoost's DenormalizeHyperParameters)
    w = wtr * np.where(ytr == 1, 2.0, 0.5)
    ours = silva.BoostClassifier(booster="gblinear", **kw).fit(Xtr, ytr, sample_weight=w)
    ref = xgb.XGBClassifier(booster="gblinear", n_jobs=1, **kw).fit(Xtr, ytr, sample_weight=w)
    auc_ours = roc_auc_score(yte, ours.predict_proba(Xte)[:, 1])
    auc_ref = roc_auc_score(yte, ref.predict_proba(Xte)[:, 1])
    assert abs(auc_ours - auc_ref) < 0.005
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.decision_function(Xte), ref.predict(Xte, output_margin=True), atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(Xte).sum(axis=1), 1.0)


def test_multiclass_coefficients_layout():
    tr = load_frame("lightgbm_multiclass_train")
    y = tr.pop("target").to_numpy()
    X = StandardScaler().fit_transform(tr.to_numpy(float))
    kw = dict(n_estimators=20, learning_rate=0.3, reg_lambda=0.1, updater="coord_descent")
    ours = silva.BoostClassifier(booster="gblinear", **kw).fit(X, y)
    ref = xgb.XGBClassifier(booster="gblinear", n_jobs=1, **kw).fit(X, y)
    K = ours.n_classes_
    assert ours.coef_.shape == (X.shape[1], K) and ours.intercept_.shape == (K,)
    # XGBoost's coef_ reshapes its feature-major (n_features, K) weights to (K, n_features) without a
    # transpose; its flat order is silva's. float32 softmax gradients drift about 1% of the largest weight
    np.testing.assert_allclose(ours.coef_.ravel(), ref.coef_.ravel(), atol=0.02 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.decision_function(X), X @ ours.coef_ + ours.intercept_, rtol=1e-10,
                               atol=1e-10)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.99


def test_contributions_are_exact_terms(housing):
    Xtr, Xte, ytr, _ = housing
    reg = silva.BoostRegressor(booster="gblinear", n_estimators=10, learning_rate=0.5).fit(Xtr, ytr)
    contribs = reg.predict(Xte, pred_contribs=True)
    d = Xte.shape[1]
    assert contribs.shape == (Xte.shape[0], d + 1)
    np.testing.assert_array_equal(contribs[:, :d], np.nan_to_num(Xte) * reg.coef_)
    np.testing.assert_array_equal(contribs[:, d], reg.intercept_[0])
    np.testing.assert_allclose(contribs.sum(axis=1), reg.predict(Xte), rtol=1e-12)
    inter = reg.predict(Xte[:5], pred_interactions=True)
    np.testing.assert_array_equal(np.diagonal(inter, axis1=1, axis2=2), contribs[:5])
    np.testing.assert_allclose(inter.sum(axis=(1, 2)), reg.predict(Xte[:5]), rtol=1e-12)


def test_nan_counts_as_zero(housing):
    Xtr, Xte, ytr, _ = housing
    reg = silva.BoostRegressor(booster="gblinear", n_estimators=10).fit(Xtr, ytr)
    X = Xte[:50].copy()
    X[::2, 3] = np.nan
    zeros = np.where(np.isnan(X), 0.0, X)
    np.testing.assert_array_equal(reg.predict(X), reg.predict(zeros))
    # and in training: the same model from the data with its NaN set to 0
    again = silva.BoostRegressor(booster="gblinear", n_estimators=10).fit(np.nan_to_num(Xtr), ytr)
    np.testing.assert_array_equal(reg.coef_, again.coef_)


def test_shuffle_seeded_and_thread_independent(housing):
    Xtr, Xte, ytr, _ = housing
    kw = dict(booster="gblinear", n_estimators=20, learning_rate=0.5, reg_lambda=0.0, feature_selector="shuffle")
    one = silva.BoostRegressor(random_state=3, n_jobs=1, **kw).fit(Xtr, ytr)
    two = silva.BoostRegressor(random_state=3, n_jobs=2, **kw).fit(Xtr, ytr)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.intercept_, two.intercept_)
    np.testing.assert_array_equal(one.predict(Xte), two.predict(Xte))
    cyclic = silva.BoostRegressor(**{**kw, "feature_selector": "cyclic"}).fit(Xtr, ytr)
    assert not np.array_equal(one.coef_, cyclic.coef_)  # the order matters while the model is young


def test_model_file_round_trip(tmp_path, binary):
    Xtr, Xte, ytr, _, _ = binary
    clf = silva.BoostClassifier(booster="gblinear", n_estimators=15, reg_alpha=0.01).fit(Xtr, ytr)
    path = tmp_path / "m.json"
    clf.save(path)
    back = silva.load(path)
    assert back.booster == "gblinear"
    np.testing.assert_array_equal(back.coef_, clf.coef_)
    np.testing.assert_array_equal(back.intercept_, clf.intercept_)
    np.testing.assert_array_equal(back.predict_proba(Xte), clf.predict_proba(Xte))
    state = clf._get_model_state()
    for bad in (np.full_like(state["linear"]["coef"], np.nan), state["linear"]["coef"][:-1]):
        broken = dict(state, linear={"coef": bad, "bias": state["linear"]["bias"]})
        with pytest.raises(ValueError, match="coef"):
            type(clf)._from_model_state(broken)
    tree = dict(state, params=dict(state["params"], booster="gbtree"))
    with pytest.raises(ValueError, match="gblinear"):
        type(clf)._from_model_state(tree)


def test_early_stopping_keeps_best_coefficients(housing):
    Xtr, Xte, ytr, yte = housing
    kw = dict(booster="gblinear", learning_rate=1.0, reg_lambda=0.0)
    early = silva.BoostRegressor(n_estimators=200, n_iter_no_change=3, **kw).fit(
        Xtr, ytr, eval_set=[(Xte, yte)])
    best = early.best_iteration_
    assert early.n_iter_ == best + 1 < 200
    history = early.evals_result_["validation_0"]["rmse"]
    assert history[best] == min(history)
    plain = silva.BoostRegressor(n_estimators=best + 1, **kw).fit(Xtr, ytr)
    np.testing.assert_array_equal(early.coef_, plain.coef_)
    np.testing.assert_allclose(_rmse(early.predict(Xte), yte), history[best], rtol=1e-12)


def test_categorical_frame_refused():
    df = load_frame("california_housing").head(500)
    y = df.pop("target")
    with pytest.raises(ValueError, match="ocean_proximity"):
        silva.BoostRegressor(booster="gblinear", n_estimators=2).fit(df, y)


def test_tree_methods_refused(housing):
    Xtr, Xte, ytr, _ = housing
    reg = silva.BoostRegressor(booster="gblinear", n_estimators=3).fit(Xtr, ytr)
    for call in (lambda: reg.apply(Xte), reg.trees_to_dataframe, reg.dump_model, reg.to_onnx,
                 lambda: reg.predict(Xte, pred_leaf=True), reg.get_importance):
        with pytest.raises(ValueError, match="linear booster has no trees"):
            call()
    with pytest.raises(ValueError, match="staged"):
        next(reg.staged_predict(Xte))
    with pytest.raises(ValueError, match="iteration_range"):
        reg.predict(Xte, iteration_range=(0, 1))
    np.testing.assert_array_equal(reg.predict(Xte, iteration_range=(0, 3)), reg.predict(Xte))
    with pytest.raises(ValueError, match="continue"):
        silva.BoostRegressor(booster="gblinear", n_estimators=3).fit(Xtr, ytr, init_model=reg)
    imp = reg.feature_importances_
    np.testing.assert_allclose(imp, np.abs(reg.coef_) / np.abs(reg.coef_).sum())
    trees = silva.BoostRegressor(n_estimators=2).fit(Xtr[:200], ytr[:200])
    assert not hasattr(trees, "coef_")
    # refitting as a linear booster drops the trees, and back again the coefficients
    trees.set_params(booster="gblinear").fit(Xtr[:200], ytr[:200])
    assert not hasattr(trees, "_forest") and trees.coef_.shape == (Xtr.shape[1],)
    trees.set_params(booster="gbtree").fit(Xtr[:200], ytr[:200])
    assert not hasattr(trees, "coef_") and trees.apply(Xte[:3]).shape == (3, 2)


def test_frame_input_and_ranker(housing):
    Xtr, _, ytr, _ = housing
    frame = pd.DataFrame(np.nan_to_num(Xtr[:300]), columns=[f"c{i}" for i in range(Xtr.shape[1])])
    reg = silva.BoostRegressor(booster="gblinear", n_estimators=5).fit(frame, ytr[:300])
    np.testing.assert_allclose(reg.predict(frame), frame.to_numpy() @ reg.coef_ + reg.intercept_[0], rtol=1e-10)
    rank = silva.BoostRanker(booster="gblinear", n_estimators=5).fit(
        frame, (ytr[:300] > np.median(ytr[:300])).astype(int), group=[100, 100, 100])
    scores = rank.predict(frame)
    np.testing.assert_allclose(scores, frame.to_numpy() @ rank.coef_ + rank.intercept_[0], rtol=1e-10, atol=1e-10)
