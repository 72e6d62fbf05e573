"""Plots of fitted models: feature importances, learning curves and single trees.

matplotlib is an optional dependency (``pip install matplotlib`` or ``pip install 'silva[plot]'``);
it is imported only when a plot is drawn. Every function draws on ``ax`` (a new figure when None)
and returns the Axes.
"""
import copy

import numpy as np

from .trees import left_codes

__all__ = ["plot_importance", "plot_metric", "plot_tree"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("silva's plots need matplotlib: pip install matplotlib "
                          "(or pip install 'silva[plot]')") from exc
    return plt


def _new_ax(ax, figsize=None):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _feature_names(model):
    schema = getattr(model, "_schema", None)
    if schema is not None:
        return schema.names
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"f{j}" for j in range(model.n_features_in_)]


def plot_importance(model, importance_type="gain", max_num_features=20, ax=None, title=None,
                    color="tab:blue"):
    """Horizontal bars of the ``max_num_features`` most important features.

    ``importance_type``: "gain" (default, as ``feature_importances_``), "split" (number of splits)
    or "cover" (hessian of the rows reaching the splits); shares of the total.
    """
    if hasattr(model, "get_importance"):
        values = model.get_importance(importance_type)
    elif importance_type == "gain":
        values = np.asarray(model.feature_importances_, dtype=float)
    else:
        raise ValueError(f"{type(model).__name__} only has gain importances")
    names = _feature_names(model)
    order = np.argsort(-values, kind="stable")
    if max_num_features is not None:
        order = order[:max_num_features]
    order = order[::-1]  # the largest bar on top
    ax = _new_ax(ax, figsize=(6, 0.3 * len(order) + 1.2))
    positions = np.arange(len(order))
    ax.barh(positions, values[order], color=color)
    ax.set_yticks(positions)
    ax.set_yticklabels([names[j] for j in order])
    for y, v in zip(positions, values[order]):
        ax.text(v, y, f" {v:.3g}", va="center", fontsize=8)
    ax.set_xlabel(f"importance ({importance_type}, share of total)")
    ax.set_title(title if title is not None else "Feature importance")
    ax.set_xlim(0, max(float(values.max(initial=0)) * 1.15, 1e-12))
    return ax


def plot_metric(model, metric=None, ax=None, title=None):
    """Learning curves: the metric of each evaluated set per boosting round.

    ``model`` is a fitted booster (its ``evals_result_``) or an ``evals_result_``-like dict
    ``{set name: {metric name: [values]}}``; ``metric`` picks one metric (default: the first).
    The kept round of an early-stopped model is marked with a dotted line.
    """
    history = model if isinstance(model, dict) else getattr(model, "evals_result_", None)
    if not isinstance(history, dict) or not any(history.values()):
        raise ValueError("no evaluation history to plot: fit with eval_set=[(X_val, y_val)] (or "
                         "n_iter_no_change) so that evals_result_ records a metric")
    metrics = [m for per_set in history.values() for m in per_set]
    if metric is None:
        metric = metrics[0]
    elif metric not in metrics:
        raise ValueError(f"metric {metric!r} was not recorded; recorded: {sorted(set(metrics))}")
    ax = _new_ax(ax)
    for name, per_set in history.items():
        if metric in per_set:
            values = per_set[metric]
            ax.plot(np.arange(len(values)), values, label=name)
    best = None if isinstance(model, dict) else getattr(model, "best_iteration_", None)
    if best is not None:
        ax.axvline(best, color="grey", linestyle=":", label=f"best round {best}")
    ax.set_xlabel("iteration")
    ax.set_ylabel(metric)
    ax.set_title(title if title is not None else f"Learning curve ({metric})")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax


def _split_label(model, names, node, precision):
    forest = model._forest
    feature = int(forest.nodes["feature"][node])
    threshold = float(forest.nodes["threshold"][node])
    schema = getattr(model, "_schema", None)
    levels = schema.levels(feature) if schema is not None else None
    name = names[feature]
    cat_index = int(forest.nodes["cat_index"][node]) if "cat_index" in forest.nodes else -1
    if levels is None and cat_index < 0:
        return f"{name} <= {threshold:.{precision}g}"
    if levels is None:  # categorical split on a model without level names: show the codes
        n_codes = int(forest.categories.map_offsets[feature + 1] - forest.categories.map_offsets[feature])
        left = [str(c) for c in left_codes(forest, node, feature, n_codes)]
    else:
        left = [str(levels[c]) for c in left_codes(forest, node, feature, len(levels))]
    if len(left) > 3:
        left = left[:3] + [f"... {len(left) - 3} more"]
    return f"{name} in {{{', '.join(left)}}}"


def _leaf_label(value, precision):
    """A leaf's value: its raw score or mean target, or its class distribution."""
    if value.size == 1:
        return f"{value[0]:.{precision}g}"
    return "[" + ", ".join(f"{v:.{precision}g}" for v in value) + "]"


def plot_tree(model, tree_index=0, ax=None, precision=3, title=None):
    """Draw tree ``tree_index`` of a fitted model (trees are stored round by round; a multiclass
    booster has one tree per class per round). Internal nodes show the split (x <= threshold goes
    left; for a categorical feature, the levels that go left), edges say where missing values go,
    leaves show their value and number of training rows. For AdaBoost, tree i is learner i's."""
    if getattr(model, "_forest", None) is None and getattr(model, "estimators_", None):
        # AdaBoost: one CART tree per learner, drawn with the ensemble's feature names and levels
        learners = model.estimators_
        if not 0 <= tree_index < len(learners):
            raise IndexError(f"tree_index {tree_index} out of range: the model has {len(learners)} learners")
        learner = copy.copy(learners[tree_index])
        for name in ("_schema", "feature_names_in_"):
            if getattr(model, name, None) is not None:
                setattr(learner, name, getattr(model, name))
        weight = float(model.estimator_weights_[tree_index])
        return plot_tree(learner, 0, ax, precision,
                         title if title is not None else f"learner {tree_index} (weight {weight:.{precision}g})")
    forest = getattr(model, "_forest", None)
    if forest is None:
        raise ValueError(f"{type(model).__name__} is not fitted")
    if not 0 <= tree_index < forest.n_trees:
        raise IndexError(f"tree_index {tree_index} out of range: the model has {forest.n_trees} trees")
    lo, hi = int(forest.tree_offsets[tree_index]), int(forest.tree_offsets[tree_index + 1])
    nodes = {k: v[lo:hi] for k, v in forest.nodes.items()}
    values = forest.values[lo:hi]
    names = _feature_names(model)

    # layout: leaves left to right in order, parents centred above their children
    x, depth = {}, {0: 0}
    n_leaves = 0
    stack = [(0, False)]  # iterative post-order: deep leaf-wise trees exceed the recursion limit
    while stack:
        i, children_done = stack.pop()
        left, right = int(nodes["left"][i]), int(nodes["right"][i])
        if left < 0:
            x[i] = float(n_leaves)
            n_leaves += 1
        elif children_done:
            x[i] = (x[left] + x[right]) / 2
        else:
            depth[left] = depth[right] = depth[i] + 1
            stack += [(i, True), (right, False), (left, False)]
    max_depth = max(depth.values())
    ax = _new_ax(ax, figsize=(max(6, 1.6 * n_leaves), max(3, 1.3 * (max_depth + 1))))
    for i in range(hi - lo):
        if nodes["left"][i] >= 0:
            for child, side in ((int(nodes["left"][i]), "left"), (int(nodes["right"][i]), "right")):
                ax.plot([x[i], x[child]], [-depth[i], -depth[child]], color="grey", lw=1, zorder=1)
                label = "yes" if side == "left" else "no"
                if bool(nodes["missing_left"][i]) == (side == "left"):
                    label += ", missing"
                ax.text((x[i] + x[child]) / 2, -(depth[i] + depth[child]) / 2, label, fontsize=7,
                        ha="center", va="center", color="dimgrey",
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
            text = _split_label(model, names, lo + i, precision) + f"\ngain {nodes['gain'][i]:.{precision}g}"
            style = dict(boxstyle="round", fc="aliceblue", ec="steelblue")
        else:
            text = f"leaf {_leaf_label(values[i], precision)}\nn={int(nodes['count'][i])}"
            style = dict(boxstyle="round", fc="honeydew", ec="seagreen")
        ax.text(x[i], -depth[i], text, ha="center", va="center", fontsize=8, bbox=style, zorder=2)
    ax.set_xlim(-0.7, n_leaves - 0.3)
    ax.set_ylim(-max_depth - 0.6, 0.6)
    ax.axis("off")
    n_outputs = getattr(model, "_n_outputs", 1)
    default = f"tree {tree_index}"
    if n_outputs > 1:
        default += f" (round {tree_index // n_outputs}, output {int(forest.tree_output[tree_index])})"
    ax.set_title(title if title is not None else default)
    return ax
