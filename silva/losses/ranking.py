"""Learning to rank: LambdaRank (NDCG), pairwise (RankNet) and XE-NDCG objectives, and the NDCG and MAP
metrics, over queries given as contiguous row ranges.

Labels are relevance grades (non-negative integers). The gain of a grade l is ``label_gain[l]``,
2^l - 1 by default (exponential gains need l <= 31; larger grades need a ``label_gain`` of their own).

- ``lambdarank`` (LightGBM's, XGBoost's rank:ndcg): for every pair of documents of a query with
  different grades, at least one of them in the top ``lambdarank_truncation_level`` by the current
  score, the RankNet gradient sigma / (1 + e^(sigma (s_high - s_low))) weighted by |Delta NDCG| of
  swapping them, divided by 0.01 + |s_high - s_low| and the query's lambdas rescaled by
  log2(1 + sum) / sum when ``lambdarank_norm`` (LightGBM's normalisation).
- ``rank:pairwise``: the same pairs over the whole query, unweighted (RankNet).
- ``rank_xendcg``: the cross entropy between the softmax of the scores and the gains perturbed by
  uniform noise drawn per document and round (Bruch et al. 2019; LightGBM's rank_xendcg), seeded.

A query with one document or with all grades equal has no pairs: its gradients are zero. Its NDCG
is 1 (no ordering can be wrong), as LightGBM and XGBoost count it; its average precision, without
relevant documents, also 1. Ties in score are broken by the rows' order, which the ranker makes
canonical (silva/ensemble/ranking.py), so results never depend on how the input was ordered.
"""
import numpy as np
from numba import njit, prange

from .base import Loss, register_objective

MAX_EXP_LABEL = 31


class GroupedLabels(np.ndarray):
    """Relevance labels (float64, 1-D) that carry their queries: ``bounds`` (int64, n_queries + 1),
    query q being rows bounds[q]:bounds[q + 1]."""

    def __new__(cls, labels, bounds):
        obj = np.asarray(labels, dtype=np.float64).view(cls)
        obj.bounds = np.ascontiguousarray(bounds, dtype=np.int64)
        return obj

    def __array_finalize__(self, obj):
        self.bounds = getattr(obj, "bounds", None)


def default_label_gain(n):
    return 2.0 ** np.arange(n) - 1.0


# ---------------------------------------------------------------- kernels
@njit(cache=True)
def _order(score, lo, hi):
    """Rows lo..hi-1 by descending score; ties keep row order (a stable sort on -score)."""
    return lo + np.argsort(-score[lo:hi], kind="mergesort")


@njit(cache=True)
def _max_dcg(y, lo, hi, k, gain):
    labels = np.sort(y[lo:hi])[::-1]
    top = labels.size if k <= 0 else min(k, labels.size)
    d = 0.0
    for r in range(top):
        d += gain[int(labels[r])] / np.log2(r + 2.0)
    return d


@njit(parallel=True, cache=True)
def _lambdarank_grad(y, raw, w, bounds, gain, truncation, sigma, norm, pairwise, g, h):
    for q in prange(bounds.size - 1):
        lo, hi = bounds[q], bounds[q + 1]
        for i in range(lo, hi):
            g[i] = 0.0
            h[i] = 0.0
        n = hi - lo
        if n < 2:
            continue
        order = _order(raw, lo, hi)
        inv_max = 1.0
        if not pairwise:
            best = _max_dcg(y, lo, hi, truncation, gain)
            if best <= 0.0:
                continue  # no relevant document: nothing to order
            inv_max = 1.0 / best
        spread = raw[order[0]] != raw[order[n - 1]]
        top = n if pairwise else min(n, truncation)
        # everything a pair reads, gathered per document in rank order: labels, scores, gains, rank
        # discounts and e^(sigma (s - s_max)), so a pair's 1 / (1 + e^(sigma (s_high - s_low))) is
        # e_low / (e_low + e_high), with no exp or log per pair
        ys = np.empty(n)
        ss = np.empty(n)
        gr = np.empty(n)
        e = np.empty(n)
        disc = np.empty(n)
        gl = np.zeros(n)
        hl = np.zeros(n)
        for a in range(n):
            i = order[a]
            ys[a] = y[i]
            ss[a] = raw[i]
            gr[a] = gain[int(y[i])] if not pairwise else 0.0
            e[a] = np.exp(sigma * (raw[i] - raw[order[0]]))
            disc[a] = 1.0 / np.log2(a + 2.0)
        total = 0.0
        for a in range(top):
            ya = ys[a]
            for b in range(a + 1, n):
                if ya == ys[b]:
                    continue
                if ya > ys[b]:
                    hr, lr = a, b
                else:
                    hr, lr = b, a
                delta = ss[hr] - ss[lr]
                weight = 1.0
                scale = 1.0  # LightGBM's division of the pair's weight by 0.01 + |s_high - s_low|
                if not pairwise:
                    weight = (gr[hr] - gr[lr]) * abs(disc[a] - disc[b]) * inv_max
                    if norm and spread:
                        scale = 0.01 + abs(delta)
                den = e[lr] + e[hr]
                if den > 0.0:  # one division per pair: 1 / (den scale) gives both p and 1 - p
                    inv = 1.0 / (den * scale)
                    pw = e[lr] * weight * inv
                    hes = sigma * sigma * pw * e[hr] * inv * scale
                else:  # both scores far below the query's best: e underflowed
                    p = 1.0 / (1.0 + np.exp(sigma * delta))
                    pw = p * weight / scale
                    hes = sigma * sigma * pw * (1.0 - p)
                lam = -sigma * pw
                gl[lr] -= lam
                hl[lr] += hes
                gl[hr] += lam
                hl[hr] += hes
                total -= 2.0 * lam
        factor = 1.0
        if norm and not pairwise and total > 0.0:
            factor = np.log2(1.0 + total) / total
        for a in range(n):
            i = order[a]
            g[i] = gl[a] * factor * w[i]
            h[i] = hl[a] * factor * w[i]


@njit(parallel=True, cache=True)
def _xendcg_grad(y, raw, w, bounds, gammas, g, h):
    for q in prange(bounds.size - 1):
        lo, hi = bounds[q], bounds[q + 1]
        n = hi - lo
        m = raw[lo]
        for i in range(lo, hi):
            g[i] = 0.0
            h[i] = 0.0
            m = max(m, raw[i])
        if n < 2:
            continue
        rho = np.empty(n)
        s = 0.0
        for i in range(n):
            rho[i] = np.exp(raw[lo + i] - m)
            s += rho[i]
        phi_sum = 0.0
        for i in range(n):
            rho[i] /= s
            phi_sum += 2.0 ** y[lo + i] - gammas[lo + i]
        if abs(phi_sum) < 1e-15:
            continue
        inv = 1.0 / (phi_sum + 1e-15)
        params = np.empty(n)
        s1 = 0.0
        for i in range(n):
            term = -(2.0 ** y[lo + i] - gammas[lo + i]) * inv + rho[i]
            g[lo + i] = term
            params[i] = term / (1.0 - rho[i])
            s1 += params[i]
        s2 = 0.0
        for i in range(n):
            term = rho[i] * (s1 - params[i])
            g[lo + i] += term
            params[i] = term / (1.0 - rho[i])
            s2 += params[i]
        for i in range(n):
            g[lo + i] += rho[i] * (s2 - params[i])
            h[lo + i] = rho[i] * (1.0 - rho[i])
        for i in range(lo, hi):
            g[i] *= w[i]
            h[i] *= w[i]


@njit(parallel=True, cache=True)
def _ndcg_per_query(y, score, bounds, k, gain, out):
    for q in prange(bounds.size - 1):
        lo, hi = bounds[q], bounds[q + 1]
        best = _max_dcg(y, lo, hi, k, gain)
        if best <= 0.0:
            out[q] = 1.0
            continue
        order = _order(score, lo, hi)
        top = hi - lo if k <= 0 else min(k, hi - lo)
        d = 0.0
        for r in range(top):
            d += gain[int(y[order[r]])] / np.log2(r + 2.0)
        out[q] = d / best


@njit(parallel=True, cache=True)
def _ap_per_query(y, score, bounds, k, out):
    for q in prange(bounds.size - 1):
        lo, hi = bounds[q], bounds[q + 1]
        order = _order(score, lo, hi)
        top = hi - lo if k <= 0 else min(k, hi - lo)
        hits = 0
        total = 0.0
        for r in range(top):
            if y[order[r]] > 0:
                hits += 1
                total += hits / (r + 1.0)
        relevant = 0
        for i in range(lo, hi):
            relevant += y[i] > 0
        denom = min(relevant, top)
        out[q] = total / denom if denom > 0 else 1.0


# ---------------------------------------------------------------- metrics
def _gain_for(y, label_gain=None):
    top = int(np.max(y)) + 1 if y.size else 1
    gain = default_label_gain(max(top, 1)) if label_gain is None else np.asarray(label_gain, dtype=np.float64)
    if top > gain.size:
        raise ValueError(f"relevance label {top - 1} has no gain: label_gain has {gain.size} entries")
    return gain


def mean_ndcg(y, score, k=0, label_gain=None):
    """Mean NDCG@k over the queries of ``y`` (GroupedLabels); k=0: the whole query."""
    out = np.empty(y.bounds.size - 1)
    _ndcg_per_query(np.asarray(y, dtype=np.float64), np.ascontiguousarray(score, dtype=np.float64), y.bounds, k,
                    _gain_for(y, label_gain), out)
    return float(out.mean()) if out.size else 1.0


def mean_average_precision(y, score, k=0):
    """Mean average precision@k over the queries (grades > 0 are relevant)."""
    out = np.empty(y.bounds.size - 1)
    _ap_per_query(np.asarray(y, dtype=np.float64), np.ascontiguousarray(score, dtype=np.float64), y.bounds, k, out)
    return float(out.mean()) if out.size else 1.0


# ---------------------------------------------------------------- objectives
def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else sample_weight


class _RankLoss(Loss):
    metric_higher_is_better = True

    def __init__(self, truncation=30, label_gain=None, norm=True, sigma=1.0):
        self.truncation = int(truncation)
        self.label_gain = None if label_gain is None else np.asarray(label_gain, dtype=np.float64)
        self.norm = bool(norm)
        self.sigma = float(sigma)
        self.metric_name = f"ndcg@{self.truncation}"

    @classmethod
    def from_params(cls, params):
        return cls(params.get("lambdarank_truncation_level", 30), params.get("label_gain"),
                   params.get("lambdarank_norm", True))

    def check_target(self, y, what="y"):
        y = np.asarray(y)
        if y.size and (y.min() < 0 or np.any(y != np.floor(y))):
            raise ValueError(f"{what} must hold relevance grades (non-negative integers) for ranking")
        top = int(y.max()) if y.size else 0
        if self.label_gain is None and top > MAX_EXP_LABEL:
            raise ValueError(f"{what} has a grade of {top}: exponential gains 2^l - 1 need grades of at most "
                             f"{MAX_EXP_LABEL}; give label_gain (one gain per grade) or use "
                             "objective='rank:pairwise'")
        if self.label_gain is not None and top >= self.label_gain.size:
            raise ValueError(f"{what} has a grade of {top} but label_gain has {self.label_gain.size} entries")

    def gain(self, y):
        return _gain_for(y, self.label_gain)

    def baseline(self, y, sample_weight):
        return np.zeros(1)  # ranks do not move with a shared offset

    def metric(self, y, raw, sample_weight):
        return mean_ndcg(y, raw[:, 0], self.truncation, self.label_gain)


@register_objective("ranking", "lambdarank", "rank:ndcg")
class LambdaRank(_RankLoss):
    name = "lambdarank"
    pairwise = False

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _lambdarank_grad(np.asarray(y, dtype=np.float64), np.ascontiguousarray(raw[:, 0]),
                         _weights(sample_weight, y.size), y.bounds, self.gain(y), self.truncation, self.sigma,
                         self.norm, self.pairwise, g_out[0], h_out[0])


@register_objective("ranking", "rank:pairwise", "pairwise")
class Pairwise(LambdaRank):
    name = "rank:pairwise"
    pairwise = True


@register_objective("ranking", "rank_xendcg", "xendcg", "rank:xendcg")
class XENDCG(_RankLoss):
    name = "rank_xendcg"

    def __init__(self, *args, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.seed = seed
        self.round = 0  # gradients are drawn anew each round, from the seed and the round

    @classmethod
    def from_params(cls, params):
        loss = super().from_params(params)
        state = params.get("random_state")
        loss.seed = state if isinstance(state, int) else 0  # a RandomState instance: a fixed stream
        return loss

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        gammas = np.random.RandomState((self.seed + self.round) % (2 ** 32)).uniform(size=y.size)
        self.round += 1
        _xendcg_grad(np.asarray(y, dtype=np.float64), np.ascontiguousarray(raw[:, 0]),
                     _weights(sample_weight, y.size), y.bounds, gammas, g_out[0], h_out[0])
