"""Native categorical splits: category sets, unseen categories, many categories."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import silva


def _frame(codes, extra=None):
    df = pd.DataFrame({"c": pd.Categorical(codes, categories=np.arange(codes.max() + 1))})
    if extra is not None:
        df["x"] = extra
    return df


def test_one_categorical_split_separates_a_category_set():
    rng = np.random.RandomState(0)
    codes = rng.randint(0, 30, size=4000)
    y = np.isin(codes, [1, 5, 7, 12, 22, 29]).astype(int)  # no threshold on the codes separates this
    params = dict(n_estimators=1, max_depth=1, learning_rate=1.0, reg_lambda=0.0, random_state=0)
    native = silva.BoostClassifier(**params).fit(_frame(codes), y)
    ordinal = silva.BoostClassifier(**params).fit(codes[:, None].astype(float), y)
    assert roc_auc_score(y, native.predict_proba(_frame(codes))[:, 1]) == 1.0
    assert roc_auc_score(y, ordinal.predict_proba(codes[:, None].astype(float))[:, 1]) < 0.8
    assert (native._forest.nodes["cat_index"] >= 0).sum() == 1


def test_unseen_categories_follow_missing_values():
    rng = np.random.RandomState(1)
    codes = rng.randint(0, 10, size=3000).astype(float)
    codes[rng.rand(3000) < 0.1] = np.nan
    x = rng.normal(size=3000)
    y = ((np.nan_to_num(codes, nan=3) % 3 == 0) ^ (x > 0)).astype(int)
    df = pd.DataFrame({"c": pd.Categorical(codes, categories=np.arange(10.0)), "x": x})
    model = silva.BoostClassifier(n_estimators=20, random_state=0).fit(df, y)
    test = pd.DataFrame({"c": pd.Categorical([np.nan] * 5, categories=np.arange(10.0)), "x": x[:5]})
    unseen = pd.DataFrame({"c": pd.Categorical([99.0] * 5, categories=np.append(np.arange(10.0), 99.0)),
                           "x": x[:5]})
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(test))


def test_more_than_255_categories():
    rng = np.random.RandomState(2)
    n_cat = 1000
    codes = rng.zipf(1.3, size=20000) % n_cat
    effect = rng.normal(size=n_cat)
    y = (effect[codes] + 0.3 * rng.normal(size=codes.size) > 0).astype(int)
    df = _frame(codes)
    model = silva.BoostClassifier(n_estimators=30, max_depth=3, random_state=0).fit(df, y)
    assert roc_auc_score(y, model.predict_proba(df)[:, 1]) > 0.8
    assert (model._forest.nodes["cat_index"] >= 0).any()


def test_categorical_model_round_trip(tmp_path):
    rng = np.random.RandomState(3)
    codes = rng.randint(0, 40, size=2000)
    y = (codes % 4 == 1).astype(int)
    df = _frame(codes, extra=rng.normal(size=codes.size))
    model = silva.BoostClassifier(n_estimators=10, random_state=0).fit(df, y)
    model.save(tmp_path / "m.json")
    loaded = silva.load(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.predict_proba(df), model.predict_proba(df))


def test_integer_codes_declared_categorical_by_index_or_name():
    rng = np.random.RandomState(4)
    codes = rng.randint(0, 30, size=3000).astype(float)
    y = np.isin(codes, [2, 9, 17, 25]).astype(int)
    params = dict(n_estimators=1, max_depth=1, learning_rate=1.0, reg_lambda=0.0, random_state=0)
    by_index = silva.BoostClassifier(categorical_features=[0], **params).fit(codes[:, None], y)
    df = pd.DataFrame({"code": codes})
    by_name = silva.BoostClassifier(categorical_features=["code"], **params).fit(df, y)
    for model, X in ((by_index, codes[:, None]), (by_name, df)):
        assert roc_auc_score(y, model.predict_proba(X)[:, 1]) == 1.0
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        silva.BoostClassifier(categorical_features=["nope"], **params).fit(df, y)
    with pytest.raises(ValueError, match="non-negative integer codes"):
        silva.BoostClassifier(categorical_features=[0], **params).fit(codes[:, None] + 0.5, y)


# ---------------------------------------------------------------- code order and the set correction
# The engine's options beyond LightGBM's method (cat_params[4:6] = phi, code_order; BinMapper's
# category_ranges), tested on the kernels: off by default, so a relabelling of the codes changes nothing.

def _scan(hist, cat_params, params=(1.0, 0.0, 0.0, 1e-3, 1.0)):
    from silva._engine.splitting import _scan_categorical
    n_bins = hist.shape[0]
    out, left = np.empty(6), np.zeros(n_bins, dtype=np.uint8)
    G, H, N = hist[:, 0].sum(), hist[:, 1].sum(), hist[:, 2].sum()
    _scan_categorical(hist, n_bins - 1, n_bins - 1, G, H, N, np.array(params, dtype=float),
                      np.array(cat_params, dtype=float), out, left, -np.inf, np.inf)
    return out, left


def _hist(codes, y, n_bins, p=None):
    """(bin, [G, H, N]) of log-loss gradients at the prior, one bin per code, missing bin last."""
    p = y.mean() if p is None else p
    hist = np.zeros((n_bins + 1, 3))
    np.add.at(hist[:, 0], codes, p - y)
    np.add.at(hist[:, 1], codes, np.full(y.size, p * (1 - p)))
    np.add.at(hist[:, 2], codes, 1.0)
    return hist


def test_log_subsets_counts_left_sets():
    from math import comb, log

    from silva._engine.splitting import _log_subsets
    for k, m in [(1, 1), (2, 1), (7, 4), (40, 20), (300, 32)]:
        assert _log_subsets(k, m) == pytest.approx(log(sum(comb(k, j) for j in range(1, m + 1))), rel=1e-12)


def test_default_scan_is_lightgbm_method_and_ignores_code_order():
    rng = np.random.RandomState(5)
    codes = rng.randint(0, 40, size=4000)
    y = (rng.rand(4000) < 0.2 + 0.4 * np.isin(codes, [3, 8, 11, 30])).astype(float)
    hist = _hist(codes, y, 40)
    out, left = _scan(hist, [10, 10, 100, 32])
    out0, left0 = _scan(hist, [10, 10, 100, 32, 0.0, 0.0])
    np.testing.assert_array_equal(out, out0)
    np.testing.assert_array_equal(left, left0)
    perm = rng.permutation(40)  # relabel the codes: same split, on the relabelled bins
    hist_p = hist.copy()
    hist_p[perm] = hist[:40]
    out_p, left_p = _scan(hist_p, [10, 10, 100, 32])
    assert out_p[0] == pytest.approx(out[0], rel=1e-12)
    np.testing.assert_array_equal(left_p[perm], left[:40])


def test_code_order_split_is_the_ordinal_threshold():
    # a trend in the code over 600 codes of ~5 rows: too few rows per category to sort them, but one
    # threshold in code order separates the classes as well as the ordinal codes do
    from silva._engine.splitting import _scan_feature
    rng = np.random.RandomState(6)
    codes = rng.randint(0, 200, size=1000)
    y = (rng.rand(codes.size) < 0.1 + 0.5 * (codes > 120)).astype(float)
    hist = _hist(codes, y, 200)
    out, left = _scan(hist, [10, 10, 100, 32, 1.0, 1.0])
    ordinal = np.empty(6)
    params = np.array([1.0, 0.0, 0.0, 1e-3, 1.0])
    G, H = hist[:, 0].sum(), hist[:, 1].sum()
    _scan_feature(hist, 200, 200, G, H, hist[:, 2].sum(), G * G / (H + 1.0), params, ordinal, -np.inf, np.inf, 0)
    assert out[0] == pytest.approx(ordinal[0], rel=1e-12)
    np.testing.assert_array_equal(np.flatnonzero(left), np.arange(int(ordinal[1]) + 1))
    lgb_out, _ = _scan(hist, [10, 10, 100, 32])  # the category sets alone see far less of it
    assert lgb_out[0] < 0.5 * out[0]


def test_category_set_gain_is_corrected_for_the_noise_it_fits():
    # the sorted search finds a large gain in pure noise over 150 categories of 40 rows; the correction
    # phi/2 [ln M - ln(k - 1)] (M: the left sets it could reach) is about that large, so no set split
    from silva._engine.splitting import _log_subsets
    rng = np.random.RandomState(7)
    codes = np.repeat(np.arange(150), 40)
    noise = _hist(codes, (rng.rand(codes.size) < 0.3).astype(float), 150)
    penalty = 0.5 * (_log_subsets(150, 32) - np.log(149))
    raw, _ = _scan(noise, [10, 10, 100, 32])
    assert raw[0] > 10 and raw[0] < penalty
    assert _scan(noise, [10, 10, 100, 32, 1.0, 0.0])[0][0] == -np.inf
    # with code order on, a threshold (whose noise gain is small) is taken instead
    both, left_both = _scan(noise, [10, 10, 100, 32, 1.0, 1.0])
    assert 0 < both[0] < 10
    np.testing.assert_array_equal(np.flatnonzero(left_both), np.arange(np.flatnonzero(left_both).size))
    # real category effects: the same set, its gain lowered by exactly the correction
    effect = rng.normal(size=150)
    signal = _hist(codes, (rng.rand(codes.size) < 1 / (1 + np.exp(1 - effect[codes]))).astype(float), 150)
    raw, left_raw = _scan(signal, [10, 10, 100, 32])
    for phi in (1.0, 2.5):
        corrected, left = _scan(signal, [10, 10, 100, 32, phi, 0.0])
        assert corrected[0] == pytest.approx(raw[0] - phi * penalty, rel=1e-9)
        np.testing.assert_array_equal(left, left_raw)


def test_category_ranges_bin_codes_like_numbers():
    from silva.data.binning import BinMapper
    rng = np.random.RandomState(8)
    codes = (rng.zipf(1.2, size=30000) % 3000).astype(float)
    codes = codes[codes != 1500]  # a code unseen inside the range
    X = codes[:, None]
    ranges = BinMapper(category_ranges=True, max_cat_bins=255).fit(X, categorical=[0])
    mapping = ranges.category_maps_[0]
    present = np.unique(codes).astype(int)
    assert present.size > 255 and ranges.n_value_bins_[0] <= 255
    # the present codes are grouped exactly as the numeric (ordinal) binning groups them
    numeric = BinMapper().fit(X)
    groups = np.searchsorted(numeric.thresholds_[0], present, side="left")
    np.testing.assert_array_equal(np.unique(groups, return_inverse=True)[1], mapping[present])
    # every code from the smallest to the largest seen has its range; others are missing
    assert np.all(np.diff(mapping[present[0]:]) >= 0) and mapping[1500] == mapping[1499]
    tiles = ranges.transform(np.array([[1500.0], [present[-1] + 1.0], [np.nan]]))
    assert tiles[0, 0, 0] == mapping[1500] and np.all(tiles[0, 1:, 0] == ranges.missing_bin_)
    # the default gives every code a bin of its own, widening the bin type past 255
    own = BinMapper().fit(X, categorical=[0])
    default = own.category_maps_[0]
    assert default[1500] == -1 and np.array_equal(default[present], np.arange(present.size))
    assert own.missing_bin_ == present.size and own.bin_dtype_ == np.uint16
    assert own.padded_thresholds_.shape[1] <= 2  # no numeric feature: the search table stays small
    # max_cat_bins keeps the most frequent codes in bins of their own and the rest in the last one
    capped = BinMapper(max_cat_bins=255).fit(X, categorical=[0])
    assert capped.missing_bin_ == 255 and capped.bin_dtype_ == np.uint8
    default = capped.category_maps_[0]
    assert default[1500] == -1 and np.sum(default == 254) == present.size - 254
    counts = np.bincount(codes.astype(int))
    kept = present[default[present] < 254]
    assert counts[kept].min() >= counts[present[default[present] == 254]].max()
