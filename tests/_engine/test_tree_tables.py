"""Tree storage (silva/_engine/tree.py): per-tree tables in and out of a forest (named apart from
tests/ensemble/test_tree.py: the test directories are not packages)."""
from types import SimpleNamespace

import numpy as np

import silva
from silva._engine.tree import NODE_FIELDS, Categories, Forest
from silva.data import BinMapper


def test_forest_trees_round_trip_with_categorical_sets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    X[:, 2] = rng.randint(0, 6, 300)
    y = (X[:, 0] + (X[:, 2] % 2) > 0.5).astype(int)
    forest = silva.RandomForestClassifier(n_estimators=5, max_depth=4, categorical_features=[2],
                                          random_state=0).fit(X, y)._forest
    trees = forest.trees()
    assert len(trees) == forest.n_trees
    assert any(t["cat_sets"].shape[0] for t in trees)
    for t in trees:  # each tree numbers its categorical splits from 0
        used = t["cat_index"][t["cat_index"] >= 0]
        np.testing.assert_array_equal(np.sort(used), np.arange(t["cat_sets"].shape[0]))
    again = Forest.from_trees(trees, forest.tree_output, forest.categories)
    for name in NODE_FIELDS:
        np.testing.assert_array_equal(again.nodes[name], forest.nodes[name])
    np.testing.assert_array_equal(again.values, forest.values)
    np.testing.assert_array_equal(again.cat_bins, forest.cat_bins)
    np.testing.assert_array_equal(again.tree_offsets, forest.tree_offsets)


def test_cart_categories_without_categorical_features_fit_the_model_file():
    # exact mode may bin wider than the file's bound: the (unused) bin count is capped
    mapper = SimpleNamespace(is_categorical_=np.zeros(2, bool), n_value_bins_=np.array([70000, 3]),
                             missing_bin_=70000)
    cats = Categories.for_cart(mapper)
    assert cats.missing_bin == 65535 and cats.map_offsets.size == 3
    assert cats.map_flat.size == 0 and not cats.is_categorical.any()
    Categories.from_state(cats.to_state(), 2)  # the model file accepts it
    Xc = np.array([[0.0], [1.0], [2.0]])
    mapper = BinMapper(max_bin=255).fit(Xc, categorical=[0])
    np.testing.assert_array_equal(Categories.for_cart(mapper).map_flat, Categories.from_mapper(mapper).map_flat)
