"""Estimators: thin layers that configure the engine."""
from .boosting import BoostClassifier, BoostRegressor
from .gbdt import GBDTClassifier, GBDTRegressor
from .tree import DecisionTreeClassifier, DecisionTreeRegressor
from .forest import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from .adaboost import AdaBoostClassifier, AdaBoostRegressor

# Every class the model file may load (silva.io reads this tuple; add new estimators here).
_MODEL_CLASSES = (BoostClassifier, BoostRegressor, GBDTClassifier, GBDTRegressor,
                  DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor,
                  ExtraTreesClassifier, ExtraTreesRegressor)
_MODEL_CLASSES += (AdaBoostClassifier, AdaBoostRegressor)

__all__ = ["BoostClassifier", "BoostRegressor", "GBDTClassifier", "GBDTRegressor",
           "DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor",
           "ExtraTreesClassifier", "ExtraTreesRegressor"]
__all__ += ["AdaBoostClassifier", "AdaBoostRegressor"]
