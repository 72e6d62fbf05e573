"""The compiled depth-first grower: exact-mode CART equals scikit-learn's tree; forests are
reproducible whatever the thread count."""
import numba
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from silva._engine import _reference as ref
from silva._engine.dfs_grower import grow_forest, grow_forest_packed
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


# ----------------------------------------------------------------- a naive reference for every split path
_score = ref.cart_score_ref  # score of a stats vector (K channels + weight), naive NumPy


def _route_bins(tree, bins, missing_bin, n_words):
    """Leaf-to-root membership: for each node, the mask of rows (binned) that reach it."""
    n_nodes = tree["left"].size
    reach = np.zeros((n_nodes, bins.shape[0]), dtype=bool)
    reach[0] = True
    for node in range(n_nodes):
        if tree["left"][node] < 0:
            continue
        b = bins[:, tree["feature"][node]].astype(np.int64)
        miss = b == missing_bin
        k = tree["cat_index"][node]
        if k >= 0:
            words = tree["cat_sets"][k]
            go = ((words[np.minimum(b, missing_bin - 1) >> 5] >> (np.minimum(b, missing_bin - 1) & 31)) & 1) == 1
        else:
            go = b <= tree["bin_threshold"][node]
        go = np.where(miss, tree["missing_left"][node] == 1, go)
        reach[tree["left"][node]] = reach[node] & go
        reach[tree["right"][node]] = reach[node] & ~go
    return reach


@pytest.mark.parametrize("extra", [False, True])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_split_gain_equals_its_rows_impurity_decrease(task, extra):
    """Whatever path found a split (histogram or sorted rows, random threshold, category sets, missing
    values on either side), its recorded gain is the impurity decrease of the rows it sends each way."""
    from silva.data.binning import tiles_to_columns

    rng = np.random.RandomState(0)
    n = 1500
    X = np.column_stack([rng.randn(n), rng.randint(0, 6, n).astype(float), rng.exponential(size=n),
                         rng.randint(0, 40, n).astype(float)])
    X[rng.rand(n) < 0.1, 0] = np.nan
    X[rng.rand(n) < 0.1, 1] = np.nan
    signal = X[:, 2] + (np.nan_to_num(X[:, 1]) % 2) + rng.randn(n) * 0.5
    if task == "regression":
        y, n_classes, criterion = signal, 0, "squared_error"
    elif task == "binary":
        y, n_classes, criterion = (signal > np.median(signal)).astype(float), 2, "gini"
    else:
        y, n_classes, criterion = np.digitize(signal, np.quantile(signal, [0.3, 0.6])).astype(float), 3, "entropy"
    mapper = BinMapper(max_bin=32).fit(X, categorical=[1, 3])
    Xt = mapper.transform(X)
    bins = tiles_to_columns(Xt, X.shape[1])
    rows = np.sort(rng.randint(0, n, n))  # a bootstrap: repeated rows weigh more
    counts = np.bincount(rows, minlength=n)
    uniq = np.flatnonzero(counts)
    trees = grow_forest(Xt, mapper, [uniq], [counts[uniq].astype(float)], y, n_classes=n_classes,
                        criterion=criterion, max_depth=6, max_features=3, extra=extra, seeds=np.arange(1))
    tree = trees[0]
    assert np.any(tree["cat_index"] >= 0) and np.any(tree["left"] >= 0)
    w = np.zeros(n)
    w[uniq] = counts[uniq]
    K = max(n_classes, 1)
    stats = np.zeros((n, K + 1))
    if n_classes:
        stats[np.arange(n), y.astype(int)] = w
    else:
        stats[:, 0] = w * y
    stats[:, K] = w
    reach = _route_bins(tree, bins, mapper.missing_bin_, tree["cat_sets"].shape[1])
    for node in np.flatnonzero(tree["left"] >= 0):
        s = lambda j: stats[reach[j]].sum(axis=0)  # noqa: E731
        gain = _score(s(tree["left"][node]), criterion) + _score(s(tree["right"][node]), criterion) \
            - _score(s(node), criterion)
        np.testing.assert_allclose(tree["gain"][node], gain, rtol=1e-9, atol=1e-9)
        assert tree["count"][tree["left"][node]] == np.count_nonzero(reach[tree["left"][node]] & (w > 0))


def test_packed_and_listed_trees_agree():
    X, y = load_breast_cancer(return_X_y=True)
    mapper = BinMapper(max_bin=255).fit(X)
    Xt = mapper.transform(X)
    rows = [np.arange(X.shape[0])] * 5
    kw = dict(n_classes=2, criterion="gini", max_features=5, extra=True, seeds=np.arange(5), n_threads=2)
    packed = grow_forest_packed(Xt, mapper, list(zip(rows, [np.ones(X.shape[0])] * 5)), y.astype(float), **kw)
    trees = grow_forest(Xt, mapper, rows, [np.ones(X.shape[0])] * 5, y.astype(float), **kw)
    offsets = packed["tree_offsets"]
    for t, tree in enumerate(trees):
        for name in ("feature", "threshold", "left", "right", "gain", "count"):
            np.testing.assert_array_equal(tree[name], packed[name][offsets[t]:offsets[t + 1]])
        np.testing.assert_array_equal(tree["values"], packed["values"][offsets[t]:offsets[t + 1]])
