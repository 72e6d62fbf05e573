"""Squared error, binary log-loss and multiclass softmax, with Numba kernels for the per-row work."""
import numpy as np
from numba import njit, prange

from .base import Loss, register_objective

_EPS = 1e-15


@njit(parallel=True, cache=True)
def _squared_error_grad(y, raw, w, g, h):
    for i in prange(y.size):
        g[i] = (raw[i] - y[i]) * w[i]
        h[i] = w[i]


@njit(parallel=True, cache=True)
def _logloss_grad(y, raw, w, g, h):
    for i in prange(y.size):
        p = 1.0 / (1.0 + np.exp(-raw[i]))
        g[i] = (p - y[i]) * w[i]
        h[i] = max(p * (1.0 - p), 1e-16) * w[i]


@njit(parallel=True, cache=True)
def _softmax_grad(y, raw, w, g, h):
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
            g[k, i] = (p - (1.0 if y[i] == k else 0.0)) * w[i]
            h[k, i] = max(p * (1.0 - p), 1e-16) * w[i]


def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else sample_weight


def sigmoid(raw):
    return 0.5 * (1.0 + np.tanh(0.5 * raw))  # tanh form: no overflow warning for large |raw|


def logit_link(value):
    """``base_score`` as a probability -> its log-odds."""
    if not 0 < value < 1:
        raise ValueError(f"base_score must be a probability in (0, 1) here, got {value!r}")
    return float(np.log(value / (1 - value)))


def softmax(raw):
    z = np.exp(raw - raw.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@register_objective("regression", "squared_error", "reg:squarederror", "l2", "regression")
class SquaredError(Loss):
    name = "squared_error"
    metric_name = "rmse"

    def baseline(self, y, sample_weight):
        return np.array([np.average(y, weights=sample_weight)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _squared_error_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        return float(np.sqrt(np.average((raw[:, 0] - y) ** 2, weights=sample_weight)))


class MultiSquaredError(Loss):
    """Squared error on several targets (y of shape (n, n_targets)), one tree per target per round;
    the metric is the RMSE over all cells. Built by BoostRegressor for a 2-D y, never by name."""

    name = "squared_error"
    metric_name = "rmse"

    def __init__(self, n_targets):
        self.n_targets = n_targets

    def n_outputs(self, n_classes=None):
        return self.n_targets

    def baseline(self, y, sample_weight):
        # column by column, as SquaredError's: each target's model is the single-target one
        return np.array([np.average(y[:, k], weights=sample_weight) for k in range(self.n_targets)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        w = _weights(sample_weight, y.shape[0])
        for k in range(self.n_targets):
            _squared_error_grad(np.ascontiguousarray(y[:, k]), np.ascontiguousarray(raw[:, k]), w, g_out[k],
                                h_out[k])

    def metric(self, y, raw, sample_weight):
        return float(np.sqrt(np.average(((raw - y) ** 2).mean(axis=1), weights=sample_weight)))


@register_objective("binary", "logloss", "binary", "binary:logistic")
class LogLoss(Loss):
    name = "logloss"
    metric_name = "logloss"
    link = staticmethod(logit_link)

    def baseline(self, y, sample_weight):
        p = np.clip(np.average(y, weights=sample_weight), _EPS, 1 - _EPS)
        return np.array([np.log(p / (1 - p))])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _logloss_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        r = raw[:, 0]
        # log(1 + e^r) - y r, written to stay finite for large |r|
        losses = np.logaddexp(0.0, r) - y * r
        return float(np.average(losses, weights=sample_weight))

    def predict(self, raw):
        p = sigmoid(raw[:, 0])
        return np.column_stack([1.0 - p, p])


@register_objective("multiclass", "softmax", "multiclass", "multi:softprob", "multi:softmax")
class SoftmaxLoss(Loss):
    name = "softmax"
    metric_name = "mlogloss"

    def __init__(self, n_classes=3):
        self.n_classes = n_classes

    def n_outputs(self, n_classes):
        return n_classes

    def baseline(self, y, sample_weight):
        w = _weights(sample_weight, y.size)
        counts = np.bincount(y.astype(np.int64), weights=w, minlength=self.n_classes)
        p = np.clip(counts / counts.sum(), _EPS, 1.0)
        logp = np.log(p)
        return logp - logp.mean()

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _softmax_grad(y, raw, _weights(sample_weight, y.size), g_out, h_out)

    def metric(self, y, raw, sample_weight):
        m = raw.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(raw - m).sum(axis=1))
        losses = lse - raw[np.arange(y.size), y.astype(np.int64)]
        return float(np.average(losses, weights=sample_weight))

    def predict(self, raw):
        return softmax(raw)
