"""The loss protocol every booster uses.

A loss works on raw scores of shape (n_samples, n_outputs) and writes float64 gradients/hessians of
shape (n_outputs, n_samples) (one contiguous row per output, as each output grows its own tree).

The booster objectives (``get_loss``) are looked up in a registry that the loss classes join with
``@register_objective(task, *names)``, so this module imports none of them.
"""
from abc import ABC, abstractmethod

import numpy as np


class Loss(ABC):
    name = "loss"
    metric_name = "loss"
    metric_higher_is_better = False  # the direction of ``metric`` (NDCG rises)
    renews_leaves = False  # whether ``renew`` replaces the Newton leaf values (L1, quantile)

    @classmethod
    def from_params(cls, params):
        """The loss configured from an estimator's parameters (huber_delta, quantile_alpha, ...)."""
        return cls()

    def check_target(self, y, what="y"):
        """Raise a ValueError naming a target outside the loss's domain (e.g. negative counts)."""

    def link(self, value):
        """A prediction (``base_score``) -> the raw score that predicts it."""
        return float(value)

    def n_outputs(self, n_classes):
        return 1

    @abstractmethod
    def baseline(self, y, sample_weight):
        """Best constant raw score, shape (n_outputs,)."""

    @abstractmethod
    def gradients(self, y, raw, sample_weight, g_out, h_out):
        """Write the weighted gradients and hessians of the loss at ``raw``."""

    @abstractmethod
    def metric(self, y, raw, sample_weight):
        """Evaluation metric of raw scores (lower is better)."""

    def predict(self, raw):
        """Raw scores -> predictions (values, or class probabilities)."""
        return raw


class CustomLoss(Loss):
    """A user objective ``fn(y_true, raw) -> (grad, hess)`` (XGBoost's convention).

    ``raw`` is 1-D for one output and (n_samples, n_outputs) otherwise; grad/hess of the same shape.
    The metric and the link are those of ``base`` (squared error for regression, log-loss for classes).
    """

    def __init__(self, fn, base, n_outputs):
        self.fn = fn
        self.base = base
        self.n_outputs_ = n_outputs
        self.name = getattr(fn, "__name__", "custom")
        self.metric_name = base.metric_name

    def n_outputs(self, n_classes):
        return self.base.n_outputs(n_classes)

    def baseline(self, y, sample_weight):
        return np.zeros(self.n_outputs_, dtype=np.float64)

    def gradients(self, y, raw, sample_weight, g_out, h_out):
        K = g_out.shape[0]
        arg = raw[:, 0] if K == 1 else raw
        grad, hess = self.fn(y, arg.copy())
        grad = np.asarray(grad, dtype=np.float64).reshape(raw.shape[0], K)
        hess = np.asarray(hess, dtype=np.float64).reshape(raw.shape[0], K)
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            raise ValueError("the custom objective returned non-finite gradients or hessians")
        if sample_weight is not None:
            grad = grad * sample_weight[:, None]
            hess = hess * sample_weight[:, None]
        g_out[:] = grad.T
        h_out[:] = hess.T

    def metric(self, y, raw, sample_weight):
        return self.base.metric(y, raw, sample_weight)

    def predict(self, raw):
        return self.base.predict(raw)


# The booster objectives, by task: "regression" (n_classes None), "binary" (n_classes <= 2),
# "multiclass" (n_classes > 2) and "ranking" (asked for by name). Each task holds {objective name: Loss class}; the first class that
# joined a task is its default. A "multiclass" loss is built with n_classes, the others with no argument.
_TASKS = ("regression", "binary", "multiclass", "ranking")
_OBJECTIVES = {task: {} for task in _TASKS}
_DEFAULTS = {}


def register_objective(task, *names):
    """Class decorator: the Loss class answers to the objective ``names`` for ``task``. Returns the class."""
    if task not in _OBJECTIVES:
        raise ValueError(f"task must be one of {_TASKS}, got {task!r}")

    def join(cls):
        if not (isinstance(cls, type) and issubclass(cls, Loss)):
            raise TypeError(f"{cls!r} is not a Loss class")
        # a class defined again under the same name (a module reload) replaces the old one
        same = (cls.__module__, cls.__qualname__)
        taken = sorted(name for table in _OBJECTIVES.values() for name, other in table.items()
                       if name in names and (other.__module__, other.__qualname__) != same)
        if taken:
            raise ValueError(f"objective names {taken} are already taken")
        default = _DEFAULTS.get(task)
        if default is None or (default.__module__, default.__qualname__) == same:
            _DEFAULTS[task] = cls
        _OBJECTIVES[task].update(dict.fromkeys(names, cls))
        return cls
    return join


def _make(cls, task, n_classes, params):
    return cls(n_classes) if task == "multiclass" else cls.from_params(params or {})


def get_loss(objective, n_classes=None, params=None, task=None):
    """Resolve an ``objective`` parameter: None/name/callable -> Loss; ``params`` (the estimator's
    parameters) configure it (huber_delta, quantile_alpha, tweedie_variance_power, max_delta_step).
    ``task="ranking"`` looks among the ranking objectives (else the task follows ``n_classes``)."""
    if task == "ranking":
        names = _OBJECTIVES["ranking"]
    elif n_classes is None:
        task = "regression"
        names = _OBJECTIVES["regression"]
    else:
        task = "binary" if n_classes <= 2 else "multiclass"
        names = {**_OBJECTIVES["binary"], **_OBJECTIVES["multiclass"]}
    if task not in _DEFAULTS:
        raise RuntimeError(f"no {task} objective has joined the registry (import silva.losses)")
    if objective is None:
        return _make(_DEFAULTS[task], task, n_classes, params)
    if callable(objective):
        base = _make(_DEFAULTS[task], task, n_classes, params)
        return CustomLoss(objective, base, base.n_outputs(n_classes or 1))
    if isinstance(objective, str) and objective in names:
        if objective not in _OBJECTIVES[task]:
            raise ValueError(f"objective={objective!r} does not fit {n_classes} classes; use "
                             f"{_DEFAULTS[task].name} (or leave objective=None)")
        return _make(_OBJECTIVES[task][objective], task, n_classes, params)
    raise ValueError(f"objective={objective!r} is not supported; use one of {sorted(names)} or a callable "
                     "returning (grad, hess)")
