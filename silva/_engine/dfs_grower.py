"""Compiled depth-first growth of deep trees (CART, random forests, extra trees, AdaBoost learners).

Forest trees are grown deep and have tens of thousands of nodes, so the whole loop -- split search,
partition, stack -- runs inside one compiled function per tree, and trees are grown in parallel
(``grow_trees``: each thread grows its share of the trees with its own scratch buffers), never
synchronising threads per node. The stack keeps memory at O(depth) whatever the tree size. The trees of
a fit come back packed as a forest stores them (``grow_forest_packed``), their nodes copied once.

Per-row statistics follow the engine's table (ARCHITECTURE.md): a regression row adds (w*y, w); a
classification row adds w to its class channel and to the weight channel, so one scan serves
squared error, Gini and entropy:
    squared error: score = (sum w y)^2 / W           -> gain = SSE decrease
    gini:          score = sum_k W_k^2 / W            -> gain = weighted Gini decrease
    entropy:       score = sum_k W_k log(W_k / W)     -> gain = weighted entropy decrease
A split's gain is score(left) + score(right) - score(parent); it must exceed ``min_gain``. Regression
and binary classification keep (sum w y, sum w) only -- y the class, 0 or 1 -- in registers.

Data layout. A node's rows, weights and targets lie contiguous in row order (a split writes its
children into the other half of ping-pong buffers). The bins are copied row-major once per fit, so one
pass over a node's rows gathers the bins of all its candidate features (up to 8 per pass, the record
of row p + 16 prefetched) into contiguous stretches that the search then reads.

Split search on a node, per candidate feature (``max_features`` of them, drawn per node):
* random forests / CART: the node's bins scanned in order -- a histogram over the node's bin range
  only, or, for few rows (or very many bins, as in exact mode), the rows sorted by bin;
* extra trees: one threshold drawn uniformly over the node's value range, as scikit-learn's extremely
  randomised trees (``_extra_bin``: the range spans the values of the node's lowest and highest bins,
  measured on the training rows), then one pass for the left sums -- no histogram, no sort;
* categorical features: a set of categories goes left (``_cat_split_sorted``: the categories ordered by
  mean target and cut; extra trees: a random subset); features with more categories than bins are
  binned by code ranges and searched in code order.
Missing values (the NaN bin; unseen categories at predict time) try both sides.
"""
import numpy as np
from numba import njit, prange

from ..data.binning import tiles_to_columns
from .prefetch import prefetch_flat

CRITERIA = {"squared_error": 0, "gini": 1, "entropy": 2}
_SMALL = 32  # rows below which sorting them beats zeroing and scanning a histogram
_INSERTION = 32  # rows below which an insertion sort beats a merge sort (and allocates nothing)
_GATHER = 8  # candidate features whose bins one pass over a node's rows gathers (_gather unrolls 8)
_PREFETCH = 16  # rows ahead whose records _gather asks the cache for
# categories with fewer rows in a node move as one group (_cat_split_sorted). LightGBM and scikit-learn's
# histogram GBDT use 10 for their shallow trees; forest trees grow deep, where 10 pools every category
# of a small node: measured on adult, titanic and 1000 synthetic categories, 5 keeps both benefits.
_MIN_CATEGORY_ROWS = 5


@njit(cache=True, inline="always")
def _score(stats, K, criterion):
    """Score of a stats vector (K channels + weight at index K)."""
    W = stats[K]
    if W <= 0.0:
        return 0.0
    if criterion == 0:
        return stats[0] * stats[0] / W
    s = 0.0
    if criterion == 1:
        for k in range(K):
            s += stats[k] * stats[k]
        return s / W
    for k in range(K):
        if stats[k] > 0.0:
            s += stats[k] * np.log(stats[k] / W)
    return s


@njit(cache=True, inline="always")
def _score2(y, W, classification, criterion):
    """``_score`` of a regression stats vector (sum w y = y, W) or a binary one (class weights W - y, y)."""
    if W <= 0.0:
        return 0.0
    if not classification:
        return y * y / W
    a = W - y
    if criterion == 1:
        return (a * a + y * y) / W
    s = 0.0
    if a > 0.0:
        s += a * np.log(a / W)
    if y > 0.0:
        s += y * np.log(y / W)
    return s


@njit(cache=True, inline="always")
def _splitmix(state):
    """One step of SplitMix64: (new state, 64 random bits)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform(state):
    state, z = _splitmix(state)
    return state, (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _insertion_argsort(keys, m, order):
    """Stable argsort of keys[:m] into order[:m] without allocating (small nodes)."""
    for p in range(m):
        k = keys[p]
        q = p
        while q > 0 and keys[order[q - 1]] > k:
            order[q] = order[q - 1]
            q -= 1
        order[q] = p


@njit(cache=True)
def _extra_bin(bin_lo, bin_hi, bin_mid, f, lo_bin, hi_bin, u):
    """The bin threshold of a random split drawn uniformly over the node's value range (scikit-learn's
    extra trees), for a node whose values of feature f span bins lo_bin < hi_bin.

    The range runs from the smallest value of bin lo_bin to the largest of bin hi_bin (over the training
    rows); a value v drawn in it sends left every bin whose value midpoint is <= v -- the bins below v
    whole, a bin that v falls inside when v passes its middle -- clamped to [lo_bin, hi_bin - 1] so both
    sides keep rows. With a bin per distinct value this is exactly ``x <= v`` goes left."""
    uf = np.uint64(f)
    lo_v = bin_lo[uf, np.uint64(lo_bin)]
    hi_v = bin_hi[uf, np.uint64(hi_bin)]
    v = lo_v + u * (hi_v - lo_v)
    # bin_mid is non-decreasing along a feature: the last b in (lo_bin, hi_bin) with mid <= v, else
    # lo_bin -- lo_bin plus the count of those mids <= v: a branch-free linear count over the node's
    # range (few bins in deep nodes; independent loads, unlike a binary search's chain of misses)
    a = lo_bin
    for c in range(np.uint64(lo_bin + 1), np.uint64(hi_bin)):
        a += np.int64(bin_mid[uf, c] <= v)
    return a


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
    """total = the stats of rows src..src+m-1 (class weights and the weight, or sum w y and the weight).
    Sums in registers (binary: the class-1 weight; more classes: four interleaved accumulators), so
    consecutive rows do not wait on each other; inlined into _grow_one, whose sums may vectorise."""
    s = np.uint64(src)
    um = np.uint64(m)
    if not classification or K == 2:
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
def _partition(kb, off, m, rows2, w2, t2, src, dst, nl, t, missing_left, missing_bin):
    """Stable partition of rows src..src+m-1 (``kb[off:off + m]``: their bins of the split feature) into
    dst..dst+m-1: the rows that go left (bin <= t, or missing when missing_left) first, each side in its
    original order. Branch-free: a row is written at its side's cursor and only that cursor moves."""
    s = np.uint64(src)
    o = np.uint64(off)
    li = np.uint64(dst)
    ri = np.uint64(dst + nl)
    for p in range(np.uint64(m)):
        b = kb[o + p]
        go = (b <= t) if b != missing_bin else missing_left == 1
        q = li if go else ri
        rows2[q] = rows2[s + p]
        w2[q] = w2[s + p]
        t2[q] = t2[s + p]
        li += np.uint64(go)
        ri += np.uint64(not go)


@njit(cache=True, inline="always")
def _eval_threshold(kbs, off, t2, w2, src, m, t, n_miss, K, classification, missing_bin, total, parent,
                    criterion, min_leaf, min_weight, left, miss, L, R, acc, best):
    """Extra trees: the split "bin <= t goes left" of the node's rows (bins ``kbs[off:off + m]``, stats
    from ``src``), missing rows right and, when there are some, left. One pass for the left sums (one
    more for the missing rows' when there are any); no histogram, no sort. Same ``best`` protocol as
    ``_scan_sorted``. The sums may be reassociated (vectorised): their order is fixed by the code, never
    by the thread count."""
    C = K + 1
    o = np.uint64(off)
    s = np.uint64(src)
    um = np.uint64(m)
    nl = 0
    improved = False
    # branch-free (a random threshold sends rows either way unpredictably), sums in registers
    if not classification or K == 2:
        # regression: (sum w y, sum w); binary: (weight of class 1, weight) -- scalars throughout
        s_y = 0.0
        s_w = 0.0
        for p in range(um):
            go = kbs[o + p] <= t
            w = w2[s + p] * (1.0 if go else 0.0)
            s_y += w * t2[s + p]
            s_w += w
            nl += np.int64(go)
        m_y = 0.0
        m_w = 0.0
        if n_miss > 0:
            for p in range(um):
                w = w2[s + p] * (1.0 if kbs[o + p] == missing_bin else 0.0)
                m_y += w * t2[s + p]
                m_w += w
        t_y = total[1] if classification else total[0]
        t_w = total[K]
        for d in range(2 if n_miss > 0 else 1):
            n_left = nl + n_miss * d
            if n_left < min_leaf or m - n_left < min_leaf:
                continue
            l_y = s_y + m_y if d == 1 else s_y
            l_w = s_w + m_w if d == 1 else s_w
            r_y = t_y - l_y
            r_w = t_w - l_w
            if l_w < min_weight or r_w < min_weight:
                continue
            gain = _score2(l_y, l_w, classification, criterion) + _score2(r_y, r_w, classification, criterion) \
                - parent
            if gain > best[0]:
                best[0] = gain
                best[1] = t
                best[2] = d
                best[3] = n_left
                improved = True
        return improved
    # more classes: four interleaved accumulators, so consecutive rows of one class do not wait on
    # each other
    for c in range(4 * K):
        acc[c] = 0.0
    s_w = 0.0
    for p in range(um):
        go = kbs[o + p] <= t
        w = w2[s + p] * (1.0 if go else 0.0)
        acc[(p & np.uint64(3)) * np.uint64(K) + np.uint64(t2[s + p])] += w
        s_w += w
        nl += np.int64(go)
    for c in range(K):
        left[c] = (acc[c] + acc[K + c]) + (acc[2 * K + c] + acc[3 * K + c])
    left[K] = s_w
    for c in range(C):
        miss[c] = 0.0
    if n_miss > 0:
        for p in range(um):
            if kbs[o + p] == missing_bin:
                miss[int(t2[s + p])] += w2[s + p]
                miss[K] += w2[s + p]
    for d in range(2 if n_miss > 0 else 1):
        n_left = nl + n_miss * d
        if n_left < min_leaf or m - n_left < min_leaf:
            continue
        for c in range(C):
            L[c] = left[c] + miss[c] if d == 1 else left[c]
            R[c] = total[c] - L[c]
        if L[K] < min_weight or R[K] < min_weight:
            continue
        gain = _score(L, K, criterion) + _score(R, K, criterion) - parent
        if gain > best[0]:
            best[0] = gain
            best[1] = t
            best[2] = d
            best[3] = n_left
            improved = True
    return improved


@njit(cache=True)
def _entries(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin, keys, order_buf,
             bins_sorted, stat_rows, cnt_rows, hist, hist_cnt):
    """The node's rows of one feature as the sorted entries ``_scan_sorted`` reads; returns their count.

    Few rows (or a bin range much wider than the rows, as in exact mode): the rows themselves, sorted by
    bin (insertion sort when very few). Otherwise a histogram over the node's bin range only (zeroed
    and scanned from b_min to b_max) whose non-empty bins are the entries."""
    C = K + 1
    o = np.uint64(off)
    s = np.uint64(src)
    um = np.uint64(m)
    if m <= _SMALL or b_max - b_min > 4 * m:
        for p in range(um):
            keys[p] = kbs[o + p]
        if m <= _INSERTION:
            order = order_buf[:m]
            _insertion_argsort(keys, m, order)
        else:
            order = np.argsort(keys[:m], kind="mergesort")
        for p in range(m):
            q = s + np.uint64(order[p])
            bins_sorted[p] = keys[order[p]]
            for c in range(C):
                stat_rows[p, c] = 0.0
            cnt_rows[p] = 1
            if classification:
                stat_rows[p, int(t2[q])] = w2[q]
            else:
                stat_rows[p, 0] = w2[q] * t2[q]
            stat_rows[p, K] = w2[q]
        return m
    for b in range(b_min * C, (b_max + 1) * C):
        hist[b] = 0.0
    for c in range(C):
        hist[missing_bin * C + c] = 0.0
    hist_cnt[b_min:b_max + 1] = 0
    hist_cnt[missing_bin] = 0
    uC = np.uint64(C)
    for p in range(um):
        b = np.uint64(kbs[o + p])
        w = w2[s + p]
        if classification:
            hist[b * uC + np.uint64(t2[s + p])] += w
        else:
            hist[b * uC] += w * t2[s + p]
        hist[b * uC + np.uint64(K)] += w
        hist_cnt[b] += 1
    n_dist = 0
    for b in range(b_min, b_max + 1):
        if hist_cnt[b] > 0:
            bins_sorted[n_dist] = b
            for c in range(C):
                stat_rows[n_dist, c] = hist[b * C + c]
            cnt_rows[n_dist] = hist_cnt[b]
            n_dist += 1
    if hist_cnt[missing_bin] > 0:
        bins_sorted[n_dist] = missing_bin
        for c in range(C):
            stat_rows[n_dist, c] = hist[missing_bin * C + c]
        cnt_rows[n_dist] = hist_cnt[missing_bin]
        n_dist += 1
    return n_dist


@njit(cache=True)
def _entries2(kbs, off, t2, w2, src, m, b_min, b_max, missing_bin, keys, order_buf, bins_sorted, ent, hist):
    """``_entries`` for regression and binary classification: each entry is (sum w y, sum w, rows) --
    y the target or the class (0/1) -- in ``ent`` (n, >= 3); returns the number of entries.

    The histogram of a node with many rows is filled as two interleaved halves (even and odd rows) that
    are added at the end, so consecutive rows of one bin do not wait on each other's update."""
    o = np.uint64(off)
    s = np.uint64(src)
    um = np.uint64(m)
    if m <= _SMALL or b_max - b_min > 4 * m:
        for p in range(um):
            keys[p] = kbs[o + p]
        if m <= _INSERTION:
            order = order_buf[:m]
            _insertion_argsort(keys, m, order)
        else:
            order = np.argsort(keys[:m], kind="mergesort")
        for p in range(m):
            q = s + np.uint64(order[p])
            bins_sorted[p] = keys[order[p]]
            ent[p, 0] = w2[q] * t2[q]
            ent[p, 1] = w2[q]
            ent[p, 2] = 1.0
        return m
    half = (missing_bin + 1) * 3  # the odd rows' histogram follows the even rows'
    for b in range(b_min * 3, (b_max + 1) * 3):
        hist[b] = 0.0
        hist[half + b] = 0.0
    for c in range(3):
        hist[missing_bin * 3 + c] = 0.0
        hist[half + missing_bin * 3 + c] = 0.0
    u3 = np.uint64(3)
    uh = np.uint64(half)
    for p in range(um):
        b = np.uint64(kbs[o + p]) * u3 + (p & np.uint64(1)) * uh
        w = w2[s + p]
        hist[b] += w * t2[s + p]
        hist[b + np.uint64(1)] += w
        hist[b + np.uint64(2)] += 1.0
    n_dist = 0
    for b in range(b_min, b_max + 1):
        c = hist[b * 3 + 2] + hist[half + b * 3 + 2]
        if c > 0:
            bins_sorted[n_dist] = b
            ent[n_dist, 0] = hist[b * 3] + hist[half + b * 3]
            ent[n_dist, 1] = hist[b * 3 + 1] + hist[half + b * 3 + 1]
            ent[n_dist, 2] = c
            n_dist += 1
    c = hist[missing_bin * 3 + 2] + hist[half + missing_bin * 3 + 2]
    if c > 0:
        bins_sorted[n_dist] = missing_bin
        ent[n_dist, 0] = hist[missing_bin * 3] + hist[half + missing_bin * 3]
        ent[n_dist, 1] = hist[missing_bin * 3 + 1] + hist[half + missing_bin * 3 + 1]
        ent[n_dist, 2] = c
        n_dist += 1
    return n_dist


@njit(cache=True)
def _scan2(bins_sorted, ent, n_rows, m, missing_bin, parent, t_y, t_w, classification, criterion, min_leaf,
           min_weight, best):
    """``_scan_sorted`` for the (sum w y, sum w, rows) entries of ``_entries2``: the same candidates in
    the same order, with the sums in registers (``t_y``, ``t_w``: the node's)."""
    n_val = n_rows
    while n_val > 0 and bins_sorted[n_val - 1] == missing_bin:
        n_val -= 1
    if n_val == 0:
        return False
    if bins_sorted[0] == bins_sorted[n_val - 1] and n_val == n_rows:
        return False
    m_y = 0.0
    m_w = 0.0
    n_miss = 0
    for j in range(n_val, n_rows):
        m_y += ent[j, 0]
        m_w += ent[j, 1]
        n_miss += int(ent[j, 2])
    improved = False
    for d in range(2 if n_miss > 0 else 1):
        l_y = m_y if d == 1 else 0.0
        l_w = m_w if d == 1 else 0.0
        nl = n_miss if d == 1 else 0
        j = 0
        while j < n_val:
            b = bins_sorted[j]
            while j < n_val and bins_sorted[j] == b:
                l_y += ent[j, 0]
                l_w += ent[j, 1]
                nl += int(ent[j, 2])
                j += 1
            if nl < min_leaf or m - nl < min_leaf:
                continue
            r_y = t_y - l_y
            r_w = t_w - l_w
            if l_w < min_weight or r_w < min_weight:
                continue
            if j == n_val and d == 0 and n_miss == 0:
                break  # everything went left
            gain = _score2(l_y, l_w, classification, criterion) + _score2(r_y, r_w, classification, criterion) \
                - parent
            if gain > best[0]:
                best[0] = gain
                best[1] = b
                best[2] = d
                best[3] = nl
                improved = True
    return improved


@njit(cache=True)
def _cat_stats(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin, hist, hist_cnt, cats,
               cstat, ccnt):
    """Per category (bin) of a categorical feature in the node: ``cats[i]`` the bin, ``cstat[i]`` its
    stats (K channels + weight), ``ccnt[i]`` its rows, in bin order; the missing rows' stats (NaN and
    categories unseen in training) at index n_cat. Returns n_cat."""
    C = K + 1
    o = np.uint64(off)
    s = np.uint64(src)
    for b in range(b_min * C, (b_max + 1) * C):
        hist[b] = 0.0
    for c in range(C):
        hist[missing_bin * C + c] = 0.0
    hist_cnt[b_min:b_max + 1] = 0
    hist_cnt[missing_bin] = 0
    uC = np.uint64(C)
    for p in range(np.uint64(m)):
        b = np.uint64(kbs[o + p])
        w = w2[s + p]
        if classification:
            hist[b * uC + np.uint64(t2[s + p])] += w
        else:
            hist[b * uC] += w * t2[s + p]
        hist[b * uC + np.uint64(K)] += w
        hist_cnt[b] += 1
    n_cat = 0
    for b in range(b_min, b_max + 1):
        if hist_cnt[b] > 0:
            cats[n_cat] = b
            for c in range(C):
                cstat[n_cat, c] = hist[b * C + c]
            ccnt[n_cat] = hist_cnt[b]
            n_cat += 1
    for c in range(C):
        cstat[n_cat, c] = hist[missing_bin * C + c]
    ccnt[n_cat] = hist_cnt[missing_bin]
    return n_cat


@njit(cache=True)
def _cat_split_random(rng, n_cat, n_miss, m, K, total, parent, criterion, min_leaf, min_weight, cats, cstat, ccnt,
                      sel, table, L, R, best):
    """Extra trees on a categorical feature: a random subset of the node's categories goes left (each
    with probability 1/2; when that leaves a side without categories one of them changes side), the
    missing rows right and, when there are some, left. Returns (improved, rng); on improvement
    ``table[b]`` is 1 for the bins of the left categories (0 for the node's others)."""
    C = K + 1
    n_left_cats = 0
    z = np.uint64(0)
    for i in range(n_cat):
        if (i & 63) == 0:
            rng, z = _splitmix(rng)
        sel[i] = np.uint8((z >> np.uint64(i & 63)) & np.uint64(1))
        n_left_cats += sel[i]
    if n_left_cats == 0 or n_left_cats == n_cat:
        rng, u = _uniform(rng)
        i = min(int(u * n_cat), n_cat - 1)
        sel[i] = 1 - sel[i]
    improved = False
    for d in range(2 if n_miss > 0 else 1):
        for c in range(C):
            L[c] = cstat[n_cat, c] if d == 1 else 0.0
        nl = n_miss if d == 1 else 0
        for i in range(n_cat):
            if sel[i]:
                for c in range(C):
                    L[c] += cstat[i, c]
                nl += ccnt[i]
        if nl < min_leaf or m - nl < min_leaf:
            continue
        for c in range(C):
            R[c] = total[c] - L[c]
        if L[K] < min_weight or R[K] < min_weight:
            continue
        gain = _score(L, K, criterion) + _score(R, K, criterion) - parent
        if gain > best[0]:
            best[0] = gain
            best[1] = -1
            best[2] = d
            best[3] = nl
            for i in range(n_cat):
                table[cats[i]] = sel[i]
            improved = True
    return improved, rng


@njit(cache=True)
def _cat_split_sorted(n_cat, n_miss, m, K, classification, missing_bin, total, parent, criterion, min_leaf,
                      min_weight, min_rows, cats, cstat, ccnt, keys, c_bins, c_stat, c_cnt, gstat, gcnt, rank,
                      table, left, work, best):
    """CART on a categorical feature: the categories ordered by their mean target -- regression: the
    mean of y; binary: the share of class 1 (Breiman / Fisher: the best subset split is one of the
    splits of this order) -- and that order scanned as a numeric feature's bins (missing rows on either
    side). With more classes there is no such order for the Gini / entropy optimum; each class's share
    gives one order (one-vs-rest) and the best split over those K scans is kept.

    Categories with fewer than ``min_rows`` rows in the node move together, as one group ordered by its
    own mean (LightGBM's and scikit-learn's rule, there with 10 rows): otherwise a feature with a category per row
    or so (names, tickets, IDs) separates the classes of any node perfectly and wins every split it is
    drawn for, though it says nothing about new rows. Ties keep the bin order (a stable sort), so the
    split never depends on the thread count. Returns whether ``best`` improved; ``table`` then marks the
    left categories' bins (0 for the node's others)."""
    C = K + 1
    # groups: the categories with min_rows rows or more, then (when any) the rarer ones pooled
    n_grp = 0
    pool = -1
    for i in range(n_cat):
        if ccnt[i] >= min_rows:
            rank[i] = n_grp
            for c in range(C):
                gstat[n_grp, c] = cstat[i, c]
            gcnt[n_grp] = ccnt[i]
            n_grp += 1
    for i in range(n_cat):
        if ccnt[i] < min_rows:
            if pool < 0:
                pool = n_grp
                for c in range(C):
                    gstat[pool, c] = 0.0
                gcnt[pool] = 0
                n_grp += 1
            rank[i] = pool
            for c in range(C):
                gstat[pool, c] += cstat[i, c]
            gcnt[pool] += ccnt[i]
    improved = False
    if n_grp < 2 and n_miss == 0:
        return improved
    n_orders = K if classification and K > 2 else 1
    for o in range(n_orders):
        ch = o if K > 2 else (1 if classification else 0)
        for g in range(n_grp):
            w = gstat[g, K]
            keys[g] = gstat[g, ch] / w if w > 0 else 0.0
        order = np.argsort(keys[:n_grp], kind="mergesort")
        for r in range(n_grp):
            c_bins[r] = r
            for c in range(C):
                c_stat[r, c] = gstat[order[r], c]
            c_cnt[r] = gcnt[order[r]]
        n_ent = n_grp
        if n_miss > 0:
            c_bins[n_ent] = missing_bin
            for c in range(C):
                c_stat[n_ent, c] = cstat[n_cat, c]
            c_cnt[n_ent] = n_miss
            n_ent += 1
        if _scan_sorted(c_bins, c_stat, c_cnt, n_ent, m, K, missing_bin, parent, total, criterion, min_leaf,
                        min_weight, left, work, best):
            r_last = int(best[1])
            for r in range(n_grp):
                keys[order[r]] = 1.0 if r <= r_last else 0.0  # keys now: the groups' sides
            for i in range(n_cat):
                table[cats[i]] = 1 if keys[rank[i]] == 1.0 else 0
            best[1] = -1
            improved = True
    return improved


@njit(cache=True)
def _partition_cat(kb, off, m, rows2, w2, t2, src, dst, nl, table, missing_left, missing_bin):
    """``_partition`` of a categorical split: a row goes left when ``table`` marks its bin (missing rows:
    when missing_left)."""
    s = np.uint64(src)
    o = np.uint64(off)
    li = np.uint64(dst)
    ri = np.uint64(dst + nl)
    for p in range(np.uint64(m)):
        b = kb[o + p]
        go = (table[b] == 1) if b != missing_bin else missing_left == 1
        q = li if go else ri
        rows2[q] = rows2[s + p]
        w2[q] = w2[s + p]
        t2[q] = t2[s + p]
        li += np.uint64(go)
        ri += np.uint64(not go)


@njit(cache=True)
def _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_rows, m, K, missing_bin, parent, total, criterion,
                 min_leaf, min_weight, left, work, best):
    """Scan one feature given its entries sorted by bin: single rows, or whole bins of a histogram
    (``stat_rows[j]``: stats vector, ``cnt_rows[j]``: rows in it; ``m`` rows in all).

    best = [gain, bin, missing_left, n_left]; returns True when it improved."""
    C = K + 1
    # missing rows sit at the end (missing_bin is the largest bin)
    n_val = n_rows
    while n_val > 0 and bins_sorted[n_val - 1] == missing_bin:
        n_val -= 1
    if n_val == 0:
        return False
    lo_bin = bins_sorted[0]
    hi_bin = bins_sorted[n_val - 1]
    if lo_bin == hi_bin and n_val == n_rows:
        return False
    miss = work[2 * C:3 * C]
    miss[:] = 0.0
    n_miss = 0
    for j in range(n_val, n_rows):
        n_miss += cnt_rows[j]
        for c in range(C):
            miss[c] += stat_rows[j, c]
    improved = False
    for d in range(2 if n_miss > 0 else 1):
        left[:] = 0.0
        nl = 0
        if d == 1:
            for c in range(C):
                left[c] = miss[c]
            nl = n_miss
        j = 0
        while j < n_val:
            b = bins_sorted[j]
            while j < n_val and bins_sorted[j] == b:
                for c in range(C):
                    left[c] += stat_rows[j, c]
                nl += cnt_rows[j]
                j += 1
            n_right = m - nl
            if nl < min_leaf or n_right < min_leaf:
                continue
            right = work[0:C]
            for c in range(C):
                right[c] = total[c] - left[c]
            if left[K] < min_weight or right[K] < min_weight:
                continue
            if j == n_val and d == 0 and n_miss == 0:
                break  # everything went left
            gain = _score(left, K, criterion) + _score(right, K, criterion) - parent
            if gain > best[0]:
                best[0] = gain
                best[1] = b
                best[2] = d
                best[3] = nl
                improved = True
    return improved


@njit(cache=True, fastmath={"reassoc"})
def _grow_one(X_flat, stride, n_features, missing_bin, rows_in, w_rows, targets, K, classification, criterion,
              max_depth, min_samples_split, min_samples_leaf, min_weight_leaf, min_gain, max_features, extra,
              bin_lo, bin_hi, bin_mid, is_cat, code_order, seed, rows2, w2, t2, kbs, kbest, keys, bins_sorted,
              stat_rows, cnt_rows, hist, hist_cnt, out_feature, out_bin, out_missing_left, out_left, out_right,
              out_value, out_gain, out_cover, out_count, out_cat_split, out_cat_words):
    """Grow one tree on rows ``rows_in`` (repeats allowed: bootstrap) with per-row weights ``w_rows``;
    returns the number of nodes written into the out_* arrays (capacity >= 2 * len(rows_in)).

    The scratch buffers (``_scratch``) are the caller's, reused from tree to tree: rows2 / w2 / t2 hold
    >= 2n entries, kbs >= _GATHER * n, kbest >= n; keys, bins_sorted, stat_rows, cnt_rows >= n rows
    (random forests only); hist (missing_bin + 1) * (K + 1), hist_cnt missing_bin + 1.

    Categorical features (``is_cat``) split by category sets (``_cat_split_sorted``, or
    ``_cat_split_random`` for extra trees), except those flagged ``code_order`` (binned by ranges of
    codes: more categories than bins), searched as ordered bins; either way such a node gets
    ``out_cat_split`` 1, ``out_bin`` -1 and the left bins as a bitset in ``out_cat_words[node]``."""
    # each node draws from its own stream (tree seed, node id): a node that stops early (e.g. too few
    # rows) never shifts the draws of the others, so weight k and k repeated rows grow the same tree
    n = rows_in.size
    C = K + 1
    # A node's rows, their weights and targets lie contiguous, in row order, in one half of the *2
    # buffers (side 0: [0, n), side 1: [n, 2n)); a split writes its children into the other half
    # (ping-pong), so nothing is copied back. Indices are unsigned so the loops vectorise.
    for p in range(n):
        rows2[p] = rows_in[p]
        w2[p] = w_rows[p]
        t2[p] = targets[rows_in[p]]
    # kbs[j * n + p]: the candidates' bins of the node's rows; kbest: those of the best split's feature
    feats = np.arange(n_features)
    stack_node = np.empty(256, dtype=np.int64)
    stack_lo = np.empty(256, dtype=np.int64)
    stack_hi = np.empty(256, dtype=np.int64)
    stack_depth = np.empty(256, dtype=np.int64)
    stack_side = np.empty(256, dtype=np.int64)
    total = np.empty(C)
    left = np.empty(C)
    work = np.empty(3 * C)
    e_miss = np.empty(C)
    e_left = np.empty(C)
    e_L = np.empty(C)
    e_R = np.empty(C)
    e_acc = np.empty(4 * K)
    best = np.empty(4)
    order_buf = np.empty(_INSERTION, dtype=np.int64)
    # categorical splits: per-category stats, orders and the left sets (bins)
    nc = missing_bin + 2 if is_cat.any() else 0
    cats = np.empty(nc, dtype=np.int64)
    cstat = np.empty((nc, C))
    ccnt = np.empty(nc, dtype=np.int64)
    ckeys = np.empty(nc)
    c_bins = np.empty(nc, dtype=np.int64)
    c_stat = np.empty((nc, C))
    c_cnt = np.empty(nc, dtype=np.int64)
    gstat = np.empty((nc, C))
    gcnt = np.empty(nc, dtype=np.int64)
    crank = np.empty(nc, dtype=np.int64)
    sel = np.empty(nc, dtype=np.uint8)
    table = np.zeros(nc, dtype=np.uint8)
    best_table = np.zeros(nc, dtype=np.uint8)
    n_nodes = 1
    sp = 0
    stack_node[0] = 0
    stack_lo[0] = 0
    stack_hi[0] = n
    stack_depth[0] = 0
    stack_side[0] = 0
    while sp >= 0:
        node = stack_node[sp]
        lo = stack_lo[sp]
        hi = stack_hi[sp]
        depth = stack_depth[sp]
        side = stack_side[sp]
        sp -= 1
        m = hi - lo
        src = side * n + lo  # the node's rows in the *2 buffers
        _totals(t2, w2, src, m, K, classification, total, e_acc)
        for c in range(K):
            out_value[node, c] = total[c] / total[K] if total[K] > 0 else 0.0
        out_cover[node] = total[K]
        out_count[node] = m
        out_left[node] = -1
        out_right[node] = -1
        out_feature[node] = -1
        out_bin[node] = -1
        out_missing_left[node] = 0
        out_gain[node] = 0.0
        out_cat_split[node] = 0
        if m < min_samples_split or m < 2 * min_samples_leaf or (max_depth >= 0 and depth >= max_depth) \
                or total[K] < 2 * min_weight_leaf:
            continue
        parent = _score(total, K, criterion)
        # a pure node cannot improve
        if classification:
            pure = False
            for k in range(K):
                if total[k] >= total[K] * (1.0 - 1e-12):
                    pure = True
            if pure:
                continue
        # beat float noise too: identical targets must not split
        best[0] = min_gain + 1e-10 * abs(parent)
        best_f = -1
        best_b, best_d = -1, 0
        best_kb, best_off = kbest, 0
        best_is_cat = False
        best_cat_lo, best_cat_hi = 0, -1
        rng, _ = _splitmix(np.uint64(seed) * np.uint64(0x2545F4914F6CDD1D) + np.uint64(node))
        # partial Fisher-Yates from the identity: the first max_features entries are the candidates
        for q in range(n_features):
            feats[q] = q
        for q in range(max_features):
            rng, u = _uniform(rng)
            r = q + min(int(u * (n_features - q)), n_features - q - 1)
            feats[q], feats[r] = feats[r], feats[q]
        for q0 in range(0, max_features, _GATHER):
            nq = min(_GATHER, max_features - q0)
            # one pass over the node's rows reads the bins of up to _GATHER candidates from each row's
            # record (one cache line, not one per feature); the candidates' bins then lie contiguous
            _gather(X_flat, stride, rows2, src, m, feats, q0, nq, kbs, n)
            best_j = -1
            for j in range(nq):
                f = feats[q0 + j]
                off = j * n
                u = -1.0
                if extra:
                    rng, u = _uniform(rng)
                b_min, b_max, n_miss = _bin_range(kbs, off, m, missing_bin)
                if n_miss == m or (b_min == b_max and n_miss == 0):
                    continue  # all missing, or one bin: no split
                if is_cat[f] and not code_order[f]:
                    table[b_min:b_max + 1] = 0  # categories absent from the node stay right
                    n_cat = _cat_stats(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin,
                                       hist, hist_cnt, cats, cstat, ccnt)
                    if extra:
                        improved, rng = _cat_split_random(rng, n_cat, n_miss, m, K, total, parent, criterion,
                                                          min_samples_leaf, min_weight_leaf, cats, cstat, ccnt,
                                                          sel, table, e_L, e_R, best)
                    else:
                        improved = _cat_split_sorted(n_cat, n_miss, m, K, classification, missing_bin, total,
                                                     parent, criterion, min_samples_leaf, min_weight_leaf,
                                                     _MIN_CATEGORY_ROWS, cats, cstat, ccnt, ckeys, c_bins,
                                                     c_stat, c_cnt, gstat, gcnt, crank, table, left, work, best)
                    if improved:
                        best_cat_lo = b_min
                        best_cat_hi = b_max
                        best_table[b_min:b_max + 1] = table[b_min:b_max + 1]
                elif extra:
                    t = b_min  # one value bin and missing rows: values left, missing right
                    if b_max > b_min:
                        t = _extra_bin(bin_lo, bin_hi, bin_mid, f, b_min, b_max, u)
                    improved = _eval_threshold(kbs, off, t2, w2, src, m, t, n_miss, K, classification,
                                               missing_bin, total, parent, criterion, min_samples_leaf,
                                               min_weight_leaf, e_left, e_miss, e_L, e_R, e_acc, best)
                elif not classification or K == 2:
                    n_dist = _entries2(kbs, off, t2, w2, src, m, b_min, b_max, missing_bin, keys, order_buf,
                                       bins_sorted, stat_rows, hist)
                    improved = _scan2(bins_sorted, stat_rows, n_dist, m, missing_bin, parent,
                                      total[1] if classification else total[0], total[K], classification,
                                      criterion, min_samples_leaf, min_weight_leaf, best)
                else:
                    n_dist = _entries(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin,
                                      keys, order_buf, bins_sorted, stat_rows, cnt_rows, hist, hist_cnt)
                    improved = _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_dist, m, K, missing_bin,
                                            parent, total, criterion, min_samples_leaf, min_weight_leaf, left,
                                            work, best)
                if improved:
                    best_f = f
                    best_b = int(best[1])
                    best_d = int(best[2])
                    best_j = j
                    best_is_cat = bool(is_cat[f])
                    if code_order[f]:
                        # searched as ordered bins, kept as the set of bins <= the threshold
                        best_cat_lo = b_min
                        best_cat_hi = b_max
                        for b in range(b_min, b_max + 1):
                            best_table[b] = 1 if b <= best_b else 0
                        best_b = -1
            if best_j >= 0 and q0 + _GATHER < max_features:
                # the next candidates overwrite kbs: keep the best split's bins
                kbest[:m] = kbs[best_j * n:best_j * n + m]
                best_kb = kbest
                best_off = 0
            elif best_j >= 0:
                best_kb = kbs
                best_off = best_j * n
        if best_f < 0:
            continue
        nl = int(best[3])
        if best_is_cat:
            _partition_cat(best_kb, best_off, m, rows2, w2, t2, src, (1 - side) * n + lo, nl, best_table, best_d,
                           missing_bin)
            out_cat_split[node] = 1
            out_cat_words[node, :] = 0
            for b in range(best_cat_lo, best_cat_hi + 1):
                if best_table[b]:
                    out_cat_words[node, b >> 5] |= np.uint32(1) << np.uint32(b & 31)
        else:
            _partition(best_kb, best_off, m, rows2, w2, t2, src, (1 - side) * n + lo, nl, best_b, best_d,
                       missing_bin)
        if sp + 2 >= stack_node.size:
            stack_node = np.concatenate((stack_node, np.empty(stack_node.size, dtype=np.int64)))
            stack_lo = np.concatenate((stack_lo, np.empty(stack_lo.size, dtype=np.int64)))
            stack_hi = np.concatenate((stack_hi, np.empty(stack_hi.size, dtype=np.int64)))
            stack_depth = np.concatenate((stack_depth, np.empty(stack_depth.size, dtype=np.int64)))
            stack_side = np.concatenate((stack_side, np.empty(stack_side.size, dtype=np.int64)))
        left_id = n_nodes
        right_id = n_nodes + 1
        n_nodes += 2
        out_feature[node] = best_f
        out_bin[node] = best_b
        out_missing_left[node] = best_d
        out_left[node] = left_id
        out_right[node] = right_id
        out_gain[node] = best[0]
        # push right first so the left child is grown next (depth-first, children after parents)
        sp += 1
        stack_node[sp] = right_id
        stack_lo[sp] = lo + nl
        stack_hi[sp] = hi
        stack_depth[sp] = depth + 1
        stack_side[sp] = 1 - side
        sp += 1
        stack_node[sp] = left_id
        stack_lo[sp] = lo
        stack_hi[sp] = lo + nl
        stack_depth[sp] = depth + 1
        stack_side[sp] = 1 - side
    return n_nodes


def _scratch(n_workers, n_max, itemsize_dtype, K, missing_bin, extra):
    """Per-worker scratch buffers of _grow_one for trees of up to n_max rows (see its docstring)."""
    C = max(K + 1, 3)  # _entries2 keeps (sum w y, sum w, rows)
    n_rf = 0 if extra else n_max  # the sort / histogram entries are the random forests'
    return (np.empty((n_workers, 2 * n_max), np.int64), np.empty((n_workers, 2 * n_max)),
            np.empty((n_workers, 2 * n_max)), np.empty((n_workers, _GATHER * n_max), itemsize_dtype),
            np.empty((n_workers, n_max), itemsize_dtype), np.empty((n_workers, n_rf), np.int64),
            np.empty((n_workers, n_rf), np.int64), np.empty((n_workers, n_rf, C)),
            np.empty((n_workers, n_rf), np.int64), np.empty((n_workers, 2 * (missing_bin + 1) * C)),
            np.empty((n_workers, missing_bin + 1), np.int64))


@njit(parallel=True, cache=True)
def grow_trees(X_flat, stride, n_features, missing_bin, row_sets, row_offsets, weight_sets, targets,
               K, classification, criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf,
               min_gain, max_features, extra, bin_lo, bin_hi, bin_mid, is_cat, code_order, seeds, node_offsets,
               s_rows2, s_w2,
               s_t2, s_kbs, s_kbest, s_keys, s_bins_sorted, s_stat_rows, s_cnt_rows, s_hist, s_hist_cnt,
               out_feature, out_bin, out_missing_left, out_left, out_right, out_value, out_gain, out_cover,
               out_count, out_cat_split, out_cat_words, n_nodes_out):
    """Grow one tree per seed; tree t uses rows ``row_sets[row_offsets[t]:row_offsets[t+1]]`` and writes
    its nodes from ``node_offsets[t]`` (capacity ``2 * its rows + 1``). Worker w (one per row of the
    s_* scratch buffers, in parallel) grows trees w, w + n_workers, ...: which worker grows a tree never
    changes it."""
    n_workers = s_rows2.shape[0]
    for wk in prange(n_workers):
        for t in range(wk, seeds.size, n_workers):
            a, b = row_offsets[t], row_offsets[t + 1]
            o = node_offsets[t]
            e = node_offsets[t + 1]
            n_nodes_out[t] = _grow_one(
                X_flat, stride, n_features, missing_bin, row_sets[a:b], weight_sets[a:b], targets, K,
                classification, criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf,
                min_gain, max_features, extra, bin_lo, bin_hi, bin_mid, is_cat, code_order, seeds[t], s_rows2[wk],
                s_w2[wk], s_t2[wk], s_kbs[wk], s_kbest[wk], s_keys[wk], s_bins_sorted[wk], s_stat_rows[wk],
                s_cnt_rows[wk], s_hist[wk], s_hist_cnt[wk], out_feature[o:e], out_bin[o:e],
                out_missing_left[o:e], out_left[o:e], out_right[o:e], out_value[o:e], out_gain[o:e],
                out_cover[o:e], out_count[o:e], out_cat_split[o:e], out_cat_words[o:e])


def _row_major(X_tiles, n_features):
    """The bins row-major and flattened, with the record length: a node's pass reads all its candidate
    features from one record per row (the tiles would cost a cache line per feature). Padding records
    to cache lines measured no faster once the gathers prefetch."""
    return np.ascontiguousarray(tiles_to_columns(X_tiles, n_features)).ravel(), n_features


def _value_ranges(mapper, bin_bounds, extra):
    """(lo, hi, mid) per feature and bin, (n_features, missing_bin + 1): the smallest, largest and middle
    value of each bin, where extra trees draw their thresholds. ``bin_bounds`` = (lo, hi) measured on the
    training rows (empty bins: lo = +inf, hi = -inf); without it the bins' edges stand in (the outer bins
    then have no width). Only extra trees read them (an n_features x 1 placeholder otherwise)."""
    n_features = mapper.n_value_bins_.size
    if not extra:
        z = np.zeros((n_features, 1))
        return z, z, z
    width = mapper.missing_bin_ + 1
    if bin_bounds is None:
        lo = np.zeros((n_features, width))
        hi = np.zeros((n_features, width))
        for f, t in enumerate(mapper.thresholds_):
            if t.size:
                edges = np.concatenate([t[:1], t, t[-1:]])
                lo[f, :t.size + 1] = edges[:-1]
                hi[f, :t.size + 1] = edges[1:]
    else:
        lo = np.ascontiguousarray(bin_bounds[0], dtype=np.float64)
        hi = np.ascontiguousarray(bin_bounds[1], dtype=np.float64)
    mid = np.full(lo.shape, -np.inf)
    seen = lo <= hi
    mid[seen] = 0.5 * lo[seen] + 0.5 * hi[seen]
    np.maximum.accumulate(mid, axis=1, out=mid)  # empty bins: their left neighbour's (non-decreasing)
    return lo, hi, mid


@njit(parallel=True, cache=True)
def _compact(node_offsets, n_nodes, dst, out_feature, out_bin, out_missing_left, out_left, out_right, out_value,
             out_gain, out_cover, out_count, out_cat_split, out_cat_words, cat_dst, padded_thresholds,
             missing_to_larger, feature, threshold, bin_threshold, missing_left, left, right, value, values, gain,
             cover, count, cat_index, cat_bins):
    """Copy tree t's nodes out_*[node_offsets[t]:+n_nodes[t]] to the packed arrays from dst[t], with the
    splits' raw thresholds (``padded_thresholds``: +inf past each feature's thresholds, the top value
    bin's split). Tree t's categorical splits, in node order, get the bitset rows cat_dst[t], ... of
    ``cat_bins`` (their threshold: 0). Splits on a feature f with ``missing_to_larger[f]`` send missing
    values to the child with more training rows instead of the learned side."""
    for t in prange(n_nodes.size):
        a = node_offsets[t]
        d = dst[t]
        k = cat_dst[t]
        for i in range(n_nodes[t]):
            f = out_feature[a + i]
            feature[d + i] = f
            if out_cat_split[a + i]:
                threshold[d + i] = 0.0
                cat_index[d + i] = k
                cat_bins[k, :] = out_cat_words[a + i, :]
                k += 1
            else:
                threshold[d + i] = padded_thresholds[f, out_bin[a + i]] if f >= 0 else np.nan
                cat_index[d + i] = -1
            bin_threshold[d + i] = out_bin[a + i]
            if f >= 0 and missing_to_larger[f]:
                missing_left[d + i] = out_count[a + out_left[a + i]] > out_count[a + out_right[a + i]]
            else:
                missing_left[d + i] = out_missing_left[a + i]
            left[d + i] = out_left[a + i]
            right[d + i] = out_right[a + i]
            value[d + i] = out_value[a + i, 0]
            for c in range(values.shape[1]):
                values[d + i, c] = out_value[a + i, c]
            gain[d + i] = out_gain[a + i]
            cover[d + i] = out_cover[a + i]
            count[d + i] = out_count[a + i]


_PACKED = {"feature": np.int32, "threshold": np.float64, "cat_index": np.int32, "bin_threshold": np.int32,
           "missing_left": np.uint8, "left": np.int32,
           "right": np.int32, "value": np.float64, "gain": np.float64, "cover": np.float64, "count": np.float64}


def grow_forest_packed(X_tiles, mapper, row_sets, weight_sets, targets, *, n_classes=0, criterion="squared_error",
                       max_depth=None, min_samples_split=2, min_samples_leaf=1, min_weight_leaf=0.0, min_gain=0.0,
                       max_features=None, extra=False, bin_bounds=None, missing_to_larger=None,
                       code_order=None, seeds, n_threads=1):
    """Grow one tree per entry of ``row_sets`` (int arrays of rows, repeats allowed) with per-row
    weights ``weight_sets``; ``targets``: y (regression) or class indices (``n_classes`` >= 2).
    ``bin_bounds``: see ``_value_ranges``; ``missing_to_larger``: a mask of the features whose splits
    send missing values to the child with more training rows (scikit-learn's rule for features that had
    none in training) instead of the learned side. Categorical features (``mapper.is_categorical_``)
    split by category sets; those flagged in the mask ``code_order`` (binned by ranges of codes) are
    searched as ordered bins, their splits kept as sets too.

    Returns the trees packed, as a forest stores them: a dict with the node fields of
    ``silva._engine.tree.NODE_FIELDS`` concatenated over the trees (children indices within each tree),
    ``values`` (n_nodes, K): the mean target (K = 1) or the class distribution (K = n_classes) of each
    node, ``tree_offsets`` (n_trees + 1) and ``cat_bins`` (the categorical splits' bitsets).

    Trees grow in parallel batches into scratch node buffers (2 * rows + 1 nodes each, touched only as
    far as used), and each batch is copied into the packed arrays at once, so a forest's nodes are
    copied one time (growing the packed arrays when a guess of their size falls short)."""
    n_features = mapper.n_value_bins_.size
    classification = n_classes >= 2
    K = n_classes if classification else 1
    max_features = n_features if max_features is None else int(max_features)
    targets = np.ascontiguousarray(targets, dtype=np.float64)
    bin_lo, bin_hi, bin_mid = _value_ranges(mapper, bin_bounds, extra)
    X_flat, stride = _row_major(X_tiles, n_features)
    missing_to_larger = (np.zeros(n_features, dtype=np.bool_) if missing_to_larger is None
                         else np.ascontiguousarray(missing_to_larger, dtype=np.bool_))
    n_trees = len(row_sets)
    batch = max(1, 4 * n_threads)  # trees per parallel call: bounds the scratch node buffers
    sizes = np.array([r.size for r in row_sets], dtype=np.int64)
    cap = int(max((2 * sizes[i:i + batch] + 1).sum() for i in range(0, n_trees, batch))) if n_trees else 0
    is_cat = np.ascontiguousarray(mapper.is_categorical_, dtype=np.bool_)
    code_order = (np.zeros(n_features, dtype=np.bool_) if code_order is None
                  else np.ascontiguousarray(code_order, dtype=np.bool_) & is_cat)
    n_words = (mapper.missing_bin_ + 32) // 32  # bitsets over the bins (the forest's cat_bins width)
    out = dict(feature=np.empty(cap, np.int32), bin=np.empty(cap, np.int64), missing_left=np.empty(cap, np.uint8),
               left=np.empty(cap, np.int32), right=np.empty(cap, np.int32), value=np.empty((cap, K)),
               gain=np.empty(cap), cover=np.empty(cap), count=np.empty(cap), cat_split=np.empty(cap, np.uint8),
               cat_words=np.empty((cap if is_cat.any() else 0, n_words), np.uint32))
    cat_parts = []  # each batch's categorical bitsets
    n_cat_done = 0
    # one set of scratch buffers per thread, reused by all its trees
    scratch = _scratch(max(1, min(n_threads, batch, n_trees)), int(sizes.max()) if n_trees else 0,
                       X_flat.dtype, K, mapper.missing_bin_, extra)
    packed = None
    tree_offsets = np.zeros(n_trees + 1, dtype=np.int64)
    for start in range(0, n_trees, batch):
        stop = min(start + batch, n_trees)
        rs = row_sets[start:stop]
        ws = weight_sets[start:stop]
        row_offsets = np.zeros(len(rs) + 1, dtype=np.int64)
        np.cumsum(sizes[start:stop], out=row_offsets[1:])
        node_offsets = np.zeros(len(rs) + 1, dtype=np.int64)
        np.cumsum(2 * sizes[start:stop] + 1, out=node_offsets[1:])
        n_nodes = np.zeros(len(rs), dtype=np.int64)
        grow_trees(X_flat, stride, n_features, mapper.missing_bin_,
                   np.concatenate(rs).astype(np.int64, copy=False), row_offsets,
                   np.concatenate(ws).astype(np.float64, copy=False), targets, K, classification,
                   CRITERIA[criterion], -1 if max_depth is None else int(max_depth), int(min_samples_split),
                   int(min_samples_leaf), float(min_weight_leaf), float(min_gain), max_features, bool(extra),
                   bin_lo, bin_hi, bin_mid, is_cat, code_order, np.asarray(seeds[start:stop], dtype=np.int64),
                   node_offsets,
                   *scratch, out["feature"], out["bin"], out["missing_left"], out["left"], out["right"], out["value"],
                   out["gain"], out["cover"], out["count"], out["cat_split"], out["cat_words"], n_nodes)
        np.cumsum(n_nodes, out=tree_offsets[start + 1:stop + 1])
        tree_offsets[start + 1:stop + 1] += tree_offsets[start]
        need = int(tree_offsets[stop])
        if packed is None or need > packed["value"].size:
            # room for the remaining trees at the mean size so far (and a margin)
            guess = int(need / stop * n_trees * 1.1) + 64 if stop < n_trees else need
            grown = {name: np.empty(max(need, guess), dt) for name, dt in _PACKED.items()}
            grown["values"] = np.empty((max(need, guess), K))
            if packed is not None:
                done = int(tree_offsets[start])
                for name in grown:
                    grown[name][:done] = packed[name][:done]
            packed = grown
        # the categorical splits of the batch, numbered over the forest in tree and node order
        n_cat = np.array([np.count_nonzero(out["cat_split"][o:o + k]) for o, k in zip(node_offsets, n_nodes)],
                         dtype=np.int64)
        cat_dst = np.zeros(len(rs), dtype=np.int64)
        np.cumsum(n_cat[:-1], out=cat_dst[1:])
        batch_cats = np.empty((int(n_cat.sum()), n_words), np.uint32)
        _compact(node_offsets, n_nodes, tree_offsets[start:stop], out["feature"], out["bin"], out["missing_left"],
                 out["left"], out["right"], out["value"], out["gain"], out["cover"], out["count"], out["cat_split"],
                 out["cat_words"], cat_dst, mapper.padded_thresholds_, missing_to_larger, packed["feature"],
                 packed["threshold"], packed["bin_threshold"], packed["missing_left"], packed["left"],
                 packed["right"], packed["value"], packed["values"], packed["gain"], packed["cover"],
                 packed["count"], packed["cat_index"], batch_cats)
        if batch_cats.shape[0]:
            # the batch numbered its sets from 0: shift them after the earlier batches'
            first, last = int(tree_offsets[start]), int(tree_offsets[stop])
            ci = packed["cat_index"][first:last]
            ci[ci >= 0] += n_cat_done
            cat_parts.append(batch_cats)
            n_cat_done += batch_cats.shape[0]
    total = int(tree_offsets[-1])
    if packed is None:
        packed = {name: np.empty(0, dt) for name, dt in _PACKED.items()}
        packed["values"] = np.empty((0, K))
    nodes = {name: (a[:total] if a.shape[0] - total <= total // 8 else a[:total].copy())
             for name, a in packed.items()}
    nodes["tree_offsets"] = tree_offsets
    nodes["cat_bins"] = np.concatenate(cat_parts) if cat_parts else np.zeros((0, n_words), dtype=np.uint32)
    return nodes


def unpack_trees(packed):
    """The packed trees of ``grow_forest_packed`` as a list of per-tree node tables (views): the node
    fields, ``values`` and the tree's own ``cat_sets`` (its ``cat_index`` counts from 0)."""
    from .tree import NODE_FIELDS

    offsets = packed["tree_offsets"]
    cat_bins = packed["cat_bins"]
    trees = []
    for t in range(offsets.size - 1):
        a, b = offsets[t], offsets[t + 1]
        tree = {name: packed[name][a:b] for name in NODE_FIELDS}
        tree["values"] = packed["values"][a:b]
        used = tree["cat_index"][tree["cat_index"] >= 0]
        if used.size:  # a tree's categorical splits are numbered consecutively, in node order
            first = int(used.min())
            tree["cat_index"] = np.where(tree["cat_index"] >= 0, tree["cat_index"] - first, -1).astype(np.int32)
            tree["cat_sets"] = cat_bins[first:first + used.size]
        else:
            tree["cat_sets"] = cat_bins[:0]
        trees.append(tree)
    return trees


def grow_forest(X_tiles, mapper, row_sets, weight_sets, targets, **kwargs):
    """``grow_forest_packed`` with the trees as a list of node tables (``unpack_trees``)."""
    return unpack_trees(grow_forest_packed(X_tiles, mapper, row_sets, weight_sets, targets, **kwargs))
