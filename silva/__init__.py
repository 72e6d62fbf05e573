"""silva: decision-tree ensembles on one fast histogram engine."""
import os as _os

# Bounded spin-wait for OpenMP threads between parallel regions (GNU libgomp; read when the library
# starts, so only if nothing in this process started it yet). A tree has hundreds of short regions:
# with libgomp's default spin, one other busy process on a 2-core machine made leaf-wise fits 5-8x
# slower (waiting threads burn the core the working one needs); with no spin at all (PASSIVE) an idle
# machine pays ~30% in wake-ups. 2000 spins measured within ~10% of the default when idle and 5x
# faster under contention. Set GOMP_SPINCOUNT or OMP_WAIT_POLICY yourself to override.
if "OMP_WAIT_POLICY" not in _os.environ:
    _os.environ.setdefault("GOMP_SPINCOUNT", "2000")
from .ensemble import BoostClassifier, BoostRegressor, GBDTClassifier, GBDTRegressor
from .ensemble import (DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreesClassifier, ExtraTreesRegressor,
                       RandomForestClassifier, RandomForestRegressor)
from .ensemble import AdaBoostClassifier, AdaBoostRegressor, BoostRanker
from .inspection import check_monotonic
from .plotting import plot_importance, plot_metric, plot_tree
from .plotting_shap import plot_shap_dependence, plot_shap_summary
from ._version import __version__


def load(path):
    """Load any silva model saved with ``estimator.save(path)``."""
    from .io import load as _load
    return _load(path)


__all__ = ["BoostClassifier", "BoostRegressor", "GBDTClassifier", "GBDTRegressor", "DecisionTreeClassifier",
           "DecisionTreeRegressor", "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
           "ExtraTreesRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "BoostRanker", "check_monotonic", "load",
           "plot_importance",
           "plot_metric", "plot_tree", "plot_shap_summary", "plot_shap_dependence", "__version__"]
