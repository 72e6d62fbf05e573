"""Split scores and the search of ordered bins for the depth-first grower (``dfs_grower._grow_one``).

Per-row statistics: a regression row adds (w*y, w) -- (w*y_1, ..., w*y_K, w) with K outputs; a
classification row adds w to its class channel and to the weight channel, so one scan serves squared
error, Gini and entropy (``criterion.channel_score``). Random forests and CART scan a feature's bins in order
(``_entries`` / ``_entries2`` then ``_scan_sorted`` / ``scan_pairs``, both the ordered scan of
``scan``); extra trees evaluate one random
threshold (``_extra_bin``, ``_eval_threshold``). The node-seeded random streams (``_splitmix``) live
here too.
"""
import numpy as np
from numba import njit

from .constraints import values_ok
from .criterion import channel_score, pair_score
from .dfs_rows import add_row, two_channels
from .scan import _ratio, monotone_channel, scan_channels, scan_ordered

_SMALL = 32  # rows below which sorting them beats zeroing and scanning a histogram
_INSERTION = 32  # rows below which an insertion sort beats a merge sort (and allocates nothing)


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


@njit(cache=True, inline="always")
def _offer(best, gain, threshold, missing_left, n_left):
    """Keep a split whose gain beats best[0]: best = (gain, threshold bin, missing rows go left, -, -,
    rows that go left), the record of ``scan.scan_ordered``; whether it was kept."""
    if gain > best[0]:
        best[0] = gain
        best[1] = threshold
        best[2] = missing_left
        best[5] = n_left
        return True
    return False


@njit(cache=True, inline="always")
def _allowed(check, l_y, l_w, r_y, r_w, cons):
    """Whether a split's children's values (their means: sum w y / sum w) respect the node's monotone
    state ``cons`` = (lo, hi, direction, value channel) (``constraints.values_ok``). As scikit-learn,
    only a split on a constrained feature is checked; the values of other splits' children are
    clipped into the bounds instead. ``check``: cons[2] != 0, read once by the caller (a local, so the
    loops never reload it after their stores)."""
    if cons is None:
        return True  # an unconstrained tree: pruned at compile time, as every `cons is None` test
    return not check or values_ok(_ratio(l_y, l_w), _ratio(r_y, r_w), cons)


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


@njit(cache=True, inline="always")
def _eval_threshold(kbs, off, t2, w2, src, m, t, n_miss, K, classification, missing_bin, total, parent,
                    criterion, min_leaf, min_weight, left, miss, L, R, acc, best, cons):
    """Extra trees: the split "bin <= t goes left" of the node's rows (bins ``kbs[off:off + m]``, stats
    from ``src``), missing rows right and, when there are some, left. One pass for the left sums (one
    more for the missing rows' when there are any); no histogram, no sort. Same ``best`` protocol as
    ``_scan_sorted``. The sums may be reassociated (vectorised): their order is fixed by the code, never
    by the thread count."""
    check, ch = monotone_channel(cons)
    C = K + 1
    o = np.uint64(off)
    s = np.uint64(src)
    um = np.uint64(m)
    nl = 0
    improved = False
    # branch-free (a random threshold sends rows either way unpredictably), sums in registers
    if two_channels(K, classification):
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
            if l_w < min_weight or r_w < min_weight or not _allowed(check, l_y, l_w, r_y, r_w, cons):
                continue
            gain = pair_score(l_y, l_w, classification, criterion) + pair_score(r_y, r_w, classification, criterion) \
                - parent
            if _offer(best, gain, t, d, n_left):
                improved = True
        return improved
    s_w = 0.0
    if classification:
        # more classes: four interleaved accumulators, so consecutive rows of one class do not wait on
        # each other
        for c in range(4 * K):
            acc[c] = 0.0
        for p in range(um):
            go = kbs[o + p] <= t
            w = w2[s + p] * (1.0 if go else 0.0)
            acc[(p & np.uint64(3)) * np.uint64(K) + np.uint64(t2[s + p])] += w
            s_w += w
            nl += np.int64(go)
        for c in range(K):
            left[c] = (acc[c] + acc[K + c]) + (acc[2 * K + c] + acc[3 * K + c])
    else:
        for c in range(K):
            left[c] = 0.0
        for p in range(um):
            go = kbs[o + p] <= t
            w = w2[s + p] * (1.0 if go else 0.0)
            add_row(left, np.uint64(0), t2, s + p, w, K, False)
            s_w += w
            nl += np.int64(go)
    left[K] = s_w
    for c in range(C):
        miss[c] = 0.0
    if n_miss > 0:
        for p in range(um):
            if kbs[o + p] == missing_bin:
                add_row(miss, np.uint64(0), t2, s + p, w2[s + p], K, classification)
                miss[K] += w2[s + p]
    for d in range(2 if n_miss > 0 else 1):
        n_left = nl + n_miss * d
        if n_left < min_leaf or m - n_left < min_leaf:
            continue
        for c in range(C):
            L[c] = left[c] + miss[c] if d == 1 else left[c]
            R[c] = total[c] - L[c]
        if L[K] < min_weight or R[K] < min_weight or not _allowed(check, L[ch], L[K], R[ch], R[K], cons):
            continue
        gain = channel_score(L, K, criterion) + channel_score(R, K, criterion) - parent
        if _offer(best, gain, t, d, n_left):
            improved = True
    return improved


@njit(cache=True)
def _bin_order(kbs, o, m, keys, order_buf):
    """The node's bins kbs[o:o + m] copied to keys[:m] and their stable sort order (an insertion sort into
    ``order_buf`` for very few rows, else a merge sort)."""
    for p in range(np.uint64(m)):
        keys[p] = kbs[o + p]
    if m <= _INSERTION:
        order = order_buf[:m]
        _insertion_argsort(keys, m, order)
        return order
    return np.argsort(keys[:m], kind="mergesort")


@njit(cache=True)
def _bin_stats(kbs, o, t2, w2, s, m, b_min, b_max, K, classification, missing_bin, hist, hist_cnt, bins_out,
               stat_out, cnt_out):
    """Histogram of the node's rows of one feature over its bin range (zeroed and filled from b_min to
    b_max, plus the missing bin): the non-empty value bins, in bin order, go to ``bins_out[i]`` with
    their stats (K channels + weight) in ``stat_out[i]`` and rows in ``cnt_out[i]``; returns their count.
    The missing rows' stats stay in ``hist`` / ``hist_cnt`` at the missing bin."""
    C = K + 1
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
        if K == 1:
            hist[b * uC] += w * t2[s + p]
        else:
            add_row(hist, b * uC, t2, s + p, w, K, classification)
        hist[b * uC + np.uint64(K)] += w
        hist_cnt[b] += 1
    n = 0
    for b in range(b_min, b_max + 1):
        if hist_cnt[b] > 0:
            bins_out[n] = b
            for c in range(C):
                stat_out[n, c] = hist[b * C + c]
            cnt_out[n] = hist_cnt[b]
            n += 1
    return n


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
    if m <= _SMALL or b_max - b_min > 4 * m:
        order = _bin_order(kbs, o, m, keys, order_buf)
        for p in range(m):
            q = s + np.uint64(order[p])
            bins_sorted[p] = keys[order[p]]
            for c in range(C):
                stat_rows[p, c] = 0.0
            cnt_rows[p] = 1
            add_row(stat_rows[p], np.uint64(0), t2, q, w2[q], K, classification)
            stat_rows[p, K] = w2[q]
        return m
    n_dist = _bin_stats(kbs, o, t2, w2, s, m, b_min, b_max, K, classification, missing_bin, hist, hist_cnt,
                        bins_sorted, stat_rows, cnt_rows)
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
        order = _bin_order(kbs, o, m, keys, order_buf)
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
def scan_pairs(bins_sorted, ent, n_rows, m, missing_bin, parent, t_y, t_w, limits, cart, best, cons):
    """Scan one feature given its (sum w y, sum w, rows) entries sorted by bin (``_entries2``; the
    missing rows' last): the ordered scan (``scan.scan_ordered``) of CART criterion ``cart``, ``t_y``,
    ``t_w`` the node's sums. Returns whether ``best`` improved."""
    n_val = n_rows
    while n_val > 0 and bins_sorted[n_val - 1] == missing_bin:
        n_val -= 1
    if n_val == 0:
        return False
    if bins_sorted[0] == bins_sorted[n_val - 1] and n_val == n_rows:
        return False
    m_y = 0.0
    m_w = 0.0
    n_miss = 0.0
    for j in range(n_val, n_rows):
        m_y += ent[j, 0]
        m_w += ent[j, 1]
        n_miss += ent[j, 2]
    return scan_ordered(ent, bins_sorted, n_val, (m_y, m_w, n_miss), (t_y, t_w, float(m)), parent, limits, None,
                        cart, cons, None, best)


@njit(cache=True)
def _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_rows, m, K, missing_bin, parent, total, criterion, limits,
                 left, work, best, cons):
    """Scan one feature given its entries sorted by bin: single rows, or whole bins of a histogram
    (``stat_rows[j]``: stats vector, ``cnt_rows[j]``: rows in it; ``m`` rows in all; the missing rows'
    last), with K class channels (``scan.scan_channels``). Returns whether ``best`` improved."""
    n_val = n_rows
    while n_val > 0 and bins_sorted[n_val - 1] == missing_bin:
        n_val -= 1
    if n_val == 0:
        return False
    if bins_sorted[0] == bins_sorted[n_val - 1] and n_val == n_rows:
        return False
    return scan_channels(bins_sorted, stat_rows, cnt_rows, n_val, n_rows, m, K, parent, total, criterion, limits,
                         left, work, best, cons)
