"""Compiled helpers of the CART family (``_cart_base``): row hashing for the bootstrap, prediction of
out-of-bag rows, exact mode's node-local thresholds, the bins' value ranges (extra trees) and minimal
cost-complexity pruning. Rows are routed by the engine's walkers (``_engine/predict.raw_leaf``)."""
import heapq

import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from .._engine.predict import raw_goes_left, raw_leaf

_BLOCK = 64  # rows walked together through each tree (cache reuse), as the engine's predictors



@njit(cache=True, inline="always")
def _mix64(z):
    """splitmix64's finaliser: a bijective scramble of 64 bits."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(parallel=True, cache=True)
def _hash_rows(bits, ybits, out):
    """out[i]: a 64-bit hash of row i's value bits and its target's bits."""
    n, d = bits.shape
    for i in prange(n):
        h = _mix64(ybits[i] ^ np.uint64(0x9E3779B97F4A7C15))
        for j in range(d):
            h = _mix64(h ^ (bits[i, j] + np.uint64(j) * np.uint64(0xD1B54A32D192ED03)))
        out[i] = h


@njit(parallel=True, cache=True)
def _oob_values(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
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


@njit(parallel=True, cache=True)
def _local_thresholds(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map,
                      cat_offsets, missing_bin, tree_offsets, rows, row_offsets):
    """Exact mode: move every numeric split's threshold to the midpoint between the largest value that
    goes left and the smallest that goes right among the tree's own rows (scikit-learn's thresholds),
    instead of the midpoint between neighbours over all rows. The rows' partition is unchanged; unseen
    values between the two midpoints are then sent where scikit-learn sends them."""
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
            if left[g] != -1 and np.isfinite(lo_max[node]) and np.isfinite(hi_min[node]):
                mid = lo_max[node] / 2.0 + hi_min[node] / 2.0
                if mid >= hi_min[node] or not np.isfinite(mid):  # rounding: stay strictly below
                    mid = lo_max[node]
                threshold[g] = mid


@njit(parallel=True, cache=True)
def _bin_bounds(X, X_tiles, rows, lo, hi):
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


@njit(cache=True)
def _ccp_prune(left, right, alpha_gain, ccp_alpha, path_alphas, path_gains):
    """Minimal cost-complexity pruning (weakest link) of one tree.

    ``alpha_gain[i]``: node i's split gain in units of R (impurity x weight share). Repeatedly prunes the
    internal node of least effective alpha ``sum of its subtree's gains / (its leaves - 1)`` (ties: the
    lowest index, as scikit-learn) while that alpha is <= ccp_alpha. Returns the mask of the splits
    kept; records each prune's alpha and the remaining total gain in path_* (the count is returned too).
    """
    n = left.size
    parent = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if left[i] >= 0:
            parent[left[i]] = i
            parent[right[i]] = i
    n_leaves = np.ones(n, dtype=np.int64)
    sub_gain = np.zeros(n)
    for i in range(n - 1, -1, -1):  # children follow parents: bottom-up by reversed index
        if left[i] >= 0:
            n_leaves[i] = n_leaves[left[i]] + n_leaves[right[i]]
            sub_gain[i] = alpha_gain[i] + sub_gain[left[i]] + sub_gain[right[i]]
    split = left >= 0
    version = np.zeros(n, dtype=np.int64)
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    for i in range(n):
        if split[i]:
            heapq.heappush(heap, (sub_gain[i] / (n_leaves[i] - 1), np.int64(i), np.int64(0)))
    n_rec = 0
    stack = np.empty(n, dtype=np.int64)
    held = [(0.0, np.int64(0), np.int64(0))]
    while len(heap) > 0:
        a, node, ver = heapq.heappop(heap)
        if not split[node] or ver != version[node]:
            continue  # stale entry: the node was pruned or its subtree changed
        if a > ccp_alpha:
            break
        # alphas equal but for rounding (a parent whose split gains as much as its child's) are ties:
        # the lowest index goes first, as scikit-learn's scan, so the path has the same steps
        held.clear()
        tol = a + 1e-9 * abs(a) + 1e-300
        while len(heap) > 0 and heap[0][0] <= tol:
            b, other, over = heapq.heappop(heap)
            if split[other] and over == version[other]:
                if other < node:
                    held.append((a, node, ver))
                    a, node, ver = b, other, over
                else:
                    held.append((b, other, over))
        for item in held:
            heapq.heappush(heap, item)
        d_leaves = n_leaves[node] - 1
        d_gain = sub_gain[node]
        # the subtree's splits go; the node becomes a leaf
        sp = 0
        stack[0] = node
        while sp >= 0:
            m = stack[sp]
            sp -= 1
            if split[m]:
                split[m] = False
                sp += 1
                stack[sp] = left[m]
                sp += 1
                stack[sp] = right[m]
        n_leaves[node] = 1
        sub_gain[node] = 0.0
        p = parent[node]
        while p >= 0:
            n_leaves[p] -= d_leaves
            sub_gain[p] -= d_gain
            version[p] += 1
            heapq.heappush(heap, (max(sub_gain[p], 0.0) / (n_leaves[p] - 1), p, version[p]))
            p = parent[p]
        if n_rec < path_alphas.size:
            path_alphas[n_rec] = a
            path_gains[n_rec] = sub_gain[0]
            n_rec += 1
    return split, n_rec
