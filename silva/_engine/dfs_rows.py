"""Row passes of the depth-first grower (``dfs_grower._grow_one``) over a node's contiguous rows.

A node's rows, weights and targets lie contiguous in one half of ping-pong buffers (rows2 / w2 / t2);
t2 holds T values per row (``target_width``): the target or the class, or a multi-output regression's
K targets side by side. ``_gather`` copies the bins of up to ``_GATHER`` candidate features of those
rows into contiguous stretches (one pass over the row-major records), which the split search then
reads; ``_partition`` / ``_partition_cat`` write the children into the other half.
"""
import numpy as np
from numba import njit

from .prefetch import prefetch_flat
from .routing import bin_goes_left, table_goes_left

_PREFETCH = 16  # rows ahead whose records _gather asks the cache for
_GATHER = 8  # candidate features whose bins one pass over a node's rows gathers (_gather unrolls 8)


@njit(cache=True, inline="always")
def two_channels(K, classification):
    """Whether a node's stats fit (sum w y, sum w) -- one regression output, or two classes (y the
    class) -- kept in registers; else K channels: class weights, or the sums w y_k of K outputs."""
    return K == 1 or (classification and K == 2)


@njit(cache=True, inline="always")
def target_width(K, classification):
    """Values per row in the targets and t2: K for a multi-output regression, else 1."""
    return 1 if classification else K


@njit(cache=True, inline="always")
def add_row(stat, base, t2, q, w, K, classification):
    """Add the row at t2 position q, of weight w, to the K channels stat[base:base + K] (not the weight
    channel): w to its class's channel, or w y_k to output k's."""
    if classification:
        stat[base + np.uint64(t2[q])] += w
    else:
        uK = np.uint64(K)
        for k in range(uK):
            stat[base + k] += w * t2[q * uK + k]


@njit(cache=True, inline="always")
def move_row(rows2, w2, t2, q, p, T):
    """Copy the row at buffer position p (its row, weight and T target values) to position q."""
    rows2[q] = rows2[p]
    w2[q] = w2[p]
    if T == 1:
        t2[q] = t2[p]
    else:
        uT = np.uint64(T)
        for k in range(uT):
            t2[q * uT + k] = t2[p * uT + k]


@njit(cache=True)
def _gather(X_flat, d, rows2, src, m, feats, q0, nq, kbs, n):
    """kbs[j * n + p] = bin of feature feats[q0 + j] of row rows2[src + p], for j < nq <= _GATHER (= 8);
    ``X_flat``: the row-major bins (n_rows x d) flattened.

    The loop over the features is unrolled (a fixed count: short counts repeat their last feature),
    so each row's record is read once (and asked for _PREFETCH rows ahead); the features' bins stream
    into their own stretches of kbs."""
    s = np.uint64(src)
    un = np.uint64(n)
    ud = np.uint64(d)
    last = s + np.uint64(m - 1)
    pf = m > 2 * _PREFETCH  # small nodes: their rows were just read by the parent (cached)
    if nq > 4:
        f0, f1, f2, f3 = feats[q0], feats[q0 + 1], feats[q0 + 2], feats[q0 + 3]
        f4 = feats[q0 + 4]
        f5 = feats[q0 + min(5, nq - 1)]
        f6 = feats[q0 + min(6, nq - 1)]
        f7 = feats[q0 + min(7, nq - 1)]
        for p in range(np.uint64(m)):
            if pf:
                ahead = np.uint64(rows2[min(s + p + np.uint64(_PREFETCH), last)]) * ud
                prefetch_flat(X_flat, ahead)
                prefetch_flat(X_flat, ahead + ud - np.uint64(1))
            r = np.uint64(rows2[s + p]) * ud
            kbs[p] = X_flat[r + np.uint64(f0)]
            kbs[un + p] = X_flat[r + np.uint64(f1)]
            kbs[2 * un + p] = X_flat[r + np.uint64(f2)]
            kbs[3 * un + p] = X_flat[r + np.uint64(f3)]
            kbs[4 * un + p] = X_flat[r + np.uint64(f4)]
            kbs[5 * un + p] = X_flat[r + np.uint64(f5)]
            kbs[6 * un + p] = X_flat[r + np.uint64(f6)]
            kbs[7 * un + p] = X_flat[r + np.uint64(f7)]
    elif nq > 1:
        f0, f1 = feats[q0], feats[q0 + 1]
        f2 = feats[q0 + min(2, nq - 1)]
        f3 = feats[q0 + min(3, nq - 1)]
        for p in range(np.uint64(m)):
            if pf:
                ahead = np.uint64(rows2[min(s + p + np.uint64(_PREFETCH), last)]) * ud
                prefetch_flat(X_flat, ahead)
                prefetch_flat(X_flat, ahead + ud - np.uint64(1))
            r = np.uint64(rows2[s + p]) * ud
            kbs[p] = X_flat[r + np.uint64(f0)]
            kbs[un + p] = X_flat[r + np.uint64(f1)]
            kbs[2 * un + p] = X_flat[r + np.uint64(f2)]
            kbs[3 * un + p] = X_flat[r + np.uint64(f3)]
    else:
        f0 = np.uint64(feats[q0])
        for p in range(np.uint64(m)):
            if pf:
                ahead = np.uint64(rows2[min(s + p + np.uint64(_PREFETCH), last)]) * ud
                prefetch_flat(X_flat, ahead + f0)
            kbs[p] = X_flat[np.uint64(rows2[s + p]) * ud + f0]


@njit(cache=True)
def _bin_range(kbs, off, m, missing_bin):
    """(smallest value bin, largest value bin, number of missing) of the bins kbs[off:off + m]."""
    o = np.uint64(off)
    b_min = missing_bin
    b_max = 0
    n_miss = 0
    for p in range(np.uint64(m)):
        b = np.int64(kbs[o + p])
        is_miss = b == missing_bin
        n_miss += np.int64(is_miss)
        b_min = min(b_min, b)
        b_max = max(b_max, 0 if is_miss else b)
    return b_min, b_max, n_miss


@njit(cache=True, inline="always")
def _totals(t2, w2, src, m, K, classification, total, acc):
    """total = the stats of rows src..src+m-1 (class weights and the weight, or sums w y_k and the weight).
    Sums in registers (binary: the class-1 weight; more classes: four interleaved accumulators), so
    consecutive rows do not wait on each other; inlined into _grow_one, whose sums may vectorise."""
    s = np.uint64(src)
    um = np.uint64(m)
    if two_channels(K, classification):
        s_y = 0.0
        s_w = 0.0
        for p in range(um):
            s_y += w2[s + p] * t2[s + p]
            s_w += w2[s + p]
        if classification:
            total[0] = s_w - s_y
            total[1] = s_y
            total[2] = s_w
        else:
            total[0] = s_y
            total[1] = s_w
    elif not classification:
        # K outputs: one fixed order of sums, whatever the threads
        for c in range(K):
            total[c] = 0.0
        s_w = 0.0
        for p in range(um):
            add_row(total, np.uint64(0), t2, s + p, w2[s + p], K, False)
            s_w += w2[s + p]
        total[K] = s_w
    else:
        for c in range(4 * K):
            acc[c] = 0.0
        s_w = 0.0
        for p in range(um):
            acc[(p & np.uint64(3)) * np.uint64(K) + np.uint64(t2[s + p])] += w2[s + p]
            s_w += w2[s + p]
        for c in range(K):
            total[c] = (acc[c] + acc[K + c]) + (acc[2 * K + c] + acc[3 * K + c])
        total[K] = s_w


@njit(cache=True)
def _partition(kb, off, m, rows2, w2, t2, T, src, dst, nl, t, missing_left, missing_bin):
    """Stable partition of rows src..src+m-1 (``kb[off:off + m]``: their bins of the split feature) into
    dst..dst+m-1: the rows that go left (bin <= t, or missing when missing_left) first, each side in its
    original order; each row takes its T target values along. Branch-free: a row is written at its
    side's cursor and only that cursor moves."""
    s = np.uint64(src)
    o = np.uint64(off)
    li = np.uint64(dst)
    ri = np.uint64(dst + nl)
    for p in range(np.uint64(m)):
        b = kb[o + p]
        go = bin_goes_left(b, t, missing_left == 1, missing_bin)
        q = li if go else ri
        move_row(rows2, w2, t2, q, s + p, T)
        li += np.uint64(go)
        ri += np.uint64(not go)


@njit(cache=True)
def _partition_cat(kb, off, m, rows2, w2, t2, T, src, dst, nl, table, missing_left, missing_bin):
    """``_partition`` of a categorical split: a row goes left when ``table`` marks its bin (missing rows:
    when missing_left)."""
    s = np.uint64(src)
    o = np.uint64(off)
    li = np.uint64(dst)
    ri = np.uint64(dst + nl)
    for p in range(np.uint64(m)):
        b = kb[o + p]
        go = table_goes_left(b, table, missing_left == 1, missing_bin)
        q = li if go else ri
        move_row(rows2, w2, t2, q, s + p, T)
        li += np.uint64(go)
        ri += np.uint64(not go)
