"""booster="gblinear": XGBoost's linear booster (raw = intercept + X @ coef), trained by its Newton
coordinate descent with elastic-net penalties (XGBoost's src/linear/updater_coordinate.cc and
coordinate_common.h).

Each round the loss gives g, h at the current scores; then, per output, the bias takes the step
-eta * sum(g) / sum(h), and every feature in turn (cyclic or a seeded shuffle) the step
eta * CoordinateDelta(sum g x, sum h x^2, w, alpha * W, lambda * W), W the total instance weight.
After each step g moves by h * x * delta (the loss's Newton model; h stays), as XGBoost does. Rows with
a negative hessian are left out of the sums, as XGBoost does. Missing values count as 0 (XGBoost's
gblinear skips them, the same in every sum).

The sums run over fixed blocks of rows added in block order, so the model does not depend on the
thread count.
"""
import time

import numpy as np
from numba import njit, prange

from .._threads import numba_threads
from ..metrics import predictions
from ._categorical import categorical_indices

_BLOCK = 4096  # rows per partial sum: fixed, so the sums' order is independent of the threads


@njit(cache=True, parallel=True)
def _sums(x, g, h):
    """(sum g x, sum h x^2) over rows with h >= 0, added block by block in a fixed order."""
    n = x.size
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    part_g = np.zeros(n_blocks)
    part_h = np.zeros(n_blocks)
    for b in prange(n_blocks):
        sg = 0.0
        sh = 0.0
        for i in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):
            if h[i] >= 0.0:
                sg += g[i] * x[i]
                sh += h[i] * x[i] * x[i]
        part_g[b] = sg
        part_h[b] = sh
    sg = 0.0
    sh = 0.0
    for b in range(n_blocks):
        sg += part_g[b]
        sh += part_h[b]
    return sg, sh


@njit(cache=True, parallel=True)
def _move_gradients(x, g, h, delta):
    for i in prange(g.size):
        if h[i] >= 0.0:
            g[i] += h[i] * x[i] * delta


@njit(cache=True)
def coordinate_delta(sum_grad, sum_hess, w, alpha, lam):
    """XGBoost's CoordinateDelta: the elastic-net Newton step of one weight, never crossing 0."""
    if sum_hess < 1e-5:
        return 0.0
    tmp = w - (sum_grad + lam * w) / (sum_hess + lam)
    if tmp >= 0:
        return max(-(sum_grad + lam * w + alpha) / (sum_hess + lam), -w)
    return min(-(sum_grad + lam * w - alpha) / (sum_hess + lam), -w)


@njit(cache=True)
def linear_round(Xf, g, h, coef, bias, order, eta, alpha, lam):
    """One round of coordinate descent on every output; ``Xf`` (n, d) Fortran-ordered, NaN already 0.
    Updates ``coef`` (d, K), ``bias`` (K,) and ``g`` (K, n) in place."""
    ones = np.ones(g.shape[1])
    K = g.shape[0]
    for k in range(K):
        sg, sh = _sums(ones, g[k], h[k])
        if sh > 0.0:
            delta = -eta * sg / sh
            bias[k] += delta
            _move_gradients(ones, g[k], h[k], delta)
    for k in range(K):
        for j in order:
            x = Xf[:, j]
            sg, sh = _sums(x, g[k], h[k])
            delta = eta * coordinate_delta(sg, sh, coef[j, k], alpha, lam)
            if delta != 0.0:
                coef[j, k] += delta
                _move_gradients(x, g[k], h[k], delta)


@njit(cache=True, parallel=True)
def linear_scores(X, coef, bias, start):
    """start[k] + bias[k] + sum_j x_j coef[j, k] per row, features in order, NaN read as 0."""
    n, d = X.shape
    K = bias.size
    out = np.empty((n, K))
    for i in prange(n):
        for k in range(K):
            s = 0.0
            for j in range(d):
                v = X[i, j]
                if v == v:
                    s += v * coef[j, k]
            out[i, k] = start[k] + bias[k] + s
    return out


def dense_zeroed(X):
    """X as float64, Fortran-ordered (a column per feature), missing values as 0."""
    Xf = np.asfortranarray(X, dtype=np.float64)
    if Xf is X or np.shares_memory(Xf, X):
        Xf = Xf.copy(order="F")
    np.nan_to_num(Xf, copy=False, nan=0.0)
    return Xf


def check_linear_input(est, n_features):
    """A linear model multiplies values: category codes are not numbers."""
    categorical = categorical_indices(est, n_features)
    if categorical:
        names = getattr(est, "feature_names_in_", None)
        shown = [str(names[f]) if names is not None else f for f in categorical]
        raise ValueError(f"booster='gblinear' multiplies feature values by weights and cannot use categorical "
                         f"features {shown}: one-hot encode them (or use a tree booster)")
    for name in ("monotonic_cst", "interaction_cst"):
        if getattr(est, name, None) is not None:
            raise ValueError(f"{name} constrains trees; booster='gblinear' has none (set {name}=None)")


def boost_linear(est, X, y, sw, margin, loss, evals, rng, early, metrics, task, callbacks):
    """The gblinear loop; sets ``est._linear = (coef (d, K), bias (K,))``, ``_baseline`` and the
    round attributes, as ``BaseBoost._boost`` does for trees."""
    t_start = time.perf_counter()
    n, d = X.shape
    K = loss.n_outputs(getattr(est, "n_classes_", None))
    baseline = est._start_score(loss, y, sw, margin)
    start = np.zeros((n, K)) + baseline
    if margin is not None:
        start += margin
    eval_start = []
    for _, Xv, _, _, mv in evals:
        s = np.zeros((Xv.shape[0], K)) + baseline
        eval_start.append(s if mv is None else s + mv)
    Xf = dense_zeroed(X)
    total_weight = float(n if sw is None else np.sum(sw))
    alpha = float(est.reg_alpha) * total_weight  # XGBoost's DenormalizeHyperParameters
    lam = float(est.reg_lambda) * total_weight
    eta = float(est.learning_rate)
    shuffle = est.feature_selector == "shuffle"
    coef = np.zeros((d, K))
    bias = np.zeros(K)
    zero = np.zeros(K)
    raw = start.copy()
    g = np.empty((K, n))
    h = np.empty((K, n))
    history = {name: {m.name: [] for m in metrics} for name, _, _, _, _ in evals}
    stopper = metrics[-1]
    sign = -1.0 if stopper.higher_is_better else 1.0
    best_score, best_iter = np.inf, 0
    best = (coef.copy(), bias.copy())
    it = -1
    with numba_threads(est.n_jobs):
        for it in range(est.n_estimators):
            loss.gradients(y, raw, sw, g, h)
            order = rng.permutation(d) if shuffle else np.arange(d)
            linear_round(Xf, g, h, coef, bias, order.astype(np.int64), eta, alpha, lam)
            raw = linear_scores(Xf, coef, bias, zero) + start
            for (name, Xv, yv, wv, _), s in zip(evals, eval_start):
                r = linear_scores(Xv, coef, bias, zero) + s
                pred = None if all(m.raw for m in metrics) else predictions(loss, r, task)
                for m in metrics:
                    history[name][m.name].append(m(yv, r if m.raw else pred, wv))
            if evals:
                score = sign * history[evals[-1][0]][stopper.name][-1]
                if score < best_score - est.tol:
                    best_score, best_iter = score, it
                    best = (coef.copy(), bias.copy())
            if est.verbose and (it % est.verbose == 0 or it == est.n_estimators - 1):
                shown = "  ".join(f"{name}-{m}: {v[-1]:.6f}" for name, hist in history.items()
                                  for m, v in hist.items())
                print(f"[{it}] {shown}  elapsed {time.perf_counter() - t_start:.2f}s", flush=True)
            if est._iteration_callback is not None:
                est._iteration_callback(it, est.n_estimators, history)
            stop = False
            for cb in callbacks:
                stop = bool(cb(it, history)) or stop
            if stop:
                break
            if early and it - best_iter >= est.n_iter_no_change:
                break
    if early:
        coef, bias = best
    est._linear = (coef, bias)
    est._baseline = np.asarray(baseline, dtype=np.float64)
    est._n_outputs = K
    est.n_iter_ = best_iter + 1 if early else it + 1
    est.best_iteration_ = best_iter if early else None
    est.evals_result_ = history

def checked_linear(linear, n_features, n_outputs):
    """A model file's gblinear coefficients: finite float64 of the model's shapes."""
    if not isinstance(linear, dict) or set(linear) != {"coef", "bias"}:
        raise ValueError("linear must hold exactly coef and bias")
    coef, bias = linear["coef"], linear["bias"]
    for name, a, shape in (("coef", coef, (n_features, n_outputs)), ("bias", bias, (n_outputs,))):
        if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.shape != shape \
                or not np.all(np.isfinite(a)):
            raise ValueError(f"linear {name} must be finite float64 of shape {shape}")
    return np.ascontiguousarray(coef), np.ascontiguousarray(bias)


def linear_explain(est, X, kind, margin, squeeze):
    """Exact terms of a linear model in XGBoost's contribs layout (n, n_outputs, n_features + 1)."""
    coef, bias = est._linear
    x = np.nan_to_num(np.asarray(X, dtype=np.float64), nan=0.0)
    n, d = x.shape
    K = coef.shape[1]
    contribs = np.empty((n, K, d + 1))
    contribs[:, :, :d] = x[:, None, :] * coef.T[None, :, :]
    contribs[:, :, d] = est._baseline + bias
    if margin is not None:
        contribs[:, :, d] += margin
    if kind == "contribs":
        out = contribs
    else:
        out = np.zeros((n, K, d + 1, d + 1))
        idx = np.arange(d + 1)
        out[:, :, idx, idx] = contribs
    return out[:, 0] if squeeze else out
