"""Random forests and extremely randomised trees on the compiled depth-first grower.

The data is binned once per fit and shared by all trees; every tree of a fit is grown in one call of
the grower, which runs the trees on parallel threads (``n_jobs``) without nested parallelism, so the
cores are never oversubscribed. A forest is the same whatever ``n_jobs`` is.
See ``_cart_base.py`` for the units and the post-passes, ``silva._engine.bootstrap`` for the bootstrap
over distinct rows.
"""
from sklearn.base import ClassifierMixin, RegressorMixin

from .._registry import register_model
from ._cart_base import BaseForest, ClassifierCARTMixin, MONOTONIC_CST_DOC

_FOREST_PARAMS_DOC = """
    Parameters
    ----------
    n_estimators : int, default=100
        Number of trees.
    criterion : {criteria}
        Impurity the splits decrease.
    max_depth : int or None, default=None
        Deepest level (None: grow until the leaves are pure or too small).
    min_samples_split : int or float, default=2
        Least number of rows a node needs to be split (a float: that fraction of the rows, rounded up).
    min_samples_leaf : int, default=1
        Least number of (distinct in-bag) rows in each child of a split.
    min_weight_fraction_leaf : float, default=0.0
        Least share of a tree's total weight in each child.
    max_features : int, float, "sqrt", "log2" or None, default={max_features}
        Features drawn at each node as split candidates (a float: that fraction of the features).
    max_leaf_nodes : int or None, default=None
        Most leaves per tree, taken best-first.
    min_impurity_decrease : float, default=0.0
        A split must decrease the weighted impurity (divided by the tree's total weight) by more than this.
    bootstrap : bool, default={bootstrap}
        Grow each tree on a bootstrap sample of the rows (else on all rows).
    oob_score : bool, default=False
        Score the forest on the out-of-bag rows ({oob_metric}); sets ``oob_score_`` and {oob_attr}.
    n_jobs : int or None, default=None
        Threads; None uses the physical cores.
    random_state : int, RandomState or None
        Seeds the bootstrap, the feature draws, the random thresholds and the binning sample; the same
        seed gives the same forest whatever ``n_jobs`` is.
    verbose : int, default=0
        Print the fit's timings.
    warm_start : bool, default=False
        Keep the fitted trees and add trees up to ``n_estimators`` (fit on the same data).
    {class_weight}ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning of each tree.
    max_samples : int, float or None, default=None
        Bootstrap draws per tree: an int, or a fraction of the default number of draws (the number of
        rows, or the total integer weight when that is larger).
    max_bin : int or None, default=255
        Most value bins per feature (missing values get one more); None: a bin per distinct value.
    categorical_features : "auto", array of int or str, bool mask or None, default="auto"
        Features split by category sets instead of by order: the categorical columns of a frame (pandas
        ``category``, text, Arrow dictionaries) always, plus the features given by index, name or mask
        (integer codes >= 0, NaN missing). Each category is binned as itself (past ``max_bin``
        categories the rarest share one bin). A split sends a set of categories left: random forests
        order the node's categories by their mean target (regression) or class-1 share (binary) and
        take the best cut of that order, which is the best subset split (Breiman); with more classes
        each class's share gives one order and the best of those cuts is taken. Extra trees send a
        random subset of the node's categories left. Categories unseen in training go where missing
        values go.
""" + MONOTONIC_CST_DOC + """
    Bootstrap samples are drawn over the distinct rows with probabilities proportional to their sample
    weights, so an integer weight is exactly a repetition of the row. Missing values (NaN) go to the
    side learned at each split.
"""

_CLASS_WEIGHT_DOC = """class_weight : dict, "balanced", "balanced_subsample" or None, default=None
        Weights of the classes, multiplying the rows' weights; "balanced_subsample" computes the
        "balanced" weights on each tree's bootstrap sample.
    """


class _ForestClassifier(ClassifierMixin, ClassifierCARTMixin, BaseForest):
    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features="sqrt", max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, class_weight=None, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", monotonic_cst=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples
        self.max_bin = max_bin
        self.categorical_features = categorical_features
        self.monotonic_cst = monotonic_cst


class _ForestRegressor(RegressorMixin, BaseForest):
    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features=1.0, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", monotonic_cst=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples
        self.max_bin = max_bin
        self.categorical_features = categorical_features
        self.monotonic_cst = monotonic_cst


_CLF_DOC = dict(criteria='{"gini", "entropy", "log_loss"}, default="gini"', class_weight=_CLASS_WEIGHT_DOC,
                oob_metric="accuracy", oob_attr="``oob_decision_function_``")
_REG_DOC = dict(criteria='{"squared_error"}, default="squared_error"', class_weight="", oob_metric="R^2",
                oob_attr="``oob_prediction_``")


@register_model
class RandomForestClassifier(_ForestClassifier):
    __doc__ = """A random forest of CART classification trees: bootstrap rows, features drawn per split.
    """ + _FOREST_PARAMS_DOC.format(max_features='"sqrt"', bootstrap="True", **_CLF_DOC) + """
    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, feature_importances_, estimators_,
    oob_score_, oob_decision_function_ (with ``oob_score=True``)

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.RandomForestClassifier(n_estimators=50, oob_score=True, random_state=0).fit(X, y)
    >>> clf.oob_score_ > 0.9
    True
    """


@register_model
class RandomForestRegressor(_ForestRegressor):
    __doc__ = """A random forest of CART regression trees: bootstrap rows, features drawn per split.
    """ + _FOREST_PARAMS_DOC.format(max_features="1.0", bootstrap="True", **_REG_DOC) + """
    Attributes
    ----------
    n_features_in_, feature_names_in_, feature_importances_, estimators_,
    oob_score_, oob_prediction_ (with ``oob_score=True``)

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.RandomForestRegressor(n_estimators=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


@register_model
class ExtraTreesClassifier(_ForestClassifier):
    __doc__ = """Extremely randomised trees for classification: one random threshold per candidate
    feature, all rows by default.
    """ + _FOREST_PARAMS_DOC.format(max_features='"sqrt"', bootstrap="False", **_CLF_DOC) + """
    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, feature_importances_, estimators_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.ExtraTreesClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _extra = True

    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features="sqrt", max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=False, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, class_weight=None, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", monotonic_cst=None):
        super().__init__(n_estimators, criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split, min_samples_leaf=min_samples_leaf,
                         min_weight_fraction_leaf=min_weight_fraction_leaf, max_features=max_features,
                         max_leaf_nodes=max_leaf_nodes, min_impurity_decrease=min_impurity_decrease,
                         bootstrap=bootstrap, oob_score=oob_score, n_jobs=n_jobs, random_state=random_state,
                         verbose=verbose, warm_start=warm_start, class_weight=class_weight,
                         ccp_alpha=ccp_alpha, max_samples=max_samples, max_bin=max_bin,
                         categorical_features=categorical_features, monotonic_cst=monotonic_cst)


@register_model
class ExtraTreesRegressor(_ForestRegressor):
    __doc__ = """Extremely randomised trees for regression: one random threshold per candidate feature,
    all rows by default.
    """ + _FOREST_PARAMS_DOC.format(max_features="1.0", bootstrap="False", **_REG_DOC) + """
    Attributes
    ----------
    n_features_in_, feature_names_in_, feature_importances_, estimators_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.ExtraTreesRegressor(n_estimators=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _extra = True

    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features=1.0, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=False, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", monotonic_cst=None):
        super().__init__(n_estimators, criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split, min_samples_leaf=min_samples_leaf,
                         min_weight_fraction_leaf=min_weight_fraction_leaf, max_features=max_features,
                         max_leaf_nodes=max_leaf_nodes, min_impurity_decrease=min_impurity_decrease,
                         bootstrap=bootstrap, oob_score=oob_score, n_jobs=n_jobs, random_state=random_state,
                         verbose=verbose, warm_start=warm_start, ccp_alpha=ccp_alpha, max_samples=max_samples,
                         max_bin=max_bin, categorical_features=categorical_features,
                         monotonic_cst=monotonic_cst)


__all__ = ["RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor"]
