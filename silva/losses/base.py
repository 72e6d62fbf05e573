"""The loss protocol every booster uses.

A loss works on raw scores of shape (n_samples, n_outputs) and writes float64 gradients/hessians of
shape (n_outputs, n_samples) (one contiguous row per output, as each output grows its own tree).
"""
from abc import ABC, abstractmethod

import numpy as np


class Loss(ABC):
    name = "loss"
    metric_name = "loss"

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


def get_loss(objective, n_classes=None):
    """Resolve an ``objective`` parameter: None/name/callable -> Loss."""
    from .losses import LogLoss, SoftmaxLoss, SquaredError

    if n_classes is None:
        base = SquaredError()
        names = {"squared_error": SquaredError, "reg:squarederror": SquaredError, "l2": SquaredError,
                 "regression": SquaredError}
    else:
        base = LogLoss() if n_classes <= 2 else SoftmaxLoss(n_classes)
        names = {"logloss": LogLoss, "binary": LogLoss, "binary:logistic": LogLoss,
                 "softmax": SoftmaxLoss, "multiclass": SoftmaxLoss, "multi:softprob": SoftmaxLoss,
                 "multi:softmax": SoftmaxLoss}
    if objective is None:
        return base
    if callable(objective):
        return CustomLoss(objective, base, base.n_outputs(n_classes or 1))
    if isinstance(objective, str) and objective in names:
        cls = names[objective]
        if n_classes is not None and (cls is SoftmaxLoss) != (n_classes > 2):
            raise ValueError(f"objective={objective!r} does not fit {n_classes} classes; use "
                             f"{'softmax' if n_classes > 2 else 'logloss'} (or leave objective=None)")
        return base
    raise ValueError(f"objective={objective!r} is not supported; use one of {sorted(names)} or a callable "
                     "returning (grad, hess)")
