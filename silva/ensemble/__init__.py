"""Estimators: thin layers that configure the engine."""
from .boosting import BoostClassifier, BoostRegressor

# Every class the model file may load (silva.io reads this tuple; add new estimators here).
_MODEL_CLASSES = (BoostClassifier, BoostRegressor)

__all__ = ["BoostClassifier", "BoostRegressor"]
