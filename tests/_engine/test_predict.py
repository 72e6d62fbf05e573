"""The engine's tree walkers (silva/_engine/predict.py) agree with one another.

Forest prediction walks packed 16-byte node records; tables whose right child is not left + 1 fall back to
the field-array walk (``raw_leaf``), which AdaBoost's per-learner leaves (``forest_leaves``) and the
training-bin walk (``predict_binned_values``) share. A forest renumbered at random (same trees, other
node ids) must predict bit-identically through the fallback, categorical splits included.
"""
import numpy as np
import pytest

import silva
from datasets import load
from silva._engine.predict import forest_leaves, forest_predict_values, pack_forest, predict_binned_values
from silva._engine.tree import Forest
from silva._validation import check_predict_X


def _renumbered(forest, seed=0):
    """The same trees with every non-root node moved to a random position in its tree."""
    rng = np.random.default_rng(seed)
    nd = forest.nodes
    new_nodes = {name: np.empty_like(a) for name, a in nd.items()}
    values = np.empty_like(forest.values)
    moved = np.empty(nd["left"].size, dtype=np.int64)  # old absolute index -> new absolute index
    for t in range(forest.n_trees):
        a, b = forest.tree_offsets[t], forest.tree_offsets[t + 1]
        perm = np.concatenate([[0], 1 + rng.permutation(b - a - 1)])  # old local -> new local
        moved[a:b] = a + perm
        for name, arr in nd.items():
            new_nodes[name][a + perm] = arr[a:b]
        values[a + perm] = forest.values[a:b]
        for side in ("left", "right"):
            old = nd[side][a:b]
            new_nodes[side][a + perm] = np.where(old >= 0, perm[np.maximum(old, 0)], -1)
    return Forest(new_nodes, forest.tree_offsets, forest.tree_output, forest.cat_bins, forest.categories,
                  values), moved


@pytest.fixture(scope="module")
def titanic_forest():
    X, y = load("titanic")
    # level sets for every categorical column: the mapper refitted below must be the training one, and
    # target statistics are binned from the training rows' ordered statistics, not the predict tables
    model = silva.RandomForestClassifier(n_estimators=6, max_depth=8, random_state=0,
                                         cat_encoding="set").fit(X, y)
    return model, check_predict_X(model, X)


def test_renumbered_forest_predicts_the_same_through_the_field_array_walk(titanic_forest):
    model, X = titanic_forest
    forest = model._forest
    assert np.any(forest.nodes["cat_index"] >= 0)
    renumbered, moved = _renumbered(forest)
    assert pack_forest(forest) is not None and pack_forest(renumbered) is None  # the fallback is taken
    np.testing.assert_array_equal(forest_predict_values(renumbered, X), forest_predict_values(forest, X))
    # per-tree leaves: the same leaves under their new numbers
    np.testing.assert_array_equal(forest_leaves(renumbered, X), moved[forest_leaves(forest, X)])


def test_training_bins_reach_the_leaves_raw_values_reach(titanic_forest):
    """Rows binned with the training mapper take the same path as their raw values (``x <= threshold``
    is ``bin <= bin_threshold`` for every training value)."""
    model, X = titanic_forest
    forest = model._forest
    mapper = silva.data.BinMapper(255).fit(  # text levels carry no order: a bin per level
        X, categorical=np.flatnonzero(forest.categories.is_categorical))
    nd = forest.nodes
    out = np.zeros((X.shape[0], forest.values.shape[1]))
    predict_binned_values(mapper.transform(X), mapper.missing_bin_, nd["feature"], nd["bin_threshold"],
                          nd["missing_left"], nd["left"], nd["right"], nd["cat_index"], forest.cat_bins,
                          forest.values, forest.tree_offsets, out)
    np.testing.assert_array_equal(out, forest_predict_values(forest, X))


def _raw_walk(forest, X, n_outputs, t_end):
    """The one-row-at-a-time field-array walk (``predict_raw``), the reference."""
    from silva._engine.predict import predict_raw
    nd, cats = forest.nodes, forest.categories
    out = np.zeros((X.shape[0], n_outputs))
    predict_raw(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                forest.value_column(0), nd["cat_index"], forest.cat_bins, cats.is_categorical, cats.map_flat, cats.map_offsets,
                cats.missing_bin, forest.tree_offsets, forest.tree_output, 0, t_end, out)
    return out


@pytest.mark.parametrize("kind", ["binary_leafwise", "multiclass_depthwise", "categorical"])
def test_booster_walks_agree_bit_for_bit(kind):
    """Boosters predict through the lockstep walk (numeric splits) or the packed one-row walk
    (categorical splits): every row, every stage, bit-identical to the field-array walk -- NaN rows,
    leaves at uneven depths (leaf-wise), several outputs, a row count that is no multiple of the group."""
    from silva._engine.predict import forest_predict_raw
    rng = np.random.default_rng(0)
    if kind == "categorical":
        X, y = load("titanic")
        model = silva.BoostClassifier(n_estimators=20, max_leaves=15, random_state=0).fit(X, y)
        X = check_predict_X(model, X)
        assert np.any(model._forest.nodes["cat_index"] >= 0)
    else:
        n_classes = 2 if kind.startswith("binary") else 3
        X = rng.normal(size=(3001, 6))
        y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (n_classes == 3) * (X[:, 3] > 1)
        X[rng.random(X.shape) < 0.1] = np.nan
        policy = dict(grow_policy="leafwise", max_leaves=31) if kind.endswith("leafwise") else \
            dict(grow_policy="depthwise", max_depth=5)
        model = silva.BoostClassifier(n_estimators=15, random_state=0, **policy).fit(X, y)
    forest = model._forest
    n_outputs = int(forest.tree_output.max()) + 1
    for t_end in (1, forest.n_trees // 2, forest.n_trees):
        np.testing.assert_array_equal(forest_predict_raw(forest, X, n_outputs, 0.0, t_end),
                                      _raw_walk(forest, X, n_outputs, t_end))
