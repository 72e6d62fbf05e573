"""Category-set splits of the depth-first grower (``dfs_grower._grow_one``): per-category statistics
of a node, then the categories ordered by mean target and cut (random forests, CART) or a random subset
(extra trees)."""
import numpy as np
from numba import njit

from .criterion import channel_score
from .dfs_rows import two_channels
from .dfs_scan import _allowed, _bin_stats, _scan_sorted, _splitmix, _uniform
from .scan import monotone_channel

# categories with fewer rows in a node move as one group (_cat_split_sorted). LightGBM and scikit-learn's
# histogram GBDT use 10 for their shallow trees; forest trees grow deep, where 10 pools every category
# of a small node: measured on adult, titanic and 1000 synthetic categories, 5 keeps both benefits.
_MIN_CATEGORY_ROWS = 5


@njit(cache=True)
def _cat_stats(kbs, off, t2, w2, src, m, b_min, b_max, K, classification, missing_bin, hist, hist_cnt, cats,
               cstat, ccnt):
    """Per category (bin) of a categorical feature in the node: ``cats[i]`` the bin, ``cstat[i]`` its
    stats (K channels + weight), ``ccnt[i]`` its rows, in bin order; the missing rows' stats (NaN and
    categories unseen in training) at index n_cat. Returns n_cat."""
    C = K + 1
    n_cat = _bin_stats(kbs, np.uint64(off), t2, w2, np.uint64(src), m, b_min, b_max, K, classification, missing_bin,
                       hist, hist_cnt, cats, cstat, ccnt)
    for c in range(C):
        cstat[n_cat, c] = hist[missing_bin * C + c]
    ccnt[n_cat] = hist_cnt[missing_bin]
    return n_cat


@njit(cache=True)
def _cat_split_random(rng, n_cat, n_miss, m, K, total, parent, criterion, min_leaf, min_weight, cats, cstat, ccnt,
                      sel, table, L, R, best, cons):
    """Extra trees on a categorical feature: a random subset of the node's categories goes left (each
    with probability 1/2; when that leaves a side without categories one of them changes side), the
    missing rows right and, when there are some, left. Returns (improved, rng); on improvement
    ``table[b]`` is 1 for the bins of the left categories (0 for the node's others)."""
    check, ch = monotone_channel(cons)
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
        if L[K] < min_weight or R[K] < min_weight or not _allowed(check, L[ch], L[K], R[ch], R[K], cons):
            continue
        gain = channel_score(L, K, criterion) + channel_score(R, K, criterion) - parent
        if gain > best[0]:
            best[0] = gain
            best[1] = -1
            best[2] = d
            best[5] = nl
            for i in range(n_cat):
                table[cats[i]] = sel[i]
            improved = True
    return improved, rng


@njit(cache=True)
def _cat_split_sorted(n_cat, n_miss, m, K, classification, missing_bin, total, parent, criterion, limits, min_rows, cats, cstat, ccnt, keys, c_bins, c_stat, c_cnt, gstat, gcnt, rank,
                      table, left, work, best, cons):
    """CART on a categorical feature: the categories ordered by their mean target -- regression: the
    mean of y; binary: the share of class 1 (Breiman / Fisher: the best subset split is one of the
    splits of this order) -- and that order scanned as a numeric feature's bins (missing rows on either
    side). With more classes there is no such order for the Gini / entropy optimum; each class's share
    gives one order (one-vs-rest) and the best split over those K scans is kept; so does each output's
    mean of a multi-output regression.

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
    # several channels (more classes, or outputs) have no single order: one per channel
    n_orders = 1 if two_channels(K, classification) else K
    for o in range(n_orders):
        ch = o if n_orders > 1 else (1 if classification else 0)
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
        if _scan_sorted(c_bins, c_stat, c_cnt, n_ent, m, K, missing_bin, parent, total, criterion, limits, left,
                        work, best, cons):
            r_last = int(best[1])
            for r in range(n_grp):
                keys[order[r]] = 1.0 if r <= r_last else 0.0  # keys now: the groups' sides
            for i in range(n_cat):
                table[cats[i]] = 1 if keys[rank[i]] == 1.0 else 0
            best[1] = -1
            improved = True
    return improved
