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
    model = silva.RandomForestClassifier(n_estimators=6, max_depth=8, random_state=0).fit(X, y)
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
    mapper = silva.data.BinMapper(255, category_ranges=True).fit(
        X, categorical=np.flatnonzero(forest.categories.is_categorical))
    nd = forest.nodes
    out = np.zeros((X.shape[0], forest.values.shape[1]))
    predict_binned_values(mapper.transform(X), mapper.missing_bin_, nd["feature"], nd["bin_threshold"],
                          nd["missing_left"], nd["left"], nd["right"], nd["cat_index"], forest.cat_bins,
                          forest.values, forest.tree_offsets, out)
    np.testing.assert_array_equal(out, forest_predict_values(forest, X))
