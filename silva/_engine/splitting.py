"""Best split per node from its histogram, with the XGBoost second-order gain.

gain = 1/2 [T(G_L)^2/(H_L+lambda) + T(G_R)^2/(H_R+lambda) - T(G)^2/(H+lambda)] - gamma,
where T soft-thresholds G by reg_alpha (L1). Each feature is scanned twice: missing values (the NaN
bin) sent right, then left; the better side becomes the node's default direction.
Work is parallel over (node, feature) pairs and reduced per node in feature order, so the chosen split
never depends on the thread count.
"""
from collections import namedtuple

import numpy as np
from numba import njit, prange

from .criterion import bounded_score, node_score
from .scan import NewtonRules, beats, is_bounded, scan_ordered

# What the split search needs besides the histograms: each feature's count of value bins, the
# missing-value bin, params = (reg_lambda, reg_alpha, gamma, min_child_weight, min_samples_leaf), the
# categorical features and cat_params = (cat_smooth, cat_l2, min_data_per_group, max_cat_threshold[, phi,
# code_order]) (see ``_scan_categorical``). Numba compiles the named tuple as a plain struct.
SplitRules = namedtuple("SplitRules", "n_value_bins missing_bin params is_categorical cat_params")



@njit(cache=True, inline="always")
def _take(best_out, row, f, r):
    """best_out[row] = the split of feature f found by a scan: (gain, f, then the scan's r[1:6])."""
    best_out[row, 0] = r[0]
    best_out[row, 1] = f
    for k in range(1, 6):
        best_out[row, k + 1] = r[k]


@njit(cache=True, inline="always")
def parent_score(G, H, reg_lambda, reg_alpha, lo, hi):
    """The score of a node before its split; a node under monotone bounds keeps its value within them."""
    if is_bounded(lo, hi):
        return bounded_score(G, H, reg_lambda, reg_alpha, lo, hi)
    return node_score(G, H, reg_lambda, reg_alpha)


@njit(cache=True, inline="always")
def _newton(params, reg_lambda):
    """``scan.NewtonRules`` of a booster scan from params = (reg_lambda, reg_alpha, gamma, min_child_weight,
    min_samples_leaf); ``reg_lambda`` as given (the category-set search adds cat_l2)."""
    return NewtonRules(reg_lambda, params[1], params[2])


@njit(cache=True, inline="always")
def _missing_sums(hist, missing_bin):
    """(G, H, N) of the missing bin (N = -1 without a count channel) and whether it holds any rows."""
    counted = hist.shape[1] == 3
    mG = hist[missing_bin, 0]
    mH = hist[missing_bin, 1]
    mN = hist[missing_bin, 2] if counted else -1.0
    return (mG, mH, mN), (mN > 0 if counted else (mH > 0 or mG != 0))


@njit(cache=True, inline="always")
def _default_side(out, H, has_missing):
    if not has_missing and out[0] > -np.inf:
        # no missing values reached this node: unseen NaNs follow the child of larger cover
        out[2] = 1.0 if out[4] >= H - out[4] else 0.0


@njit(cache=True)
def _scan_feature(hist, n_value_bins, missing_bin, G, H, N, parent, params, out, lo, hi, direction):
    """Best threshold of one feature from its histogram (the ordered scan, ``scan.scan_ordered``); writes
    (gain, bin, missing_left, GL, HL, NL) into ``out``.

    Row counts (and so min_samples_leaf) are only checked when the histogram has a count channel;
    without one NL is -1 and the caller takes counts from the partition. ``lo``, ``hi``: the node's
    monotone bounds, ``direction``: the feature's monotone constraint (see ``constraints``), None when the
    model has none (the scan then compiles without the bound checks).
    """
    out[0] = -np.inf
    miss, has_missing = _missing_sums(hist, missing_bin)
    newton = _newton(params, params[0])
    limits = (params[3], params[4])
    if direction is None:
        scan_ordered(hist, None, n_value_bins, miss, (G, H, N), parent, limits, newton, 0, None, None, out)
    else:
        scan_ordered(hist, None, n_value_bins, miss, (G, H, N), parent, limits, newton, 0,
                     (lo, hi, float(direction)), None, out)
    _default_side(out, H, has_missing)


@njit(cache=True)
def _log_subsets(k, m):
    """log of sum_{j=1..m} C(k, j): how many left sets of at most m of k categories there are."""
    if k < 1 or m < 1:
        return 0.0
    terms = np.empty(m)
    log_c = 0.0
    for j in range(1, m + 1):
        log_c += np.log(k - j + 1.0) - np.log(float(j))  # log C(k, j) from log C(k, j - 1)
        terms[j - 1] = log_c
    top = terms.max()
    return top + np.log(np.sum(np.exp(terms - top)))


@njit(cache=True)
def _scan_categorical(hist, n_value_bins, missing_bin, G, H, N, params, cat_params, out, left_set, lo, hi):
    """Best split of one categorical feature's bins: a threshold in code order or a category set.

    Up to two scans, and the better (corrected) gain wins; a tie goes to the threshold:

    - code order (when ``code_order``): the left child takes bins 0..b, the bins being the categories
      in code order (or ranges of codes, see BinMapper's ``category_ranges``). Scored exactly as a
      numeric threshold on the codes (reg_lambda, no category regularisers), so a feature whose codes
      carry an order is split as well as its ordinal encoding would be.
    - category set (LightGBM's sorted-gradient method): categories with at least ``cat_smooth`` rows
      are sorted by G/(H + cat_smooth); the left child takes a prefix of that order, read from either
      end, of at most min(max_cat_threshold, (n+1)/2) categories, and a prefix is only scored once it
      has grown by ``min_data_per_group`` rows since the last scored one. Other categories stay right.
      The gain uses reg_lambda + cat_l2. Because the order is itself fitted to the node's gradients,
      this search finds far more gain in pure noise than a threshold scan does: with k sortable
      categories its expected best gain on noise is close to 1/2 ln M, M = sum_{j<=limit} C(k, j)
      the number of left sets it can reach, against 1/2 ln(k - 1) for a threshold scan (checked by
      simulation up to k = 200). Its gain is therefore lowered by phi/2 [ln M - ln(k_bins - 1)],
      k_bins the non-empty bins, before it is compared: an expected-optimism correction, so that
      many-category features are not preferred for the noise they can fit. phi is the gain's noise
      scale, Var g / h: 1 for log-loss and softmax, the residual variance for squared error.

    ``cat_params`` = (cat_smooth, cat_l2, min_data_per_group, max_cat_threshold[, phi[, code_order]]).
    Both extras default to 0, which is LightGBM's method alone: the correction off (phi = 0) and no
    code-order scan, so the split depends on the categories only, never on how they are coded (a
    relabelling of the codes gives the same model). Code-order splits want the correction on.
    Writes the record like ``_scan_feature`` (bin = -1) and the left bins into ``left_set``. Under
    monotone bounds [lo, hi] (from constrained features split above) the children's values are clamped
    into them, as in ``_scan_feature``; a categorical feature itself is never constrained.
    """
    lam = params[0]
    cat_smooth, min_data_per_group, max_cat = cat_params[0], cat_params[2], int(cat_params[3])
    phi = cat_params[4] if cat_params.size > 4 else 0.0
    code_order = cat_params.size > 5 and cat_params[5] != 0.0
    counted = hist.shape[1] == 3
    out[0] = -np.inf
    miss, has_missing = _missing_sums(hist, missing_bin)
    total = (G, H, N)
    bounds = (lo, hi, 0.0)  # a categorical feature is never constrained itself; its node may be bounded
    limits = (params[3], params[4])

    # -- thresholds in code order
    n_bins_here = 0
    for b in range(n_value_bins):
        if not ((hist[b, 2] == 0.0) if counted else (hist[b, 1] == 0.0 and hist[b, 0] == 0.0)):
            n_bins_here += 1  # not empty here (a subtracted histogram may hold rounding residue in G, H)
    by_code = np.empty(6)
    by_code[0] = -np.inf
    if code_order:
        scan_ordered(hist, None, n_value_bins, miss, total, parent_score(G, H, lam, params[1], lo, hi), limits,
                     _newton(params, lam), 0, bounds, None, by_code)

    # -- category sets in gradient order
    cand = np.empty(n_value_bins, dtype=np.int64)
    nc = 0
    for b in range(n_value_bins):
        cnt = hist[b, 2] if counted else hist[b, 1]
        if cnt >= cat_smooth and hist[b, 1] > 0:
            cand[nc] = b
            nc += 1
    by_set = np.empty(6)
    by_set[0] = -np.inf
    set_dir = 0
    order = cand[:nc]
    if nc > 0:
        keys = np.empty(nc)
        for c in range(nc):
            keys[c] = hist[cand[c], 0] / (hist[cand[c], 1] + cat_smooth)
        order = cand[:nc][np.argsort(keys, kind="mergesort")]
        cat_lambda = lam + cat_params[1]
        cat_parent = parent_score(G, H, cat_lambda, params[1], lo, hi)
        limit = min(nc, max_cat, (nc + 1) // 2)
        penalty = 0.5 * phi * max(_log_subsets(nc, limit) - np.log(max(n_bins_here - 1, 1)), 0.0)
        newton = _newton(params, cat_lambda)
        # the left set is a prefix of that order read from either end
        ends = np.empty((2, nc, hist.shape[1]))
        for k in range(nc):
            ends[0, k] = hist[order[k]]
            ends[1, k] = hist[order[nc - 1 - k]]
        for direction in range(2):
            if scan_ordered(ends[direction], None, limit, miss, total, cat_parent, limits, newton, 0, bounds,
                            (min_data_per_group, penalty), by_set):
                set_dir = direction

    if by_code[0] == -np.inf and by_set[0] == -np.inf:
        return
    left_set[:] = 0
    if by_code[0] > -np.inf and not beats(by_set[0], by_code[0]):
        for b in range(int(by_code[1]) + 1):
            left_set[b] = 1  # a tie goes to the threshold
        out[:] = by_code
    else:
        for k in range(int(by_set[1]) + 1):
            left_set[order[k] if set_dir == 0 else order[nc - 1 - k]] = 1
        out[:] = by_set
    out[1] = -1.0
    _default_side(out, H, has_missing)


@njit(parallel=True, cache=True)
def find_best_splits(hists, hist_slots, node_sums, candidates, rules, monotonic, best_out, best_sets):
    """Best split of each node.

    hists: (slots, n_features, n_bins, channels); hist_slots[j]: slot of node j; node_sums[j] =
    (G, H, N, lo, hi), lo and hi the node's monotone bounds (-inf, inf when unconstrained);
    candidates[j, f]: whether node j may split on feature f (column sampling, interaction constraints).
    rules: a ``SplitRules``; monotonic[f]: -1/0/+1, or None for a model without monotone constraints.
    best_out[j] = (gain, feature, bin, missing_left, GL, HL, NL); gain is -inf when no split is valid.
    For a categorical split bin is -1 and best_sets[j, b] = 1 for the bins going left.
    """
    n_value_bins, missing_bin, params, is_categorical, cat_params = rules
    n_nodes = node_sums.shape[0]
    n_features = is_categorical.size
    per_task = np.empty((n_nodes * n_features, 6))
    any_cat = False
    for f in range(n_features):
        any_cat = any_cat or is_categorical[f]
    task_sets = np.zeros((n_nodes * n_features if any_cat else 1, best_sets.shape[1]), dtype=np.uint8)
    for task in prange(n_nodes * n_features):
        j = task // n_features
        f = task % n_features
        per_task[task, 0] = -np.inf
        if not candidates[j, f]:
            continue
        G, H, N, lo, hi = node_sums[j, 0], node_sums[j, 1], node_sums[j, 2], node_sums[j, 3], node_sums[j, 4]
        if is_categorical[f]:
            _scan_categorical(hists[hist_slots[j], f], n_value_bins[f], missing_bin, G, H, N, params,
                              cat_params, per_task[task], task_sets[task], lo, hi)
        else:
            parent = parent_score(G, H, params[0], params[1], lo, hi)
            if monotonic is None:
                _scan_feature(hists[hist_slots[j], f], n_value_bins[f], missing_bin, G, H, N, parent,
                              params, per_task[task], lo, hi, None)
            else:
                _scan_feature(hists[hist_slots[j], f], n_value_bins[f], missing_bin, G, H, N, parent,
                              params, per_task[task], lo, hi, monotonic[f])
    for j in range(n_nodes):
        best_out[j, 0] = -np.inf
        for f in range(n_features):
            r = per_task[j * n_features + f]
            # features ascend, so near-ties go to the lower feature index (the scans' tie rule)
            if candidates[j, f] and r[0] > -np.inf and beats(r[0], best_out[j, 0]):
                _take(best_out, j, f, r)
                if is_categorical[f]:
                    best_sets[j, :] = task_sets[j * n_features + f]
