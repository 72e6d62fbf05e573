"""SHAP plots from silva's own TreeSHAP values (``predict(X, pred_contribs=True)``), with matplotlib: a
summary (beeswarm) of every feature's contributions and a dependence plot of one feature.

Both take the model and X (a frame or matrix as ``predict`` takes it) and compute the values, or take
precomputed ``shap_values`` of X. Models with several outputs (classes, quantiles) need ``output``.
"""
import numpy as np

from ._validation import check_predict_X
from .plotting import _feature_names, _new_ax, _pyplot

__all__ = ["plot_shap_summary", "plot_shap_dependence"]


def _explanation(model, X, shap_values, output):
    """(contributions (n, n_features) of one output, feature values (n, n_features) as the trees see
    them: category codes for categorical columns, NaN for missing)."""
    values = model.predict(X, pred_contribs=True) if shap_values is None else np.asarray(shap_values)
    if values.ndim == 3:
        if output is None:
            raise ValueError(f"the model has {values.shape[1]} outputs (classes or quantiles): pass "
                             f"output=k, 0 <= k < {values.shape[1]}")
        values = values[:, output]
    elif output not in (None, 0):
        raise ValueError(f"the model has one output; got output={output!r}")
    features = np.asarray(check_predict_X(model, X), dtype=np.float64)
    if values.shape != (features.shape[0], features.shape[1] + 1):
        raise ValueError(f"shap_values of shape {values.shape} do not match X ({features.shape[0]} rows, "
                         f"{features.shape[1]} features, plus the bias column)")
    return values[:, :-1], features


def _colours(v):
    """Feature values scaled to [0, 1] between their 5th and 95th percentiles (outliers do not wash
    out the colours); NaN stays NaN."""
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return v
    lo, hi = np.percentile(finite, [5, 95])
    if hi <= lo:
        lo, hi = finite.min(), finite.max()
    return np.clip((v - lo) / (hi - lo), 0, 1) if hi > lo else np.where(np.isnan(v), np.nan, 0.5)


def _swarm_offsets(phi, rng, width=0.4, n_bins=100):
    """Vertical offsets spreading points of similar value: points in the same bin of the x range are
    stacked outwards alternately, so dense regions look wide (the beeswarm)."""
    span = np.ptp(phi) if phi.size else 0.0
    bins = np.zeros(phi.size, dtype=np.int64) if span == 0 else \
        np.minimum(((phi - phi.min()) / span * n_bins).astype(np.int64), n_bins - 1)
    order = np.lexsort((rng.rand(phi.size), bins))
    offsets = np.zeros(phi.size)
    start = 0
    counts = np.bincount(bins, minlength=n_bins)
    peak = max(int(counts.max(initial=1)), 1)
    for c in counts:
        if c:
            k = np.arange(c)
            rank = (k + 1) // 2 * np.where(k % 2 == 0, 1, -1)
            offsets[order[start:start + c]] = rank * (width / max(peak / 2, 1))
        start += c
    return offsets


def plot_shap_summary(model, X, shap_values=None, output=None, max_display=20, ax=None, title=None,
                      cmap="coolwarm", random_state=0):
    """Beeswarm of the ``max_display`` features of largest mean |SHAP value|: one point per row, at its
    contribution, coloured by the feature's value (blue low, red high, grey missing). Returns the Axes."""
    plt = _pyplot()
    phi, features = _explanation(model, X, shap_values, output)
    names = _feature_names(model)
    order = np.argsort(-np.abs(phi).mean(axis=0), kind="stable")[:max_display][::-1]
    ax = _new_ax(ax, figsize=(7, 0.4 * len(order) + 1.5))
    rng = np.random.RandomState(random_state)
    colormap = plt.get_cmap(cmap)
    for pos, j in enumerate(order):
        y = pos + _swarm_offsets(phi[:, j], rng)
        c = _colours(features[:, j])
        rgba = colormap(np.nan_to_num(c, nan=0.5))
        rgba[np.isnan(c)] = (0.6, 0.6, 0.6, 1.0)
        ax.scatter(phi[:, j], y, c=rgba, s=8, linewidths=0, rasterized=phi.shape[0] > 5000)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels([names[j] for j in order])
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlabel("SHAP value (impact on model output)")
    ax.set_title(title if title is not None else "SHAP summary")
    bar = ax.figure.colorbar(plt.cm.ScalarMappable(cmap=colormap), ax=ax, ticks=[0, 1], aspect=40)
    bar.set_ticklabels(["low", "high"])
    bar.set_label("feature value")
    return ax


def _feature_index(model, feature):
    names = _feature_names(model)
    if isinstance(feature, str):
        if feature not in names:
            raise ValueError(f"unknown feature {feature!r}; the model's features: {names}")
        return names.index(feature)
    if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool) and 0 <= feature < len(names):
        return int(feature)
    raise ValueError(f"feature must be a name or an index below {len(names)}, got {feature!r}")


def plot_shap_dependence(model, X, feature, shap_values=None, output=None, interaction_feature=None, ax=None,
                         title=None, cmap="coolwarm"):
    """A feature's value against its SHAP value, one point per row (category codes for categorical
    features; rows where it is missing are left out), coloured by ``interaction_feature`` when given.
    Returns the Axes."""
    phi, features = _explanation(model, X, shap_values, output)
    names = _feature_names(model)
    j = _feature_index(model, feature)
    x = features[:, j]
    keep = ~np.isnan(x)
    ax = _new_ax(ax)
    if interaction_feature is None:
        ax.scatter(x[keep], phi[keep, j], s=8, color="tab:blue", linewidths=0)
    else:
        k = _feature_index(model, interaction_feature)
        points = ax.scatter(x[keep], phi[keep, j], c=features[keep, k], s=8, cmap=cmap, linewidths=0)
        ax.figure.colorbar(points, ax=ax).set_label(names[k])
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(names[j])
    ax.set_ylabel(f"SHAP value for {names[j]}")
    ax.set_title(title if title is not None else f"SHAP dependence: {names[j]}")
    return ax
