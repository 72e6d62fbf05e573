"""Quantile binning: raw float features -> small integer bins, once per fit.

Each feature gets at most ``max_bin`` value bins; bin ``max_bin`` is reserved for missing values (NaN),
so with the default 255 every bin index fits in a uint8. A value ``x`` falls in bin ``b`` when
``thresholds[b-1] < x <= thresholds[b]``, which is exactly the test the raw-data predictor applies
(``x <= threshold`` goes left), so binned training and raw prediction never disagree.
"""
import numpy as np
from numba import njit, prange

from .._dtypes import TILE, binned_dtype

SUBSAMPLE_ROWS = 200_000


def _feature_thresholds(values, max_bin):
    """Upper edges of the value bins for one feature (NaN and zero-weight rows already removed)."""
    distinct = np.unique(values)
    if distinct.size <= 1:
        return np.empty(0, dtype=np.float64)
    if distinct.size <= max_bin:
        # one bin per distinct value: split halfway so that unseen values land on the nearest side
        return (distinct[:-1] + distinct[1:]) * 0.5
    # quantiles of the sample; midpoints of neighbouring sample values keep thresholds off the data
    percentiles = np.linspace(0, 100, max_bin + 1)[1:-1]
    thresholds = np.percentile(values, percentiles, method="midpoint")
    return np.unique(thresholds)


class BinMapper:
    """Learn per-feature bin thresholds and map raw features to bins.

    Parameters
    ----------
    max_bin : int or None
        Most value bins per feature (the NaN bin comes on top). ``None`` gives one bin per distinct value
        (exact splits), with a wider bin dtype when needed.
    subsample : int or None
        Rows sampled to find the thresholds (all rows when ``None`` or fewer rows).
    random_state : int, RandomState or None
    """

    def __init__(self, max_bin=255, subsample=SUBSAMPLE_ROWS, random_state=None):
        self.max_bin = max_bin
        self.subsample = subsample
        self.random_state = random_state

    def fit(self, X, sample_weight=None):
        n_samples, n_features = X.shape
        rows = np.arange(n_samples)
        if sample_weight is not None:
            # rows of zero weight must not move thresholds: weight 0 equals removing the row
            rows = rows[sample_weight > 0]
        if self.subsample is not None and rows.size > self.subsample:
            rng = np.random.RandomState(self.random_state) if not isinstance(
                self.random_state, np.random.RandomState) else self.random_state
            rows = np.sort(rng.choice(rows, self.subsample, replace=False))
        sample = X[rows] if rows.size != n_samples else X
        max_bin = self.max_bin if self.max_bin is not None else max(rows.size, 1)
        thresholds = []
        for f in range(n_features):
            col = np.asarray(sample[:, f], dtype=np.float64)
            col = col[~np.isnan(col)]
            thresholds.append(_feature_thresholds(col, max_bin))
        self._set_thresholds(thresholds, self.max_bin)
        return self

    def _set_thresholds(self, thresholds, max_bin):
        n_value_bins = np.array([t.size + 1 for t in thresholds], dtype=np.int64)
        if max_bin is None:
            max_bin = int(n_value_bins.max()) if n_value_bins.size else 1
        self.missing_bin_ = int(max_bin)
        self.n_bins_ = self.missing_bin_ + 1  # histogram width: value bins + the NaN bin
        self.n_value_bins_ = n_value_bins
        self.thresholds_ = thresholds
        self.threshold_offsets_ = np.zeros(len(thresholds) + 1, dtype=np.int64)
        np.cumsum([t.size for t in thresholds], out=self.threshold_offsets_[1:])
        self.flat_thresholds_ = (np.concatenate(thresholds) if thresholds else np.empty(0)).astype(np.float64)
        self.bin_dtype_ = binned_dtype(self.missing_bin_)
        return self

    def transform(self, X):
        """Bin ``X`` (float32 or float64, any layout) into tiles (n_tiles, n_samples, TILE).

        Feature f is ``out[f // TILE, :, f % TILE]``; padding features of the last tile hold bin 0.
        """
        n, d = X.shape
        out = np.zeros(((d + TILE - 1) // TILE, n, TILE), dtype=self.bin_dtype_)
        _bin_features(X, self.flat_thresholds_, self.threshold_offsets_, self.missing_bin_, out)
        return out

    def fit_transform(self, X, sample_weight=None):
        return self.fit(X, sample_weight).transform(X)

    def bin_upper_edges(self, feature, bin_index):
        """Raw-value threshold of the split "bin <= bin_index goes left" on ``feature``."""
        t = self.thresholds_[feature]
        return t[bin_index] if bin_index < t.size else np.inf


def tiles_to_columns(X_tiles, n_features):
    """(n_samples, n_features) view of tiled bins, for tests and inspection."""
    n_tiles, n, tile = X_tiles.shape
    return X_tiles.transpose(1, 0, 2).reshape(n, n_tiles * tile)[:, :n_features]


@njit(parallel=True, cache=True)
def _bin_features(X, flat_thresholds, offsets, missing_bin, out):
    n_samples, n_features = X.shape
    block = 4096
    # blocks of rows: each thread writes whole tile records, never a cache line another thread writes
    for blk in prange((n_samples + block - 1) // block):
        lo = blk * block
        hi = min(lo + block, n_samples)
        for f in range(n_features):
            t = flat_thresholds[offsets[f]:offsets[f + 1]]
            tile = out[f // TILE]
            k = f % TILE
            for i in range(lo, hi):
                x = X[i, f]
                if np.isnan(x):
                    tile[i, k] = missing_bin
                else:
                    # number of thresholds strictly below x: the first bin whose upper edge is >= x
                    tile[i, k] = np.searchsorted(t, x, side="left")
