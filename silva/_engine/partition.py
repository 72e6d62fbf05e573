"""Stable partition of nodes' slices of the row-index array into left and right children.

Rows keep their relative order on each side, so every later sum runs in the same order whatever the
number of threads. The per-row gradients travel with the indices (``ordered_g``/``ordered_h`` stay
aligned with ``sample_indices``), so histogram building never gathers.

Work is cut into chunks of fixed size (independent of the thread count) over all nodes of a call: a
parallel count, a prefix sum giving each chunk its write offsets, a parallel write and a copy back.
A call with a single chunk runs sequentially: a parallel region costs more than it saves there.
"""
import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from .histogram import PREFETCH_AHEAD, SPARSE_SHARE
from .prefetch import prefetch_row
from .routing import goes_left

_CHUNK = 16384


@njit(cache=True)
def _count_left(X_tiles, f, sample_indices, lo, hi, bin_threshold, missing_left, missing_bin, is_cat,
                cat_set, sparse):
    tile = X_tiles[f // TILE]
    k = f % TILE
    cnt = 0
    for pos in range(lo, hi):
        if sparse and pos + PREFETCH_AHEAD < hi:
            prefetch_row(tile, sample_indices[pos + PREFETCH_AHEAD])
        if goes_left(tile[sample_indices[pos], k], bin_threshold, missing_left, missing_bin, is_cat, cat_set):
            cnt += 1
    return cnt


@njit(cache=True)
def _write_chunk(X_tiles, f, sample_indices, ordered_g, ordered_h, buf_i, buf_g, buf_h, lo, hi, li, ri,
                 bin_threshold, missing_left, missing_bin, is_cat, cat_set, sparse):
    tile = X_tiles[f // TILE]
    k = f % TILE
    for pos in range(lo, hi):
        if sparse and pos + PREFETCH_AHEAD < hi:
            prefetch_row(tile, sample_indices[pos + PREFETCH_AHEAD])
        i = sample_indices[pos]
        if goes_left(tile[i, k], bin_threshold, missing_left, missing_bin, is_cat, cat_set):
            buf_i[li] = i
            buf_g[li] = ordered_g[pos]
            buf_h[li] = ordered_h[pos]
            li += 1
        else:
            buf_i[ri] = i
            buf_g[ri] = ordered_g[pos]
            buf_h[ri] = ordered_h[pos]
            ri += 1


@njit(parallel=True, cache=True)
def partition_nodes(X_tiles, sample_indices, ordered_g, ordered_h, buf_i, buf_g, buf_h, starts, stops,
                    features, bin_thresholds, missing_lefts, missing_bin, is_cat, cat_sets, n_left_out):
    """Partition each node j's slice [starts[j], stops[j]) of (sample_indices, ordered_g, ordered_h) into
    the same slice of (buf_i, buf_g, buf_h), left rows first; n_left_out[j] gets its left count.
    ``is_cat[j]``: node j splits on categories, the bins with ``cat_sets[j, b] == 1`` going left."""
    n_nodes = starts.size
    # a node with a small share of all rows reads them scattered: prefetch ahead (see histogram.py)
    sparse = np.empty(n_nodes, dtype=np.bool_)
    for j in range(n_nodes):
        sparse[j] = (stops[j] - starts[j]) < SPARSE_SHARE * X_tiles.shape[1]
    task_offsets = np.zeros(n_nodes + 1, dtype=np.int64)
    for j in range(n_nodes):
        task_offsets[j + 1] = task_offsets[j] + (stops[j] - starts[j] + _CHUNK - 1) // _CHUNK
    n_tasks = task_offsets[n_nodes]
    task_node = np.empty(n_tasks, dtype=np.int64)
    for j in range(n_nodes):
        task_node[task_offsets[j]:task_offsets[j + 1]] = j
    left_counts = np.zeros(n_tasks, dtype=np.int64)
    if n_tasks > 1:
        for t in prange(n_tasks):
            j = task_node[t]
            lo = starts[j] + (t - task_offsets[j]) * _CHUNK
            hi = min(lo + _CHUNK, stops[j])
            left_counts[t] = _count_left(X_tiles, features[j], sample_indices, lo, hi,
                                         bin_thresholds[j], missing_lefts[j], missing_bin,
                                         is_cat[j], cat_sets[j], sparse[j])
    elif n_tasks == 1:
        left_counts[0] = _count_left(X_tiles, features[0], sample_indices, starts[0], stops[0],
                                     bin_thresholds[0], missing_lefts[0], missing_bin,
                                     is_cat[0], cat_sets[0], sparse[0])
    # write offsets: a node's left rows first (chunk by chunk), then its right rows
    left_off = np.empty(n_tasks, dtype=np.int64)
    right_off = np.empty(n_tasks, dtype=np.int64)
    for j in range(n_nodes):
        acc = starts[j]
        for t in range(task_offsets[j], task_offsets[j + 1]):
            left_off[t] = acc
            acc += left_counts[t]
        n_left_out[j] = acc - starts[j]
        for t in range(task_offsets[j], task_offsets[j + 1]):
            right_off[t] = acc
            lo = starts[j] + (t - task_offsets[j]) * _CHUNK
            acc += min(lo + _CHUNK, stops[j]) - lo - left_counts[t]
    if n_tasks > 1:
        for t in prange(n_tasks):
            j = task_node[t]
            lo = starts[j] + (t - task_offsets[j]) * _CHUNK
            hi = min(lo + _CHUNK, stops[j])
            _write_chunk(X_tiles, features[j], sample_indices, ordered_g, ordered_h, buf_i, buf_g,
                         buf_h, lo, hi, left_off[t], right_off[t], bin_thresholds[j], missing_lefts[j],
                         missing_bin, is_cat[j], cat_sets[j], sparse[j])
    elif n_tasks == 1:
        lo, hi = starts[0], stops[0]
        _write_chunk(X_tiles, features[0], sample_indices, ordered_g, ordered_h, buf_i, buf_g, buf_h,
                     lo, hi, left_off[0], right_off[0], bin_thresholds[0], missing_lefts[0], missing_bin,
                     is_cat[0], cat_sets[0], sparse[0])
