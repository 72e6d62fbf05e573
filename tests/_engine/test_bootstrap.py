"""Bootstrap over distinct rows (silva/_engine/bootstrap.py): grouping, draws, lazy samples."""
import numpy as np
import pytest

from silva._engine.bootstrap import BootstrapSamples, RowGroups, Scaled, canonical_bits, hash_rows


def test_canonical_bits_equal_values_equal_bits():
    a = canonical_bits([0.0, -0.0, np.nan, -np.nan, 1.5])
    assert a[0] == a[1] and a[2] == a[3] and a[0] != a[4]
    assert a.dtype == np.uint64


def test_hash_rows_depends_on_values_position_and_target():
    bits = canonical_bits(np.array([[1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [1.0, 2.0]]))
    ybits = canonical_bits(np.array([0.0, 0.0, 0.0, 1.0]))
    out = np.empty(4, dtype=np.uint64)
    hash_rows(bits, ybits, out)
    assert out[0] == out[2]            # same row, same target
    assert len({out[0], out[1], out[3]}) == 3  # swapped values, other target


def test_row_groups_merge_duplicates_whatever_the_order():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 3, (200, 2)).astype(float)
    X[rng.rand(*X.shape) < 0.1] = np.nan
    y = rng.randint(0, 2, 200).astype(float)
    groups = RowGroups(X, y, None)
    distinct = {tuple(np.nan_to_num(r, nan=-9)) + (t,) for r, t in zip(X, y)}
    assert groups.n_groups == len(distinct)
    assert groups.n_draws == 200 and groups.weight.sum() == 200
    # rows of one group are equal (NaN == NaN) and carry the group's weight
    for g in range(groups.n_groups):
        members = np.flatnonzero(groups.group_of_row == g)
        assert members.size == groups.weight[g]
        assert np.all(np.nan_to_num(X[members], nan=-9) == np.nan_to_num(X[members[0]], nan=-9))
    # the groups are ordered by content: shuffling the rows draws the same distinct rows
    perm = rng.permutation(200)
    shuffled = RowGroups(X[perm], y[perm], None)
    for seed in range(3):
        a, b = groups.counts(seed, 200), shuffled.counts(seed, 200)
        np.testing.assert_array_equal(a, b)
        key = lambda gr, Xs: [tuple(np.nan_to_num(Xs[r], nan=-9)) for r in gr.rep_rows]
        assert key(groups, X) == key(shuffled, X[perm])


def test_integer_weights_draw_as_repeated_rows():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(50, 3))
    y = rng.normal(size=50)
    w = rng.randint(0, 4, 50).astype(float)
    weighted = RowGroups(X, y, w)
    rep = np.repeat(np.arange(50), w.astype(int))
    repeated = RowGroups(X[rep], y[rep], None)
    assert weighted.n_draws == repeated.n_draws == int(w.sum())
    assert weighted.lookup is not None and repeated.lookup is not None
    for seed in range(5):
        np.testing.assert_array_equal(weighted.counts(seed, weighted.n_draws),
                                      repeated.counts(seed, repeated.n_draws))
    # rows of weight 0 belong to no group
    assert np.all(weighted.group_of_row[w == 0] == -1)


def test_fractional_weights_draw_in_proportion():
    X = np.arange(4, dtype=float)[:, None]
    y = np.zeros(4)
    groups = RowGroups(X, y, np.array([0.5, 1.5, 0.5, 1.5]))
    assert groups.cdf is not None
    counts = sum(groups.counts(seed, 1000) for seed in range(20))
    share = counts / counts.sum()
    by_row = share[groups.group_of_row]
    np.testing.assert_allclose(by_row, [0.125, 0.375, 0.125, 0.375], atol=0.02)


def test_bootstrap_samples_are_lazy_repeatable_and_class_weighted():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(300, 2))
    y = (rng.rand(300) < 0.2).astype(float)
    groups = RowGroups(X, y, None)
    samples = BootstrapSamples(groups, [3, 4, 5], groups.n_draws, y)
    assert len(samples) == 3
    rows, weights = samples[1]
    again = samples[1:2][0]
    np.testing.assert_array_equal(rows, again[0])
    np.testing.assert_array_equal(weights, again[1])
    assert np.all(np.diff(rows) > 0)  # in index order, each drawn row once
    assert weights.sum() == groups.n_draws
    np.testing.assert_array_equal(weights, groups.counts(4, groups.n_draws)[groups.group_of_row[rows]])
    # class factors scale the counts; balanced_subsample balances each sample
    cf = np.where(y == 1, 3.0, 1.0)
    scaled = BootstrapSamples(groups, [4], groups.n_draws, y, class_factors=cf)[0]
    np.testing.assert_array_equal(scaled[1], weights * cf[rows])
    r, w = BootstrapSamples(groups, [4], groups.n_draws, y, balanced_subsample=True, n_classes=2)[0]
    per_class = np.bincount(y[r].astype(int), weights=w)
    np.testing.assert_allclose(per_class, [groups.n_draws / 2] * 2)


def test_scaled_samples():
    samples = [(np.arange(3), np.ones(3)), (np.arange(2), np.full(2, 2.0))]
    scaled = Scaled(samples, np.array([2.0, 0.5]))
    assert len(scaled) == 2
    np.testing.assert_array_equal(scaled[0][1], [2.0, 2.0, 2.0])
    assert [w.tolist() for _, w in scaled[0:2]] == [[2.0, 2.0, 2.0], [1.0, 1.0]]


@pytest.mark.parametrize("n", [0, 1])
def test_row_groups_of_tiny_data(n):
    groups = RowGroups(np.zeros((n, 2)), np.zeros(n), None)
    assert groups.n_groups == n and groups.n_draws == n
