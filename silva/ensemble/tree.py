"""DecisionTreeClassifier and DecisionTreeRegressor: CART on the compiled depth-first grower.

Binned by default (255 bins per feature, a tree in one histogram pass per node); ``max_bin=None`` bins
every distinct value on its own (exact splits), which grows the same tree as scikit-learn's on data
without ties. See ``_cart_base.py`` for the units, the post-passes and the AdaBoost hook.
"""
import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._engine.pruning import pruning_path
from .._params import document_params
from .._registry import register_model
from .._validation import check_fit_X_y
from ._cart_base import BaseCART, ClassifierCARTMixin

class _TreeMixin:
    def get_depth(self):
        """Depth of the tree (0 for a single leaf)."""
        check_is_fitted(self, "_forest")
        left, right = self._forest.nodes["left"], self._forest.nodes["right"]
        depth = np.zeros(left.size, dtype=np.int64)
        for i in range(left.size):  # children follow parents
            if left[i] >= 0:
                depth[left[i]] = depth[right[i]] = depth[i] + 1
        return int(depth.max())

    def get_n_leaves(self):
        """Number of leaves of the tree."""
        check_is_fitted(self, "_forest")
        return int(np.count_nonzero(self._forest.nodes["left"] < 0))

    def cost_complexity_pruning_path(self, X, y, sample_weight=None):
        """The pruning path of minimal cost-complexity pruning (as scikit-learn's): a Bunch with
        ``ccp_alphas`` (the effective alphas, increasing, starting at 0) and ``impurities`` (total leaf
        impurity of the pruned tree at each alpha)."""
        full = clone(self).set_params(ccp_alpha=0.0).fit(X, y, sample_weight=sample_weight)
        ccp_alphas, impurities = pruning_path(full._forest.trees()[0], full._impurity_per_gain(full.n_outputs_),
                                              full._root_impurity(X, y, sample_weight))
        return Bunch(ccp_alphas=ccp_alphas, impurities=impurities)

    def _root_impurity(self, X, y, sample_weight):
        """The fitted tree's root impurity in scikit-learn's units (entropy in bits)."""
        if self._is_classifier:
            p = self._forest.values[0]
            if self._criterion() == "gini":
                return float(1.0 - np.sum(p * p))
            p = p[p > 0]
            return float(-np.sum(p * np.log2(p)))
        _, y_checked = check_fit_X_y(self.__class__(), X, y, classifier=False, multi_output=True)
        y_checked = np.asarray(y_checked, dtype=np.float64)
        w = np.ones(y_checked.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        mean = np.average(y_checked, weights=w, axis=0)
        # several outputs: scikit-learn's impurity is the mean of their variances
        return float(np.mean(np.average((y_checked - mean) ** 2, weights=w, axis=0)))


@register_model
@document_params
class DecisionTreeClassifier(ClassifierMixin, ClassifierCARTMixin, _TreeMixin, BaseCART):
    """A CART classification tree (Gini or entropy), binned or exact.

    Missing values (NaN) go to the side learned at each split; a split on a feature that had no missing
    values in training sends them to the child with more training rows (as scikit-learn).

    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> import silva
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = silva.DecisionTreeClassifier(max_bin=None, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:1]).round(2)
    array([[1., 0., 0.]])
    """

    def __init__(self, *, criterion="gini", splitter="best", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features=None, random_state=None,
                 max_leaf_nodes=None, min_impurity_decrease=0.0, class_weight=None, ccp_alpha=0.0,
                 max_bin=255, n_jobs=None, categorical_features="auto", cat_encoding="auto",
                 max_cat_bins=None, monotonic_cst=None):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.max_bin = max_bin
        self.categorical_features = categorical_features
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.monotonic_cst = monotonic_cst
        self.n_jobs = n_jobs


@register_model
@document_params
class DecisionTreeRegressor(RegressorMixin, _TreeMixin, BaseCART):
    """A CART regression tree (squared error), binned or exact.

    Missing values (NaN) go to the side learned at each split; a split on a feature that had no missing
    values in training sends them to the child with more training rows (as scikit-learn).

    ``y`` may be 2-D (n_samples, n_outputs): a multi-output tree whose leaves hold the mean of each
    output (see ``_cart_base``).

    Attributes
    ----------
    n_features_in_, n_outputs_, feature_names_in_, feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y)
    >>> reg.get_n_leaves()
    8
    """

    def __init__(self, *, criterion="squared_error", splitter="best", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_features=None, random_state=None,
                 max_leaf_nodes=None, min_impurity_decrease=0.0, ccp_alpha=0.0, max_bin=255, n_jobs=None,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, monotonic_cst=None):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.ccp_alpha = ccp_alpha
        self.max_bin = max_bin
        self.categorical_features = categorical_features
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.monotonic_cst = monotonic_cst
        self.n_jobs = n_jobs


__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
