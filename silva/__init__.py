"""silva: decision-tree ensembles on one fast histogram engine."""
from .ensemble import BoostClassifier, BoostRegressor, GBDTClassifier, GBDTRegressor
from .ensemble import (DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreesClassifier, ExtraTreesRegressor,
                       RandomForestClassifier, RandomForestRegressor)
from .ensemble import AdaBoostClassifier, AdaBoostRegressor
from .plotting import plot_importance, plot_metric, plot_tree

__version__ = "0.1.0"


def load(path):
    """Load any silva model saved with ``estimator.save(path)``."""
    from .io import load as _load
    return _load(path)


__all__ = ["BoostClassifier", "BoostRegressor", "GBDTClassifier", "GBDTRegressor", "DecisionTreeClassifier",
           "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
           "ExtraTreesRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "load", "plot_importance",
           "plot_metric", "plot_tree", "__version__"]
