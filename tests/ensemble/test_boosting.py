"""BoostClassifier / BoostRegressor behaviour: shapes of trees, sampling, early stopping, custom
objectives, determinism and clear errors on bad input."""
from pathlib import Path
import numba
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import silva


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def _tree_shapes(model):
    nd, off = model._forest.nodes, model._forest.tree_offsets
    leaves, depths = [], []
    for t in range(model._forest.n_trees):
        left, right = nd["left"][off[t]:off[t + 1]], nd["right"][off[t]:off[t + 1]]
        depth = np.zeros(left.size, dtype=int)
        for i in range(left.size):  # children follow parents
            if left[i] >= 0:
                depth[left[i]] = depth[right[i]] = depth[i] + 1
        leaves.append(int((left < 0).sum()))
        depths.append(int(depth.max()))
    return np.array(leaves), np.array(depths)


@pytest.mark.parametrize("policy, max_depth, max_leaves", [("depthwise", 3, None), ("leafwise", None, 7),
                                                           ("leafwise", 2, 16), ("depthwise", 6, 5)])
def test_tree_shape_limits(cancer, policy, max_depth, max_leaves):
    X_tr, X_te, y_tr, y_te = cancer
    model = silva.BoostClassifier(n_estimators=15, grow_policy=policy, max_depth=max_depth,
                                  max_leaves=max_leaves, random_state=0).fit(X_tr, y_tr)
    leaves, depths = _tree_shapes(model)
    if max_depth is not None:
        assert depths.max() <= max_depth
    if max_leaves is not None:
        assert leaves.max() <= max_leaves
    assert roc_auc_score(y_te, model.predict_proba(X_te)[:, 1]) > 0.95


def test_leafwise_grows_the_largest_gain_first():
    X, y = load_diabetes(return_X_y=True)
    full = silva.BoostRegressor(n_estimators=1, grow_policy="leafwise", max_leaves=64, max_depth=None,
                                learning_rate=1.0, random_state=0).fit(X, y)
    two = silva.BoostRegressor(n_estimators=1, grow_policy="leafwise", max_leaves=3, max_depth=None,
                               learning_rate=1.0, random_state=0).fit(X, y)
    gains_full = full._forest.nodes["gain"]
    # the 2 splits of the small tree are the root and the child split of larger gain in the big tree
    root_children = full._forest.nodes["left"][0], full._forest.nodes["right"][0]
    expected = sorted([gains_full[0], max(gains_full[c] for c in root_children)])
    assert np.allclose(sorted(two._forest.nodes["gain"][two._forest.nodes["left"] >= 0]), expected)


def test_min_child_weight_and_min_samples_leaf_hold(cancer):
    X_tr, _, y_tr, _ = cancer
    model = silva.BoostClassifier(n_estimators=10, min_samples_leaf=25, min_child_weight=2.0,
                                  random_state=0).fit(X_tr, y_tr)
    nd = model._forest.nodes
    leaf = nd["left"] < 0
    assert nd["count"][leaf].min() >= 25
    assert nd["cover"][leaf].min() >= 2.0


def test_regularisation_shrinks_leaves(cancer):
    X_tr, _, y_tr, _ = cancer
    values = {}
    for lam, alpha in [(0.0, 0.0), (10.0, 0.0), (0.0, 5.0)]:
        model = silva.BoostClassifier(n_estimators=1, reg_lambda=lam, reg_alpha=alpha, max_depth=2,
                                      random_state=0).fit(X_tr, y_tr)
        nd = model._forest.nodes
        values[(lam, alpha)] = np.abs(model._forest.values[nd["left"] < 0, 0]).max()
    assert values[(10.0, 0.0)] < values[(0.0, 0.0)]
    assert values[(0.0, 5.0)] < values[(0.0, 0.0)]


def test_gamma_prunes_weak_splits(cancer):
    X_tr, _, y_tr, _ = cancer
    free = silva.BoostClassifier(n_estimators=5, random_state=0).fit(X_tr, y_tr)
    strict = silva.BoostClassifier(n_estimators=5, gamma=5.0, random_state=0).fit(X_tr, y_tr)
    assert strict._forest.n_nodes < free._forest.n_nodes
    gains = strict._forest.nodes["gain"][strict._forest.nodes["left"] >= 0]
    assert gains.min() > 0


def test_early_stopping_keeps_the_best_round(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    model = silva.BoostClassifier(n_estimators=500, learning_rate=0.3, n_iter_no_change=10,
                                  random_state=0).fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    history = np.array(model.evals_result_["validation_0"]["logloss"])
    # the best round is the first whose loss no later round beats by more than tol
    assert history[model.best_iteration_] <= history.min() + model.tol
    assert np.all(history[:model.best_iteration_] > history[model.best_iteration_])
    assert len(history) == model.best_iteration_ + 11
    assert model.n_iter_ == model.best_iteration_ + 1
    assert model._forest.n_trees == model.n_iter_


def test_validation_fraction_without_eval_set():
    X, y = make_classification(n_samples=2000, random_state=0)
    model = silva.BoostClassifier(n_estimators=300, n_iter_no_change=5, validation_fraction=0.2,
                                  learning_rate=0.5, random_state=0).fit(X, y)
    assert "validation" in model.evals_result_
    assert model.n_iter_ < 300


def test_verbose_prints_rounds_and_phases(cancer, capsys):
    X_tr, X_te, y_tr, y_te = cancer
    silva.BoostClassifier(n_estimators=4, verbose=1, random_state=0).fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    out = capsys.readouterr().out
    assert out.count("validation_0-logloss") == 4
    assert "phases (s): histogram" in out


def test_custom_objective_equals_builtin_squared_error():
    X, y = load_diabetes(return_X_y=True)
    y = y - y.mean()  # a custom objective starts from 0, the built-in one from the mean: make them equal

    def squared_error(y_true, raw):
        return raw - y_true, np.ones_like(raw)

    builtin = silva.BoostRegressor(n_estimators=20, random_state=0).fit(X, y)
    custom = silva.BoostRegressor(n_estimators=20, objective=squared_error, random_state=0).fit(X, y)
    np.testing.assert_allclose(custom.predict(X), builtin.predict(X), rtol=1e-9, atol=1e-9)


def test_multiclass_grows_one_tree_per_class_and_round():
    X, y = load_iris(return_X_y=True)
    model = silva.BoostClassifier(n_estimators=7, random_state=0).fit(X, y)
    assert model._forest.n_trees == 21
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X) == y).mean() > 0.95


@pytest.mark.parametrize("params", [dict(subsample=0.7, colsample_bytree=0.6, colsample_bynode=0.5),
                                    dict(grow_policy="leafwise", max_leaves=20, max_depth=None)])
def test_same_seed_same_model_for_any_thread_count(params):
    X, y = make_classification(n_samples=60_000, n_features=20, random_state=1)
    preds = []
    for n_jobs in (1, numba.config.NUMBA_NUM_THREADS):
        model = silva.BoostClassifier(n_estimators=10, random_state=7, n_jobs=n_jobs, **params).fit(X, y)
        preds.append(model.predict_proba(X))
    np.testing.assert_array_equal(preds[0], preds[1])
    other = silva.BoostClassifier(n_estimators=10, random_state=8, **params).fit(X, y)
    if params.get("subsample"):
        assert not np.array_equal(other.predict_proba(X), preds[0])


def test_missing_values_learn_a_direction():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 3))
    y = (X[:, 0] > 0).astype(int)
    X[y == 1, 1] = np.nan  # missingness alone predicts the class
    X[:, 0] = rng.normal(size=4000)  # remove the real signal
    model = silva.BoostClassifier(n_estimators=5, max_depth=1, random_state=0).fit(X, y)
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > 0.99


@pytest.mark.parametrize("make_bad, match", [
    (lambda X, y: (X, np.where(np.arange(y.size) == 3, np.nan, y)), "y contains NaN"),
    (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), y), "infinity"),
    (lambda X, y: (X[:0], y[:0]), "0 sample"),
])
def test_bad_regression_input_is_refused(make_bad, match):
    X, y = load_diabetes(return_X_y=True)
    X_bad, y_bad = make_bad(X, y.astype(float))
    with pytest.raises(ValueError, match=match):
        silva.BoostRegressor(n_estimators=2).fit(X_bad, y_bad)


def test_bad_classifier_input_is_refused(cancer):
    X_tr, X_te, y_tr, _ = cancer
    with pytest.raises(ValueError, match="at least 2 classes"):
        silva.BoostClassifier(n_estimators=2).fit(X_tr, np.zeros_like(y_tr))
    with pytest.raises(ValueError, match="Negative values in data passed to .sample_weight"):
        silva.BoostClassifier(n_estimators=2).fit(X_tr, y_tr, sample_weight=-np.ones(y_tr.size))
    with pytest.raises(ValueError, match="NaN"):
        silva.BoostClassifier(n_estimators=2).fit(X_tr, y_tr, sample_weight=np.full(y_tr.size, np.nan))
    model = silva.BoostClassifier(n_estimators=2).fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="features"):
        model.predict(X_te[:, :5])
    with pytest.raises(ValueError, match="learning_rate"):
        silva.BoostClassifier(learning_rate=0).fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="grow_policy"):
        silva.BoostClassifier(grow_policy="breadth").fit(X_tr, y_tr)


def test_sample_weights_act_like_repeated_rows():
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.RandomState(0)
    w = rng.randint(0, 4, size=y.size)
    weighted = silva.BoostRegressor(n_estimators=30, random_state=0).fit(X, y, sample_weight=w)
    repeated = silva.BoostRegressor(n_estimators=30, random_state=0).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-9)


def test_cat_code_order_auto_and_relabelling():
    """'auto' uses code order only for integer codes (named by the user, or a frame's integer
    category levels), never for text levels; with it off, relabelling the
    codes of a categorical column (a bijection) leaves the predictions unchanged."""
    import pandas as pd
    d = pd.read_parquet(Path(__file__).resolve().parents[1] / "data" / "lightgbm_categorical.parquet")
    X, y = d.drop(columns="target"), d["target"].to_numpy()
    kw = dict(n_estimators=15, max_depth=4, random_state=0)
    auto = silva.BoostClassifier(categorical_features=["c2", "c4"], **kw).fit(X, y)
    assert auto._code_order
    frame = X.copy()
    frame["c2"] = frame["c2"].astype("category")
    assert silva.BoostClassifier(**kw).fit(frame, y)._code_order  # integer levels keep their order
    frame["c2"] = frame["c2"].astype(str).astype("category")
    assert not silva.BoostClassifier(**kw).fit(frame, y)._code_order  # text levels: just sorted
    off = silva.BoostClassifier(categorical_features=["c2", "c4"], cat_code_order=False, **kw).fit(X, y)
    perm = np.random.RandomState(1).permutation(int(X["c4"].max()) + 1)
    X2 = X.copy()
    X2["c4"] = perm[X["c4"]]
    relabelled = silva.BoostClassifier(categorical_features=["c2", "c4"], cat_code_order=False, **kw).fit(X2, y)
    np.testing.assert_allclose(relabelled.predict_proba(X2), off.predict_proba(X), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="cat_code_order"):
        silva.BoostClassifier(cat_code_order="yes").fit(X, y)
