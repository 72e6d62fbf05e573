"""Compiled depth-first growth of deep trees (CART, random forests, extra trees, AdaBoost learners).

Forest trees are grown deep and have tens of thousands of nodes, so the whole loop -- split search,
partition, stack -- runs inside one compiled function per tree, and trees are grown in parallel
(``grow_trees``: one tree per task), never synchronising threads per node. The stack keeps memory at
O(depth) whatever the tree size.

Per-row statistics follow the engine's table (ARCHITECTURE.md): a regression row adds (w*y, w); a
classification row adds w to its class channel and to the weight channel, so one scan serves
squared error, Gini and entropy:
    squared error: score = (sum w y)^2 / W           -> gain = SSE decrease
    gini:          score = sum_k W_k^2 / W            -> gain = weighted Gini decrease
    entropy:       score = sum_k W_k log(W_k / W)     -> gain = weighted entropy decrease
A split's gain is score(left) + score(right) - score(parent); it must exceed ``min_gain``.

Split search on a node: each of ``max_features`` sampled features is scanned over its bins; nodes with
few rows (or very many bins, as in exact mode) sort their rows by bin instead of filling a histogram.
Missing values (the NaN bin) try both sides. With ``extra`` one random threshold per feature is drawn
between the node's smallest and largest bin (extremely randomised trees).
"""
import numpy as np
from numba import njit, prange

from .._dtypes import TILE

CRITERIA = {"squared_error": 0, "gini": 1, "entropy": 2}
_SMALL = 32  # rows below which sorting them beats zeroing and scanning a histogram
_INSERTION = 32  # rows below which an insertion sort beats a merge sort (and allocates nothing)


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


@njit(cache=True, inline="always")
def _row_bin(X_tiles, i, f):
    return X_tiles[f // TILE, i, f % TILE]


@njit(cache=True)
def _add_row(acc, target, w, K, classification):
    if classification:
        acc[int(target)] += w
    else:
        acc[0] += w * target
    acc[K] += w


@njit(cache=True)
def _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_rows, m, K, missing_bin, parent, total, criterion,
                 min_leaf, min_weight, extra_u, left, work, best):
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
    target_bin = -1
    if extra_u >= 0.0:
        if hi_bin == lo_bin:
            return False
        target_bin = lo_bin + int(extra_u * (hi_bin - lo_bin))  # left takes bins <= target_bin
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
            if target_bin >= 0 and b < target_bin and j < n_val and bins_sorted[j] <= target_bin:
                continue
            if target_bin >= 0 and b > target_bin:
                break
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
            if target_bin >= 0:
                break
    return improved


@njit(cache=True)
def _grow_one(X_tiles, n_features, n_value_bins, missing_bin, rows_in, w_rows, targets, K, classification,
              criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf, min_gain,
              max_features, extra, seed, out_feature, out_bin, out_missing_left, out_left, out_right,
              out_value, out_gain, out_cover, out_count):
    """Grow one tree on rows ``rows_in`` (repeats allowed: bootstrap) with per-row weights ``w_rows``;
    returns the number of nodes written into the out_* arrays (capacity >= 2 * len(rows_in))."""
    # each node draws from its own stream (tree seed, node id): a node that stops early (e.g. too few
    # rows) never shifts the draws of the others, so weight k and k repeated rows grow the same tree
    n = rows_in.size
    C = K + 1
    rows = rows_in.copy()
    buf = np.empty(n, dtype=rows.dtype)
    wts = w_rows.copy()
    wbuf = np.empty(n, dtype=np.float64)
    feats = np.arange(n_features)
    stack_node = np.empty(256, dtype=np.int64)
    stack_lo = np.empty(256, dtype=np.int64)
    stack_hi = np.empty(256, dtype=np.int64)
    stack_depth = np.empty(256, dtype=np.int64)
    total = np.empty(C)
    left = np.empty(C)
    work = np.empty(3 * C)
    best = np.empty(4)
    keys = np.empty(n, dtype=np.int64)
    order_buf = np.empty(_INSERTION, dtype=np.int64)
    bins_sorted = np.empty(n, dtype=np.int64)
    stat_rows = np.empty((n, C))
    hist = np.empty((missing_bin + 1, C))
    hist_cnt = np.empty(missing_bin + 1, dtype=np.int64)
    cnt_rows = np.ones(n, dtype=np.int64)
    n_nodes = 1
    sp = 0
    stack_node[0] = 0
    stack_lo[0] = 0
    stack_hi[0] = n
    stack_depth[0] = 0
    while sp >= 0:
        node = stack_node[sp]
        lo = stack_lo[sp]
        hi = stack_hi[sp]
        depth = stack_depth[sp]
        sp -= 1
        m = hi - lo
        total[:] = 0.0
        for p in range(lo, hi):
            _add_row(total, targets[rows[p]], wts[p], K, classification)
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
        best_b, best_d, best_nl = -1, 0, 0
        rng, _ = _splitmix(np.uint64(seed) * np.uint64(0x2545F4914F6CDD1D) + np.uint64(node))
        # partial Fisher-Yates from the identity: the first max_features entries are the candidates
        for q in range(n_features):
            feats[q] = q
        for q in range(max_features):
            rng, u = _uniform(rng)
            r = q + min(int(u * (n_features - q)), n_features - q - 1)
            feats[q], feats[r] = feats[r], feats[q]
        for q in range(max_features):
            f = feats[q]
            u = -1.0
            if extra:
                rng, u = _uniform(rng)
            if m <= _SMALL or missing_bin > 4 * m:
                for p in range(m):
                    keys[p] = _row_bin(X_tiles, rows[lo + p], f)
                if m <= _INSERTION:
                    order = order_buf[:m]
                    _insertion_argsort(keys, m, order)
                else:
                    order = np.argsort(keys[:m], kind="mergesort")
                for p in range(m):
                    src = lo + order[p]
                    bins_sorted[p] = keys[order[p]]
                    stat_rows[p, :] = 0.0
                    cnt_rows[p] = 1
                    _add_row(stat_rows[p], targets[rows[src]], wts[src], K, classification)
                n_dist = m
            else:
                hist[:n_value_bins[f], :] = 0.0
                hist[missing_bin, :] = 0.0
                hist_cnt[:n_value_bins[f]] = 0
                hist_cnt[missing_bin] = 0
                for p in range(lo, hi):
                    b = _row_bin(X_tiles, rows[p], f)
                    _add_row(hist[b], targets[rows[p]], wts[p], K, classification)
                    hist_cnt[b] += 1
                # the non-empty bins become the scan's entries, in bin order
                n_dist = 0
                for b in range(n_value_bins[f]):
                    if hist_cnt[b] > 0:
                        bins_sorted[n_dist] = b
                        stat_rows[n_dist, :] = hist[b]
                        cnt_rows[n_dist] = hist_cnt[b]
                        n_dist += 1
                if hist_cnt[missing_bin] > 0:
                    bins_sorted[n_dist] = missing_bin
                    stat_rows[n_dist, :] = hist[missing_bin]
                    cnt_rows[n_dist] = hist_cnt[missing_bin]
                    n_dist += 1
            if _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_dist, m, K, missing_bin, parent, total,
                            criterion, min_samples_leaf, min_weight_leaf, u, left, work, best):
                best_f = f
                best_b = int(best[1])
                best_d = int(best[2])
        if best_f < 0:
            continue
        # stable partition of [lo, hi) by the chosen split
        nl = 0
        for p in range(lo, hi):
            b = _row_bin(X_tiles, rows[p], best_f)
            if (b == missing_bin and best_d == 1) or (b != missing_bin and b <= best_b):
                nl += 1
        li = lo
        ri = lo + nl
        for p in range(lo, hi):
            b = _row_bin(X_tiles, rows[p], best_f)
            if (b == missing_bin and best_d == 1) or (b != missing_bin and b <= best_b):
                buf[li] = rows[p]
                wbuf[li] = wts[p]
                li += 1
            else:
                buf[ri] = rows[p]
                wbuf[ri] = wts[p]
                ri += 1
        for p in range(lo, hi):
            rows[p] = buf[p]
            wts[p] = wbuf[p]
        if sp + 2 >= stack_node.size:
            stack_node = np.concatenate((stack_node, np.empty(stack_node.size, dtype=np.int64)))
            stack_lo = np.concatenate((stack_lo, np.empty(stack_lo.size, dtype=np.int64)))
            stack_hi = np.concatenate((stack_hi, np.empty(stack_hi.size, dtype=np.int64)))
            stack_depth = np.concatenate((stack_depth, np.empty(stack_depth.size, dtype=np.int64)))
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
        sp += 1
        stack_node[sp] = left_id
        stack_lo[sp] = lo
        stack_hi[sp] = lo + nl
        stack_depth[sp] = depth + 1
    return n_nodes


@njit(parallel=True, cache=True)
def grow_trees(X_tiles, n_features, n_value_bins, missing_bin, row_sets, row_offsets, weight_sets, targets,
               K, classification, criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf,
               min_gain, max_features, extra, seeds, node_offsets, out_feature, out_bin, out_missing_left,
               out_left, out_right, out_value, out_gain, out_cover, out_count, n_nodes_out):
    """Grow one tree per seed in parallel; tree t uses rows ``row_sets[row_offsets[t]:row_offsets[t+1]]``
    and writes its nodes from ``node_offsets[t]`` (capacity ``2 * its rows``)."""
    for t in prange(seeds.size):
        a, b = row_offsets[t], row_offsets[t + 1]
        o = node_offsets[t]
        e = node_offsets[t + 1]
        n_nodes_out[t] = _grow_one(
            X_tiles, n_features, n_value_bins, missing_bin, row_sets[a:b], weight_sets[a:b], targets, K,
            classification, criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf,
            min_gain, max_features, extra, seeds[t], out_feature[o:e], out_bin[o:e], out_missing_left[o:e],
            out_left[o:e], out_right[o:e], out_value[o:e], out_gain[o:e], out_cover[o:e], out_count[o:e])


def grow_forest(X_tiles, mapper, row_sets, weight_sets, targets, *, n_classes=0, criterion="squared_error",
                max_depth=None, min_samples_split=2, min_samples_leaf=1, min_weight_leaf=0.0, min_gain=0.0,
                max_features=None, extra=False, seeds, n_threads=1):
    """Grow one tree per entry of ``row_sets`` (int arrays of rows, repeats allowed) with per-row
    weights ``weight_sets``; ``targets``: y (regression) or class indices (``n_classes`` >= 2).

    Returns a list of node tables (``silva._engine.tree`` fields) with a 2-D ``values`` (n_nodes, K):
    the mean target (K = 1) or the class distribution (K = n_classes) of each node.
    """
    from .tree import NODE_FIELDS

    n_features = mapper.n_value_bins_.size
    classification = n_classes >= 2
    K = n_classes if classification else 1
    max_features = n_features if max_features is None else int(max_features)
    targets = np.ascontiguousarray(targets, dtype=np.float64)
    trees = []
    batch = max(1, 2 * n_threads)  # trees per parallel call: bounds the node buffers in memory
    for start in range(0, len(row_sets), batch):
        rs = row_sets[start:start + batch]
        ws = weight_sets[start:start + batch]
        row_offsets = np.zeros(len(rs) + 1, dtype=np.int64)
        np.cumsum([r.size for r in rs], out=row_offsets[1:])
        node_offsets = np.zeros(len(rs) + 1, dtype=np.int64)
        np.cumsum([2 * r.size + 1 for r in rs], out=node_offsets[1:])
        cap = int(node_offsets[-1])
        out = dict(feature=np.empty(cap, np.int32), bin=np.empty(cap, np.int64),
                   missing_left=np.empty(cap, np.uint8), left=np.empty(cap, np.int32),
                   right=np.empty(cap, np.int32), value=np.empty((cap, K)), gain=np.empty(cap),
                   cover=np.empty(cap), count=np.empty(cap))
        n_nodes = np.zeros(len(rs), dtype=np.int64)
        grow_trees(X_tiles, n_features, mapper.n_value_bins_, mapper.missing_bin_,
                   np.concatenate(rs).astype(np.int64), row_offsets,
                   np.concatenate(ws).astype(np.float64), targets, K, classification, CRITERIA[criterion],
                   -1 if max_depth is None else int(max_depth), int(min_samples_split), int(min_samples_leaf),
                   float(min_weight_leaf), float(min_gain), max_features, bool(extra),
                   np.asarray(seeds[start:start + batch], dtype=np.int64), node_offsets, out["feature"],
                   out["bin"], out["missing_left"], out["left"], out["right"], out["value"], out["gain"],
                   out["cover"], out["count"], n_nodes)
        for t in range(len(rs)):
            a = node_offsets[t]
            e = a + n_nodes[t]
            feature = out["feature"][a:e]
            bins = out["bin"][a:e]
            threshold = np.full(e - a, np.nan)
            for j in np.flatnonzero(feature >= 0):
                thr = mapper.thresholds_[feature[j]]
                threshold[j] = thr[bins[j]] if bins[j] < thr.size else np.inf
            tree = {
                "feature": feature.copy(), "threshold": threshold, "bin_threshold": bins.astype(np.int32),
                "missing_left": out["missing_left"][a:e].copy(), "left": out["left"][a:e].copy(),
                "right": out["right"][a:e].copy(), "value": out["value"][a:e, 0].copy(),
                "gain": out["gain"][a:e].copy(), "cover": out["cover"][a:e].copy(),
                "count": out["count"][a:e].copy(), "cat_index": np.full(e - a, -1, dtype=np.int32),
                "cat_sets": np.zeros((0, (mapper.missing_bin_ + 32) // 32), dtype=np.uint32),
                "values": out["value"][a:e].copy(),
            }
            assert set(NODE_FIELDS) <= set(tree)
            trees.append(tree)
    return trees
