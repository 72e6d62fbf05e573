"""First-order losses for Friedman's gradient boosting (``silva.GBDTClassifier`` / ``GBDTRegressor``).

Each tree is a least-squares regression tree fitted to the negative gradient: ``gradients`` writes
``g = dL/dF * w`` and ``h = w``, so the engine's second-order gain with no regularisation is exactly
the weighted squared-error decrease of fitting ``-dL/dF`` (Friedman's least-squares fit) and the
grower's leaf value ``-G/H`` is the weighted mean negative gradient. The leaf values are then
replaced by a per-leaf line search, ``leaf_values`` (unshrunk; the estimator multiplies by the
learning rate):

=================  ========================================================================
squared_error      weighted mean residual ``y - F``
absolute_error     weighted median of the residuals
huber              median + weighted mean of the deviations from it clipped to ``delta``;
                   ``delta`` is the weighted ``alpha``-quantile of ``|y - F|`` over all rows,
                   recomputed every round (as scikit-learn's GradientBoostingRegressor)
quantile           weighted ``alpha``-quantile of the residuals
log_loss, binary   one Newton step ``sum(w (y - p)) / sum(w p (1 - p))``
log_loss, K > 2    ``(K-1)/K sum(w (y_k - p_k)) / sum(w p_k (1 - p_k))``, one tree per class
=================  ========================================================================

Weighted quantiles use the inverted CDF (scikit-learn's ``_weighted_percentile``): the lowest value
whose cumulative weight reaches ``q`` times the total. With integer weights every cumulative sum is
exact, so a weight of ``k`` is exactly ``k`` repeated rows. A leaf whose rows all have zero weight
gets the value 0.

The losses keep per-round state: ``gradients`` stores what the line search of that round needs
(Huber's delta, the multiclass probabilities at the start of the round, before the other classes'
trees of the round change the scores). Make one loss object per fit.
"""
from abc import abstractmethod
import numpy as np
from numba import njit, prange

from .base import Loss
from .losses import LogLoss, SoftmaxLoss, _squared_error_grad, sigmoid, softmax

# Below this a Newton denominator counts as zero and the leaf gets 0 (scikit-learn's _safe_divide).
_TINY = 1e-150


# ------------------------------------------------------------------ per-row gradients (h = w)
@njit(parallel=True, cache=True)
def _absolute_error_grad(y, raw, w, g, h):
    for i in prange(y.size):
        g[i] = (1.0 if raw[i] > y[i] else -1.0) * w[i]
        h[i] = w[i]


@njit(parallel=True, cache=True)
def _huber_grad(y, raw, w, delta, g, h):
    for i in prange(y.size):
        r = raw[i] - y[i]
        if abs(r) > delta:
            r = delta if r >= 0.0 else -delta
        g[i] = r * w[i]
        h[i] = w[i]


@njit(parallel=True, cache=True)
def _pinball_grad(y, raw, w, q, g, h):
    for i in prange(y.size):
        g[i] = (-q if y[i] >= raw[i] else 1.0 - q) * w[i]
        h[i] = w[i]


@njit(parallel=True, cache=True)
def _binomial_grad(y, raw, w, g, h):
    for i in prange(y.size):
        p = 1.0 / (1.0 + np.exp(-raw[i]))
        g[i] = (p - y[i]) * w[i]
        h[i] = w[i]


@njit(parallel=True, cache=True)
def _multinomial_grad(y, raw, w, g, h, proba):
    n, K = raw.shape
    for i in prange(n):
        m = raw[i, 0]
        for k in range(1, K):
            m = max(m, raw[i, k])
        s = 0.0
        for k in range(K):
            s += np.exp(raw[i, k] - m)
        for k in range(K):
            p = np.exp(raw[i, k] - m) / s
            proba[i, k] = p
            g[k, i] = (p - (1.0 if y[i] == k else 0.0)) * w[i]
            h[k, i] = w[i]


# ------------------------------------------------------------------ per-leaf line searches
@njit(parallel=True, cache=True)
def _leaf_ratios(num, den, rows, starts, stops, scale, out):
    """out[j] = scale * sum(num) / sum(den) over the rows of leaf j (0 when the denominator is ~0)."""
    for j in prange(starts.size):
        a = 0.0
        b = 0.0
        for t in range(starts[j], stops[j]):
            i = rows[t]
            a += num[i]
            b += den[i]
        out[j] = scale * a / b if abs(b) >= _TINY else 0.0


@njit(cache=True)
def _sorted_leaf(res, w, rows, lo, hi):
    """Residuals of rows[lo:hi] sorted, their weights in that order and the cumulative weights."""
    m = hi - lo
    r = np.empty(m)
    for t in range(m):
        r[t] = res[rows[lo + t]]
    order = np.argsort(r, kind="mergesort")
    rs = np.empty(m)
    ws = np.empty(m)
    cum = np.empty(m)
    c = 0.0
    for t in range(m):
        i = rows[lo + order[t]]
        rs[t] = res[i]
        ws[t] = w[i]
        c += w[i]
        cum[t] = c
    return rs, ws, cum


@njit(cache=True)
def _inverted_cdf(rs, cum, q):
    """Lowest sorted value whose cumulative weight reaches q * total (the last one on round-off)."""
    target = q * cum[-1]
    for t in range(rs.size):
        if cum[t] >= target:
            return rs[t]
    return rs[-1]


@njit(parallel=True, cache=True)
def _leaf_quantiles(res, w, rows, starts, stops, q, out):
    for j in prange(starts.size):
        lo, hi = starts[j], stops[j]
        if hi <= lo:
            out[j] = 0.0
            continue
        rs, ws, cum = _sorted_leaf(res, w, rows, lo, hi)
        out[j] = _inverted_cdf(rs, cum, q) if cum[-1] > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _leaf_selections(res, rows, starts, stops, q, out):
    """``_leaf_quantiles`` with unit weights: the same order statistic (the first of the sorted values
    whose count reaches q times the leaf's rows), found by selection in linear time, not a sort."""
    for j in prange(starts.size):
        lo, hi = starts[j], stops[j]
        m = hi - lo
        if m <= 0:
            out[j] = 0.0
            continue
        r = np.empty(m)
        for t in range(m):
            r[t] = res[rows[lo + t]]
        k = min(max(int(np.ceil(q * m)) - 1, 0), m - 1)
        out[j] = np.partition(r, k)[k]


def leaf_quantiles(res, sample_weight, rows, starts, stops, q):
    """Each leaf's weighted q-quantile of ``res`` over its rows (``rows[starts[j]:stops[j]]``)."""
    out = np.empty(starts.size)
    if sample_weight is None:
        _leaf_selections(res, rows, starts, stops, q, out)
    else:
        _leaf_quantiles(res, sample_weight, rows, starts, stops, q, out)
    return out


@njit(parallel=True, cache=True)
def _leaf_huber(res, w, rows, starts, stops, delta, out):
    for j in prange(starts.size):
        lo, hi = starts[j], stops[j]
        if hi <= lo:
            out[j] = 0.0
            continue
        rs, ws, cum = _sorted_leaf(res, w, rows, lo, hi)
        total = cum[-1]
        if total <= 0.0:
            out[j] = 0.0
            continue
        median = _inverted_cdf(rs, cum, 0.5)
        s = 0.0
        for t in range(rs.size):
            d = rs[t] - median
            if abs(d) > delta:
                d = delta if d > 0.0 else -delta
            s += ws[t] * d
        out[j] = median + s / total


# ------------------------------------------------------------------ helpers
def weighted_quantile(values, sample_weight, q):
    """Lowest value whose cumulative weight (in sorted order) reaches ``q`` times the total weight.

    scikit-learn's ``_weighted_percentile(values, sample_weight, 100 * q)`` (inverted CDF); with
    integer weights, a weight of k gives the same result as k repeated values.
    """
    values = np.asarray(values, dtype=np.float64)
    w = np.ones(values.size) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    cum = np.cumsum(w[order])
    if values.size == 0 or cum[-1] <= 0:
        return 0.0
    idx = min(int(np.searchsorted(cum, q * cum[-1], side="left")), values.size - 1)
    return float(values[order[idx]])


def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else sample_weight


class GBLoss(Loss):
    """A first-order loss with Friedman's per-leaf line search."""

    @abstractmethod
    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        """Unshrunk values of the leaves whose rows are ``sample_indices[starts[j]:stops[j]]``,
        for output ``k``; ``raw`` holds the scores of the start of the round for output ``k``."""

    @staticmethod
    def _ratios(num, den, sample_indices, starts, stops, scale=1.0):
        out = np.empty(starts.size)
        _leaf_ratios(num, den, sample_indices, starts, stops, scale, out)
        return out


class GBSquaredError(GBLoss):
    name = "squared_error"
    metric_name = "rmse"

    def baseline(self, y, sample_weight):
        return np.array([np.average(y, weights=sample_weight)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _squared_error_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        w = _weights(sample_weight, y.size)
        return self._ratios(w * (y - raw[:, 0]), w, sample_indices, starts, stops)

    def metric(self, y, raw, sample_weight):
        return float(np.sqrt(np.average((raw[:, 0] - y) ** 2, weights=sample_weight)))


class GBAbsoluteError(GBLoss):
    name = "absolute_error"
    metric_name = "absolute_error"

    def baseline(self, y, sample_weight):
        return np.array([weighted_quantile(y, sample_weight, 0.5)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _absolute_error_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        return leaf_quantiles(y - raw[:, 0], sample_weight, sample_indices, starts, stops, 0.5)

    def metric(self, y, raw, sample_weight):
        return float(np.average(np.abs(y - raw[:, 0]), weights=sample_weight))


class GBQuantile(GBLoss):
    name = "quantile"
    metric_name = "quantile"

    def __init__(self, alpha=0.9):
        self.alpha = float(alpha)

    def baseline(self, y, sample_weight):
        return np.array([weighted_quantile(y, sample_weight, self.alpha)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _pinball_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.alpha, g_out[0], h_out[0])

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        return leaf_quantiles(y - raw[:, 0], sample_weight, sample_indices, starts, stops, self.alpha)

    def metric(self, y, raw, sample_weight):
        d = y - raw[:, 0]
        losses = np.where(d >= 0, self.alpha * d, (self.alpha - 1.0) * d)
        return float(np.average(losses, weights=sample_weight))


class GBHuber(GBLoss):
    name = "huber"
    metric_name = "huber"

    def __init__(self, alpha=0.9):
        self.alpha = float(alpha)
        self.delta = None  # set by every call of gradients

    def baseline(self, y, sample_weight):
        return np.array([weighted_quantile(y, sample_weight, 0.5)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        self.delta = weighted_quantile(np.abs(y - raw[:, 0]), sample_weight, self.alpha)
        _huber_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.delta, g_out[0], h_out[0])

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        out = np.empty(starts.size)
        _leaf_huber(y - raw[:, 0], _weights(sample_weight, y.size), sample_indices, starts, stops,
                    self.delta, out)
        return out

    def metric(self, y, raw, sample_weight):
        a = np.abs(y - raw[:, 0])
        delta = self.delta if self.delta is not None else weighted_quantile(a, sample_weight, self.alpha)
        losses = np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))
        return float(np.average(losses, weights=sample_weight))


class GBBinomial(GBLoss):
    name = "log_loss"
    metric_name = "logloss"

    def baseline(self, y, sample_weight):
        return LogLoss().baseline(y, sample_weight)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _binomial_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        w = _weights(sample_weight, y.size)
        p = sigmoid(raw[:, 0])
        return self._ratios(w * (y - p), w * p * (1.0 - p), sample_indices, starts, stops)

    def metric(self, y, raw, sample_weight):
        return LogLoss().metric(y, raw, sample_weight)

    def predict(self, raw):
        return LogLoss().predict(raw)


class GBMultinomial(GBLoss):
    name = "log_loss"
    metric_name = "mlogloss"

    def __init__(self, n_classes=3):
        self.n_classes = n_classes
        self.proba = None  # probabilities at the start of the round, set by gradients

    def n_outputs(self, n_classes):
        return n_classes

    def baseline(self, y, sample_weight):
        return SoftmaxLoss(self.n_classes).baseline(y, sample_weight)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        if self.proba is None or self.proba.shape != raw.shape:
            self.proba = np.empty_like(raw)
        _multinomial_grad(y, raw, _weights(sample_weight, y.size), g_out, h_out, self.proba)

    def leaf_values(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        w = _weights(sample_weight, y.size)
        p = self.proba[:, k]
        K = self.n_classes
        return self._ratios(w * ((y == k) - p), w * p * (1.0 - p), sample_indices, starts, stops,
                            (K - 1) / K)

    def metric(self, y, raw, sample_weight):
        return SoftmaxLoss(self.n_classes).metric(y, raw, sample_weight)

    def predict(self, raw):
        return softmax(raw)


REGRESSION_LOSSES = ("squared_error", "absolute_error", "huber", "quantile")
CLASSIFICATION_LOSSES = ("log_loss",)


def get_gb_loss(loss, n_classes=None, alpha=0.9):
    """The GB loss named ``loss``: a regression loss when ``n_classes`` is None, else log-loss."""
    if n_classes is None:
        if loss == "squared_error":
            return GBSquaredError()
        if loss == "absolute_error":
            return GBAbsoluteError()
        if loss == "huber":
            return GBHuber(alpha)
        if loss == "quantile":
            return GBQuantile(alpha)
        raise ValueError(f"loss must be one of {REGRESSION_LOSSES}, got {loss!r}")
    if loss != "log_loss":
        raise ValueError(f"loss must be one of {CLASSIFICATION_LOSSES}, got {loss!r}")
    return GBBinomial() if n_classes <= 2 else GBMultinomial(n_classes)
