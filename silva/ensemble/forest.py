"""Random forests and extremely randomised trees on the compiled depth-first grower.

The data is binned once per fit and shared by all trees; every tree of a fit is grown in one call of
the grower, which runs the trees on parallel threads (``n_jobs``) without nested parallelism, so the
cores are never oversubscribed. A forest is the same whatever ``n_jobs`` is.
See ``_cart_base.py`` for the units and the post-passes, ``silva._engine.bootstrap`` for the bootstrap
over distinct rows.
"""
from sklearn.base import ClassifierMixin, RegressorMixin

from .._params import document_params
from .._registry import register_model
from ._cart_base import BaseForest, ClassifierCARTMixin

class _ForestClassifier(ClassifierMixin, ClassifierCARTMixin, BaseForest):
    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features="sqrt", max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, class_weight=None, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, monotonic_cst=None):
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
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.monotonic_cst = monotonic_cst


class _ForestRegressor(RegressorMixin, BaseForest):
    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features=1.0, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, ccp_alpha=0.0, max_samples=None, max_bin=255,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, monotonic_cst=None):
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
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.monotonic_cst = monotonic_cst


@register_model
@document_params
class RandomForestClassifier(_ForestClassifier):
    """A random forest of CART classification trees: bootstrap rows, features drawn per split.

    Bootstrap samples are drawn over the distinct rows with probabilities proportional to their sample
    weights, so an integer weight is exactly a repetition of the row. Missing values (NaN) go to the
    side learned at each split.

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
@document_params
class RandomForestRegressor(_ForestRegressor):
    """A random forest of CART regression trees: bootstrap rows, features drawn per split.

    Bootstrap samples are drawn over the distinct rows with probabilities proportional to their sample
    weights, so an integer weight is exactly a repetition of the row. Missing values (NaN) go to the
    side learned at each split.

    ``y`` may be 2-D (n_samples, n_outputs): multi-output trees (see ``_cart_base``).

    Attributes
    ----------
    n_features_in_, n_outputs_, feature_names_in_, feature_importances_, estimators_,
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
@document_params
class ExtraTreesClassifier(_ForestClassifier):
    """Extremely randomised trees for classification: one random threshold per candidate
    feature, all rows by default.

    Missing values (NaN) go to the side learned at each split. With ``bootstrap=True``, bootstrap samples
    are drawn over the distinct rows with probabilities proportional to their sample weights, so an
    integer weight is exactly a repetition of the row.

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
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, monotonic_cst=None):
        super().__init__(n_estimators, criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split, min_samples_leaf=min_samples_leaf,
                         min_weight_fraction_leaf=min_weight_fraction_leaf, max_features=max_features,
                         max_leaf_nodes=max_leaf_nodes, min_impurity_decrease=min_impurity_decrease,
                         bootstrap=bootstrap, oob_score=oob_score, n_jobs=n_jobs, random_state=random_state,
                         verbose=verbose, warm_start=warm_start, class_weight=class_weight,
                         ccp_alpha=ccp_alpha, max_samples=max_samples, max_bin=max_bin,
                         categorical_features=categorical_features, cat_encoding=cat_encoding,
                         max_cat_bins=max_cat_bins,
                         monotonic_cst=monotonic_cst)


@register_model
@document_params
class ExtraTreesRegressor(_ForestRegressor):
    """Extremely randomised trees for regression: one random threshold per candidate feature,
    all rows by default.

    Missing values (NaN) go to the side learned at each split. With ``bootstrap=True``, bootstrap samples
    are drawn over the distinct rows with probabilities proportional to their sample weights, so an
    integer weight is exactly a repetition of the row.

    ``y`` may be 2-D (n_samples, n_outputs): multi-output trees (see ``_cart_base``).

    Attributes
    ----------
    n_features_in_, n_outputs_, feature_names_in_, feature_importances_, estimators_

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
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, monotonic_cst=None):
        super().__init__(n_estimators, criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split, min_samples_leaf=min_samples_leaf,
                         min_weight_fraction_leaf=min_weight_fraction_leaf, max_features=max_features,
                         max_leaf_nodes=max_leaf_nodes, min_impurity_decrease=min_impurity_decrease,
                         bootstrap=bootstrap, oob_score=oob_score, n_jobs=n_jobs, random_state=random_state,
                         verbose=verbose, warm_start=warm_start, ccp_alpha=ccp_alpha, max_samples=max_samples,
                         max_bin=max_bin, categorical_features=categorical_features,
                         cat_encoding=cat_encoding, max_cat_bins=max_cat_bins, monotonic_cst=monotonic_cst)


__all__ = ["RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor"]
