"""The ordered scan, written once for both drivers and every criterion.

An ordered scan walks a run of entries in order, summing the statistics of those that go left, and
scores each cut "entries up to here go left", first with the missing values (the NaN bin) on the
right, then on the left. Its callers:

- the batched driver (boosters, GBDT): a feature's dense histogram, entry j being bin j (empty bins
  are passed over), channels (sum g, sum h[, rows]) -- ``splitting.scan_numeric``;
- the depth-first driver (trees, forests, AdaBoost): the non-empty bins of a node's histogram, or for a
  few rows the rows themselves sorted by bin (``bins[j]``: the entry's bin; entries of one bin are
  summed before a cut is tried), channels (sum w y, sum w, rows), y the target or, for two classes,
  the class -- ``dfs_scan.scan_pairs``; with more classes the channels are per-class weights
  (``scan_channels``);
- the category-set search of either driver: categories in their sorted order, entry j the j-th.

What differs between the models is data, not code: ``ScanRules`` says how a side is scored (``kind``),
how a gain is formed from the scores, which children are too small, and how near-ties are kept.

- kind NEWTON: score T(G)^2 / (H + reg_lambda) (T: soft threshold by reg_alpha), gain
  ``half * (sL + sR - parent) - gamma - penalty`` (half = 1/2); under monotone bounds the children's
  values are clamped into them and scored as clamped (``constraints.constrained_scores``).
- kinds SQUARED_ERROR, GINI, ENTROPY (CART; two channels: regression, or two classes):
  ``criterion.pair_score``, gain ``sL + sR - parent`` (half = 1, gamma = penalty = 0, exact); under
  monotone constraints a split on a constrained feature whose children's means leave the bounds or
  break the direction is rejected, as scikit-learn does.

A cut is kept when its gain beats the record's by more than ``tie`` relative (so sums of the same rows
added in another order choose the same split; 0 for CART: strictly better) and, when ``rel`` > 0,
exceeds ``rel * (sL + sR)`` (float noise). ``min_group``: a cut is only scored once the left side has
grown by that many rows (or hessian, without a count channel) since the last scored cut (LightGBM's
``min_data_per_group`` for category sets; 0 elsewhere).

The record ``best`` = (gain, cut, missing_left, a_left, b_left, n_left): cut is the entry's bin (its
position when ``bins`` is None); n_left is -1 without a count channel.
"""
from collections import namedtuple

import numpy as np
from numba import njit

from .constraints import constrained_scores, values_ok
from .criterion import channel_score, node_score, pair_score

NEWTON, SQUARED_ERROR, GINI, ENTROPY = 0, 1, 2, 3

ScanRules = namedtuple("ScanRules", "kind reg_lambda reg_alpha gamma half min_weight min_count tie rel "
                                    "min_group penalty")


@njit(cache=True)
def cart_rules(classification, criterion, min_weight, min_count):
    """The rules of a CART scan (``criterion.CRITERIA`` numbering: 0 squared error, 1 gini, 2 entropy)."""
    kind = (GINI if criterion == 1 else ENTROPY) if classification else SQUARED_ERROR
    return ScanRules(kind, 0.0, 0.0, 0.0, 1.0, float(min_weight), float(min_count), 0.0, 0.0, 0.0, 0.0)


@njit(cache=True, inline="always")
def is_bounded(lo, hi):
    return lo > -np.inf or hi < np.inf


@njit(cache=True, inline="always")
def _ratio(a, b):
    return a / b if b > 0.0 else 0.0


@njit(cache=True, inline="always")
def checks_bounds(rules, bounds):
    """Whether a scan under monotone state ``bounds`` = (lo, hi, direction, ...) must test its cuts:
    boosters whenever the node is bounded or the feature constrained, CART (scikit-learn's rule) only on
    a constrained feature (other splits' children are clipped into the bounds afterwards)."""
    if bounds is None:
        return False
    if rules.kind == NEWTON:
        return bounds[2] != 0.0 or is_bounded(bounds[0], bounds[1])
    return bounds[2] != 0.0


@njit(cache=True, inline="always")
def side_scores(aL, bL, aR, bR, rules, bounds, check):
    """(score left, score right) of a cut; (-inf, -inf) when monotone bounds rule it out."""
    if rules.kind == NEWTON:
        if bounds is not None and check:
            return constrained_scores(aL, bL, aR, bR, rules.reg_lambda, rules.reg_alpha, bounds[0], bounds[1],
                                      bounds[2])
        return (node_score(aL, bL, rules.reg_lambda, rules.reg_alpha),
                node_score(aR, bR, rules.reg_lambda, rules.reg_alpha))
    if bounds is not None and check and not values_ok(_ratio(aL, bL), _ratio(aR, bR), bounds):
        return -np.inf, -np.inf
    classification = rules.kind != SQUARED_ERROR
    criterion = rules.kind - 1
    return pair_score(aL, bL, classification, criterion), pair_score(aR, bR, classification, criterion)


@njit(cache=True, inline="always")
def beats(gain, best, tie):
    """Whether ``gain`` beats the record ``best`` (-inf: none yet) by more than ``tie`` relative."""
    return best == -np.inf or gain > best + tie * abs(best)


@njit(cache=True, inline="always")
def _keep(best, gain, cut, d, aL, bL, nL):
    best[0] = gain
    best[1] = cut
    best[2] = d
    best[3] = aL
    best[4] = bL
    best[5] = nL


@njit(cache=True)
def scan_ordered(ent, bins, n_val, miss, total, parent, rules, bounds, best):
    """Scan entries ``ent[:n_val]`` (rows: (a, b[, n]); a count channel when ``ent`` has 3 columns) in
    order, bins[j] the entry's bin (None: entry j is bin j). ``miss`` = (a, b, n) of the missing rows,
    ``total`` = (a, b, n) of the node's, ``parent`` the node's score, ``bounds`` its monotone state
    (lo, hi, direction) or None. Updates ``best`` (see the module) and returns whether it did."""
    counted = ent.shape[1] >= 3
    mA, mB, mN = miss
    A, B, N = total
    has_missing = mN > 0 if counted else (mB > 0 or mA != 0)
    check = checks_bounds(rules, bounds)
    min_weight, min_count, min_group = rules.min_weight, rules.min_count, rules.min_group
    improved = False
    for d in range(2 if has_missing else 1):
        # d == 0: missing values go right; d == 1: they go left
        aL = mA if d == 1 else 0.0
        bL = mB if d == 1 else 0.0
        nL = mN if d == 1 else 0.0
        group = 0.0
        j = 0
        while j < n_val:
            k = j
            aL += ent[j, 0]
            bL += ent[j, 1]
            if counted:
                nL += ent[j, 2]  # accumulate before any `continue`
            if min_group > 0.0:
                group += ent[j, 2] if counted else ent[j, 1]
            j += 1
            cut = k
            if bins is not None:
                cut = bins[k]
                while j < n_val and bins[j] == cut:
                    aL += ent[j, 0]
                    bL += ent[j, 1]
                    nL += ent[j, 2]
                    if min_group > 0.0:
                        group += ent[j, 2]
                    j += 1
            if counted:
                # an empty entry cuts the rows as the one before it did: the earlier cut keeps such ties
                # anyway; deep nodes have mostly empty bins. (A subtracted histogram can hold rounding
                # residue in an empty bin, hence the count test.)
                if ent[j - 1, 2] == 0.0 or nL < min_count or N - nL < min_count:
                    continue
            elif ent[k, 0] == 0.0 and ent[k, 1] == 0.0:
                continue
            bR = B - bL
            if bL < min_weight or bR < min_weight:
                continue
            if min_group > 0.0:
                if group < min_group:
                    continue
                group = 0.0
            aR = A - aL
            sL, sR = side_scores(aL, bL, aR, bR, rules, bounds, check)
            if sL == -np.inf:
                continue
            gain = rules.half * (sL + sR - parent) - rules.gamma - rules.penalty
            if beats(gain, best[0], rules.tie) and (rules.rel == 0.0 or gain > rules.rel * (sL + sR)):
                _keep(best, gain, cut, d, aL, bL, nL if counted else -1.0)
                improved = True
    return improved


@njit(cache=True)
def scan_channels(bins, stat, cnt, n_val, n_ent, m, K, parent, total, criterion, rules, left, work, best, cons):
    """``scan_ordered`` for K > 2 class channels (CART): entries ``stat[j]`` = (K class weights, weight)
    with ``cnt[j]`` rows, in bin order (``bins[j]``), the missing rows' entries at n_val..n_ent; ``m``
    rows in all, ``total`` their stats. Same candidates, order, rules and record as ``scan_ordered`` (a
    cut is scored by ``criterion.channel_score``; under monotone constraints ``cons`` = (lo, hi,
    direction, value channel) is checked on that channel's share)."""
    check = False
    ch = 0
    if cons is not None:
        check = cons[2] != 0.0
        ch = int(cons[3])
    C = K + 1
    miss = work[2 * C:3 * C]
    miss[:] = 0.0
    n_miss = 0
    for j in range(n_val, n_ent):
        n_miss += cnt[j]
        for c in range(C):
            miss[c] += stat[j, c]
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
            b = bins[j]
            while j < n_val and bins[j] == b:
                for c in range(C):
                    left[c] += stat[j, c]
                nl += cnt[j]
                j += 1
            if nl < rules.min_count or m - nl < rules.min_count:
                continue
            right = work[0:C]
            for c in range(C):
                right[c] = total[c] - left[c]
            if left[K] < rules.min_weight or right[K] < rules.min_weight:
                continue
            if cons is not None and check \
                    and not values_ok(_ratio(left[ch], left[K]), _ratio(right[ch], right[K]), cons):
                continue
            gain = channel_score(left, K, criterion) + channel_score(right, K, criterion) - parent
            if beats(gain, best[0], rules.tie):
                _keep(best, gain, b, d, left[ch], left[K], nl)
                improved = True
    return improved
