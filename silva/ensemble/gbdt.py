"""GBDTClassifier and GBDTRegressor: Friedman's gradient boosting on the shared boosting loop.

Only configuration lives here: the grower gets no regularisation and unshrunk leaves (so each tree is
a least-squares fit of the negative gradient), and ``_update_leaves`` replaces the leaf values by the
loss's line search (silva/losses/gradient_boosting.py) times the learning rate.
"""
import math
import numbers

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from .._params import document_params
from .._registry import register_model
from ..losses.gradient_boosting import get_gb_loss
from ._boosting_base import BaseBoost
from ._outputs import ClassifierOutputsMixin, RegressorOutputsMixin

# Loading refuses a model whose raw scores could exceed this (no fitted model comes near): sums of
# leaf values then never overflow, and neither does softmax's ``raw - max``.
_MAX_RAW = 1e300

class _GBDTBase(BaseBoost):
    """Friedman's gradient boosting: configuration of BaseBoost's loop (no loop of its own)."""

    # BaseBoost's loop reads this; GBDT has no per-tree column sampling (max_features is per split).
    colsample_bytree = 1.0

    def _grower_params(self, n_samples, loss):
        return dict(max_depth=self.max_depth, max_leaves=self.max_leaf_nodes,
                    grow_policy="depthwise" if self.max_leaf_nodes is None else "leafwise",
                    reg_lambda=0.0, reg_alpha=0.0, gamma=0.0, min_child_weight=0.0,
                    min_samples_leaf=self.min_samples_leaf,
                    min_samples_split=self._min_samples_split(n_samples),
                    learning_rate=1.0, colsample_bynode=self._max_features_fraction(),
                    cat_code_order=self._code_order)

    def _min_samples_split(self, n_samples):
        m = self.min_samples_split
        if isinstance(m, numbers.Integral):
            return int(m)
        return max(2, math.ceil(m * n_samples))

    def _max_features_fraction(self):
        """``max_features`` as the grower's per-node fraction: int(fraction * d) features are drawn."""
        d = self.n_features_in_
        m = self.max_features
        if m is None:
            return 1.0
        if isinstance(m, str):
            k = max(1, int(np.sqrt(d) if m == "sqrt" else np.log2(d)))
        elif isinstance(m, numbers.Integral):
            if m > d:
                raise ValueError(f"max_features={m} is more than the {d} features of X")
            k = int(m)
        else:
            k = max(1, int(m * d))
        # the grower draws max(1, int(f * d)); the half keeps float round-off from losing one
        return 1.0 if k >= d else (k + 0.5) / d

    def _update_leaves(self, loss, tree, leaf_ids, starts, stops, values, sample_indices, y, raw, sw, k):
        values = loss.leaf_values(y, raw, sw, k, sample_indices, starts, stops) * self.learning_rate
        tree["values"] *= self.learning_rate  # inner nodes: the shrunk mean negative gradient
        tree["values"][leaf_ids, 0] = values
        return values

    # ------------------------------------------------------------------ model state
    @classmethod
    def _from_model_state(cls, state):
        """BaseBoost's checks, then what only a GBDT model satisfies: no custom objective, no CART node
        value vectors (one output per tree), node statistics that are sums of weights, raw scores that cannot overflow, and
        best_iteration_ the last kept round (early stopping keeps rounds up to the best one)."""
        est = super()._from_model_state(state)
        if state["custom_objective"] is not False:
            raise ValueError("custom_objective must be false: GBDT models have no custom objective")
        forest = est._forest
        if forest.values.shape[1] != 1:
            raise ValueError("a GBDT forest holds one value per node (a vector per node is a CART forest's)")
        nodes = forest.nodes
        for name in ("cover", "count"):
            if not np.all(np.isfinite(nodes[name])) or np.any(nodes[name] < 0):
                raise ValueError(f"node {name} must be finite and non-negative")
        if est.n_iter_ < 1:
            raise ValueError("n_iter_ must be at least 1")
        if est.best_iteration_ is not None and est.best_iteration_ != est.n_iter_ - 1:
            raise ValueError("best_iteration_ must be the last round kept (n_iter_ - 1)")
        # the largest |raw score| a row can get, per output: |baseline| + the largest |leaf| of each tree
        leaf_abs = np.where(nodes["left"] == -1, np.abs(forest.values[:, 0]), 0.0)
        per_tree = np.maximum.reduceat(leaf_abs, forest.tree_offsets[:-1])  # every tree has a node
        with np.errstate(over="ignore"):
            bound = np.abs(est._baseline) + np.bincount(forest.tree_output, per_tree,
                                                        minlength=est._n_outputs)
        if not np.all(bound <= _MAX_RAW):
            raise ValueError(f"leaf values and baseline could add up to a raw score above {_MAX_RAW:g} "
                             "(predictions would overflow)")
        _check_category_maps(forest.categories, est._schema)
        return est


def _check_category_maps(categories, schema):
    """Each categorical schema column split by category sets (which ones: ``check_encodings``, run
    before) has the map from level codes to bins that BinMapper builds: codes index the schema's levels,
    and the bins of the codes seen at fit are 0, 1, 2, ... in code order, but for a last bin shared by
    the rarest levels."""
    by_set = set(np.flatnonzero(categories.is_categorical).tolist())
    for j, levels in zip(schema.categorical_features, schema.categories):
        if j not in by_set:
            continue
        mapping = categories.map_flat[categories.map_offsets[j]:categories.map_offsets[j + 1]]
        if mapping.size > levels.size:
            raise ValueError(f"feature {j}: the category map has {mapping.size} codes but the schema "
                             f"{levels.size} levels")
        bins = mapping[mapping >= 0]
        if bins.size:
            top = bins.max()
            own = bins[bins != top]
            if top != own.size or not np.array_equal(own, np.arange(own.size)):
                raise ValueError(f"feature {j}: the category map does not number the bins of the "
                                 "levels seen at fit 0, 1, 2, ... in level order")


@register_model
@document_params
class GBDTRegressor(RegressorMixin, RegressorOutputsMixin, _GBDTBase):
    """Friedman's gradient boosting for regression (scikit-learn's GradientBoostingRegressor).

    Each tree is a least-squares regression tree fitted to the negative gradient of the loss; its
    leaves then take Friedman's per-leaf line search (the mean, the median, the Huber step or the
    ``alpha``-quantile of their residuals), shrunk by ``learning_rate``.

    Unlike :class:`BoostRegressor`, which chooses splits and leaf values by XGBoost's second-order
    gain on gradients and hessians, this model splits on the first-order squared-error fit of the
    negative gradient and sets leaves by the line search, which also serves losses without a useful
    hessian (absolute error, Huber, quantile). It has no regularisation of splits or leaves (no
    ``reg_lambda``, ``reg_alpha``, ``gamma`` or ``min_child_weight``), as scikit-learn's
    GradientBoostingRegressor.

    Attributes
    ----------
    n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_ (default metric
    "rmse", "absolute_error", "huber" or "quantile"), feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.GBDTRegressor(loss="huber", n_estimators=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(self, *, loss="squared_error", learning_rate=0.1, n_estimators=100, subsample=1.0,
                 max_depth=3, min_samples_split=2, min_samples_leaf=1, max_leaf_nodes=None,
                 max_features=None, alpha=0.9, max_bin=255, eval_metric=None, n_iter_no_change=None,
                 validation_fraction=0.1, tol=1e-4, random_state=None, n_jobs=None, verbose=0,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_code_order="auto",
                 monotonic_cst=None, interaction_cst=None, warm_start=False):
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_leaf_nodes = max_leaf_nodes
        self.max_features = max_features
        self.alpha = alpha
        self.max_bin = max_bin
        self.eval_metric = eval_metric
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.categorical_features = categorical_features
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.cat_code_order = cat_code_order
        self.monotonic_cst = monotonic_cst
        self.interaction_cst = interaction_cst
        self.warm_start = warm_start

    def _make_loss(self):
        return get_gb_loss(self.loss, alpha=self.alpha)


@register_model
@document_params
class GBDTClassifier(ClassifierMixin, ClassifierOutputsMixin, _GBDTBase):
    """Friedman's gradient boosting for classification (scikit-learn's
    GradientBoostingClassifier).

    Log-loss: one tree per round for two classes, one per class per round for more. Each tree is a
    least-squares regression tree fitted to the negative gradient ``y - p``; each leaf then takes one
    Newton step of the log-loss over its rows (Friedman's line search), shrunk by ``learning_rate``.

    Unlike :class:`BoostClassifier`, which chooses splits and leaf values by XGBoost's second-order
    gain on gradients and hessians, this model splits on the first-order squared-error fit of the
    negative gradient and uses the hessian only in the leaf line search. It has no regularisation of
    splits or leaves (no ``reg_lambda``, ``reg_alpha``, ``gamma`` or ``min_child_weight``), as
    scikit-learn's GradientBoostingClassifier.

    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_
    (default metric "logloss" or "mlogloss"), feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.GBDTClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(self, *, loss="log_loss", learning_rate=0.1, n_estimators=100, subsample=1.0,
                 max_depth=3, min_samples_split=2, min_samples_leaf=1, max_leaf_nodes=None,
                 max_features=None, max_bin=255, eval_metric=None, n_iter_no_change=None,
                 validation_fraction=0.1,
                 tol=1e-4, random_state=None, n_jobs=None, verbose=0,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_code_order="auto",
                 monotonic_cst=None, interaction_cst=None, warm_start=False):
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_leaf_nodes = max_leaf_nodes
        self.max_features = max_features
        self.max_bin = max_bin
        self.eval_metric = eval_metric
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.categorical_features = categorical_features
        self.cat_encoding = cat_encoding
        self.max_cat_bins = max_cat_bins
        self.cat_code_order = cat_code_order
        self.monotonic_cst = monotonic_cst
        self.interaction_cst = interaction_cst
        self.warm_start = warm_start

    def _make_loss(self):
        return get_gb_loss(self.loss, self.n_classes_)
