"""silva: decision-tree ensembles on one fast histogram engine."""
from .ensemble import BoostClassifier, BoostRegressor

__version__ = "0.1.0"


def load(path):
    """Load any silva model saved with ``estimator.save(path)``."""
    from .io import load as _load
    return _load(path)


__all__ = ["BoostClassifier", "BoostRegressor", "load", "__version__"]
