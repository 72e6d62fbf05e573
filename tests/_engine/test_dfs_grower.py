"""The compiled depth-first grower: exact-mode CART equals scikit-learn's tree; forests are
reproducible whatever the thread count."""
import numba
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from silva._engine.dfs_grower import grow_forest
from silva._engine.predict import forest_predict_values
from silva._engine.tree import Categories, Forest
from silva.data import BinMapper


def _fit(X, y, n_classes, criterion, n_trees=1, bootstrap=False, max_bin=None, **kw):
    mapper = BinMapper(max_bin=max_bin).fit(X)
    Xt = mapper.transform(X)
    rng = np.random.RandomState(0)
    rows = [np.sort(rng.randint(0, X.shape[0], X.shape[0])) if bootstrap else np.arange(X.shape[0])
            for _ in range(n_trees)]
    weights = [np.ones(r.size) for r in rows]
    trees = grow_forest(Xt, mapper, rows, weights, y.astype(float), n_classes=n_classes, criterion=criterion,
                        seeds=np.arange(n_trees), **kw)
    forest = Forest.from_trees(trees, np.zeros(n_trees, dtype=np.int32), Categories.from_mapper(mapper))
    return forest


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer])
def test_exact_classification_tree_equals_sklearn(loader, criterion):
    X, y = loader(return_X_y=True)
    forest = _fit(X, y, len(np.unique(y)), criterion)
    sk = DecisionTreeClassifier(criterion=criterion, random_state=0).fit(X, y)
    assert forest.values.shape[0] == sk.tree_.node_count
    # same predictions on the data; off the data, features tied on it may differ (sklearn draws one)
    np.testing.assert_allclose(forest_predict_values(forest, X), sk.predict_proba(X))


@pytest.mark.parametrize("max_depth, min_samples_leaf", [(None, 1), (5, 1), (None, 7)])
def test_exact_regression_tree_equals_sklearn(max_depth, min_samples_leaf):
    X, y = load_diabetes(return_X_y=True)
    forest = _fit(X, y, 0, "squared_error", max_depth=max_depth, min_samples_leaf=min_samples_leaf)
    sk = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=0).fit(X, y)
    assert forest.values.shape[0] == sk.tree_.node_count
    np.testing.assert_allclose(forest_predict_values(forest, X)[:, 0], sk.predict(X))


def test_forest_same_for_any_thread_count():
    X, y = load_breast_cancer(return_X_y=True)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        forest = _fit(X, y, 2, "gini", n_trees=6, bootstrap=True, max_bin=255, max_features=5, extra=True,
                      n_threads=threads)
        results.append(forest_predict_values(forest, X))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[1])


def test_exact_mode_caps_bins_below_the_uint16_limit():
    X = np.random.RandomState(0).permutation(70_000).astype(float)[:, None]
    mapper = BinMapper(max_bin=None).fit(X)
    Xt = mapper.transform(X)
    assert mapper.missing_bin_ <= 65535 and mapper.n_value_bins_[0] <= 65535
    # binning stays monotone (no wrap-around): larger values never get smaller bins
    order = np.argsort(X[:, 0])
    assert np.all(np.diff(Xt[0, order, 0].astype(np.int64)) >= 0)
