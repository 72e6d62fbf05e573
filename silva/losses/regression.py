"""The boosters' regression objectives beyond squared error, under XGBoost's and LightGBM's names.

=================  ===========================  ==============================  ========================
objective          raw score F                  gradient, hessian (per weight)  start score
=================  ===========================  ==============================  ========================
absolute_error     the value                    sign(F - y), 1; leaves renewed  weighted median
                                                to the weighted median of the
                                                residuals (LightGBM)
huber              the value                    clip(F - y, +-delta), 1         Huber M-estimate
pseudo_huber       the value                    r / sqrt(1 + (r/delta)^2),      its M-estimate
                                                (1 + (r/delta)^2)^(-3/2)
quantile           the value (one column per    -alpha or 1 - alpha, 1; leaves  weighted alpha-quantile
                   alpha)                       renewed to the alpha-quantile
poisson            log of the mean              e^F - y, e^(F + max_delta_step) log of the mean
tweedie            log of the mean              -y e^((1-p)F) + e^((2-p)F),     log of the mean
                                                its derivative
gamma              log of the mean              1 - y e^-F, y e^-F              log of the mean
cross_entropy      logit of the mean            p - y, p (1 - p)                logit of the mean
=================  ===========================  ==============================  ========================

The hessians are those of XGBoost and LightGBM (whose models silva's are tested against): Poisson's is
inflated by e^max_delta_step so that a leaf of rows with zero counts does not take a huge step; as in
XGBoost, ``max_delta_step`` is 0.7 for Poisson unless set, and then also caps the leaf values. Quantiles given as a list are one model with a column per alpha,
each grown by its own trees every round; a row's quantiles are sorted before they are returned, so they
never cross (sorting never increases the pinball loss summed over the alphas).
"""
import numpy as np
from numba import njit, prange

from .base import Loss, register_objective
from .gradient_boosting import _absolute_error_grad, _huber_grad, _pinball_grad, leaf_quantiles, weighted_quantile
from .losses import logit_link, sigmoid

_EPS = 1e-15
POISSON_MAX_DELTA_STEP = 0.7  # XGBoost's and LightGBM's default safeguard of the Poisson hessian


def _weights(sample_weight, n):
    return np.ones(n) if sample_weight is None else sample_weight


def _log_mean(y, sample_weight):
    return np.array([np.log(max(np.average(y, weights=sample_weight), _EPS))])


@njit(parallel=True, cache=True)
def _poisson_grad(y, raw, w, max_delta_step, g, h):
    for i in prange(y.size):
        mu = np.exp(raw[i])
        g[i] = (mu - y[i]) * w[i]
        h[i] = np.exp(raw[i] + max_delta_step) * w[i]


@njit(parallel=True, cache=True)
def _tweedie_grad(y, raw, w, rho, g, h):
    for i in prange(y.size):
        a = np.exp((1.0 - rho) * raw[i])
        b = np.exp((2.0 - rho) * raw[i])
        g[i] = (-y[i] * a + b) * w[i]
        h[i] = (-y[i] * (1.0 - rho) * a + (2.0 - rho) * b) * w[i]


@njit(parallel=True, cache=True)
def _gamma_grad(y, raw, w, g, h):
    for i in prange(y.size):
        r = y[i] * np.exp(-raw[i])
        g[i] = (1.0 - r) * w[i]
        h[i] = r * w[i]


@njit(parallel=True, cache=True)
def _cross_entropy_grad(y, raw, w, g, h):
    for i in prange(y.size):
        p = 1.0 / (1.0 + np.exp(-raw[i]))
        g[i] = (p - y[i]) * w[i]
        h[i] = max(p * (1.0 - p), 1e-16) * w[i]


class RegressionLoss(Loss):
    """A booster regression objective. Those whose Newton step is not their optimum set
    ``renews_leaves`` and give each leaf its best value in ``renew(y, raw, sample_weight, k,
    sample_indices, starts, stops)``."""


class _RobustLoss(RegressionLoss):
    """Huber-like losses: a scale ``huber_delta`` and a start at their M-estimate of location."""

    def __init__(self, delta=1.0):
        self.delta = float(delta)

    @classmethod
    def from_params(cls, params):
        return cls(params.get("huber_delta", 1.0))

    def baseline(self, y, sample_weight):
        """Newton's method on the location from the median, with the loss's own g and h per row."""
        w = _weights(sample_weight, y.size)
        mu = weighted_quantile(y, sample_weight, 0.5)
        for _ in range(100):
            g, h = self._location_steps(mu - y)
            den = np.sum(w * h)
            if den <= 0:
                break
            step = np.sum(w * g) / den
            mu -= step
            if abs(step) <= 1e-12 * max(1.0, abs(mu)):
                break
        return np.array([mu])


def log_link(value):
    if not value > 0:
        raise ValueError(f"base_score must be positive for a log-link objective, got {value!r}")
    return float(np.log(value))


def _domain(name, ok, y, what, need):
    if not ok:
        raise ValueError(f"objective={name!r} needs {need}; {what} has values from {np.min(y):g} to "
                         f"{np.max(y):g}")


@register_objective("regression", "absolute_error", "l1", "mae", "regression_l1", "reg:absoluteerror")
class AbsoluteError(RegressionLoss):
    name = "absolute_error"
    metric_name = "mae"
    renews_leaves = True

    def baseline(self, y, sample_weight):
        return np.array([weighted_quantile(y, sample_weight, 0.5)])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _absolute_error_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def renew(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        return leaf_quantiles(y - raw[:, 0], sample_weight, sample_indices, starts, stops, 0.5)

    def metric(self, y, raw, sample_weight):
        return float(np.average(np.abs(y - raw[:, 0]), weights=sample_weight))


@register_objective("regression", "huber", "reg:huber")
class Huber(_RobustLoss):
    name = "huber"
    metric_name = "huber"

    def _location_steps(self, r):
        # g = clip(r, +-delta), h = 1 inside: each Newton step is an iteratively reweighted mean
        return np.clip(r, -self.delta, self.delta), (np.abs(r) <= self.delta).astype(np.float64)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _huber_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.delta, g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        a = np.abs(y - raw[:, 0])
        losses = np.where(a <= self.delta, 0.5 * a * a, self.delta * (a - 0.5 * self.delta))
        return float(np.average(losses, weights=sample_weight))


@njit(parallel=True, cache=True)
def _pseudo_huber_grad(y, raw, w, delta, g, h):
    for i in prange(y.size):
        r = raw[i] - y[i]
        s = 1.0 + (r / delta) ** 2
        root = np.sqrt(s)
        g[i] = r / root * w[i]
        h[i] = w[i] / (s * root)


@register_objective("regression", "pseudo_huber", "reg:pseudohubererror")
class PseudoHuber(_RobustLoss):
    """delta^2 (sqrt(1 + (r/delta)^2) - 1): Huber made smooth (XGBoost's, slope ``huber_delta``). Its
    hessian fades for large residuals, so leaves of outliers take L1-like steps."""

    name = "pseudo_huber"
    metric_name = "mphe"

    def _location_steps(self, r):
        s = 1.0 + (r / self.delta) ** 2
        return r / np.sqrt(s), 1.0 / (s * np.sqrt(s))

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _pseudo_huber_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.delta, g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        d = self.delta
        losses = d * d * (np.sqrt(1.0 + ((raw[:, 0] - y) / d) ** 2) - 1.0)
        return float(np.average(losses, weights=sample_weight))


@register_objective("regression", "quantile", "reg:quantileerror")
class Quantile(RegressionLoss):
    """One output per alpha; ``predict`` sorts each row's quantiles (they never cross)."""

    name = "quantile"
    metric_name = "quantile"
    renews_leaves = True

    def __init__(self, alpha=0.5):
        alphas = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or not np.all((alphas > 0) & (alphas < 1)):
            raise ValueError(f"quantile_alpha must be a number or a list of numbers in (0, 1), got {alpha!r}")
        if np.unique(alphas).size != alphas.size:
            raise ValueError(f"quantile_alpha lists an alpha twice: {alphas.tolist()}")
        self.alphas = alphas
        self.multi = np.ndim(alpha) > 0

    @classmethod
    def from_params(cls, params):
        return cls(params.get("quantile_alpha", 0.5))

    def n_outputs(self, n_classes=None):
        return self.alphas.size

    def baseline(self, y, sample_weight):
        return np.array([weighted_quantile(y, sample_weight, a) for a in self.alphas])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        w = _weights(sample_weight, y.size)
        for k, a in enumerate(self.alphas):
            _pinball_grad(y, np.ascontiguousarray(raw[:, k]), w, a, g_out[k], h_out[k])

    def renew(self, y, raw, sample_weight, k, sample_indices, starts, stops):
        return leaf_quantiles(y - raw[:, k], sample_weight, sample_indices, starts, stops, self.alphas[k])

    def metric(self, y, raw, sample_weight):
        """Mean pinball loss, averaged over the alphas."""
        d = y[:, None] - self.predict_columns(raw)
        losses = np.where(d >= 0, self.alphas * d, (self.alphas - 1.0) * d).mean(axis=1)
        return float(np.average(losses, weights=sample_weight))

    def predict_columns(self, raw):
        # ordered alphas get ordered values: sort the values and put them back in the alphas' order
        order = np.argsort(self.alphas)
        out = np.empty_like(raw)
        out[:, order] = np.sort(raw[:, order], axis=1)
        return out

    def predict(self, raw):
        return self.predict_columns(raw) if self.multi else raw


@register_objective("regression", "poisson", "count:poisson")
class Poisson(RegressionLoss):
    link = staticmethod(log_link)
    name = "poisson"
    metric_name = "poisson-nloglik"

    default_max_delta_step = POISSON_MAX_DELTA_STEP  # also caps the leaves unless set (XGBoost's rule)

    def __init__(self, max_delta_step=POISSON_MAX_DELTA_STEP):
        self.max_delta_step = float(max_delta_step)

    @classmethod
    def from_params(cls, params):
        step = params.get("max_delta_step")
        return cls(POISSON_MAX_DELTA_STEP if step is None else step)

    def check_target(self, y, what="y"):
        _domain(self.name, np.all(y >= 0) and np.sum(y) > 0, y, what, "non-negative counts, not all zero")

    def baseline(self, y, sample_weight):
        return _log_mean(y, sample_weight)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _poisson_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.max_delta_step, g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        """Mean negative log-likelihood, XGBoost's poisson-nloglik (with the log y! term)."""
        from scipy.special import gammaln
        r = raw[:, 0]
        return float(np.average(np.exp(r) - y * r + gammaln(y + 1.0), weights=sample_weight))

    def predict(self, raw):
        return np.exp(raw)


@register_objective("regression", "tweedie", "reg:tweedie")
class Tweedie(RegressionLoss):
    link = staticmethod(log_link)
    name = "tweedie"

    def __init__(self, variance_power=1.5):
        rho = float(variance_power)
        if not 1.0 <= rho < 2.0:
            raise ValueError(f"tweedie_variance_power must be in [1, 2), got {variance_power!r}")
        self.rho = rho
        self.metric_name = f"tweedie-nloglik@{rho:g}"

    @classmethod
    def from_params(cls, params):
        return cls(params.get("tweedie_variance_power", 1.5))

    def check_target(self, y, what="y"):
        _domain(self.name, np.all(y >= 0) and np.sum(y) > 0, y, what, "non-negative targets, not all zero")

    def baseline(self, y, sample_weight):
        return _log_mean(y, sample_weight)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _tweedie_grad(y, raw[:, 0], _weights(sample_weight, y.size), self.rho, g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        """XGBoost's tweedie-nloglik: the negative log-likelihood up to terms free of the mean."""
        r, rho = raw[:, 0], self.rho
        if rho == 1.0:
            losses = np.exp(r) - y * r
        else:
            losses = -y * np.exp((1 - rho) * r) / (1 - rho) + np.exp((2 - rho) * r) / (2 - rho)
        return float(np.average(losses, weights=sample_weight))

    def predict(self, raw):
        return np.exp(raw)


@register_objective("regression", "gamma", "reg:gamma")
class Gamma(RegressionLoss):
    link = staticmethod(log_link)
    name = "gamma"
    metric_name = "gamma-deviance"

    def check_target(self, y, what="y"):
        _domain(self.name, np.all(y > 0), y, what, "positive targets")

    def baseline(self, y, sample_weight):
        return _log_mean(y, sample_weight)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _gamma_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        """Mean gamma deviance, 2 (y / mu - log(y / mu) - 1) (scikit-learn's mean_gamma_deviance)."""
        q = y * np.exp(-raw[:, 0])
        return float(np.average(2.0 * (q - np.log(q) - 1.0), weights=sample_weight))

    def predict(self, raw):
        return np.exp(raw)


@register_objective("regression", "cross_entropy", "xentropy", "reg:logistic")
class CrossEntropy(RegressionLoss):
    """Log-loss for targets that are probabilities (LightGBM's cross_entropy, XGBoost's reg:logistic)."""

    name = "cross_entropy"
    link = staticmethod(logit_link)
    metric_name = "cross_entropy"

    def check_target(self, y, what="y"):
        _domain(self.name, np.all((y >= 0) & (y <= 1)), y, what, "targets in [0, 1]")

    def baseline(self, y, sample_weight):
        p = np.clip(np.average(y, weights=sample_weight), _EPS, 1 - _EPS)
        return np.array([np.log(p / (1 - p))])

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        _cross_entropy_grad(y, raw[:, 0], _weights(sample_weight, y.size), g_out[0], h_out[0])

    def metric(self, y, raw, sample_weight):
        r = raw[:, 0]
        return float(np.average(np.logaddexp(0.0, r) - y * r, weights=sample_weight))

    def predict(self, raw):
        return sigmoid(raw)
