"""The TreeSHAP kernels (silva/_engine/shap.py) against brute-force enumeration of feature subsets with
the path-dependent value function (_reference.tree_shap_ref), on small trees with missing values,
categorical splits, unseen categories and features repeated along a path."""
import numpy as np
import pytest

import silva
from silva._engine._reference import tree_shap_ref
from silva._engine.shap import (Explained, expected_values, forest_contributions, forest_interactions,
                                node_covers, tree_depths)


def _data(seed, n=300, n_features=4):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_features)
    X[rng.rand(n) < 0.25, 1] = np.nan
    X[:, 2] = rng.randint(0, 6, n)  # categorical codes
    y = X[:, 0] + np.nan_to_num(X[:, 1], nan=2.0) * (X[:, 2] % 3) + 0.3 * X[:, 3] + 0.1 * rng.randn(n)
    return X, y


def _rows(X):
    """Rows to explain: training rows plus a NaN in every feature and an unseen category."""
    rows = X[:6].copy()
    rows[0, 0] = np.nan
    rows[1, 2] = 17.0  # a code never seen in training: follows the missing side
    rows[2, 1] = np.nan
    rows[3, :] = np.nan
    return rows


def _reference(explained, x, m):
    """Sum over trees of the brute-force values of one row, bias included (n_outputs, m + 1) and
    (n_outputs, m + 1, m + 1)."""
    f, cats = explained.forest, explained.forest.categories
    phi = np.zeros((explained.n_outputs, m + 1))
    inter = np.zeros((explained.n_outputs, m + 1, m + 1))
    V = explained.values.shape[1]
    for t in range(explained.t_begin, explained.t_end):
        tree = dict(f.nodes, base=f.tree_offsets[t], values=explained.values, cover=explained.cover,
                    cat_bins=f.cat_bins, cat_map=cats.map_flat, cat_offsets=cats.map_offsets,
                    missing_bin=cats.missing_bin)
        p, q = tree_shap_ref(x, tree, m)
        c = explained.tree_col[t]
        phi[c:c + V] += explained.scale * p.T
        inter[c:c + V] += explained.scale * np.moveaxis(q, 2, 0)
    phi[:, m] += explained.baseline
    inter[:, m, m] += explained.baseline
    return phi, inter


def _assert_matches_enumeration(explained, rows, n_features):
    """The kernels' contributions and interactions of every row equal the brute-force reference's;
    returns the contributions."""
    phi = forest_contributions(explained, rows)
    inter = forest_interactions(explained, rows)
    for i, x in enumerate(rows):
        ref_phi, ref_inter = _reference(explained, x, n_features)
        np.testing.assert_allclose(phi[i], ref_phi, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(inter[i], ref_inter, rtol=1e-9, atol=1e-12)
    return phi


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_booster_trees_match_subset_enumeration(seed):
    X, y = _data(seed)
    model = silva.BoostRegressor(n_estimators=4, max_depth=3, learning_rate=0.5, categorical_features=[2],
                                 random_state=seed).fit(X, y)
    f = model._forest
    assert np.any(f.nodes["cat_index"] >= 0)  # a categorical split is explained
    explained = Explained(f, f.values, f.tree_output, 1, model._baseline)
    rows = _rows(X)
    _assert_matches_enumeration(explained, rows, X.shape[1])


def test_repeated_feature_on_a_path():
    """Two features, depth-3 trees: every path splits some feature twice (the unwinding branch)."""
    rng = np.random.RandomState(3)
    X = rng.randn(400, 2)
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    model = silva.BoostRegressor(n_estimators=3, max_depth=3, learning_rate=1.0).fit(X, y)
    f = model._forest
    explained = Explained(f, f.values, f.tree_output, 1, model._baseline)
    X_test = np.vstack([X[:8], [[np.nan, 0.1]]])
    _assert_matches_enumeration(explained, X_test, 2)


def test_vector_leaves_and_scale_match_enumeration():
    """CART-family trees: every tree adds its class distribution to all outputs, averaged."""
    X, y = _data(4)
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    model = silva.RandomForestClassifier(n_estimators=3, max_depth=3, categorical_features=[2],
                                         random_state=0).fit(X, labels)
    f = model._forest
    explained = Explained(f, f.values, np.zeros(f.n_trees), 3, 0.0, scale=1.0 / f.n_trees)
    rows = _rows(X)
    phi = _assert_matches_enumeration(explained, rows, X.shape[1])
    np.testing.assert_allclose(phi.sum(axis=2), model.predict_proba(rows), rtol=1e-9, atol=1e-12)


def test_tree_range_and_outputs():
    """Multiclass boosting: trees add to their class only; a range of trees is explained alone."""
    X, y = _data(5)
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    model = silva.BoostClassifier(n_estimators=3, max_depth=2).fit(X, labels)
    f = model._forest
    explained = Explained(f, f.values, f.tree_output, 3, model._baseline, t_begin=3, t_end=6)
    rows = _rows(X)
    phi = forest_contributions(explained, rows)
    for i, x in enumerate(rows):
        np.testing.assert_allclose(phi[i], _reference(explained, x, X.shape[1])[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(phi.sum(axis=2), model.decision_function(rows, iteration_range=(1, 2)),
                               rtol=1e-9, atol=1e-12)


def test_expected_value_is_the_cover_weighted_mean_of_the_leaves():
    X, y = _data(6)
    model = silva.BoostRegressor(n_estimators=2, max_depth=3).fit(X, y)
    f = model._forest
    nd = f.nodes
    ev = expected_values(nd["left"], nd["right"], nd["cover"], f.values, f.tree_offsets)
    for t in range(f.n_trees):
        lo, hi = f.tree_offsets[t], f.tree_offsets[t + 1]
        leaf = nd["left"][lo:hi] == -1
        weighted = np.sum(nd["cover"][lo:hi][leaf] * f.values[lo:hi, 0][leaf]) / nd["cover"][lo]
        assert ev[t, 0] == pytest.approx(weighted, rel=1e-12)
    assert tree_depths(nd["left"], nd["right"], f.tree_offsets) == 3


def test_zero_covers_fall_back_to_counts():
    X, y = _data(7)
    model = silva.BoostRegressor(n_estimators=2, max_depth=2).fit(X, y)
    f = model._forest
    np.testing.assert_array_equal(node_covers(f), f.nodes["cover"])
    f.nodes["cover"] = f.nodes["cover"].copy()
    f.nodes["cover"][1] = 0.0
    np.testing.assert_array_equal(node_covers(f), f.nodes["count"])
    phi = forest_contributions(Explained(f, f.values, f.tree_output, 1, model._baseline), X[:20])
    np.testing.assert_allclose(phi.sum(axis=2)[:, 0], model.predict(X[:20]), rtol=1e-9)
