"""Raw-value thresholds (silva/_engine/raw_thresholds.py): each bin's value range (extra trees) and exact
mode's node-local thresholds, against naive references."""
from types import SimpleNamespace

import numpy as np
import pytest

from silva._engine.dfs_grower import grow_forest, grow_forest_packed
from silva._engine.raw_thresholds import (bin_bounds, bin_value_ranges, check_bin_dtype,
                                          set_local_thresholds)
from silva._engine.tree import Categories
from silva.data import BinMapper
from silva.data.binning import tiles_to_columns


def test_bin_value_ranges_match_naive_min_max():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 3))
    X[rng.rand(*X.shape) < 0.1] = np.nan
    mapper = BinMapper(max_bin=16).fit(X)
    Xt = mapper.transform(X)
    Xb = tiles_to_columns(Xt, 3)
    samples = [(rng.randint(0, 400, 300), np.ones(300)), (np.arange(100), np.ones(100))]  # rows >= 400 unused
    lo, hi = bin_value_ranges(X, Xt, samples, 3, mapper.missing_bin_)
    assert lo.shape == hi.shape == (3, mapper.missing_bin_ + 1)
    used = np.unique(np.concatenate([r for r, _ in samples]))
    for f in range(3):
        for b in range(mapper.missing_bin_ + 1):
            vals = X[used[Xb[used, f] == b], f]
            vals = vals[~np.isnan(vals)]
            if vals.size:
                assert lo[f, b] == vals.min() and hi[f, b] == vals.max()
            else:
                assert lo[f, b] == np.inf and hi[f, b] == -np.inf


def test_extra_thresholds_are_uniform_in_value_not_in_bins():
    """A skewed feature: quantile bins crowd where the values are dense and the top bin spans most of the
    value range. A threshold drawn uniformly over the bins would isolate the top bin once in ~250 draws;
    scikit-learn's (and silva's) is uniform over the value range, so a draw beyond the middle of the
    next-to-top bin -- most draws here -- isolates it."""
    rng = np.random.RandomState(0)
    x = rng.exponential(size=4000) ** 3
    X = x[:, None]
    y = rng.randint(0, 2, x.size).astype(float)
    mapper = BinMapper(max_bin=255).fit(X)
    Xt = mapper.transform(X)
    lo = np.full((1, 256), np.inf)
    hi = np.full((1, 256), -np.inf)
    bin_bounds(X, Xt, np.arange(x.size), lo, hi)
    top = mapper.n_value_bins_[0] - 1
    expected = (hi[0, top] - (lo[0, top - 1] + hi[0, top - 1]) / 2) / (hi[0, top] - lo[0, 0])
    trees = grow_forest(Xt, mapper, [np.arange(x.size)] * 400, [np.ones(x.size)] * 400, y, n_classes=2,
                        criterion="gini", max_depth=1, extra=True, bin_bounds=(lo, hi), seeds=np.arange(400))
    split_bins = np.array([t["bin_threshold"][0] for t in trees if t["left"][0] >= 0])
    assert split_bins.size == 400 and expected > 0.5
    assert abs(np.mean(split_bins == top - 1) - expected) < 0.06
    # and below the top bins the draws spread in proportion to the bins' value widths, not their count
    assert np.mean(split_bins < top // 2) < 0.05


def _routes_left(tree_nodes, X, rows, node):
    """Rows of ``rows`` that reach ``node`` through the tree's thresholds (numeric splits, no NaN)."""
    path = {0: rows}
    for i in range(tree_nodes["left"].size):
        if i in path and tree_nodes["left"][i] >= 0:
            r = path[i]
            go = X[r, tree_nodes["feature"][i]] <= tree_nodes["threshold"][i]
            path[tree_nodes["left"][i]], path[tree_nodes["right"][i]] = r[go], r[~go]
    return path


@pytest.mark.parametrize("seed", range(3))
def test_local_thresholds_are_midpoints_among_the_trees_own_rows(seed):
    rng = np.random.RandomState(seed)
    X = np.round(rng.normal(size=(400, 3)), 2)
    y = X[:, 0] + rng.normal(size=400)
    mapper = BinMapper(max_bin=None).fit(X)
    Xt = mapper.transform(X)
    rows = [np.unique(rng.randint(0, 400, 400)) for _ in range(3)]  # each tree sees part of the rows
    packed = grow_forest_packed(Xt, mapper, [(r, np.ones(r.size)) for r in rows], y, max_depth=4,
                                seeds=np.arange(3))
    before = packed["threshold"].copy()
    set_local_thresholds(packed, X, rows, Categories.for_cart(mapper))
    changed = 0
    for t, r in enumerate(rows):
        a, b = packed["tree_offsets"][t], packed["tree_offsets"][t + 1]
        nodes = {k: packed[k][a:b] for k in ("feature", "left", "right")}
        old = dict(nodes, threshold=before[a:b])
        new = dict(nodes, threshold=packed["threshold"][a:b])
        # the rows' partition is unchanged
        old_paths, new_paths = _routes_left(old, X, r, 0), _routes_left(new, X, r, 0)
        assert old_paths.keys() == new_paths.keys()
        for node in old_paths:
            np.testing.assert_array_equal(old_paths[node], new_paths[node])
        for i in np.flatnonzero(nodes["left"] >= 0):
            x = X[old_paths[i], nodes["feature"][i]]
            lo = x[x <= before[a + i]].max()
            hi = x[x > before[a + i]].min()
            assert new["threshold"][i] == lo / 2 + hi / 2
            changed += new["threshold"][i] != before[a + i]
    assert changed > 0  # the trees' own rows move some thresholds off the all-rows midpoints


def test_check_bin_dtype():
    check_bin_dtype(SimpleNamespace(missing_bin_=255, bin_dtype_=np.uint8))
    with pytest.raises(ValueError, match="max_bin=None"):
        check_bin_dtype(SimpleNamespace(missing_bin_=256, bin_dtype_=np.uint8))
