"""BoostClassifier and BoostRegressor: XGBoost-style regularised second-order boosting."""
from sklearn.base import ClassifierMixin, RegressorMixin

from .._registry import register_model
from ..losses import get_loss
from ._boosting_base import BaseBoost
from ._outputs import ClassifierOutputsMixin, RegressorOutputsMixin

_PARAMS_DOC = """
    Parameters
    ----------
    n_estimators : int, default=100
        Boosting rounds (a multiclass model grows one tree per class per round).
    learning_rate : float, default=0.1
        Shrinkage of every leaf value.
    max_depth : int or None, default=6
        Deepest level of a tree; None for no limit (then set ``max_leaves``).
    max_leaves : int or None, default=None
        Most leaves per tree. With ``grow_policy="leafwise"`` the open leaf of highest gain is split
        until this many leaves exist.
    grow_policy : {"depthwise", "leafwise"}, default="depthwise"
        Level-by-level growth (XGBoost) or best-first growth (LightGBM).
    min_child_weight : float, default=1.0
        Least sum of hessians in each child of a split.
    min_samples_leaf : int, default=1
        Least number of training rows in each child of a split.
    reg_lambda, reg_alpha : float, default=1.0, 0.0
        L2 and L1 penalties on leaf values.
    gamma : float, default=0.0
        Least gain ``1/2 [G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l)]`` a split must add, as in the
        XGBoost paper. XGBoost's ``min_split_loss`` and LightGBM's ``min_split_gain`` are compared with
        the bracket without the 1/2, so ``gamma=g`` here matches ``min_split_loss=2*g`` there. Applied
        greedily when a split is chosen (as LightGBM does), not by XGBoost's post-pruning.
    subsample : float, default=1.0
        Fraction of rows drawn (without replacement) for each round.
    colsample_bytree, colsample_bynode : float, default=1.0
        Fraction of features drawn for each tree, then of those for each node.
    max_bin : int, default=255
        Most value bins per feature; missing values (NaN) get a bin of their own and a learned direction.
    objective : str, callable or None, default=None
        {objectives}, or ``fn(y_true, raw) -> (grad, hess)``.
    n_iter_no_change : int or None, default=None
        Stop after this many rounds without improvement on the last ``eval_set`` (or on a held-out
        ``validation_fraction`` when no eval_set is given) and keep the best round.
    validation_fraction : float or None, default=None
        Held-out share for early stopping without an eval_set (0.1 when None).
    tol : float, default=1e-7
        Least decrease of the validation metric that counts as an improvement.
    categorical_features : "auto", list of indices or names, bool mask, or None, default="auto"
        Features split by sets of categories rather than thresholds. Columns of categorical dtype
        (pandas ``category``, text, Arrow dictionaries) always are; list integer-coded columns here
        (codes must be non-negative integers). Unseen categories at predict go where missing values go.
    cat_smooth, cat_l2, min_data_per_group, max_cat_threshold : default=10, 10, 100, 32
        As in LightGBM: categories are ordered by sum_g / (sum_h + cat_smooth); categorical splits
        get reg_lambda + cat_l2; each scored prefix adds at least min_data_per_group rows; at most
        max_cat_threshold categories go to one side.
    cat_code_order : "auto", bool, default="auto"
        Whether category codes carry an order. When true, a categorical feature is also split by
        thresholds on its codes (as its ordinal encoding would be), the category-set split's gain is
        lowered by the gain a set search finds in noise (so many-category features do not win by
        overfitting), and a feature with more categories than ``max_bin`` is binned by ranges of codes
        (an unseen code inside the seen range then follows its range, not the missing side). "auto":
        true when every categorical feature is integer-coded and named in ``categorical_features``,
        false when any comes from a frame's category or text dtype (whose codes are just sorted
        levels). False is LightGBM's method alone: predictions do not depend on how categories are
        coded.
    monotonic_cst : list of -1/0/1 per feature, dict {feature name: -1/0/1} or None, default=None
        Monotone constraints (scikit-learn's name; LightGBM/XGBoost: ``monotone_constraints``): 1 makes
        the prediction non-decreasing in the feature, -1 non-increasing, 0 leaves it free. Held in the
        raw score, so also in probabilities. Each leaf's value is clamped into the bounds the tree's
        other leaves set for it (only leaves whose regions overlap in the other features are compared:
        LightGBM's "intermediate" rule), and splits are scored on the clamped values. Not for
        multiclass models nor categorical features. ``silva.check_monotonic`` proves a fitted model
        monotone from its trees.
    interaction_cst : list of feature sets, "pairwise", "no_interactions" or None, default=None
        Interaction constraints (LightGBM/XGBoost: ``interaction_constraints``): features may share a
        tree path only if one set holds them all. Sets give feature indices or, for frames, names;
        features in no set form one more set. "no_interactions" makes the model additive.
    random_state : int, RandomState or None
        Seeds row/column sampling and the validation split; the same seed gives the same model whatever
        ``n_jobs`` is.
    n_jobs : int or None, default=None
        Threads; None uses the physical cores.
    verbose : int, default=0
        Print the validation metrics every ``verbose`` rounds and the phase timings at the end.
"""


@register_model
class BoostClassifier(ClassifierMixin, ClassifierOutputsMixin, BaseBoost):
    __doc__ = """Gradient-boosted trees for classification with XGBoost's regularised second-order gain.

    Binary targets use the log-loss (one tree per round), more classes the softmax loss.
    """ + _PARAMS_DOC.replace("{objectives}", '"logloss" (binary) or "softmax" (multiclass), chosen from y') + """
    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_,
    feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.BoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def _make_loss(self):
        return get_loss(self.objective, self.n_classes_)


@register_model
class BoostRegressor(RegressorMixin, RegressorOutputsMixin, BaseBoost):
    __doc__ = """Gradient-boosted trees for regression with XGBoost's regularised second-order gain.
    """ + _PARAMS_DOC.replace("{objectives}", '"squared_error"') + """
    Attributes
    ----------
    n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_, feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.BoostRegressor(n_estimators=50, max_depth=3, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def _make_loss(self):
        return get_loss(self.objective)
