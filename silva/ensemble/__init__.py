"""Estimators: thin layers that configure the engine."""
from .boosting import BoostClassifier, BoostRegressor
from .ranking import BoostRanker
from .gbdt import GBDTClassifier, GBDTRegressor
from .tree import DecisionTreeClassifier, DecisionTreeRegressor
from .forest import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from .adaboost import AdaBoostClassifier, AdaBoostRegressor

from .._registry import model_classes as _model_classes

# Every class the model file may load: those that joined silva._registry (@register_model on the class)
# as the modules above were imported. A new estimator joins with the decorator, not here.
_MODEL_CLASSES = tuple(_model_classes().values())

__all__ = ["BoostClassifier", "BoostRegressor", "GBDTClassifier", "GBDTRegressor",
           "DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
           "ExtraTreesClassifier", "ExtraTreesRegressor"]
__all__ += ["AdaBoostClassifier", "AdaBoostRegressor", "BoostRanker"]
