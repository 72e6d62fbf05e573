"""Evaluation metrics of the boosters' ``eval_metric``: the registry by name, and resolving a spec.

A registered metric is ``fn(y, pred, sample_weight) -> float`` on **predictions**, never raw scores:

- regression: ``pred`` (n,) is what ``predict`` returns (the loss's link applied to the raw score);
- binary: ``pred`` (n,) is the probability of class 1 (``classes_[1]``);
- multiclass: ``pred`` (n, n_classes) are the class probabilities.

``y`` is the target as the booster encodes it: values for regression, the index into ``classes_``
(0.0, 1.0, ...) for classifiers. ``sample_weight`` is None or non-negative floats, one per row.

The loss's own metric (``loss.metric_name``, the default) is the one exception: it is the loss's
``metric(y, raw, sample_weight)`` on raw scores, exact where a probability would round to 0 or 1.

Losses that bring a metric of their own (deviances) join with ``register_metric``; this module imports
nothing of the package so any module may do so.
"""
import inspect
import re
from dataclasses import dataclass

import numpy as np

TASKS = ("regression", "binary", "multiclass", "ranking")
_EPS = 1e-15  # probabilities are clipped to [eps, 1 - eps] in the log-losses, as scikit-learn does


@dataclass(frozen=True)
class Metric:
    name: str
    fn: object                # fn(y, pred_or_raw, sample_weight) -> float
    higher_is_better: bool
    tasks: tuple              # the tasks of TASKS the metric fits
    raw: bool = False         # True: fn reads raw scores (n, n_outputs), else predictions

    def __call__(self, y, values, sample_weight):
        return float(self.fn(y, values, sample_weight))


_METRICS = {}   # canonical name -> Metric
_ALIASES = {}   # any accepted name -> canonical name


def register_metric(name, fn, *, higher_is_better, tasks, aliases=()):
    """Make ``name`` (and its ``aliases``) a valid ``eval_metric``; ``fn(y, pred, sample_weight)``
    reads predictions (see the module docstring). Returns the Metric."""
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks:
        raise ValueError(f"tasks must be a non-empty subset of {TASKS}, got {tasks!r}")
    for alias in (name, *aliases):
        owner = _ALIASES.get(alias)
        if owner is not None and owner != name:
            raise ValueError(f"metric name {alias!r} is already taken by {owner!r}")
    metric = Metric(name, fn, bool(higher_is_better), tuple(tasks))
    _METRICS[name] = metric
    _ALIASES.update(dict.fromkeys((name, *aliases), name))
    return metric


def metric_names():
    """Every accepted metric name, aliases included, sorted."""
    return sorted(_ALIASES)


def canonical_metric(name, extra=()):
    """silva's name of a metric given as itself or a peer's alias; ValueError naming the choices
    (``extra``: names valid besides the registry's, e.g. the loss's own metric)."""
    canon = _ALIASES.get(name) if isinstance(name, str) else None
    if canon is None:
        choices = sorted({*metric_names(), *extra})
        raise ValueError(f"unknown eval_metric {name!r}; choose from {choices} or pass a callable "
                         "fn(y_true, y_pred[, sample_weight]) -> float")
    return canon


# ---------------------------------------------------------------- the metrics

def _avg(values, w):
    return np.average(values, weights=w)


def rmse(y, pred, w):
    return np.sqrt(_avg((pred - y) ** 2, w))


def mae(y, pred, w):
    return _avg(np.abs(pred - y), w)


def mape(y, pred, w):
    # scikit-learn's mean_absolute_percentage_error: |y| floored at machine epsilon
    return _avg(np.abs(pred - y) / np.maximum(np.abs(y), np.finfo(np.float64).eps), w)


def logloss(y, p, w):
    p = np.clip(p, _EPS, 1 - _EPS)
    return _avg(-(y * np.log(p) + (1 - y) * np.log1p(-p)), w)


def error(y, p, w):
    # XGBoost's rule: a probability above 0.5 predicts class 1
    return _avg((p > 0.5) != (y == 1), w)


def mlogloss(y, proba, w):
    p = np.clip(proba[np.arange(y.size), y.astype(np.int64)], _EPS, 1.0)
    return _avg(-np.log(p), w)


def merror(y, proba, w):
    return _avg(np.argmax(proba, axis=1) != y.astype(np.int64), w)


def _ranked(y, score, w):
    """Per distinct score, from the highest: the weights of positives and negatives sharing it."""
    w = np.ones(y.size) if w is None else np.asarray(w, dtype=np.float64)
    order = np.argsort(-score, kind="mergesort")
    s, pos = score[order], (y[order] == 1)
    w = w[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    tp = np.add.reduceat(np.where(pos, w, 0.0), starts)
    fp = np.add.reduceat(np.where(pos, 0.0, w), starts)
    if tp.sum() <= 0 or fp.sum() <= 0:
        raise ValueError("auc and aucpr need rows of both classes with positive weight in the eval set")
    return tp, fp


def auc(y, p, w):
    """Area under the ROC curve; tied scores count half (the trapezoid rule, scikit-learn's
    roc_auc_score)."""
    tp, fp = _ranked(y, p, w)
    above = np.cumsum(tp) - tp  # positive weight ranked strictly above each group
    return np.sum(fp * (above + 0.5 * tp)) / (tp.sum() * fp.sum())


def average_precision(y, p, w):
    """Average precision: sum over thresholds of the precision times the gain in recall, without
    interpolation (scikit-learn's average_precision_score, LightGBM's average_precision; XGBoost's
    aucpr interpolates between thresholds and differs slightly)."""
    tp, fp = _ranked(y, p, w)
    ctp, cfp = np.cumsum(tp), np.cumsum(fp)
    return np.sum(tp / tp.sum() * ctp / (ctp + cfp))


register_metric("rmse", rmse, higher_is_better=False, tasks=("regression",),
                aliases=("l2_root", "root_mean_squared_error"))
register_metric("mae", mae, higher_is_better=False, tasks=("regression",),
                aliases=("l1", "mean_absolute_error", "absolute_error"))
register_metric("mape", mape, higher_is_better=False, tasks=("regression",),
                aliases=("mean_absolute_percentage_error",))
register_metric("logloss", logloss, higher_is_better=False, tasks=("binary",),
                aliases=("binary_logloss",))
register_metric("error", error, higher_is_better=False, tasks=("binary",), aliases=("binary_error",))
register_metric("auc", auc, higher_is_better=True, tasks=("binary",))
register_metric("aucpr", average_precision, higher_is_better=True, tasks=("binary",),
                aliases=("average_precision", "pr_auc"))
register_metric("mlogloss", mlogloss, higher_is_better=False, tasks=("multiclass",),
                aliases=("multi_logloss",))
register_metric("merror", merror, higher_is_better=False, tasks=("multiclass",), aliases=("multi_error",))


# ---------------------------------------------------------------- an estimator's eval_metric

def _custom(fn):
    """A user callable ``fn(y_true, y_pred[, sample_weight]) -> float`` as a Metric: minimised unless
    ``fn.higher_is_better`` is True."""
    try:
        params = inspect.signature(fn).parameters
        weighted = "sample_weight" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):  # no signature (some builtins): assume it takes the keyword
        weighted = True

    def call(y, pred, w):
        if w is None:
            return fn(y, pred)
        if not weighted:
            raise ValueError(f"eval_metric {name!r} takes no sample_weight, but eval_sample_weight or "
                             "sample_weight gives the eval set weights")
        return fn(y, pred, sample_weight=w)

    name = getattr(fn, "__name__", None) or type(fn).__name__
    return Metric(name, call, getattr(fn, "higher_is_better", False) is True, TASKS)


def check_eval_metric(name, value):
    """The parameter check: None, a metric name, a callable, or a non-empty list of those. Names are
    checked at fit, against the registry, the loss's own metric and the task."""
    if value is None:
        return
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{name} must name at least one metric, got {value!r}")
    for item in items:
        if not (isinstance(item, str) or callable(item)):
            raise ValueError(f"{name} must be None, a metric name, a callable or a list of those, got "
                             f"{item!r}")


def resolve_metrics(spec, loss, task):
    """The Metrics of an ``eval_metric`` value for a loss and a task ("regression", "binary" or
    "multiclass"): None is the loss's own metric on raw scores, as is a name equal to it."""
    check_eval_metric("eval_metric", spec)
    own = Metric(loss.metric_name, loss.metric, loss.metric_higher_is_better, (task,), raw=True)
    if spec is None:
        return [own]
    out = []
    for item in (spec if isinstance(spec, (list, tuple)) else [spec]):
        if callable(item):
            metric = _custom(item)
        elif item == own.name or _ALIASES.get(item) == own.name:
            metric = own
        elif task == "ranking" and isinstance(item, str) and _RANKING.match(item):
            metric = ranking_metric(item)
        else:
            metric = _METRICS[canonical_metric(item, extra=(own.name,))]
            if task not in metric.tasks:
                fits = sorted({own.name, *(m for m, x in _METRICS.items() if task in x.tasks)})
                raise ValueError(f"eval_metric {item!r} is a {' or '.join(metric.tasks)} metric; this "
                                 f"model is {task}: use one of {fits} or a callable")
        if any(m.name == metric.name for m in out):
            raise ValueError(f"eval_metric names the metric {metric.name!r} twice")
        out.append(metric)
    return out


_RANKING = re.compile(r"^(ndcg|map)(@(\d+))?$")


def ranking_metric(name):
    """``ndcg@k`` / ``map@k`` (k omitted: the whole query) as a Metric on raw scores; y holds the
    queries' boundaries (silva/losses/ranking.py's GroupedLabels)."""
    match = _RANKING.match(name)
    if match is None:
        raise ValueError(f"unknown ranking metric {name!r}; use ndcg@k or map@k")
    from .losses.ranking import mean_average_precision, mean_ndcg
    kind, k = match.group(1), int(match.group(3)) if match.group(3) else 0
    fn = mean_ndcg if kind == "ndcg" else mean_average_precision
    return Metric(name, lambda y, raw, w: fn(y, raw[:, 0], k), True, ("ranking",), raw=True)


def predictions(loss, raw, task):
    """What registered metrics and callables read: see the module docstring."""
    pred = loss.predict(raw)
    if task == "binary":
        return pred[:, 1]
    if task == "regression" and pred.ndim == 2 and pred.shape[1] == 1:
        return pred[:, 0]
    return pred
