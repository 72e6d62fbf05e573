"""Losses: gradients/hessians for boosting, the starting score, the metric and the link."""
from .base import Loss, CustomLoss, get_loss
from .losses import LogLoss, SoftmaxLoss, SquaredError

__all__ = ["Loss", "CustomLoss", "get_loss", "LogLoss", "SoftmaxLoss", "SquaredError"]
