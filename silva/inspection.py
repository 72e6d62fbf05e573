"""Checks on fitted models that read their trees."""
import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._engine.constraints import forest_monotone_violation, resolve_monotonic_cst


def check_monotonic(model, monotonic_cst=None, rtol=1e-9):
    """Prove from its trees that a fitted model is monotone along constrained features.

    Every tree is checked: each leaf's value must lie within the bounds set by the leaves it can be
    compared with along a constrained feature (those on the other side of a split on that feature whose
    regions overlap its own in every other feature). A model whose trees all pass is monotone
    everywhere, not only on the rows one tries: boosters and GBDT sum their trees, forests average
    them, AdaBoost's regressor takes a weighted median and its binary classifier a weighted vote of
    monotone learners -- all of which keep the direction.

    Parameters
    ----------
    model : a fitted silva estimator (boosters, GBDT, trees, forests, extra trees, AdaBoost).
    monotonic_cst : list, dict or None, default=None
        The constraints to check, as the estimators take them; None reads the model's own
        ``monotonic_cst`` (AdaBoost: its learners').
    rtol : float, default=1e-9
        Violations up to this share of the largest absolute leaf value count as rounding.

    Returns
    -------
    bool : whether every constrained direction holds.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.BoostRegressor(n_estimators=20, monotonic_cst=[0, 0, 1] + [0] * 7).fit(X, y)
    >>> silva.check_monotonic(reg)
    True
    """
    learners = list(model.estimators_) if hasattr(model, "estimator_weights_") else [model]
    for learner in learners:
        check_is_fitted(learner, "_forest")
    worst, scale = 0.0, 0.0
    for learner in learners:
        spec = monotonic_cst if monotonic_cst is not None else getattr(learner, "monotonic_cst", None)
        mono = resolve_monotonic_cst(spec, model.n_features_in_, getattr(model, "feature_names_in_", None))
        if mono is None:
            continue
        forest = learner._forest
        # the constrained value: a raw score (boosters, GBDT), the mean target, or class 1's share
        k = forest.values.shape[1]
        if k > 2 or (k == 1 and getattr(learner, "_n_outputs", 1) != 1):
            raise ValueError("monotone constraints are not defined for a multiclass model")
        value = forest.values[:, k - 1]
        worst = max(worst, forest_monotone_violation(forest, mono, value))
        scale = max(scale, float(np.abs(value).max()) if value.size else 0.0)
    return bool(worst <= rtol * max(scale, 1e-300))
