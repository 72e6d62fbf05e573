"""``predict(X, pred_contribs=True)`` / ``pred_interactions=True`` for every estimator: what each model's
additive output is, in the engine's terms (``_engine.shap.Explained``), and the result in XGBoost's
layout. The algorithm is the engine's; the estimators only say which leaf values add up to what.

Layout: one output -> (n, n_features + 1) contributions, (n, n_features + 1, n_features + 1)
interactions; several outputs (classes, quantiles, targets) -> (n, n_outputs, ...). The bias (expected
value) is the last column (and the last diagonal cell of the interactions).
"""
import numpy as np

from .._engine.shap import Explained, forest_contributions, forest_interactions
from .._threads import numba_threads


def explain_flags(pred_contribs, pred_interactions):
    """Which explanation is asked for: None (a plain prediction), "contribs" or "interactions"."""
    for name, flag in (("pred_contribs", pred_contribs), ("pred_interactions", pred_interactions)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {flag!r}")
    if pred_contribs and pred_interactions:
        raise ValueError("pass pred_contribs=True or pred_interactions=True, not both")
    return "interactions" if pred_interactions else "contribs" if pred_contribs else None


def explain(explained, X, kind, n_jobs, squeeze, margin=None):
    """SHAP values (``kind`` "contribs") or interaction values of ``explained`` at X, in XGBoost's layout
    (``squeeze``: one output, no output axis). ``margin`` (n, n_outputs): per-row raw margins added to
    the bias (init_score / base_margin), so the values still add up to the raw output."""
    with numba_threads(n_jobs):
        if kind == "contribs":
            out = forest_contributions(explained, X)
        else:
            out = forest_interactions(explained, X)
    if margin is not None:
        m = X.shape[1]
        if kind == "contribs":
            out[:, :, m] += margin
        else:
            out[:, :, m, m] += margin
    return out[:, 0] if squeeze else out


def boosting_explained(est, t_begin, t_end):
    """A booster's trees: each adds its leaf value to its own output, on top of the baseline."""
    f = est._forest
    return Explained(f, f.values[:, :1], f.tree_output, est._n_outputs, est._baseline, t_begin=t_begin, t_end=t_end)


def cart_explained(est):
    """A CART-family forest: every tree adds its leaf vector (class distribution or mean target) to all
    outputs; the forest averages its trees."""
    f = est._forest
    return Explained(f, f.values, np.zeros(f.n_trees, dtype=np.int64), f.values.shape[1], 0.0,
                     scale=1.0 / f.n_trees)


def samme_explained(forest, values, weights, total, n_classes):
    """AdaBoost-SAMME's decision function as a sum of trees: a learner's leaf votes +w for its heaviest
    class and -w/(K-1) for the others (one column, class 1's vote less class 0's, for two classes); the
    sum is divided by ``total``, the learners' total weight."""
    K = n_classes
    tree_of_node = np.repeat(np.arange(forest.n_trees), np.diff(forest.tree_offsets))
    votes = np.where(np.argmax(values, axis=1)[:, None] == np.arange(K), 1.0, -1.0 / (K - 1))
    votes *= weights[tree_of_node][:, None]
    if K == 2:
        votes = votes[:, 1:] - votes[:, :1]
    return Explained(forest, votes, np.zeros(forest.n_trees, dtype=np.int64), votes.shape[1], 0.0,
                     scale=1.0 / total)
