"""Out-of-bag prediction of a bootstrapped CART forest: each training row's leaf vectors averaged over
the trees whose bootstrap sample left it out. The samples are drawn again from the trees' seeds
(``bootstrap.RowGroups.counts``), a batch of trees at a time, instead of being kept from the fit."""
import numpy as np
from numba import njit, prange

from .predict import raw_leaf

_BLOCK = 64  # rows walked together through each tree (cache reuse), as the engine's predictors
_OOB_TREES = 64  # trees per out-of-bag batch (bounds the in-bag mask: trees x rows bytes)


@njit(parallel=True, cache=True)
def oob_sums(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
             missing_bin, values, tree_offsets, t_begin, inbag, out, n_pred):
    """For trees t_begin.. (tree_offsets holds them all), rows i with ``inbag[t - t_begin, i] == 0``:
    out[i] += the leaf vector, n_pred[i] += 1 (raw values, as predict)."""
    n = X.shape[0]
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for tt in range(inbag.shape[0]):
            t = t_begin + tt
            base = tree_offsets[t]
            for i in range(lo, hi):
                if inbag[tt, i]:
                    continue
                node = raw_leaf(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins,
                                cat_map, cat_offsets, missing_bin)
                for k in range(values.shape[1]):
                    out[i, k] += values[node, k]
                n_pred[i] += 1


def oob_values(forest, X, groups, seeds, n_draws):
    """(values, n_pred): each row's leaf vectors (``forest.values``) averaged over the trees that did
    not draw it, (n, K), and the number of those trees (0: no out-of-bag tree; its values stay 0).
    ``groups``: the training rows' ``bootstrap.RowGroups``; tree t's sample is ``n_draws`` draws with
    seed ``seeds[t]``. Rows outside every group (weight 0) are out of every bag."""
    nd = forest.nodes
    n = X.shape[0]
    out = np.zeros((n, forest.values.shape[1]))
    n_pred = np.zeros(n, dtype=np.int64)
    gor = groups.group_of_row
    has_group = gor >= 0
    for t0 in range(0, forest.n_trees, _OOB_TREES):
        t1 = min(t0 + _OOB_TREES, forest.n_trees)
        inbag = np.zeros((t1 - t0, n), dtype=np.uint8)
        for t in range(t0, t1):
            counts = groups.counts(seeds[t], n_draws)
            inbag[t - t0, has_group] = counts[gor[has_group]] > 0
        oob_sums(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                 nd["cat_index"], forest.cat_bins, forest.categories.map_flat, forest.categories.map_offsets,
                 forest.categories.missing_bin, forest.values, forest.tree_offsets, t0, inbag, out, n_pred)
    out /= np.maximum(n_pred, 1)[:, None]
    return out, n_pred
