"""The go-left tests and category bitsets: one rule in bin space, in raw values and in stored trees."""
import numpy as np
from hypothesis import given, settings, strategies as st
from numba import njit

from silva._engine.routing import (bitset_members, bitset_words, goes_left, in_bitset, raw_goes_left, set_bit,
                                   stored_goes_left, to_bitset)
from silva.data import BinMapper
from silva.data.binning import tiles_to_columns


@njit
def _compiled_members(words, bins):
    out = np.empty(bins.size, dtype=np.bool_)
    for i in range(bins.size):
        out[i] = in_bitset(words, bins[i])
    return out


@njit
def _compiled_bitset(members, n_words):
    words = np.zeros(n_words, dtype=np.uint32)
    for b in range(members.size):
        if members[b]:
            set_bit(words, b)
    return words


@settings(max_examples=50, deadline=None)
@given(n_bins=st.integers(1, 300), seed=st.integers(0, 10_000))
def test_bitsets_agree_in_python_and_compiled(n_bins, seed):
    members = np.random.RandomState(seed).rand(n_bins) < 0.3
    words = to_bitset(members, n_bins)
    assert words.size == bitset_words(n_bins) == -(-n_bins // 32)
    np.testing.assert_array_equal(_compiled_bitset(members, words.size), words)
    bins = np.arange(n_bins)
    np.testing.assert_array_equal(bitset_members(words, bins), members)
    np.testing.assert_array_equal(_compiled_members(words, bins), members)


@njit
def _routes(Xb, f, b, ml, missing_bin, is_cat, cat_set, cat_words):
    """Each row's side by the growth test (bins), the stored tree's test (bins) and the raw test."""
    n = Xb.shape[0]
    out = np.empty((3, n), dtype=np.bool_)
    feature = np.array([f])
    threshold_bins = np.array([b])
    missing_left = np.array([np.uint8(ml)])
    cat_index = np.array([0 if is_cat else -1])
    for i in range(n):
        out[0, i] = goes_left(Xb[i, f], b, ml, missing_bin, is_cat, cat_set)
        out[1, i] = stored_goes_left(Xb[i, f], 0, threshold_bins, missing_left, cat_index, cat_words, missing_bin)
    return out, feature, missing_left, cat_index


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), missing_left=st.booleans(), categorical=st.booleans())
def test_a_split_routes_rows_alike_in_bins_and_raw_values(seed, missing_left, categorical):
    """The partition (bins, one byte per bin), the binned predictor (stored bitsets) and the raw-value
    predictor (thresholds, category maps) send every row the same way, NaN and unseen categories too."""
    rng = np.random.RandomState(seed)
    n = 400
    X = np.column_stack([rng.normal(size=n).round(1), rng.randint(0, 12, size=n).astype(np.float64)])
    X[rng.rand(n, 2) < 0.1] = np.nan
    mapper = BinMapper(max_bin=8).fit(X, categorical=[1])
    Xb = np.ascontiguousarray(tiles_to_columns(mapper.transform(X), 2))
    Xq = X.copy()
    Xq[rng.rand(n) < 0.1, 1] = 40.0  # categories unseen in training: the missing side
    Xqb = np.ascontiguousarray(tiles_to_columns(mapper.transform(Xq), 2))
    f = 1 if categorical else 0
    n_bins = mapper.missing_bin_ + 1
    cat_set = (rng.rand(n_bins) < 0.5).astype(np.uint8)
    b = int(rng.randint(0, max(1, mapper.n_value_bins_[0] - 1)))
    threshold = np.array([0.0 if categorical else mapper.thresholds_[0][b]])
    words = to_bitset(cat_set[:mapper.missing_bin_].astype(bool), n_bins)[None]
    routes, feature, ml, cat_index = _routes(Xqb, f, b, missing_left, mapper.missing_bin_, categorical, cat_set,
                                             words)
    raw = np.array([raw_goes_left(Xq[i, f], 0, feature, threshold, ml, cat_index, words, mapper.cat_map_flat_,
                                  mapper.cat_map_offsets_, mapper.missing_bin_) for i in range(n)])
    np.testing.assert_array_equal(routes[0], routes[1])
    np.testing.assert_array_equal(routes[1], raw)
    missing = np.isnan(Xq[:, f]) | (Xqb[:, f] == mapper.missing_bin_)
    assert np.all(raw[missing] == missing_left)
