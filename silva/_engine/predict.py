"""Compiled prediction over a forest's flat node arrays, parallel over blocks of rows."""
import numba
import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from ..data.binning import category_bin
from ._memory import empty_pages
from .routing import in_bitset, raw_goes_left, stored_goes_left

_BLOCK = 64  # rows walked together through each tree, so a tree's nodes stay in cache


@njit(cache=True, inline="always")
def raw_leaf(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
             missing_bin):
    """Leaf (absolute index) reached by raw row i in the tree rooted at ``base`` (field arrays; children
    relative to the root)."""
    node = base
    while left[node] != -1:
        go_left = raw_goes_left(X[i, feature[node]], node, feature, threshold, missing_left, cat_index, cat_bins,
                                cat_map, cat_offsets, missing_bin)
        node = base + (left[node] if go_left else right[node])
    return node


@njit(cache=True, inline="always")
def binned_leaf(X_tiles, i, base, missing_bin, feature, bin_threshold, missing_left, left, right, cat_index,
                cat_bins):
    """Leaf (absolute index) reached by row i of data binned with the training thresholds (tiles)."""
    node = base
    while left[node] != -1:
        f = feature[node]
        go_left = stored_goes_left(X_tiles[f // TILE, i, f % TILE], node, bin_threshold, missing_left, cat_index,
                                   cat_bins, missing_bin)
        node = base + (left[node] if go_left else right[node])
    return node


@njit(parallel=True, cache=True)
def predict_raw(X, feature, threshold, missing_left, left, right, value, cat_index, cat_bins, is_cat,
                cat_map, cat_offsets, missing_bin, tree_offsets, tree_output, t_begin, t_end, out):
    """out[i, tree_output[t]] += leaf value of row i in tree t, for trees t_begin..t_end-1.

    Numeric splits compare raw values with the threshold; categorical ones map the code to its
    training bin (unseen codes: the missing bin) and test the node's bitset."""
    n = X.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for t in range(t_begin, t_end):
            base = tree_offsets[t]
            k = tree_output[t]
            for i in range(lo, hi):
                node = raw_leaf(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins,
                                cat_map, cat_offsets, missing_bin)
                out[i, k] += value[node]


# Packed nodes for walking raw rows: one 16-byte record per node, so a step down the tree touches one
# cache line instead of five field arrays (deep forest trees do not fit in cache; a 100-tree random
# forest on 100k rows has over a million nodes). Record = (threshold or categorical row, code) with
# code = -1 at a leaf, else left child (absolute; right = left + 1) << 26 | feature << 2 | is_cat << 1
# | missing_left. Tables whose right child is not left + 1 (never written by silva) fall back to the
# field-array walk.
_FEATURE_BITS = 24


@njit(cache=True)
def _pack(feature, threshold, missing_left, left, right, cat_index, tree_offsets, rec_f, rec_i):
    """Fill the packed records; False when some node's right child is not left + 1."""
    for t in range(tree_offsets.size - 1):
        base = tree_offsets[t]
        for node in range(base, tree_offsets[t + 1]):
            if left[node] == -1:
                rec_f[node, 0] = 0.0
                rec_i[node, 1] = -1
                continue
            if right[node] != left[node] + 1:
                return False
            is_cat = cat_index[node] >= 0
            rec_f[node, 0] = float(cat_index[node]) if is_cat else threshold[node]
            rec_i[node, 1] = ((base + left[node]) << 26) | (np.int64(feature[node]) << 2) \
                | (np.int64(is_cat) << 1) | np.int64(missing_left[node])
    return True


def pack_forest(forest):
    """(rec_f, rec_i): two views of the packed records, or None when the table cannot be packed."""
    nd = forest.nodes
    if nd["feature"].size and int(nd["feature"].max()) >= 1 << _FEATURE_BITS:
        return None
    rec_f = empty_pages((nd["left"].size, 2), np.float64)
    rec_i = rec_f.view(np.int64)
    if not _pack(nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                 nd["cat_index"], forest.tree_offsets, rec_f, rec_i):
        return None
    return rec_f, rec_i


@njit(cache=True, inline="always")
def _leaf(X, i, node, rec_f, rec_i, cat_bins, cat_map, cat_offsets, missing_bin):
    """Leaf (absolute index) reached by row i from ``node`` on packed records."""
    code = rec_i[node, 1]
    while code >= 0:
        f = (code >> 2) & ((1 << _FEATURE_BITS) - 1)
        x = X[i, f]
        if np.isnan(x):
            go_left = (code & 1) == 1
        elif (code & 2) != 0:
            b = category_bin(x, cat_map[cat_offsets[f]:cat_offsets[f + 1]], missing_bin)
            if b == missing_bin:
                go_left = (code & 1) == 1
            else:
                go_left = in_bitset(cat_bins[int(rec_f[node, 0])], b)
        else:
            go_left = x <= rec_f[node, 0]
        node = (code >> 26) + (0 if go_left else 1)
        code = rec_i[node, 1]
    return node


@njit(parallel=True, cache=True)
def predict_packed(X, rec_f, rec_i, cat_bins, cat_map, cat_offsets, missing_bin, tree_offsets, tree_output,
                   value, values, t_begin, t_end, block, out):
    """As ``predict_raw`` on packed records, ``block`` rows per task; with ``values`` (n_nodes, K)
    non-empty, adds the leaf's vector to out[i, :] instead of its scalar to out[i, tree_output[t]]."""
    n = X.shape[0]
    n_blocks = (n + block - 1) // block
    vector = values.shape[0] > 0
    for blk in prange(n_blocks):
        lo = blk * block
        hi = min(lo + block, n)
        for t in range(t_begin, t_end):
            base = tree_offsets[t]
            k = tree_output[t]
            for i in range(lo, hi):
                leaf = _leaf(X, i, base, rec_f, rec_i, cat_bins, cat_map, cat_offsets, missing_bin)
                if vector:
                    for c in range(values.shape[1]):
                        out[i, c] += values[leaf, c]
                else:
                    out[i, k] += value[leaf]


_LOCKSTEP = 64  # rows walked down a tree together (independent loads in flight, no unpredictable branch)


@njit(parallel=True, cache=True)
def predict_lockstep(X, rec_f, rec_i, tree_offsets, tree_output, value, t_begin, t_end, out):
    """As ``predict_raw`` on packed records of numeric splits, for shallow trees (boosters): _LOCKSTEP rows
    go down a tree together, one level per pass, each step a branch-free select, so the loads of
    different rows overlap instead of each row waiting on its own chain and on mispredicted branches; a
    row at its leaf stays there until the group is done. Each row still sums the trees in order
    (bit-identical to the one-row walk). Measured on 200k rows x 100 depth-6 trees, 2 threads: 0.42 s
    one row at a time, 0.13 s in lockstep. A categorical test in the step doubles its cost, so forests
    with categorical splits take ``predict_packed``; so do deep forest trees, whose leaves lie at very
    different depths (lockstep measured 2.1 s against 1.8 s there)."""
    n = X.shape[0]
    W = _LOCKSTEP
    block = 16 * W
    mask = (1 << _FEATURE_BITS) - 1
    for blk in prange((n + block - 1) // block):
        lo = blk * block
        hi = min(lo + block, n)
        nodes = np.empty(W, dtype=np.int64)
        rows = np.empty(W, dtype=np.int64)
        for i0 in range(lo, hi, W):
            w = min(W, hi - i0)
            for j in range(W):
                rows[j] = i0 + min(j, w - 1)  # a short last group repeats its last row
            for t in range(t_begin, t_end):
                base = tree_offsets[t]
                for j in range(W):
                    nodes[j] = base
                while True:
                    moved = 0
                    for j in range(W):
                        node = nodes[j]
                        code = rec_i[node, 1]
                        c = max(code, 0)  # a leaf's code is -1: read a valid feature, then stay
                        f = (c >> 2) & mask
                        x = X[rows[j], f]
                        go_left = (x <= rec_f[node, 0]) | (np.isnan(x) & ((c & 1) == 1))
                        active = code >= 0
                        nodes[j] = (c >> 26) + (1 - np.int64(go_left)) if active else node
                        moved += np.int64(active)  # a count: a boolean "any moved" flag measured 2x slower
                    if moved == 0:
                        break
                k = tree_output[t]
                for j in range(w):
                    out[i0 + j, k] += value[nodes[j]]


@njit(parallel=True, cache=True)
def predict_leaves(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
                   missing_bin, tree_offsets, out):
    """out[t, i] = leaf (absolute node index) of raw row i in tree t: the per-learner outputs of a
    weighted vote (AdaBoost), categorical splits tested as in ``predict_raw``."""
    n = X.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for t in range(tree_offsets.size - 1):
            base = tree_offsets[t]
            for i in range(lo, hi):
                out[t, i] = raw_leaf(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins,
                                     cat_map, cat_offsets, missing_bin)


@njit(parallel=True, cache=True)
def predict_values(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
                   missing_bin, values, tree_offsets, out):
    """out[i, :] += values[leaf of row i in tree t, :] over all trees (field arrays: tables that cannot be
    packed)."""
    n = X.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for t in range(tree_offsets.size - 1):
            base = tree_offsets[t]
            for i in range(lo, hi):
                node = raw_leaf(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins,
                                cat_map, cat_offsets, missing_bin)
                for k in range(values.shape[1]):
                    out[i, k] += values[node, k]


@njit(parallel=True, cache=True)
def predict_binned(X_tiles, missing_bin, feature, bin_threshold, missing_left, left, right, value,
                   cat_index, cat_bins, tree_offsets, tree_output, t_begin, t_end, out):
    """As ``predict_raw`` on data binned with the training thresholds (validation sets, unsampled rows)."""
    n = X_tiles.shape[1]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for t in range(t_begin, t_end):
            base = tree_offsets[t]
            k = tree_output[t]
            for i in range(lo, hi):
                node = binned_leaf(X_tiles, i, base, missing_bin, feature, bin_threshold, missing_left, left, right,
                                   cat_index, cat_bins)
                out[i, k] += value[node]


@njit(parallel=True, cache=True)
def predict_binned_values(X_tiles, missing_bin, feature, bin_threshold, missing_left, left, right, cat_index,
                          cat_bins, values, tree_offsets, out):
    """out[i, :] += values[leaf of binned row i in tree t, :] over all trees (CART-family forests on their
    training bins: AdaBoost's rounds)."""
    n = X_tiles.shape[1]
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        lo = blk * _BLOCK
        hi = min(lo + _BLOCK, n)
        for t in range(tree_offsets.size - 1):
            base = tree_offsets[t]
            for i in range(lo, hi):
                node = binned_leaf(X_tiles, i, base, missing_bin, feature, bin_threshold, missing_left, left, right,
                                   cat_index, cat_bins)
                for k in range(values.shape[1]):
                    out[i, k] += values[node, k]


@njit(parallel=True, cache=True)
def add_leaf_values(raw, sample_indices, leaf_starts, leaf_stops, leaf_values):
    """Training scores from leaf slices of the row-index array: no tree walk needed.

    Leaves are sorted by start and tile ``[leaf_starts[0], leaf_stops[-1])``; blocks of positions
    are spread over threads whatever the number of leaves.
    """
    if leaf_starts.size == 0:
        return
    lo_all = leaf_starts[0]
    n = leaf_stops[-1] - lo_all
    block = 4096
    for blk in prange((n + block - 1) // block):
        lo = lo_all + blk * block
        hi = min(lo + block, lo_all + n)
        j = np.searchsorted(leaf_starts, lo, side="right") - 1
        for pos in range(lo, hi):
            while pos >= leaf_stops[j]:
                j += 1
            raw[sample_indices[pos]] += leaf_values[j]


def forest_predict_raw(forest, X, n_outputs, baseline, t_end=None, t_begin=0):
    """Raw scores (n_samples, n_outputs) of ``X`` from the baseline plus trees [t_begin, t_end)."""
    out = np.empty((X.shape[0], n_outputs), dtype=np.float64)
    out[:] = baseline
    t_end = forest.n_trees if t_end is None else t_end
    _add_trees(forest, pack_forest(forest), X, out, t_begin, t_end)
    return out


def staged_raw(forest, X, n_outputs, baseline, trees_per_stage):
    """Raw scores after each stage of ``trees_per_stage`` trees (a boosting round): one running sum to
    which each stage adds its trees, so stage i equals ``forest_predict_raw(..., t_end=(i+1) * trees_per_stage)``
    bit for bit (each row sums the trees in the same order)."""
    out = np.empty((X.shape[0], n_outputs), dtype=np.float64)
    out[:] = baseline
    packed = pack_forest(forest)
    for t in range(0, forest.n_trees, trees_per_stage):
        _add_trees(forest, packed, X, out, t, min(t + trees_per_stage, forest.n_trees))
        yield out.copy()


def _add_trees(forest, packed, X, out, t_begin, t_end):
    """out[i, tree_output[t]] += leaf value of row i in tree t, for t in [t_begin, t_end)."""
    nd, cats = forest.nodes, forest.categories
    value = forest.value_column(0)
    if packed is not None and not np.any(nd["cat_index"] >= 0):
        predict_lockstep(X, *packed, forest.tree_offsets, forest.tree_output, value, t_begin, t_end, out)
    elif packed is not None:
        predict_packed(X, *packed, forest.cat_bins, cats.map_flat, cats.map_offsets, cats.missing_bin,
                       forest.tree_offsets, forest.tree_output, value, np.zeros((0, 1)), t_begin, t_end, 256,
                       out)
    else:
        predict_raw(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                    value, nd["cat_index"], forest.cat_bins, cats.is_categorical, cats.map_flat,
                    cats.map_offsets, cats.missing_bin, forest.tree_offsets, forest.tree_output, t_begin, t_end,
                    out)


def forest_add_binned(forest, X_tiles, missing_bin, raw, t_begin, t_end):
    nd = forest.nodes
    predict_binned(X_tiles, missing_bin, nd["feature"], nd["bin_threshold"], nd["missing_left"],
                   nd["left"], nd["right"], forest.value_column(0), nd["cat_index"], forest.cat_bins,
                   forest.tree_offsets, forest.tree_output, t_begin, t_end, raw)


def _deep_block(n_rows):
    """Rows per task for deep trees: each thread walks one contiguous share of the rows through one tree
    after another. A forest tree's packed nodes fit in a core's L2 (a 40k-node tree is 640 KB) while the
    rows stream through in order, which the prefetcher follows; smaller blocks re-read every tree per
    block instead. Measured on 200k rows x 100 extra trees (4M nodes), 2 threads: blocks of 4096 rows
    3.09 s, 16384 2.42 s, one share per thread 1.98 s (one thread, 20 trees: 0.89 / 0.83 / 0.66 s)."""
    return int(max(64, -(-n_rows // max(1, numba.get_num_threads()))))


def forest_predict_values(forest, X):
    """Sum over trees of each row's leaf value vector, shape (n_samples, K): divide by the number of
    trees for a forest average. For CART-family forests (``forest.values``)."""
    out = np.zeros((X.shape[0], forest.values.shape[1]), dtype=np.float64)
    nd = forest.nodes
    packed = pack_forest(forest)
    if packed is not None:
        cats = forest.categories
        predict_packed(X, *packed, forest.cat_bins, cats.map_flat, cats.map_offsets, cats.missing_bin,
                       forest.tree_offsets, forest.tree_output, np.zeros(0), forest.values, 0, forest.n_trees,
                       _deep_block(X.shape[0]), out)
        return out
    cats = forest.categories
    predict_values(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"], nd["cat_index"],
                   forest.cat_bins, cats.map_flat, cats.map_offsets, cats.missing_bin, forest.values,
                   forest.tree_offsets, out)
    return out


def forest_leaves(forest, X):
    """Leaf (absolute node index) of every row in every tree, shape (n_trees, n_samples)."""
    out = np.empty((forest.n_trees, X.shape[0]), dtype=np.int64)
    nd, cats = forest.nodes, forest.categories
    predict_leaves(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                   nd["cat_index"], forest.cat_bins, cats.map_flat, cats.map_offsets, cats.missing_bin,
                   forest.tree_offsets, out)
    return out
