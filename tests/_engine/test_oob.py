"""Out-of-bag prediction (silva/_engine/oob.py) equals averaging, row by row, the predictions of the
trees whose bootstrap sample left the row out."""
import numpy as np
import pytest

import silva
from silva._engine.bootstrap import RowGroups
from silva._engine.oob import oob_values
from silva._engine.predict import forest_predict_values
from silva._engine.tree import Forest


def _one_tree(forest, t):
    a, b = forest.tree_offsets[t], forest.tree_offsets[t + 1]
    return Forest({k: v[a:b] for k, v in forest.nodes.items()}, np.array([0, b - a]), np.zeros(1, np.int32),
                  forest.cat_bins, forest.categories, forest.values[a:b])


@pytest.mark.parametrize("weighted", [False, True])
def test_oob_values_match_per_tree_average(weighted):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    X[rng.rand(*X.shape) < 0.1] = np.nan
    X[:, 3] = rng.randint(0, 5, 300)  # a categorical feature
    y = rng.randint(0, 3, 300)
    w = rng.randint(0, 3, 300).astype(float) if weighted else None
    est = silva.RandomForestClassifier(n_estimators=70, max_depth=4, categorical_features=[3],
                                       random_state=0).fit(X, y, sample_weight=w)
    forest = est._forest
    groups = RowGroups(X, y.astype(float), w)
    seeds = est._tree_seeds
    values, n_pred = oob_values(forest, X, groups, seeds, groups.n_draws)  # 70 trees: two batches
    total = np.zeros((300, 3))
    count = np.zeros(300, dtype=np.int64)
    for t in range(forest.n_trees):
        counts = groups.counts(seeds[t], groups.n_draws)
        out_of_bag = (groups.group_of_row < 0) | (counts[np.maximum(groups.group_of_row, 0)] == 0)
        total[out_of_bag] += forest_predict_values(_one_tree(forest, t), X)[out_of_bag]
        count += out_of_bag
    np.testing.assert_array_equal(n_pred, count)
    np.testing.assert_allclose(values, total / np.maximum(count, 1)[:, None], rtol=1e-12)
    if weighted:
        assert np.all(n_pred[w == 0] == forest.n_trees)  # weight 0: out of every bag
