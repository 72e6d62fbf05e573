"""Stable partition of a node's slice of the row-index array into left and right children.

Rows keep their relative order on each side, so every later sum runs in the same order whatever the
number of threads. Chunks of fixed size (independent of the thread count) are counted in parallel, a
prefix sum gives each chunk its write offsets, then chunks write in parallel.
"""
import numpy as np
from numba import njit, prange

_CHUNK = 16384


@njit(cache=True, inline="always")
def goes_left(b, bin_threshold, missing_left, missing_bin):
    if b == missing_bin:
        return missing_left
    return b <= bin_threshold


@njit(parallel=True, cache=True)
def partition_node(X_binned, sample_indices, buffer, start, stop, feature, bin_threshold,
                   missing_left, missing_bin):
    """Reorder sample_indices[start:stop] (left rows first); returns the number of left rows."""
    n = stop - start
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    left_counts = np.zeros(n_chunks, dtype=np.int64)
    col = X_binned[:, feature]
    for c in prange(n_chunks):
        lo = start + c * _CHUNK
        hi = min(lo + _CHUNK, stop)
        cnt = 0
        for pos in range(lo, hi):
            if goes_left(col[sample_indices[pos]], bin_threshold, missing_left, missing_bin):
                cnt += 1
        left_counts[c] = cnt
    left_offsets = np.empty(n_chunks, dtype=np.int64)
    right_offsets = np.empty(n_chunks, dtype=np.int64)
    total_left = 0
    for c in range(n_chunks):
        left_offsets[c] = total_left
        total_left += left_counts[c]
    acc = total_left
    for c in range(n_chunks):
        right_offsets[c] = acc
        lo = c * _CHUNK
        acc += min(_CHUNK, n - lo) - left_counts[c]
    for c in prange(n_chunks):
        lo = start + c * _CHUNK
        hi = min(lo + _CHUNK, stop)
        li = start + left_offsets[c]
        ri = start + right_offsets[c]
        for pos in range(lo, hi):
            i = sample_indices[pos]
            if goes_left(col[i], bin_threshold, missing_left, missing_bin):
                buffer[li] = i
                li += 1
            else:
                buffer[ri] = i
                ri += 1
    for pos in prange(start, stop):
        sample_indices[pos] = buffer[pos]
    return total_left
