"""The split criteria, written once: a node's score and value from its channels of statistics.

A split's gain is score(left) + score(right) - score(parent), up to a constant factor:

- Newton (second-order boosting; GBDT with h = w): channels (sum g, sum h); score T(G)^2 / (H + lambda),
  T soft-thresholding G by the L1 penalty alpha; value -T(G) / (H + lambda). Under monotone bounds the
  value is clamped and the score is that of the clamped value (``score_given_weight``).
- squared error (CART regression): channels (sum w y, sum w); score (sum w y)^2 / W -- Newton's with
  g = -w y, h = w, lambda = 0 -- and value the mean. With K outputs the channels are (sum w y_k, ..., W)
  and the score sum_k (sum w y_k)^2 / W: the decrease of the squared error summed over the outputs
  (scikit-learn averages it over them: the same best split).
- gini: channels (per-class weights, W); score sum_k W_k^2 / W (the weighted Gini decrease equals the
  squared-error decrease on one-hot targets); value the class distribution.
- entropy: score sum_k W_k log(W_k / W).

``channel_score`` serves the three CART criteria on a (K channels + weight) vector; ``pair_score``
the two-channel case (regression, or two classes as (class-1 weight, weight)) with the sums in
registers. ``CRITERIA`` numbers the CART criteria for the kernels.
"""
import numpy as np
from numba import njit

CRITERIA = {"squared_error": 0, "gini": 1, "entropy": 2}


@njit(cache=True, inline="always")
def soft_threshold(G, alpha):
    if G > alpha:
        return G - alpha
    if G < -alpha:
        return G + alpha
    return 0.0


@njit(cache=True, inline="always")
def node_score(G, H, reg_lambda, reg_alpha):
    denom = H + reg_lambda
    if denom <= 0.0:
        return 0.0
    t = soft_threshold(G, reg_alpha)
    return t * t / denom


@njit(cache=True, inline="always")
def leaf_weight(G, H, reg_lambda, reg_alpha):
    """Optimal leaf value -T(G)/(H+lambda) (before shrinkage)."""
    denom = H + reg_lambda
    if denom <= 0.0:
        return 0.0
    return -soft_threshold(G, reg_alpha) / denom


@njit(cache=True, inline="always")
def clamp(w, lo, hi):
    return lo if w < lo else (hi if w > hi else w)


@njit(cache=True, inline="always")
def score_given_weight(G, H, w, reg_lambda, reg_alpha):
    """Twice the loss reduction of a leaf with value w: -(2 T(G) w + (H + lambda) w^2); at the optimum
    w = -T(G)/(H + lambda) it is T(G)^2/(H + lambda), the unconstrained score."""
    return -(2.0 * soft_threshold(G, reg_alpha) * w + (H + reg_lambda) * w * w)


@njit(cache=True, inline="always")
def bounded_weight(G, H, reg_lambda, reg_alpha, lo, hi):
    denom = H + reg_lambda
    w = 0.0 if denom <= 0.0 else -soft_threshold(G, reg_alpha) / denom
    return clamp(w, lo, hi)


@njit(cache=True, inline="always")
def bounded_score(G, H, reg_lambda, reg_alpha, lo, hi):
    """The score of a node whose value is held within [lo, hi]."""
    if H + reg_lambda <= 0.0:
        return 0.0
    return score_given_weight(G, H, bounded_weight(G, H, reg_lambda, reg_alpha, lo, hi), reg_lambda, reg_alpha)


@njit(cache=True, inline="always")
def channel_score(stats, K, criterion):
    """Score of a stats vector (K channels + weight at index K)."""
    W = stats[K]
    if W <= 0.0:
        return 0.0
    s = 0.0
    if criterion <= 1:
        # squared error over K outputs and Gini share one sum (see the module); K = 1 gives x * x / W
        for k in range(K):
            s += stats[k] * stats[k]
        return s / W
    for k in range(K):
        if stats[k] > 0.0:
            s += stats[k] * np.log(stats[k] / W)
    return s


@njit(cache=True, inline="always")
def pair_score(y, W, classification, criterion):
    """``channel_score`` of a regression stats vector (sum w y = y, W) or a binary one (class weights W - y, y)."""
    if W <= 0.0:
        return 0.0
    if not classification:
        return y * y / W
    a = W - y
    if criterion == 1:
        return (a * a + y * y) / W
    s = 0.0
    if a > 0.0:
        s += a * np.log(a / W)
    if y > 0.0:
        s += y * np.log(y / W)
    return s
