"""Data preparation shared by every estimator: binning of raw features."""
from .binning import BinMapper

__all__ = ["BinMapper"]
