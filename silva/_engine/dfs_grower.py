"""Compiled depth-first growth of deep trees (CART, random forests, extra trees, AdaBoost learners).

Forest trees are grown deep and have tens of thousands of nodes, so the whole loop -- split search,
partition, stack -- runs inside one compiled function per tree, and trees are grown in parallel
(``grow_trees``: each thread grows its share of the trees with its own scratch buffers), never
synchronising threads per node. The stack keeps memory at O(depth) whatever the tree size. The trees of
a fit come back packed as a forest stores them (``grow_forest_packed``), their nodes copied once.

Per-row statistics: a regression row adds (w*y, w) -- with K outputs (w*y_1, ..., w*y_K, w); a
classification row adds w to its class channel and to the weight channel, so one scan serves
squared error, Gini and entropy:
    squared error: score = sum_k (sum w y_k)^2 / W   -> gain = SSE decrease, summed over the outputs
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

Layout: this module grows and packs the trees; the row passes (gather, totals, partitions) are in
``dfs_rows``, the scores and the ordered-bin search in ``dfs_scan``, the category-set splits in
``dfs_categorical``.
"""
from collections import namedtuple

import numpy as np
from numba import njit, prange

from ..data.binning import tiles_to_columns
from ._memory import empty_pages
from .dfs_categorical import _MIN_CATEGORY_ROWS, _cat_split_random, _cat_split_sorted, _cat_stats
from .dfs_rows import _GATHER, _bin_range, _gather, _partition, _partition_cat, _totals, target_width, two_channels
from .criterion import CRITERIA, channel_score
from .routing import bitset_words, set_bit
from .scan import cart_kind
from .dfs_scan import (_INSERTION, _entries, _entries2, _eval_threshold, _extra_bin, _scan_sorted, _splitmix,
                       _uniform, scan_pairs)
from .tree import unpack_trees


# The kernels' configuration, passed as records (numba compiles named tuples as plain structs).
# How trees grow: K outputs (classes, or the regression targets), the criterion (``criterion.CRITERIA``),
# the stopping rules, the features drawn per node, extra trees' random thresholds, and the channel held
# monotone.
GrowthRules = namedtuple("GrowthRules", "K classification criterion max_depth min_samples_split "
                                        "min_samples_leaf min_weight_leaf min_gain max_features extra value_ch")
# The binned data: row-major bins (``_row_major``), the bins' value ranges (``_value_ranges``), the
# categorical features and those among them searched in code order.
BinnedRows = namedtuple("BinnedRows", "X_flat stride n_features missing_bin bin_lo bin_hi bin_mid is_cat "
                                      "code_order")
# One worker's scratch buffers (``_scratch``), reused from tree to tree.
Scratch = namedtuple("Scratch", "rows2 w2 t2 kbs kbest keys bins_sorted stat_rows cnt_rows hist hist_cnt")
# The grown nodes, one entry per node.
NodeColumns = namedtuple("NodeColumns", "feature bin missing_left left right value gain cover count cat_split "
                                        "cat_words")


@njit(cache=True, fastmath={"reassoc"})
def _grow_one(data, rules, mono, rows_in, w_rows, targets, seed, scratch, out):
    """Grow one tree on rows ``rows_in`` (repeats allowed: bootstrap) with per-row weights ``w_rows``;
    returns the number of nodes written into the ``out`` columns (capacity >= 2 * len(rows_in)).

    ``data``: a ``BinnedRows``; ``rules``: the ``GrowthRules``; ``mono``: None or the monotone
    constraints (see below; None compiles the unconstrained grower, without the bound checks).
    ``targets``: one value per row (the target, or the class index), or for K regression outputs the
    (rows, K) targets flattened row by row. The scratch buffers (``Scratch``) are the caller's, reused
    from tree to tree: rows2 / w2 hold >= 2n entries, t2 2n times the values per row, kbs >= _GATHER * n,
    kbest >= n; keys, bins_sorted, stat_rows, cnt_rows >= n rows (random forests only); hist
    (missing_bin + 1) * (K + 1), hist_cnt missing_bin + 1.

    Categorical features (``is_cat``) split by category sets (``_cat_split_sorted``, or
    ``_cat_split_random`` for extra trees), except those flagged ``code_order`` (binned by ranges of
    codes: more categories than bins), searched as ordered bins; either way such a node gets
    ``out_cat_split`` 1, ``out_bin`` -1 and the left bins as a bitset in ``out_cat_words[node]``.

    Monotone constraints (``mono``: -1/0/+1 per feature; the constrained value is channel ``value_ch``
    of a node's mean: the target, or class 1's share) reject a split on a constrained feature whose
    children's means leave the node's bounds or break the feature's direction, and clip every node's
    value into its bounds (scikit-learn's rules). The left child of a constrained split is bounded by
    the midpoint of the two children's means (scikit-learn's bound); depth-first, its subtree is
    finished before the right child is searched, so the right one is bounded only by the extreme leaf
    that subtree actually grew (``_first_extreme``), which is never past the midpoint."""
    X_flat, stride, n_features, missing_bin, bin_lo, bin_hi, bin_mid, is_cat, code_order = data
    (K, classification, criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_leaf, min_gain,
     max_features, extra, value_ch) = rules
    rows2, w2, t2, kbs, kbest, keys, bins_sorted, stat_rows, cnt_rows, hist, hist_cnt = scratch
    (out_feature, out_bin, out_missing_left, out_left, out_right, out_value, out_gain, out_cover, out_count,
     out_cat_split, out_cat_words) = out
    # each node draws from its own stream (tree seed, node id): a node that stops early (e.g. too few
    # rows) never shifts the draws of the others, so weight k and k repeated rows grow the same tree
    n = rows_in.size
    C = K + 1
    T = target_width(K, classification)
    # A node's rows, their weights and targets lie contiguous, in row order, in one half of the *2
    # buffers (side 0: [0, n), side 1: [n, 2n)); a split writes its children into the other half
    # (ping-pong), so nothing is copied back. Indices are unsigned so the loops vectorise.
    for p in range(n):
        rows2[p] = rows_in[p]
        w2[p] = w_rows[p]
        for k in range(T):
            t2[p * T + k] = targets[rows_in[p] * T + k]
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
    best = np.empty(6)  # the record of scan.scan_ordered
    limits = (float(min_weight_leaf), float(min_samples_leaf))
    cart = cart_kind(classification, criterion)
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
    # ``mono`` is None for unconstrained trees: every `mono is not None` branch is then pruned when the
    # kernel compiles (numba prunes branches on an argument's None-ness), so those trees run the code
    # they ran before constraints existed
    stack_blo = np.full(256, -np.inf)
    stack_bhi = np.full(256, np.inf)
    stack_first = np.full(256, -1, dtype=np.int64)
    stack_sign = np.zeros(256, dtype=np.int64)
    if mono is None:
        cons = None
    else:
        cons = np.array([-np.inf, np.inf, 0.0, float(value_ch)])
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
        b_lo = -np.inf
        b_hi = np.inf
        if mono is not None:
            b_lo = stack_blo[sp]
            b_hi = stack_bhi[sp]
            if stack_first[sp] >= 0:
                # a right child: bounded by the leaves its left sibling's finished subtree grew
                if stack_sign[sp] > 0:
                    b_lo = max(b_lo, _first_extreme(stack_first[sp], node, n_nodes, out_left, out_value, value_ch,
                                                    1))
                else:
                    b_hi = min(b_hi, _first_extreme(stack_first[sp], node, n_nodes, out_left, out_value, value_ch,
                                                    -1))
            cons[0] = b_lo
            cons[1] = b_hi
        sp -= 1
        m = hi - lo
        src = side * n + lo  # the node's rows in the *2 buffers
        _totals(t2, w2, src, m, K, classification, total, e_acc)
        for c in range(K):
            out_value[node, c] = total[c] / total[K] if total[K] > 0 else 0.0
        if mono is not None:
            # a monotone node's value is its mean clipped into its bounds (scikit-learn's rule)
            out_value[node, value_ch] = min(max(out_value[node, value_ch], b_lo), b_hi)
            if classification:
                out_value[node, 0] = 1.0 - out_value[node, 1]
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
        parent = channel_score(total, K, criterion)
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
                if mono is not None:
                    cons[2] = mono[f]
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
                                                          sel, table, e_L, e_R, best, cons)
                    else:
                        improved = _cat_split_sorted(n_cat, n_miss, m, K, classification, missing_bin, total,
                                                     parent, criterion, limits, _MIN_CATEGORY_ROWS, cats, cstat, ccnt, ckeys, c_bins,
                                                     c_stat, c_cnt, gstat, gcnt, crank, table, left, work, best,
                                                     cons)
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
                                               min_weight_leaf, e_left, e_miss, e_L, e_R, e_acc, best, cons)
                elif two_channels(K, classification):
                    n_dist = _entries2(kbs, off, t2, w2, src, m, b_min, b_max, missing_bin, keys, order_buf,
                                       bins_sorted, stat_rows, hist)
                    improved = scan_pairs(bins_sorted, stat_rows, n_dist, m, missing_bin, parent,
                                          total[1] if classification else total[0], total[K], limits, cart,
                                          best, cons)
                else:
                    n_dist = _entries(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin,
                                      keys, order_buf, bins_sorted, stat_rows, cnt_rows, hist, hist_cnt)
                    improved = _scan_sorted(bins_sorted, stat_rows, cnt_rows, n_dist, m, K, missing_bin,
                                            parent, total, criterion, limits, left, work, best, cons)
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
        nl = int(best[5])
        if best_is_cat:
            _partition_cat(best_kb, best_off, m, rows2, w2, t2, T, src, (1 - side) * n + lo, nl, best_table,
                           best_d, missing_bin)
            out_cat_split[node] = 1
            out_cat_words[node, :] = 0
            for b in range(best_cat_lo, best_cat_hi + 1):
                if best_table[b]:
                    set_bit(out_cat_words[node], b)
        else:
            _partition(best_kb, best_off, m, rows2, w2, t2, T, src, (1 - side) * n + lo, nl, best_b, best_d,
                       missing_bin)
        if sp + 2 >= stack_node.size:
            stack_node = np.concatenate((stack_node, np.empty(stack_node.size, dtype=np.int64)))
            stack_lo = np.concatenate((stack_lo, np.empty(stack_lo.size, dtype=np.int64)))
            stack_hi = np.concatenate((stack_hi, np.empty(stack_hi.size, dtype=np.int64)))
            stack_depth = np.concatenate((stack_depth, np.empty(stack_depth.size, dtype=np.int64)))
            stack_side = np.concatenate((stack_side, np.empty(stack_side.size, dtype=np.int64)))
            stack_blo = np.concatenate((stack_blo, np.empty(stack_blo.size)))
            stack_bhi = np.concatenate((stack_bhi, np.empty(stack_bhi.size)))
            stack_first = np.concatenate((stack_first, np.empty(stack_first.size, dtype=np.int64)))
            stack_sign = np.concatenate((stack_sign, np.empty(stack_sign.size, dtype=np.int64)))
        left_id = n_nodes
        right_id = n_nodes + 1
        n_nodes += 2
        out_feature[node] = best_f
        out_bin[node] = best_b
        out_missing_left[node] = best_d
        out_left[node] = left_id
        out_right[node] = right_id
        out_gain[node] = best[0]
        # monotone bounds of the children: a split on a constrained feature bounds the left child by the
        # midpoint of the two children's means, and the right one (searched after the left subtree is
        # grown) by the extreme leaf that subtree actually grew, never further than the midpoint
        direction = 0
        if mono is not None:
            direction = mono[best_f]
        l_lo, l_hi = b_lo, b_hi
        if mono is not None and direction != 0:
            _totals(t2, w2, (1 - side) * n + lo + nl, m - nl, K, classification, total, e_acc)
            v_right = total[value_ch] / total[K] if total[K] > 0 else 0.0
            _totals(t2, w2, (1 - side) * n + lo, nl, K, classification, total, e_acc)
            v_left = total[value_ch] / total[K] if total[K] > 0 else 0.0
            mid = 0.5 * (v_left + v_right)
            if direction > 0:
                l_hi = min(l_hi, mid)
            else:
                l_lo = max(l_lo, mid)
        # push right first so the left child is grown next (depth-first, children after parents)
        sp += 1
        stack_node[sp] = right_id
        stack_lo[sp] = lo + nl
        stack_hi[sp] = hi
        stack_depth[sp] = depth + 1
        stack_side[sp] = 1 - side
        if mono is not None:
            stack_blo[sp] = b_lo
            stack_bhi[sp] = b_hi
            stack_first[sp] = left_id if direction != 0 else -1
            stack_sign[sp] = direction
        sp += 1
        stack_node[sp] = left_id
        stack_lo[sp] = lo
        stack_hi[sp] = lo + nl
        stack_depth[sp] = depth + 1
        stack_side[sp] = 1 - side
        if mono is not None:
            stack_blo[sp] = l_lo
            stack_bhi[sp] = l_hi
            stack_first[sp] = -1
            stack_sign[sp] = 0
    return n_nodes


@njit(cache=True)
def _first_extreme(first, second, n_nodes, out_left, out_value, ch, sign):
    """Largest (sign > 0) or smallest leaf value of the finished subtree of node ``first``, whose
    descendants are numbered after its sibling ``second`` and before ``n_nodes`` (depth-first order)."""
    ext = -np.inf if sign > 0 else np.inf
    for u in range(first, n_nodes):
        if (u == first or u > second) and out_left[u] == -1:
            v = out_value[u, ch]
            ext = max(ext, v) if sign > 0 else min(ext, v)
    return ext


def _scratch(n_workers, n_max, itemsize_dtype, K, missing_bin, extra, T=1):
    """Per-worker scratch buffers of _grow_one for trees of up to n_max rows (see its docstring), one row
    per worker; ``T`` target values per row."""
    C = max(K + 1, 3)  # _entries2 keeps (sum w y, sum w, rows)
    n_rf = 0 if extra else n_max  # the sort / histogram entries are the random forests'
    return Scratch(np.empty((n_workers, 2 * n_max), np.int64), np.empty((n_workers, 2 * n_max)),
                   np.empty((n_workers, 2 * n_max * T)), np.empty((n_workers, _GATHER * n_max), itemsize_dtype),
                   np.empty((n_workers, n_max), itemsize_dtype), np.empty((n_workers, n_rf), np.int64),
                   np.empty((n_workers, n_rf), np.int64), np.empty((n_workers, n_rf, C)),
                   np.empty((n_workers, n_rf), np.int64), np.empty((n_workers, 2 * (missing_bin + 1) * C)),
                   np.empty((n_workers, missing_bin + 1), np.int64))


@njit(cache=True, inline="always")
def _worker_scratch(s, w):
    return Scratch(s.rows2[w], s.w2[w], s.t2[w], s.kbs[w], s.kbest[w], s.keys[w], s.bins_sorted[w],
                   s.stat_rows[w], s.cnt_rows[w], s.hist[w], s.hist_cnt[w])


@njit(cache=True, inline="always")
def _region(c, a, b):
    """The node columns' rows a:b."""
    return NodeColumns(c.feature[a:b], c.bin[a:b], c.missing_left[a:b], c.left[a:b], c.right[a:b], c.value[a:b],
                       c.gain[a:b], c.cover[a:b], c.count[a:b], c.cat_split[a:b], c.cat_words[a:b])


@njit(parallel=True, cache=True)
def grow_trees(data, rules, mono, row_sets, row_offsets, weight_sets, targets, seeds, worker_bounds, scratch, out,
               node_start, n_nodes_out):
    """Grow one tree per seed; tree t uses rows ``row_sets[row_offsets[t]:row_offsets[t+1]]``. Worker w
    (one per row of the scratch buffers, in parallel) grows trees w, w + n_workers, ... -- which
    worker grows a tree never changes it -- writing their nodes one after the other into its region
    ``worker_bounds[w]:worker_bounds[w + 1]`` of the ``out`` columns (room for 2 * rows + 1 nodes per
    tree); tree t's nodes start at ``node_start[t]``. The regions fill from their start, so only the
    nodes grown are ever touched (trees of deep forests use a tenth of their room)."""
    n_workers = scratch.rows2.shape[0]
    for wk in prange(n_workers):
        o = worker_bounds[wk]
        e = worker_bounds[wk + 1]
        mine = _worker_scratch(scratch, wk)
        for t in range(wk, seeds.size, n_workers):
            a, b = row_offsets[t], row_offsets[t + 1]
            n_nodes = _grow_one(data, rules, mono, row_sets[a:b], weight_sets[a:b], targets, seeds[t], mine,
                                _region(out, o, e))
            node_start[t] = o
            n_nodes_out[t] = n_nodes
            o += n_nodes


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
def _compact(node_start, n_nodes, dst, out_feature, out_bin, out_missing_left, out_left, out_right, out_value,
             out_gain, out_cover, out_count, out_cat_split, out_cat_words, cat_dst, padded_thresholds,
             missing_to_larger, feature, threshold, bin_threshold, missing_left, left, right, values, gain, cover,
             count, cat_index, cat_bins):
    """Copy tree t's nodes out_*[node_start[t]:+n_nodes[t]] to the packed arrays from dst[t], with the
    splits' raw thresholds (``padded_thresholds``: +inf past each feature's thresholds, the top value
    bin's split). Tree t's categorical splits, in node order, get the bitset rows cat_dst[t], ... of
    ``cat_bins`` (their threshold: 0). Splits on a feature f with ``missing_to_larger[f]`` send missing
    values to the child with more training rows instead of the learned side."""
    for t in prange(n_nodes.size):
        a = node_start[t]
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
            for c in range(values.shape[1]):
                values[d + i, c] = out_value[a + i, c]
            gain[d + i] = out_gain[a + i]
            cover[d + i] = out_cover[a + i]
            count[d + i] = out_count[a + i]


_PACKED = {"feature": np.int32, "threshold": np.float64, "cat_index": np.int32, "bin_threshold": np.int32,
           "missing_left": np.uint8, "left": np.int32,
           "right": np.int32, "gain": np.float64, "cover": np.float64, "count": np.float64}


def grow_forest_packed(X_tiles, mapper, samples, targets, *, n_classes=0, criterion="squared_error",
                       max_depth=None, min_samples_split=2, min_samples_leaf=1, min_weight_leaf=0.0, min_gain=0.0,
                       max_features=None, extra=False, bin_bounds=None, missing_to_larger=None,
                       code_order=None, monotonic_cst=None, seeds, n_threads=1):
    """Grow one tree per entry of ``samples``: (rows, weights) pairs -- int arrays of rows (repeats
    allowed) and their weights -- in a list, or any sequence whose slices are lists of pairs (a forest's
    bootstrap draws each batch's samples when asked, so they are never all held at once); ``targets``:
    y (regression: (n,), or (n, n_outputs) for several outputs) or class indices (``n_classes`` >= 2).
    ``bin_bounds``: see ``_value_ranges``; ``missing_to_larger``: a mask of the features whose splits
    send missing values to the child with more training rows (scikit-learn's rule for features that had
    none in training) instead of the learned side. Categorical features (``mapper.is_categorical_``)
    split by category sets; those flagged in the mask ``code_order`` (binned by ranges of codes) are
    searched as ordered bins, their splits kept as sets too. ``monotonic_cst``: -1/0/+1 per feature or
    None (one regression output, or two classes: class 1's share is held monotone).

    Returns the trees packed, as a forest stores them: a dict with the node fields of
    ``silva._engine.tree.NODE_FIELDS`` concatenated over the trees (children indices within each tree),
    ``values`` (n_nodes, K): the mean targets (K = n_outputs) or the class distribution (K = n_classes)
    of each node, ``tree_offsets`` (n_trees + 1) and ``cat_bins`` (the categorical splits' bitsets).

    Trees grow in parallel batches into scratch node buffers (room for 2 * rows + 1 nodes per tree; each
    thread's trees written one after the other, so only the nodes grown are touched), and each batch is
    copied into the packed arrays at once, so a forest's nodes are
    copied one time (growing the packed arrays when a guess of their size falls short)."""
    n_features = mapper.n_value_bins_.size
    classification = n_classes >= 2
    targets = np.asarray(targets, dtype=np.float64)
    if classification and targets.ndim != 1:
        raise ValueError("class indices must be one per row")
    K = n_classes if classification else (1 if targets.ndim == 1 else targets.shape[1])
    # one flat array whatever the outputs: the kernels compile once
    targets = np.ascontiguousarray(targets).ravel()
    max_features = n_features if max_features is None else int(max_features)
    mono = (None if monotonic_cst is None or not np.any(monotonic_cst)
            else np.ascontiguousarray(monotonic_cst, dtype=np.int8))
    if mono is not None and not (K == 1 or (classification and K == 2)):
        raise ValueError("monotone constraints need one regression output or two classes")
    value_ch = 1 if classification else 0
    bin_lo, bin_hi, bin_mid = _value_ranges(mapper, bin_bounds, extra)
    X_flat, stride = _row_major(X_tiles, n_features)
    missing_to_larger = (np.zeros(n_features, dtype=np.bool_) if missing_to_larger is None
                         else np.ascontiguousarray(missing_to_larger, dtype=np.bool_))
    n_trees = len(samples)
    batch = max(1, 4 * n_threads)  # trees per parallel call: bounds the scratch node buffers
    is_cat = np.ascontiguousarray(mapper.is_categorical_, dtype=np.bool_)
    code_order = (np.zeros(n_features, dtype=np.bool_) if code_order is None
                  else np.ascontiguousarray(code_order, dtype=np.bool_) & is_cat)
    n_words = bitset_words(mapper.missing_bin_ + 1)  # the forest's cat_bins width
    data = BinnedRows(X_flat, stride, n_features, mapper.missing_bin_, bin_lo, bin_hi, bin_mid, is_cat, code_order)
    rules = GrowthRules(K, classification, CRITERIA[criterion], -1 if max_depth is None else int(max_depth),
                        int(min_samples_split), int(min_samples_leaf), float(min_weight_leaf), float(min_gain),
                        max_features, bool(extra), value_ch)
    out = scratch = None  # scratch nodes and per-thread buffers, sized by the largest batch so far
    cat_parts = []  # each batch's categorical bitsets
    n_cat_done = 0
    packed = None
    tree_offsets = np.zeros(n_trees + 1, dtype=np.int64)
    for start in range(0, n_trees, batch):
        stop = min(start + batch, n_trees)
        pairs = samples[start:stop]
        rs = [r for r, _ in pairs]
        ws = [w for _, w in pairs]
        sizes = np.array([r.size for r in rs], dtype=np.int64)
        cap = int((2 * sizes + 1).sum())
        if out is None or cap > out.value.shape[0]:
            # room for a somewhat larger batch too: bootstrap batches differ in size, and each new
            # allocation is touched afresh
            cap = cap + cap // 4 if n_trees > stop else cap
            out = NodeColumns(feature=empty_pages(cap, np.int32), bin=empty_pages(cap, np.int64),
                              missing_left=empty_pages(cap, np.uint8), left=empty_pages(cap, np.int32),
                              right=empty_pages(cap, np.int32), value=empty_pages((cap, K), np.float64),
                              gain=empty_pages(cap, np.float64), cover=empty_pages(cap, np.float64),
                              count=empty_pages(cap, np.float64), cat_split=empty_pages(cap, np.uint8),
                              cat_words=empty_pages((cap if is_cat.any() else 0, n_words), np.uint32))
        if scratch is None or int(sizes.max()) > scratch.rows2.shape[1] // 2:
            # one set of scratch buffers per thread, reused by all its trees
            scratch = _scratch(max(1, min(n_threads, batch, n_trees)), int(sizes.max()), X_flat.dtype, K,
                               mapper.missing_bin_, extra, 1 if classification else K)
        row_offsets = np.zeros(len(rs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=row_offsets[1:])
        n_workers = scratch.rows2.shape[0]
        worker_bounds = np.zeros(n_workers + 1, dtype=np.int64)
        np.cumsum([int((2 * sizes[w::n_workers] + 1).sum()) for w in range(n_workers)], out=worker_bounds[1:])
        node_start = np.zeros(len(rs), dtype=np.int64)
        n_nodes = np.zeros(len(rs), dtype=np.int64)
        grow_trees(data, rules, mono, np.concatenate(rs).astype(np.int64, copy=False), row_offsets,
                   np.concatenate(ws).astype(np.float64, copy=False), targets,
                   np.asarray(seeds[start:stop], dtype=np.int64), worker_bounds, scratch, out, node_start, n_nodes)
        del pairs, rs, ws
        np.cumsum(n_nodes, out=tree_offsets[start + 1:stop + 1])
        tree_offsets[start + 1:stop + 1] += tree_offsets[start]
        need = int(tree_offsets[stop])
        if packed is None or need > packed["feature"].size:
            # room for the remaining trees at the mean size so far (and a margin)
            guess = int(need / stop * n_trees * 1.1) + 64 if stop < n_trees else need
            grown = {name: empty_pages(max(need, guess), dt) for name, dt in _PACKED.items()}
            grown["values"] = empty_pages((max(need, guess), K), np.float64)
            if packed is not None:
                done = int(tree_offsets[start])
                for name in grown:
                    grown[name][:done] = packed[name][:done]
            packed = grown
        # the categorical splits of the batch, numbered over the forest in tree and node order
        n_cat = np.array([np.count_nonzero(out.cat_split[o:o + k]) for o, k in zip(node_start, n_nodes)],
                         dtype=np.int64)
        cat_dst = np.zeros(n_nodes.size, dtype=np.int64)
        np.cumsum(n_cat[:-1], out=cat_dst[1:])
        batch_cats = np.empty((int(n_cat.sum()), n_words), np.uint32)
        _compact(node_start, n_nodes, tree_offsets[start:stop], *out, cat_dst, mapper.padded_thresholds_,
                 missing_to_larger, packed["feature"], packed["threshold"], packed["bin_threshold"],
                 packed["missing_left"], packed["left"], packed["right"], packed["values"], packed["gain"],
                 packed["cover"], packed["count"], packed["cat_index"], batch_cats)
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


def grow_forest(X_tiles, mapper, row_sets, weight_sets, targets, **kwargs):
    """``grow_forest_packed`` on listed row and weight sets, the trees as a list of node tables
    (``unpack_trees``)."""
    return unpack_trees(grow_forest_packed(X_tiles, mapper, list(zip(row_sets, weight_sets)), targets, **kwargs))
