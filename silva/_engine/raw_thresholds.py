"""Raw-value thresholds of the CART family's splits, measured on the training rows.

The depth-first grower works on bins; two thresholds need the raw values behind them:

* exact mode (``max_bin=None``, a bin per distinct value): scikit-learn puts a threshold midway between
  the values on either side among the node's own rows, not midway between neighbouring values of all
  rows (``set_local_thresholds``, after growing); the bins must fit the bin type (``check_bin_dtype``);
* extra trees draw a threshold uniformly over a node's value range, so the grower is given each bin's
  smallest and largest value over the rows the trees learn from (``bin_value_ranges``, before growing).
"""
import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from .routing import raw_goes_left


def check_bin_dtype(mapper):
    """Exact mode on a feature with more distinct values than the bin type holds would wrap bins."""
    if mapper.missing_bin_ > np.iinfo(mapper.bin_dtype_).max:
        raise ValueError(f"max_bin=None needs a bin per distinct value, and a feature has "
                         f"{mapper.missing_bin_} (at most {np.iinfo(mapper.bin_dtype_).max}); set max_bin")


@njit(parallel=True, cache=True)
def local_thresholds(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map,
                     cat_offsets, missing_bin, tree_offsets, rows, row_offsets):
    """Exact mode: move every numeric split's threshold to the midpoint between the largest value that
    goes left and the smallest that goes right among the tree's own rows (scikit-learn's thresholds),
    instead of the midpoint between neighbours over all rows (+inf when only missing rows go right). The
    rows' partition is unchanged; unseen values between the two midpoints are then sent where
    scikit-learn sends them."""
    for t in prange(tree_offsets.size - 1):
        base = tree_offsets[t]
        m = tree_offsets[t + 1] - base
        lo_max = np.full(m, -np.inf)
        hi_min = np.full(m, np.inf)
        for p in range(row_offsets[t], row_offsets[t + 1]):
            i = rows[p]
            node = 0
            while left[base + node] != -1:
                g = base + node
                x = X[i, feature[g]]
                go_left = raw_goes_left(x, g, feature, threshold, missing_left, cat_index, cat_bins, cat_map,
                                         cat_offsets, missing_bin)
                if not np.isnan(x) and cat_index[g] < 0:
                    if go_left:
                        lo_max[node] = max(lo_max[node], x)
                    else:
                        hi_min[node] = min(hi_min[node], x)
                node = left[g] if go_left else right[g]
        for node in range(m):
            g = base + node
            if left[g] != -1 and np.isfinite(lo_max[node]) and hi_min[node] == np.inf and cat_index[g] < 0:
                # every value went left, only missing rows right: scikit-learn's split of missing
                # values from the rest sends every value left, unseen larger ones too
                threshold[g] = np.inf
            elif left[g] != -1 and np.isfinite(lo_max[node]) and np.isfinite(hi_min[node]):
                mid = lo_max[node] / 2.0 + hi_min[node] / 2.0
                if mid >= hi_min[node] or not np.isfinite(mid):  # rounding: stay strictly below
                    mid = lo_max[node]
                threshold[g] = mid


def set_local_thresholds(packed, X, row_sets, categories):
    """``local_thresholds`` on packed trees (the grower's output, thresholds changed in place), all
    trees in one call; ``row_sets``: each tree's rows, ``categories``: the forest's ``tree.Categories``."""
    row_offsets = np.zeros(len(row_sets) + 1, dtype=np.int64)
    np.cumsum([r.size for r in row_sets], out=row_offsets[1:])
    local_thresholds(X, packed["feature"], packed["threshold"], packed["missing_left"], packed["left"],
                     packed["right"], packed["cat_index"], packed["cat_bins"], categories.map_flat,
                     categories.map_offsets, categories.missing_bin, packed["tree_offsets"],
                     np.concatenate(row_sets).astype(np.int64), row_offsets)


@njit(parallel=True, cache=True)
def bin_bounds(X, X_tiles, rows, lo, hi):
    """lo[f, b], hi[f, b]: the smallest and largest value of feature f in bin b over ``rows`` (extra trees
    draw their thresholds between a node's smallest and largest value; a one-bin feature whose bin spans
    several values is not a constant one)."""
    d = X.shape[1]
    for f in prange(d):
        for i in rows:
            x = X[i, f]
            if np.isnan(x):
                continue
            b = X_tiles[f // TILE, i, f % TILE]
            if x < lo[f, b]:
                lo[f, b] = x
            if x > hi[f, b]:
                hi[f, b] = x


def bin_value_ranges(X, X_tiles, samples, n_features, missing_bin):
    """(lo, hi), (n_features, missing_bin + 1): ``bin_bounds`` over the rows of any sample ((rows,
    weights) pairs) -- a row of weight 0 must not move a bound. Empty bins: lo = +inf, hi = -inf."""
    used = np.zeros(X.shape[0], dtype=bool)
    for r, _ in samples:
        used[r] = True
    lo = np.full((n_features, missing_bin + 1), np.inf)
    hi = np.full((n_features, missing_bin + 1), -np.inf)
    bin_bounds(X, X_tiles, np.flatnonzero(used), lo, hi)
    return lo, hi
