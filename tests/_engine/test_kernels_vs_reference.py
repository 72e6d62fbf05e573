"""Every optimised kernel agrees with its naive reference on random inputs."""
import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from silva._engine import _reference as ref
from silva._engine.children import SiblingPairs, grow_children
from silva._engine.histogram import build_histograms, build_root_histogram, subtract_histograms
from silva._engine.partition import partition_nodes
from silva._engine.predict import add_leaf_values, forest_predict_raw
from silva._engine.splitting import SplitRules, find_best_splits
from silva._dtypes import TILE
from silva.data import BinMapper
from silva.data.binning import tiles_to_columns
from silva import BoostRegressor


def _random_problem(seed, n=300, d=4, nan_frac=0.1, max_bin=16):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    X[:, 0] = np.round(X[:, 0])  # few distinct values
    X[rng.rand(n, d) < nan_frac] = np.nan
    mapper = BinMapper(max_bin=max_bin).fit(X)
    g = rng.normal(size=n)
    h = rng.uniform(0.1, 1.0, size=n)
    Xt = mapper.transform(X)
    return rng, X, mapper, Xt, tiles_to_columns(Xt, d), g, h


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), max_bin=st.integers(2, 40))
def test_binning_matches_reference(seed, max_bin):
    rng, X, mapper, Xt, Xb, _, _ = _random_problem(seed, max_bin=max_bin)
    expected = ref.bin_features_ref(X, mapper.thresholds_, mapper.missing_bin_)
    np.testing.assert_array_equal(Xb, expected)
    assert Xt.shape == ((X.shape[1] + TILE - 1) // TILE, X.shape[0], TILE)
    assert all(t.size <= max_bin - 1 for t in mapper.thresholds_)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_channels=st.sampled_from([2, 3]))
def test_histograms_match_reference(seed, n_channels):
    rng, X, mapper, Xt, Xb, g, h = _random_problem(seed, d=11)
    n, d = Xb.shape
    n_bins = mapper.n_bins_
    tiles = np.arange(Xt.shape[0], dtype=np.int64)
    hists = np.zeros((3, Xt.shape[0] * TILE, n_bins, n_channels))
    build_root_histogram(Xt, g, h, tiles, hists[0], d, numba.get_num_threads())
    hists_d = hists[:, :d]  # drop the padding features of the last tile
    ref_hist = lambda rows: ref.histogram_ref(Xb, rows, g, h, n_bins)[..., :n_channels]
    np.testing.assert_allclose(hists_d[0], ref_hist(np.arange(n)), rtol=1e-12)
    # a node = a random subset of rows, in a random order, with g/h aligned to the index array
    rows = rng.permutation(n)[: rng.randint(1, n)].astype(np.uint32)
    build_histograms(Xt, rows, g[rows], h[rows], np.array([0]), np.array([rows.size]), tiles,
                     np.array([1]), hists, d, numba.get_num_threads())
    np.testing.assert_allclose(hists_d[1], ref_hist(rows.astype(np.int64)), rtol=1e-12, atol=1e-9)
    subtract_histograms(hists, np.array([0]), np.array([1]), np.array([2]), tiles, d)
    rest = np.setdiff1d(np.arange(n), rows)
    np.testing.assert_allclose(hists_d[2], ref_hist(rest), rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.sampled_from([0.0, 1.0, 5.0]), alpha=st.sampled_from([0.0, 0.5]),
       mcw=st.sampled_from([0.0, 1.0, 5.0]), msl=st.sampled_from([1, 5, 20]))
def test_best_split_matches_brute_force(seed, lam, alpha, mcw, msl):
    rng, X, mapper, Xt, Xb, g, h = _random_problem(seed, n=120)
    n, d = Xb.shape
    features = np.arange(d, dtype=np.int64)
    hists = np.zeros((1, Xt.shape[0] * TILE, mapper.n_bins_, 3 if msl > 1 else 2))
    build_root_histogram(Xt, g, h, np.arange(Xt.shape[0]), hists[0], d, numba.get_num_threads())
    sums = np.array([[g.sum(), h.sum(), n, -np.inf, np.inf]], dtype=np.float64)
    best = np.empty((1, 7))
    params = np.array([lam, alpha, 0.0, mcw, msl], dtype=np.float64)
    rules = SplitRules(mapper.n_value_bins_, mapper.missing_bin_, params, np.zeros(d, dtype=np.bool_),
                       np.array([10.0, 10.0, 100.0, 32.0]))
    find_best_splits(hists, np.array([0]), sums, np.ones((1, d), dtype=np.bool_), rules, None, best,
                     np.zeros((1, mapper.n_bins_), dtype=np.uint8))
    gain, f, b, miss_left = ref.best_split_ref(Xb, np.arange(n), g, h, mapper.n_value_bins_,
                                               mapper.missing_bin_, lam, alpha, 0.0, mcw, msl)
    if gain == -np.inf:
        assert best[0, 0] == -np.inf
        return
    assert best[0, 0] == pytest.approx(gain, rel=1e-9, abs=1e-9)
    # the brute force keeps the first of (near-)equal gains, so compare the gain the kernel's split achieves
    kernel_gain, *_ = ref.best_split_ref(Xb[:, [int(best[0, 1])]], np.arange(n), g, h,
                                         mapper.n_value_bins_[[int(best[0, 1])]], mapper.missing_bin_, lam,
                                         alpha, 0.0, mcw, msl)
    assert kernel_gain == pytest.approx(gain, rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.sampled_from([50, 20_000, 70_000]))
def test_partition_is_stable_and_matches_reference(seed, n):
    rng = np.random.RandomState(seed)
    Xt = rng.randint(0, 9, size=(1, n, TILE)).astype(np.uint8)
    Xt[0, rng.rand(n) < 0.1, 1] = 8  # the missing bin
    Xb = tiles_to_columns(Xt, 2)
    starts = np.array([0, n // 3], dtype=np.int64)
    stops = np.array([n // 3, n], dtype=np.int64)
    si = rng.permutation(n).astype(np.uint32)
    og = si.astype(np.float64)  # gradients travel with their rows: g == row index here
    oh = -og
    expected = [ref.partition_ref(Xb, si[a:b].astype(np.int64), 1, 3, j == 1, 8)
                for j, (a, b) in enumerate(zip(starts, stops))]
    n_left = np.empty(2, dtype=np.int64)
    out = (np.empty(n, np.uint32), np.empty(n), np.empty(n))
    partition_nodes(Xt, si, og, oh, *out, starts, stops, np.array([1, 1]), np.array([3, 3]),
                    np.array([False, True]), 8, np.zeros(2, dtype=np.bool_), np.zeros((2, 9), dtype=np.uint8),
                    n_left)
    for j, (a, b) in enumerate(zip(starts, stops)):
        np.testing.assert_array_equal(out[0][a:b], expected[j][0])
        assert n_left[j] == expected[j][1]
    np.testing.assert_array_equal(out[1], out[0].astype(np.float64))
    np.testing.assert_array_equal(out[2], -out[0].astype(np.float64))


def test_add_leaf_values_matches_reference():
    rng = np.random.RandomState(0)
    n = 10_000
    si = rng.permutation(n).astype(np.uint32)
    cuts = np.sort(rng.choice(np.arange(1, n), 30, replace=False))
    starts = np.concatenate([[0], cuts]).astype(np.int64)
    stops = np.concatenate([cuts, [n]]).astype(np.int64)
    values = rng.normal(size=starts.size)
    raw = np.zeros(n)
    add_leaf_values(raw, si, starts, stops, values)
    expected = np.zeros(n)
    for a, b, v in zip(starts, stops, values):
        expected[si[a:b]] += v
    np.testing.assert_array_equal(raw, expected)


@pytest.mark.parametrize("grow_policy", ["depthwise", "leafwise"])
def test_forest_prediction_matches_reference_walk(grow_policy):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(400, 5))
    X[rng.rand(*X.shape) < 0.15] = np.nan
    y = np.nansum(X[:, :2], axis=1) + rng.normal(scale=0.1, size=400)
    model = BoostRegressor(n_estimators=5, max_depth=4, max_leaves=9, grow_policy=grow_policy,
                           random_state=0).fit(X, y)
    X_test = rng.normal(size=(200, 5)) * 2
    X_test[rng.rand(*X_test.shape) < 0.2] = np.nan
    fast = forest_predict_raw(model._forest, X_test, 1, model._baseline)
    slow = ref.predict_forest_ref(model._forest, X_test, 1, model._baseline)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


def test_histograms_do_not_depend_on_thread_count():
    rng, X, mapper, Xt, Xb, g, h = _random_problem(3, n=100_000, d=11)
    rows = rng.permutation(100_000).astype(np.uint32)
    tiles = np.arange(Xt.shape[0], dtype=np.int64)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        hists = np.zeros((2, Xt.shape[0] * TILE, mapper.n_bins_, 2))
        build_histograms(Xt, rows, g[rows], h[rows], np.array([0, 70_000]), np.array([70_000, 100_000]),
                         tiles, np.array([0, 1]), hists, 11, threads)
        results.append(hists)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[1])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), counted=st.booleans(), colsample=st.booleans(),
       threads=st.sampled_from([1, 2]), constrained=st.booleans())
def test_grow_children_equals_build_subtract_and_split(seed, counted, colsample, threads, constrained):
    """The fused children kernel gives the histograms and best splits of the separate kernels (with
    monotone constraints or, compiled without them, none)."""
    rng, X, mapper, Xt, Xb, g, h = _random_problem(seed, n=400, d=9)
    n, d = Xb.shape
    tiles = np.arange(Xt.shape[0], dtype=np.int64)
    n_ch = 3 if counted else 2
    # two parents (rows split in halves), each with a random smaller child
    perm = rng.permutation(n).astype(np.uint32)
    halves = [np.sort(perm[:n // 2]), np.sort(perm[n // 2:])]
    order, starts, stops, pos = [], [], [], 0
    for rows in halves:
        k = rng.randint(1, rows.size // 2 + 1)
        small = rows[rng.permutation(rows.size)[:k]]
        order.append(small)
        starts.append(pos)
        stops.append(pos + k)
        pos += k
    si = np.concatenate(order).astype(np.uint32)
    starts, stops = np.array(starts), np.array(stops)
    n_slots = 6
    fused = np.zeros((n_slots, Xt.shape[0] * TILE, mapper.n_bins_, n_ch))
    nt = numba.get_num_threads()
    for j, rows in enumerate(halves):
        build_histograms(Xt, rows, g[rows], h[rows], np.array([0]), np.array([rows.size]), tiles,
                         np.array([j]), fused, d, nt)
    separate = fused.copy()
    small_slots, parent_slots, large_slots = np.array([2, 3]), np.array([0, 1]), np.array([4, -1])
    sums = np.empty((2, 2, 5))
    for j, rows in enumerate(halves):
        small = si[starts[j]:stops[j]].astype(np.int64)
        large = np.setdiff1d(rows.astype(np.int64), small)
        sums[j, 0] = g[small].sum(), h[small].sum(), small.size, -np.inf, np.inf
        sums[j, 1] = g[large].sum(), h[large].sum(), large.size, -np.inf, np.inf
    if constrained:
        sums[0, 1, 3:] = -0.05, 0.05  # a child bounded by monotone constraints
    scan = np.array([[True, True], [True, False]])
    cand = np.zeros((2, 2, fused.shape[1]), dtype=np.bool_)
    for j in range(2):
        for c in range(2):
            feats = rng.choice(d, rng.randint(1, d + 1), replace=False) if colsample else np.arange(d)
            cand[j, c, feats] = True
    params = np.array([1.0, 0.0, 0.0, 1e-3, 3.0 if counted else 1.0])
    cat_params = np.array([10.0, 10.0, 100.0, 32.0])
    is_cat = np.zeros(d, dtype=np.bool_)
    rules = SplitRules(mapper.n_value_bins_, mapper.missing_bin_, params, is_cat, cat_params)
    mono = rng.randint(-1, 2, size=d).astype(np.int8) if constrained else None
    best = np.empty((4, 7))
    sets = np.zeros((4, mapper.n_bins_), dtype=np.uint8)
    numba.set_num_threads(threads)
    try:
        grow_children(Xt, (si, g[si], h[si]),
                      SiblingPairs(starts, stops, small_slots, parent_slots, large_slots, sums, scan, cand), tiles,
                      fused, d, rules, mono, best, sets, threads)
    finally:
        numba.set_num_threads(nt)
    build_histograms(Xt, si, g[si], h[si], starts, stops, tiles, small_slots, separate, d, nt)
    subtract_histograms(separate, np.array([0]), np.array([2]), np.array([4]), tiles, d)
    np.testing.assert_array_equal(fused[:5], separate[:5])
    for j in range(2):
        for c in range(2):
            if not scan[j, c]:
                continue
            slot = small_slots[j] if c == 0 else large_slots[j]
            expected = np.empty((1, 7))
            find_best_splits(separate, np.array([slot]), sums[j, c][None], cand[j, c, :d][None], rules, mono,
                             expected, np.zeros((1, mapper.n_bins_), dtype=np.uint8))
            if expected[0, 0] == -np.inf:  # no valid split: the other fields are not written
                assert best[2 * j + c, 0] == -np.inf
            else:
                np.testing.assert_array_equal(best[2 * j + c], expected[0])
