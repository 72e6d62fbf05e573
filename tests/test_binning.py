"""Thresholds of ``BinMapper`` (silva/data/binning.py) for numeric features with more distinct values
than ``max_bin``: the quantile midpoints when they cut ``max_bin`` bins that all hold values, else the
greedy equal-count bins (``_greedy_thresholds``), which use every bin.

Properties checked: a feature with heavy repeats gets all its bins, each non-empty on the fit data
(real data: california_housing's latitude and longitude got 211 and 235 of 255 from the quantiles);
features whose quantiles are distinct keep exactly the quantile thresholds; on random arrays with
repeats the thresholds are increasing, as many as allowed, each in its own gap between neighbouring
distinct values, with no empty bin; and the compiled rule agrees with a plain Python transcription of
it (``_reference_thresholds`` below).
"""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from datasets import load, to_numeric
from silva.data import BinMapper
from silva.data.binning import _greedy_thresholds, tiles_to_columns


def _thresholds(x, max_bin):
    """Thresholds of a single feature, every row used (no subsample)."""
    return BinMapper(max_bin, subsample=None).fit(np.asarray(x, dtype=np.float64)[:, None]).thresholds_[0]


def _bin_counts(x, t):
    """Rows per value bin (value x in bin b when t[b-1] < x <= t[b])."""
    return np.bincount(np.searchsorted(t, x, side="left"), minlength=t.size + 1)


def _repeats(seed, max_bin, skew, tail):
    """Draws from up to 3 max_bin random values with Zipf-like frequencies (exponent ``skew``): some
    values repeat a lot, some appear once, as in rounded measurements (carats, coordinates, amounts).
    ``tail``: the frequency falls with the value (a long sparse tail of rare large values, as diamond
    carats or prices); else frequent and rare values are interleaved. The sizes come from ``seed``, so
    that about a third of the arrays have more distinct values than ``max_bin``."""
    rng = np.random.RandomState(seed)
    n_values = rng.randint(1, 3 * max_bin + 1)
    n = rng.randint(1, min(8 * n_values, 6000) + 1)
    values = np.round(rng.normal(size=n_values) * 100, 1)
    if tail:
        values = np.sort(values)
    p = 1.0 / np.arange(1, n_values + 1) ** skew
    return rng.choice(values, n, p=p / p.sum())


RANDOM_REPEATS = dict(seed=st.integers(0, 2**31 - 1), max_bin=st.integers(2, 300), skew=st.floats(0.0, 2.5),
                      tail=st.booleans())
# a case where the greedy pass alone cuts 82 of the 101 thresholds: the bins left over are split off
LEFT_OVER = dict(seed=1294723357, max_bin=102, skew=1.6, tail=False)


# ----------------------------------------------------------------- plain reference of the rule
def _reference_greedy(x, max_bin):
    """Plain transcription of ``_greedy_thresholds`` (for more distinct values than ``max_bin``)."""
    vals, cnts = np.unique(x, return_counts=True)
    cnts = [int(c) for c in cnts]
    m, n_distinct = sum(cnts), len(cnts)
    big = [c >= m / max_bin for c in cnts]  # a bin of its own
    small_bins = max_bin - sum(big)
    small_rows = sum(c for c, b in zip(cnts, big) if not b)
    share = small_rows / small_bins
    bins, open_bin = [], []
    for i in range(n_distinct):
        open_bin.append(i)
        if i == n_distinct - 1 or len(bins) == max_bin - 1:
            continue
        if not big[i]:
            small_rows -= cnts[i]
        rows = sum(cnts[j] for j in open_bin)
        if big[i]:
            cut = True
        elif big[i + 1]:
            cut = rows >= share / 2
        else:
            cut = abs(rows - share) < abs(rows + cnts[i + 1] - share)  # nearer the share without i + 1
        if cut:
            bins.append(open_bin)
            open_bin = []
            if not big[i]:
                small_bins -= 1
                share = small_rows / small_bins if small_bins else math.inf
    bins.append(open_bin)

    def rows_of(b):
        return sum(cnts[j] for j in b)

    while len(bins) < max_bin:  # split the fullest bin of several values where its halves are nearest
        k = max((k for k in range(len(bins)) if len(bins[k]) >= 2), key=lambda k: (rows_of(bins[k]), -k))
        b = bins[k]
        s = min(range(1, len(b)), key=lambda s: (abs(rows_of(b[:s]) - rows_of(b[s:])), s))
        bins[k:k + 1] = [b[:s], b[s:]]
    return np.array([(vals[b[0] - 1] + vals[b[0]]) / 2 for b in bins[1:]])


def _reference_thresholds(x, max_bin):
    """The whole rule in plain Python: a bin per distinct value; else the quantile midpoints when they
    are max_bin - 1 distinct thresholds and every bin holds a value; else the greedy bins."""
    v = np.sort(x)
    vals = np.unique(v)
    if vals.size <= max_bin:
        return (vals[:-1] + vals[1:]) / 2
    m = v.size
    t = []
    for q in range(1, max_bin):
        pos = q * (m - 1) / max_bin
        mid = (v[math.floor(pos)] + v[math.ceil(pos)]) / 2
        if not t or mid > t[-1]:
            t.append(mid)
    t = np.array(t)
    if t.size == max_bin - 1 and np.all(_bin_counts(v, t) > 0):
        return t
    return _reference_greedy(v, max_bin)


# ----------------------------------------------------------------- (a) real data with heavy repeats
@pytest.mark.parametrize("max_bin", [255, 64, 7])
def test_features_with_repeats_use_every_bin_on_real_data(max_bin):
    X, _ = load("california_housing")
    X = to_numeric(X).to_numpy()
    mapper = BinMapper(max_bin, subsample=None).fit(X)
    binned = tiles_to_columns(mapper.transform(X), X.shape[1])
    for f in range(X.shape[1]):
        x = X[:, f]
        n_distinct = np.unique(x[~np.isnan(x)]).size
        assert mapper.n_value_bins_[f] == min(n_distinct, max_bin), f
        counts = np.bincount(binned[:, f], minlength=mapper.n_bins_)
        assert np.all(counts[:mapper.n_value_bins_[f]] > 0), f  # no value bin is empty on the fit data
    # longitude and latitude (844 and 862 distinct values, many repeated) were where the quantiles
    # merged bins: 235 and 211 of 255
    assert max_bin != 255 or list(mapper.n_value_bins_[:2]) == [255, 255]


def test_subsampled_fit_uses_every_bin():
    X, _ = load("california_housing")
    lat = X["latitude"].to_numpy()
    mapper = BinMapper(255, subsample=5000, random_state=0).fit(lat[:, None])
    assert mapper.n_value_bins_[0] == 255


# ----------------------------------------------------------------- (b) distinct quantiles unchanged
@pytest.mark.parametrize("n, max_bin", [(1000, 255), (20_001, 255), (4097, 64), (300, 16), (257, 255)])
def test_distinct_quantiles_keep_the_quantile_thresholds(n, max_bin):
    x = np.random.RandomState(n).standard_normal(n)  # all values distinct
    q = np.arange(1, max_bin)
    expected = np.percentile(x, q * 100 / max_bin, method="midpoint")
    # where the quantile's position q (n - 1) / max_bin is a whole number k the threshold is the k-th
    # value itself; np.percentile's position, computed from q * 100 / max_bin in floating point, can
    # fall a hair below k and give the midpoint with the value before (n = 1000: q = 85, 170)
    whole = q * (n - 1) % max_bin == 0
    expected[whole] = np.sort(x)[q[whole] * (n - 1) // max_bin]
    expected = np.unique(expected)
    assert expected.size == max_bin - 1
    # np.percentile interpolates a + (b - a) * 0.5, the binning (a + b) * 0.5: equal up to one rounding
    np.testing.assert_array_max_ulp(_thresholds(x, max_bin), expected, maxulp=1)


def test_real_features_with_distinct_quantiles_keep_them():
    """california_housing: total_rooms, population, median_income, ... repeat values, but their 254
    quantile midpoints are distinct and cut no empty bin: the thresholds are the quantiles'."""
    X, _ = load("california_housing")
    kept = 0
    for col in ["total_rooms", "total_bedrooms", "population", "households", "median_income"]:
        x = X[col].to_numpy()
        x = x[~np.isnan(x)]
        q = np.arange(1, 255)
        quantiles = np.percentile(x, q * 100 / 255, method="midpoint")
        whole = q * (x.size - 1) % 255 == 0  # as in the test above
        quantiles[whole] = np.sort(x)[q[whole] * (x.size - 1) // 255]
        quantiles = np.unique(quantiles)
        if quantiles.size == 254 and np.all(_bin_counts(x, quantiles) > 0):
            np.testing.assert_array_max_ulp(_thresholds(x, 255), quantiles, maxulp=1)
            kept += 1
    assert kept >= 4


def test_distinct_quantiles_that_leave_a_bin_empty_are_not_kept():
    """Quantile positions 1.6, 3.2, 4.8, 6.4 give the distinct midpoints 0, 1, 1.5, 4.5; but value 1
    sits on the second and the third falls between it and 2, so (1, 1.5] holds nothing: greedy bins."""
    x = np.array([0.0, 0, 0, 1, 1, 2, 4, 5, 6])
    t = _thresholds(x, 5)
    np.testing.assert_array_equal(t, [0.5, 1.5, 3.0, 5.5])
    np.testing.assert_array_equal(_bin_counts(x, t), [3, 2, 1, 2, 1])


# ----------------------------------------------------------------- (c) properties on random repeats
@settings(max_examples=300, deadline=None)
@given(**RANDOM_REPEATS)
@example(**LEFT_OVER)
def test_thresholds_on_random_repeats(seed, max_bin, skew, tail):
    x = _repeats(seed, max_bin, skew, tail)
    t = _thresholds(x, max_bin)
    vals = np.unique(x)
    assert t.size == min(vals.size, max_bin) - 1  # every bin used
    assert np.all(np.diff(t) > 0)
    # each threshold in its own gap between neighbouring distinct values a < b: a <= t < b, at the
    # midpoint -- or on a itself, where a quantile falls on a whole position (np.percentile's midpoint)
    gap = np.searchsorted(vals, t, side="right") - 1
    assert np.all(gap >= 0) and np.all(gap < vals.size - 1) and np.all(np.diff(gap) > 0)
    a, b = vals[gap], vals[np.minimum(gap + 1, vals.size - 1)]
    assert np.all((t == (a + b) / 2) | (t == a))
    assert np.all(_bin_counts(x, t) > 0)  # no empty bin
    # binning puts each value in the bin of its gap: the two sides of a threshold never share a value
    np.testing.assert_array_equal(np.searchsorted(t, vals, side="left"),
                                  np.searchsorted(gap, np.arange(vals.size), side="left"))


# ----------------------------------------------------------------- (d) compiled == plain reference
@settings(max_examples=300, deadline=None)
@given(**RANDOM_REPEATS)
@example(**LEFT_OVER)
def test_compiled_rule_matches_the_reference(seed, max_bin, skew, tail):
    x = _repeats(seed, max_bin, skew, tail)
    np.testing.assert_array_equal(_thresholds(x, max_bin), _reference_thresholds(x, max_bin))
    vals, cnts = np.unique(x, return_counts=True)
    if vals.size > max_bin:  # the greedy bins on their own, also where the quantiles are kept
        out = np.empty(max_bin - 1)
        c = _greedy_thresholds(vals, cnts.astype(np.int64), vals.size, x.size, max_bin, out)
        expected = _reference_greedy(x, max_bin)
        np.testing.assert_array_equal(out[:c], expected)
        gap = np.searchsorted(vals, expected) - 1  # strictly between neighbouring distinct values
        assert c == max_bin - 1 and np.all(vals[gap] < expected) and np.all(expected < vals[gap + 1])


def test_greedy_gives_frequent_values_bins_of_their_own_and_shares_the_rest():
    """Diamond-carat-like: a few values hold most rows, a long tail of rare ones. Each frequent value
    is alone in its bin; the rest are merged where rows are fewest."""
    rng = np.random.RandomState(0)
    frequent = np.repeat(np.arange(20.0), 500)
    rare = rng.choice(np.arange(20.0, 60.0, 0.01), 2000, replace=False)
    x = np.concatenate([frequent, rare])
    t = _thresholds(x, 64)
    assert t.size == 63
    counts = _bin_counts(x, t)
    bins_of_frequent = np.searchsorted(t, np.arange(20.0), side="left")
    np.testing.assert_array_equal(counts[bins_of_frequent], 500)  # alone in their bins
    rest = np.delete(counts, bins_of_frequent)
    assert rest.size == 44 and rest.sum() == 2000 and rest.max() - rest.min() <= 2  # 2000 rows in 44 bins
