"""The ordered scan, written once for both drivers and every criterion.

An ordered scan walks a run of entries in order, summing the statistics of those that go left, and
scores each cut "entries up to here go left", first with the missing values (the NaN bin) on the
right, then on the left. Its callers:

- the batched driver (boosters, GBDT): a feature's dense histogram, entry j being bin j (empty bins
  are passed over), channels (sum g, sum h[, rows]) -- ``splitting._scan_feature``;
- the depth-first driver (trees, forests, AdaBoost): the non-empty bins of a node's histogram, or for a
  few rows the rows themselves sorted by bin (``bins[j]``: the entry's bin; entries of one bin are
  summed before a cut is tried), channels (sum w y, sum w, rows), y the target or, for two classes,
  the class -- ``dfs_scan.scan_pairs``; with more classes the channels are per-class weights
  (``scan_channels``);
- the category-set search of either driver: categories in their sorted order, entry j the j-th.

What differs between the models is data, not code, and the kernels compile one specialisation per
kind (numba prunes the branches of an argument that is None):

- ``newton`` = ``NewtonRules`` (boosters, GBDT): score T(G)^2 / (H + reg_lambda) (T: soft threshold
  by reg_alpha), gain ``1/2 (sL + sR - parent) - gamma - penalty``; under monotone bounds the children's
  values are clamped into them and scored as clamped (``constraints.constrained_scores``). A cut is
  kept when it beats the record by more than ``TIE_EPS`` relative (sums of the same rows added in
  another order, as weights vs repeated rows, then choose the same split) and exceeds float noise
  (``REL_EPS``).
- ``newton`` None (CART, two channels: regression, or two classes): ``criterion.pair_score`` of
  ``cart`` (SQUARED_ERROR, GINI or ENTROPY), gain ``sL + sR - parent``, a cut kept when strictly better;
  under monotone constraints a split on a constrained feature whose children's means leave the bounds
  or break the direction is rejected, as scikit-learn does.

Both: ``limits`` = (min_weight, min_count), the least weight (hessian) and rows on each side.
``groups`` = (min_group, penalty), for the boosters' category-set search (None elsewhere): a cut is
only scored once the left side has grown by min_group rows (or hessian, without a count channel) since
the last scored cut (LightGBM's ``min_data_per_group``), and its gain is lowered by ``penalty`` (the
search's optimism correction).

The record ``best`` = (gain, cut, missing_left, a_left, b_left, n_left): cut is the entry's bin (its
position when ``bins`` is None); n_left is -1 without a count channel.
"""
from collections import namedtuple

import numpy as np
from numba import njit

from .constraints import constrained_scores, values_ok
from .criterion import channel_score, node_score, pair_score

SQUARED_ERROR, GINI, ENTROPY = 1, 2, 3  # CART's criteria: criterion.CRITERIA + 1

# The boosters' tie rule: gains this close count as equal and the first candidate (lower bin, then
# lower feature) keeps the tie.
TIE_EPS = 1e-9
# A boosters' split must beat the parent by more than float noise relative to the children's scores.
REL_EPS = 1e-11

NewtonRules = namedtuple("NewtonRules", "reg_lambda reg_alpha gamma")


@njit(cache=True, inline="always")
def cart_kind(classification, criterion):
    """``cart`` of a CART scan from ``criterion.CRITERIA`` numbering (0 squared error, 1 gini, 2 entropy)."""
    return criterion + 1 if classification else SQUARED_ERROR


@njit(cache=True, inline="always")
def is_bounded(lo, hi):
    return lo > -np.inf or hi < np.inf


@njit(cache=True, inline="always")
def _ratio(a, b):
    return a / b if b > 0.0 else 0.0


@njit(cache=True, inline="always")
def checks_bounds(newton, bounds):
    """Whether a scan under monotone state ``bounds`` = (lo, hi, direction, ...) must test its cuts:
    boosters whenever the node is bounded or the feature constrained, CART (scikit-learn's rule) only on
    a constrained feature (other splits' children are clipped into the bounds afterwards)."""
    if bounds is None:
        return False
    if newton is not None:
        return bounds[2] != 0.0 or is_bounded(bounds[0], bounds[1])
    return bounds[2] != 0.0


@njit(cache=True, inline="always")
def monotone_channel(cons):
    """(whether to check cuts, the constrained channel) of a CART node's monotone state ``cons`` = (lo, hi,
    direction, value channel), or (False, 0) for an unconstrained tree (``cons`` None)."""
    if cons is None:
        return False, 0
    return cons[2] != 0.0, int(cons[3])


@njit(cache=True, inline="always")
def side_scores(aL, bL, aR, bR, newton, cart, bounds, check):
    """(score left, score right) of a cut; (-inf, -inf) when monotone bounds rule it out."""
    if newton is not None:
        if bounds is not None and check:
            return constrained_scores(aL, bL, aR, bR, newton.reg_lambda, newton.reg_alpha, bounds[0], bounds[1],
                                      bounds[2])
        return (node_score(aL, bL, newton.reg_lambda, newton.reg_alpha),
                node_score(aR, bR, newton.reg_lambda, newton.reg_alpha))
    if bounds is not None and check and not values_ok(_ratio(aL, bL), _ratio(aR, bR), bounds):
        return -np.inf, -np.inf
    classification = cart != SQUARED_ERROR
    return pair_score(aL, bL, classification, cart - 1), pair_score(aR, bR, classification, cart - 1)


@njit(cache=True, inline="always")
def beats(gain, best):
    """Whether ``gain`` beats the record ``best`` (-inf: none yet) by the boosters' tie rule."""
    return best == -np.inf or gain > best + TIE_EPS * abs(best)


@njit(cache=True, inline="always")
def _keep(best, gain, cut, d, aL, bL, nL):
    best[0] = gain
    best[1] = cut
    best[2] = d
    best[3] = aL
    best[4] = bL
    best[5] = nL


@njit(cache=True)
def scan_ordered(ent, bins, n_val, miss, total, parent, limits, newton, cart, bounds, groups, best):
    """Scan entries ``ent[:n_val]`` (rows: (a, b[, n]); a count channel when ``ent`` has 3 columns) in
    order, bins[j] the entry's bin (None: entry j is bin j; its empty entries are passed over; with
    ``bins``, entries need their count channel and ``groups`` must be None).
    ``miss`` = (a, b, n) of the missing rows, ``total`` = (a, b, n) of the node's, ``parent`` the node's
    score, ``limits``, ``newton``, ``cart`` and ``groups`` as in the module, ``bounds`` the node's
    monotone state (lo, hi, direction[, ...]) or None. Updates ``best`` (see the module); returns whether it did."""
    counted = ent.shape[1] >= 3
    mA, mB, mN = miss
    A, B, N = total
    min_weight, min_count = limits
    has_missing = mN > 0 if counted else (mB > 0 or mA != 0)
    check = checks_bounds(newton, bounds)
    min_group = 0.0
    if groups is not None:
        min_group = groups[0]
    improved = False
    record = best[0]  # in a register: the loop's loads cannot then wait on ``best``
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
            if groups is not None:
                group += ent[j, 2] if counted else ent[j, 1]
            j += 1
            cut = k
            if bins is not None:
                cut = bins[k]
                while j < n_val and bins[j] == cut:
                    aL += ent[j, 0]
                    bL += ent[j, 1]
                    nL += ent[j, 2]
                    j += 1
            if counted:
                # an empty bin cuts the rows as the bin before it did: the lower bin keeps such ties
                # anyway; deep nodes have mostly empty bins. (A subtracted histogram can hold rounding
                # residue in an empty bin, hence the count test.)
                if bins is None and ent[k, 2] == 0.0:
                    continue
                if nL < min_count or N - nL < min_count:
                    continue
            elif ent[k, 0] == 0.0 and ent[k, 1] == 0.0:
                continue
            bR = B - bL
            if bL < min_weight or bR < min_weight:
                continue
            if groups is not None and min_group > 0.0:
                if group < min_group:
                    continue
                group = 0.0
            aR = A - aL
            sL, sR = side_scores(aL, bL, aR, bR, newton, cart, bounds, check)
            if sL == -np.inf:
                continue
            if newton is None:
                gain = sL + sR - parent
                better = gain > record
            elif groups is None:
                gain = 0.5 * (sL + sR - parent) - newton.gamma
                better = beats(gain, record) and gain > REL_EPS * (sL + sR)
            else:
                gain = 0.5 * (sL + sR - parent) - newton.gamma - groups[1]
                better = beats(gain, record) and gain > REL_EPS * (sL + sR)
            if better:
                _keep(best, gain, cut, d, aL, bL, nL if counted else -1.0)
                record = gain
                improved = True
    return improved


@njit(cache=True)
def scan_channels(bins, stat, cnt, n_val, n_ent, m, K, parent, total, criterion, limits, left, work, best, cons):
    """``scan_ordered`` for K > 2 class channels (CART): entries ``stat[j]`` = (K class weights, weight)
    with ``cnt[j]`` rows, in bin order (``bins[j]``), the missing rows' entries at n_val..n_ent; ``m``
    rows in all, ``total`` their stats. Same candidates, order, rules and record as ``scan_ordered`` (a
    cut is scored by ``criterion.channel_score``; under monotone constraints ``cons`` = (lo, hi,
    direction, value channel) is checked on that channel's share)."""
    min_weight, min_count = limits
    check, ch = monotone_channel(cons)
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
            if nl < min_count or m - nl < min_count:
                continue
            right = work[0:C]
            for c in range(C):
                right[c] = total[c] - left[c]
            if left[K] < min_weight or right[K] < min_weight:
                continue
            if cons is not None and check \
                    and not values_ok(_ratio(left[ch], left[K]), _ratio(right[ch], right[K]), cons):
                continue
            gain = channel_score(left, K, criterion) + channel_score(right, K, criterion) - parent
            if gain > best[0]:
                _keep(best, gain, b, d, left[ch], left[K], nl)
                improved = True
    return improved
