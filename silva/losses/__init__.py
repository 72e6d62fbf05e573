"""Losses: gradients/hessians for boosting, the starting score, the metric and the link."""
from .base import Loss, CustomLoss, get_loss
from .losses import LogLoss, SoftmaxLoss, SquaredError
from . import regression  # noqa: F401  (its objectives join the registry)

__all__ = ["Loss", "CustomLoss", "get_loss", "LogLoss", "SoftmaxLoss", "SquaredError"]
