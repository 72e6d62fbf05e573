"""The batched grower's stages: build local histograms -> reduce -> subtract -> scan -> partition.

The staged path (``histogram_reducer`` given) must grow exactly the fused path's trees on one machine,
and rows split into partitions whose histograms a reducer sums must grow the tree of all the rows.
"""
import threading

import numpy as np
import pytest

from silva._engine.constraints import InteractionConstraints
from silva._engine.grower import TreeGrower, identity_reducer
from silva.data import BinMapper
from tests import datasets

FIELDS = ("feature", "bin_threshold", "missing_left", "left", "right", "cat_index", "count")
CONFIGS = {
    "depthwise": dict(max_depth=6, min_samples_leaf=5),
    "leafwise": dict(grow_policy="leafwise", max_depth=None, max_leaves=31, min_samples_leaf=3,
                     colsample_bynode=0.7),
    "regularised": dict(max_depth=5, min_samples_leaf=2, reg_alpha=0.5, gamma=0.1, min_child_weight=3.0),
}


def _problem(name):
    """Binned data and the first round's gradients of a squared error / log-loss model."""
    X, y = datasets.load(name)
    X, y = X.iloc[:6000], y[:6000]
    if name == "adult_train":
        y = (y == np.unique(y)[-1]).astype(np.float64)
        p = y.mean()
        g, h = np.full(y.size, p) - y, np.full(y.size, p * (1 - p))
    else:
        y = y.astype(np.float64)
        g, h = y.mean() - y, np.ones(y.size)
    categorical = [j for j, dt in enumerate(X.dtypes) if dt.name == "category"]
    X = datasets.to_numeric(X).to_numpy()
    mapper = BinMapper().fit(X, categorical=categorical)
    return X, mapper, g, h


def _grower(mapper, X_tiles, reducer, cfg, monotonic=None, interaction=None):
    return TreeGrower(X_tiles, mapper.n_value_bins_, mapper.missing_bin_, mapper.thresholds_,
                      is_categorical=mapper.is_categorical_, learning_rate=0.1, monotonic_cst=monotonic,
                      interaction_cst=interaction, histogram_reducer=reducer, **cfg)


def _grow(grower, g, h, seed=0):
    d = grower.n_features
    tree, *_ = grower.grow(g, h, None, g.size, np.arange(d, dtype=np.int64), np.random.RandomState(seed))
    return tree


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("name", ["california_housing", "adult_train"])
def test_staged_path_grows_the_fused_trees(name, config):
    X, mapper, g, h = _problem(name)
    Xt = mapper.transform(X)
    cfg = CONFIGS[config]
    for monotonic in (None, _monotone(mapper)):
        fused = _grow(_grower(mapper, Xt, None, cfg, monotonic), g, h)
        staged = _grow(_grower(mapper, Xt, identity_reducer, cfg, monotonic), g, h)
        assert fused["left"].size > 7
        for field in fused:
            np.testing.assert_array_equal(staged[field], fused[field], err_msg=field)


def _monotone(mapper):
    """+1 on the first numeric feature, -1 on the second."""
    mono = np.zeros(mapper.n_value_bins_.size, dtype=np.int8)
    numeric = np.flatnonzero(~mapper.is_categorical_)
    mono[numeric[0]], mono[numeric[1]] = 1, -1
    return mono


class _PartitionSum:
    """Sums the histograms of ``n`` growers, each in its own thread holding one partition of the rows:
    every call is a rendezvous (all partitions reach the same reduction in the same order)."""

    def __init__(self, n):
        self.barrier = threading.Barrier(n, timeout=60)
        self.calls = [None] * n

    def worker(self, w):
        def reduce(hists, slots):
            self.calls[w] = (hists, slots.copy())
            self.barrier.wait()
            if w == 0:
                first = self.calls[0][1]
                assert all(np.array_equal(s, first) for _, s in self.calls), "partitions diverged"
                total = sum(hs[s] for hs, s in self.calls)
                for hs, s in self.calls:
                    hs[s] = total
            self.barrier.wait()
        return reduce


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("name", ["california_housing", "adult_train"])
def test_partitioned_rows_grow_the_tree_of_all_rows(name, config):
    X, mapper, g, h = _problem(name)
    cfg = CONFIGS[config]
    n_parts = 3
    parts = np.array_split(np.random.RandomState(1).permutation(len(X)), n_parts)
    whole = _grow(_grower(mapper, mapper.transform(X), identity_reducer, cfg), g, h)
    reducer = _PartitionSum(n_parts)
    trees = [None] * n_parts
    errors = []

    def run(w):
        rows = np.sort(parts[w])
        try:
            grower = _grower(mapper, mapper.transform(X[rows]), reducer.worker(w), cfg)
            trees[w] = _grow(grower, g[rows], h[rows])
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
            reducer.barrier.abort()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(n_parts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for tree in trees:
        # the same splits; values and covers are sums in another order: equal to rounding
        for field in FIELDS:
            np.testing.assert_array_equal(tree[field], whole[field], err_msg=field)
        np.testing.assert_array_equal(tree["cat_sets"], whole["cat_sets"])
        for field in ("values", "cover", "gain"):
            np.testing.assert_allclose(tree[field], whole[field], rtol=1e-9, atol=1e-12, err_msg=field)


def test_interaction_constraints_take_the_staged_path():
    X, mapper, g, h = _problem("california_housing")
    Xt = mapper.transform(X)
    d = mapper.n_value_bins_.size
    cfg = CONFIGS["leafwise"]
    inter = lambda: InteractionConstraints([[0, 1], [2, 3, 4]], d)
    fused = _grow(_grower(mapper, Xt, None, cfg, interaction=inter()), g, h)
    staged = _grow(_grower(mapper, Xt, identity_reducer, cfg, interaction=inter()), g, h)
    for field in fused:
        np.testing.assert_array_equal(staged[field], fused[field], err_msg=field)
