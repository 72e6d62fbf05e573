"""The shared base of the CART family: decision trees, random forests and extra trees.

One engine, thin estimators: every estimator here bins the data once per fit (``BinMapper(max_bin)``,
exact splits with ``max_bin=None``), grows all its trees in ONE call of the compiled depth-first grower
(``silva._engine.dfs_grower.grow_forest_packed``: it batches trees over the threads and returns them
packed, as the forest stores them), and then, when asked, applies the engine's passes: exact mode's
node-local thresholds (``_engine.raw_thresholds``), best-first selection for ``max_leaf_nodes`` and
cost-complexity pruning for ``ccp_alpha`` (``_engine.pruning``). Forests draw their bootstrap samples
with ``_engine.bootstrap`` and score out-of-bag rows with ``_engine.oob``. The estimators configure
these and keep the parameters, validation and model state.

Prediction averages the per-node vectors ``Forest.values`` (class distributions, or mean targets) of
the leaves the rows reach (``forest_predict_values``).

Categorical features (``categorical_features``: a frame's categorical columns, plus any named) split by
category sets, as the boosters' (see the grower: categories ordered by mean target and cut, random
subsets for extra trees; past ``max_cat_bins`` categories with ordered codes, code ranges in code
order). Unseen categories follow missing values.

Multi-output regression. A regressor's y may be (n, n_outputs): the grower's channels are then the sums
w y_k of every output (the Gini path's K channels holding real values; see ``_engine.criterion``), a
split's gain is the squared-error decrease summed over the outputs, each node's value the vector of
weighted means, and ``predict`` returns (n, n_outputs) -- (n,) for a 1-D y or a single column, as
scikit-learn's. Classifiers take one target column.

Units. silva's split gain is a weighted impurity decrease in weight units (squared error: SSE
decrease, summed over the outputs; Gini: weighted Gini decrease; entropy: weighted decrease in nats).
scikit-learn divides its decreases by the total weight, measures entropy in bits and averages the
squared error over the outputs, so ``min_gain = min_impurity_decrease * total_weight * (ln 2 for
entropy; n_outputs for squared error)``, and cost-complexity alphas are ``gain / total_weight`` divided
by the same factor (``_impurity_per_gain``).

Sample weights and bootstrap. Rows of zero weight take no part in binning or growing (as if removed).
Bootstrap samples are drawn over the *distinct* rows (X, y) of positive weight with probabilities
proportional to their total weight, so integer weights and repeated rows give the same forest
(``silva._engine.bootstrap``). Class weights scale the drawn rows' weights (scikit-learn's semantics:
``class_weight`` reweights, it does not resample).

AdaBoost hook
-------------
``_fit_binned(X_tiles, mapper, y_enc, sample_weight, rng)`` fits THIS estimator's tree(s) on data
already binned by ``mapper`` (a fitted ``BinMapper``; its categorical features, binned with
``category_ranges=True``, are split by category sets as in ``fit``): ``y_enc`` holds
float class indices for classifiers -- the caller sets ``classes_`` / ``n_classes_`` first -- or float
targets for regressors ((n,), or (n, n_outputs)); ``sample_weight`` (n,) or None (rows of weight 0 are
left out); ``rng`` a ``RandomState`` seeding the tree. It sets ``n_features_in_`` and the fitted
forest, so ``predict`` / ``predict_proba`` work on raw X afterwards (the caller sets
``feature_names_in_`` / ``_schema`` when it has them). ``_predict_values_binned(X_tiles, missing_bin)``
gives the summed leaf vectors of binned rows (the training rows) without a raw pass.
"""
import math
import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from .._engine.bootstrap import BootstrapSamples, RowGroups, Scaled
from .._engine.constraints import resolve_monotonic_cst, storable_constraints
from .._engine.dfs_grower import grow_forest_packed
from .._engine.oob import oob_values
from .._engine.predict import forest_predict_values, predict_binned_values
from .._engine.pruning import prune_trees
from .._engine.raw_thresholds import bin_value_ranges, check_bin_dtype, set_local_thresholds
from .._engine.tree import NODE_FIELDS, Categories, Forest, unpack_trees
from .._params import storable_cat_encoding, validate_cart_params, with_added_param_defaults
from .._registry import model_class
from .._schema import Schema
from .._threads import numba_threads, resolve_n_jobs
from .._validation import check_fit_X_y, check_predict_X, check_weights, target_shape
from ._categorical import (AUTO_TARGET_LEVELS, categorical_indices, check_encodings,
                           encode_categoricals, ordered_features)
from ._explain import cart_explained, explain, explain_flags
from ._outputs import check_classes
from ._tree_data import TreeDataMixin
from ..data import BinMapper

MAX_INT = np.iinfo(np.int32).max
_MAX_FEATURES = np.iinfo(np.int32).max  # feature indices are int32 in the node table

CLASSIFICATION_CRITERIA = {"gini": "gini", "entropy": "entropy", "log_loss": "entropy"}
REGRESSION_CRITERIA = {"squared_error": "squared_error"}

# "model" names the class: random forests and extra trees share their parameters, so the state says which
_STATE_KEYS = {"model", "params", "forest", "n_features_in_", "n_outputs", "schema", "tree_seeds"}


# --------------------------------------------------------------------------- #
# The base estimator
# --------------------------------------------------------------------------- #

class BaseCART(TreeDataMixin, BaseEstimator):
    """CART-family estimator: validation, class weights, binning once, growing, post-passes, prediction,
    importances and the model state. Subclasses set ``_is_classifier`` / ``_is_forest`` and the
    parameters (scikit-learn's names); forests add bootstrap, out-of-bag scores and warm start.

    See the module docstring for the units, the bootstrap and the ``_fit_binned`` hook (AdaBoost).
    """

    _is_classifier = False
    _is_forest = False
    _extra = False  # extra trees: one random threshold per candidate feature

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = not self._is_classifier
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True  # densified below 2 GiB (silva/_schema.py)
        return tags

    # ------------------------------------------------------------------ parameters
    def _criterion(self):
        table = CLASSIFICATION_CRITERIA if self._is_classifier else REGRESSION_CRITERIA
        if self.criterion not in table:
            raise ValueError(f"criterion must be one of {sorted(table)} for {type(self).__name__}, "
                             f"got {self.criterion!r}")
        return table[self.criterion]

    def _check_params(self):
        validate_cart_params(self)
        self._criterion()
        cw = getattr(self, "class_weight", None)
        if cw == "balanced_subsample" and not self._is_forest:
            raise ValueError("class_weight='balanced_subsample' is for forests; use 'balanced'")
        if self._is_forest:
            if not self.bootstrap and self.oob_score:
                raise ValueError("Out of bag estimation only available if bootstrap=True")
            if not self.bootstrap and self.max_samples is not None:
                raise ValueError("max_samples cannot be set if bootstrap=False; set bootstrap=True or "
                                 "max_samples=None")

    def _is_extra(self):
        return self._extra or getattr(self, "splitter", "best") == "random"

    def _n_candidate_features(self, n_features):
        mf = self.max_features
        if mf is None:
            return n_features
        if mf == "sqrt":
            return max(1, int(math.sqrt(n_features)))
        if mf == "log2":
            return max(1, int(math.log2(n_features)))
        if isinstance(mf, numbers.Integral):
            if mf > n_features:
                raise ValueError(f"max_features={mf} is larger than the number of features ({n_features})")
            return int(mf)
        return max(1, int(mf * n_features))

    def _min_samples_split(self, n_rows):
        mss = self.min_samples_split
        if isinstance(mss, numbers.Integral):
            return int(mss)
        return max(2, int(math.ceil(mss * n_rows)))

    def _impurity_per_gain(self, n_outputs=1):
        """R units (scikit-learn's impurity x weight share) per unit of gain x total weight; scikit-learn
        averages the squared error over the ``n_outputs`` outputs, silva's gain sums it."""
        return 1.0 / math.log(2.0) if self._criterion() == "entropy" else 1.0 / n_outputs

    @property
    def n_outputs_(self):
        """Number of outputs: y's columns for a regressor, 1 for a classifier (scikit-learn's)."""
        check_is_fitted(self, "_forest")
        return 1 if self._is_classifier else int(self._forest.values.shape[1])

    # ------------------------------------------------------------------ targets and weights
    def _encode_y(self, y):
        if not self._is_classifier:
            return np.asarray(y, dtype=np.float64)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in y; "
                             f"got 1 class ({self.classes_[0]!r})")
        return encoded.astype(np.float64)

    def _class_factors(self, y_enc):
        """Per-row class weights (None when there are none); "balanced_subsample" is per tree."""
        cw = getattr(self, "class_weight", None)
        if not self._is_classifier or cw is None:
            return None
        if cw == "balanced_subsample":
            cw = "balanced" if not self.bootstrap else None
            if cw is None:
                return None
        labels = self.classes_[y_enc.astype(np.intp)]
        if isinstance(cw, dict):
            unknown = [k for k in cw if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight has labels not in y: {unknown[:5]}")
        return compute_sample_weight(cw, labels).astype(np.float64)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Fit on (X, y) with optional per-row weights (a row of weight 0 is as if removed)."""
        self._check_params()
        previous = getattr(getattr(self, "_schema", None), "target_stats", None) \
            if getattr(self, "warm_start", False) and hasattr(self, "_forest") else None
        if self._is_forest and target_shape(y)[1:] == (1,):
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the "
                          "shape of y to (n_samples,), for example using ravel().", DataConversionWarning,
                          stacklevel=2)  # scikit-learn's forests warn so; its trees do not
        X, y = check_fit_X_y(self, X, y, classifier=self._is_classifier, multi_output=not self._is_classifier)
        sw = check_weights(sample_weight, X)
        if sw is not None and not sw.sum() > 0:
            raise ValueError("sample_weight sums to zero: no row would be learned from")
        y_enc = self._encode_y(y)
        rng = check_random_state(self.random_state)
        X, _ = encode_categoricals(self, X, y_enc, sw, rng, self.n_classes_ if self._is_classifier else 0,
                                   previous)
        with numba_threads(self.n_jobs):
            self._fit(X, y_enc, sw, rng)
        return self

    def _code_order(self, mapper):
        """Categorical features split in code order, or None: those binned by ranges of codes (past
        ``max_cat_bins``: a category's own mean is not known), and those whose codes carry an order
        with more than ``AUTO_TARGET_LEVELS`` categories: a set order fitted to hundreds of levels of a
        few rows each fits noise (``cat_encoding``'s reason), while a threshold in code order is what
        their ordinal encoding would get. Fewer ordered levels are still split by sets."""
        mask = np.zeros(mapper.is_categorical_.size, dtype=bool)
        mask[sorted(getattr(mapper, "ranged_features_", ()))] = True
        ranges = getattr(mapper, "category_ranges", False)
        if ranges is not False:
            ordered = np.flatnonzero(mapper.is_categorical_) if ranges is True else np.asarray(sorted(ranges), int)
            many = ordered[mapper.n_value_bins_[ordered] > AUTO_TARGET_LEVELS] if ordered.size else ordered
            mask[many] = True
        return mask if mask.any() else None

    def _bin(self, X, weight, seed):
        # categories binned as themselves (past max_cat_bins the rarest share one); other columns by
        # quantiles. Past max_bin categories a feature whose codes carry an order is binned by ranges of
        # codes, as an ordinal encoding would be (``_code_order``): its splits then follow code order,
        # and unseen codes inside the range fall in the range that holds them
        categorical = categorical_indices(self, X.shape[1])
        mapper = BinMapper(self.max_bin, random_state=seed, category_ranges=ordered_features(self, categorical),
                           max_cat_bins=self.max_cat_bins).fit(X, weight, categorical=categorical)
        check_bin_dtype(mapper)
        return mapper, mapper.transform(X)

    def _fit(self, X, y_enc, sw, rng):
        """A single tree (forests override): bin, then the same path AdaBoost takes."""
        cf = self._class_factors(y_enc)
        w = sw if cf is None else (cf if sw is None else sw * cf)
        mapper, X_tiles = self._bin(X, w, rng.randint(MAX_INT))
        self._fit_tiles(X_tiles, mapper, y_enc, w, rng, X)

    def _monotonic(self, mapper, n_outputs):
        """The fit's monotone constraints: int8 per feature, or None."""
        return resolve_monotonic_cst(getattr(self, "monotonic_cst", None), mapper.n_value_bins_.size,
                                     getattr(self, "feature_names_in_", None), mapper.is_categorical_,
                                     self.n_classes_ - 1 if self._is_classifier else n_outputs)

    def _fit_binned(self, X_tiles, mapper, y_enc, sample_weight, rng):
        """AdaBoost hook (module docstring): fit on binned rows; classes_ set by the caller."""
        self._check_params()
        check_bin_dtype(mapper)
        y_enc = np.asarray(y_enc, dtype=np.float64)
        cf = self._class_factors(y_enc)
        w = sample_weight if cf is None else (cf if sample_weight is None else sample_weight * cf)
        with numba_threads(self.n_jobs):
            self._fit_tiles(X_tiles, mapper, y_enc, None if w is None else np.asarray(w, np.float64), rng,
                            None)
        return self

    def _fit_tiles(self, X_tiles, mapper, y_enc, w, rng, X):
        n = X_tiles.shape[1]
        self.n_features_in_ = int(mapper.n_value_bins_.size)
        rows = np.arange(n, dtype=np.int64) if w is None else np.flatnonzero(w > 0).astype(np.int64)
        if rows.size == 0:
            raise ValueError("all sample weights are zero: no row would be learned from")
        weights = np.ones(rows.size) if w is None else w[rows]
        seed = rng.randint(MAX_INT)
        trees = self._grow(X_tiles, mapper, y_enc, [(rows, weights)], [seed], X)
        self._forest = self._make_forest(trees, mapper)
        self._tree_seeds = np.array([seed], dtype=np.int64)

    def _grow(self, X_tiles, mapper, y_enc, samples, seeds, X=None):
        """Grow one tree per (rows, weights) sample in one grow_forest call, then the post-passes (``X``:
        the raw rows, for exact mode's node-local thresholds). ``samples``: a list, or ``BootstrapSamples``
        (drawn again on each pass over it: the passes below run only when a parameter needs them)."""
        n_features = mapper.n_value_bins_.size
        mid = float(self.min_impurity_decrease)
        mwf = float(self.min_weight_fraction_leaf)
        if mid > 0 or mwf > 0:
            totals = np.array([w.sum() for _, w in samples])
            w_ref = float(totals.max())
            if np.any(totals != w_ref):
                # thresholds are relative to each tree's total weight: give every tree the same total
                # (splits are invariant to scaling all weights of a tree)
                samples = Scaled(samples, w_ref / totals)
        else:
            w_ref = 0.0  # unused: both thresholds are zero
        criterion = self._criterion()
        n_outputs = 1 if y_enc.ndim == 1 else y_enc.shape[1]
        impurity_per_gain = self._impurity_per_gain(n_outputs)
        mss = self.min_samples_split
        # a fraction of the rows: of the smallest tree's (distinct in-bag) rows
        n_rows_min = 0 if isinstance(mss, numbers.Integral) else min(r.size for r, _ in samples)
        extra_args = {}
        if self._is_extra() and X is not None:
            # each bin's value range, where extra trees draw their thresholds (uniform in value, as
            # scikit-learn's), over the rows the trees learn from
            extra_args["bin_bounds"] = bin_value_ranges(X, X_tiles, samples, n_features, mapper.missing_bin_)
        monotonic = self._monotonic(mapper, n_outputs)
        packed = grow_forest_packed(
            X_tiles, mapper, samples, y_enc,
            n_classes=self.n_classes_ if self._is_classifier else 0, criterion=criterion,
            max_depth=self.max_depth, min_samples_split=self._min_samples_split(n_rows_min),
            min_samples_leaf=self.min_samples_leaf, min_weight_leaf=mwf * w_ref,
            min_gain=mid * w_ref / impurity_per_gain, max_features=self._n_candidate_features(n_features),
            extra=self._is_extra(), seeds=np.asarray(seeds, dtype=np.int64),
            # scikit-learn's rule: features without missing values in training send them to the larger child
            missing_to_larger=None if X is None else ~np.isnan(X).any(axis=0),
            code_order=self._code_order(mapper), monotonic_cst=monotonic,
            n_threads=resolve_n_jobs(self.n_jobs), **extra_args)
        if self.max_bin is None and X is not None:
            set_local_thresholds(packed, X, [r for r, _ in samples], Categories.for_cart(mapper))
        # the packed table as it is, or per-tree tables after best-first selection / pruning
        return prune_trees(packed, max_leaf_nodes=self.max_leaf_nodes, ccp_alpha=self.ccp_alpha,
                           impurity_per_gain=impurity_per_gain, monotonic=monotonic,
                           top_bin=mapper.missing_bin_ - 1)

    def _make_forest(self, grown, mapper, previous=None):
        """The fitted Forest from ``_grow``'s trees (a packed node table, or a list of trees after the
        per-tree passes), after warm start's ``previous`` trees."""
        categories = Categories.for_cart(mapper)
        # (the grower already sent missing values of features without any in training to the larger child)
        if isinstance(grown, dict):
            if previous is None:
                offsets = grown["tree_offsets"]
                nodes = {name: grown[name] for name in NODE_FIELDS}
                return Forest(nodes, offsets, np.zeros(offsets.size - 1, dtype=np.int32), grown["cat_bins"],
                              categories, grown["values"])
            grown = unpack_trees(grown)
        trees = grown if previous is None else previous.trees() + grown
        return Forest.from_trees(trees, np.zeros(len(trees), dtype=np.int32), categories)

    # ------------------------------------------------------------------ predict
    def _values(self, X):
        """Leaf vectors averaged over the trees, (n, K)."""
        check_is_fitted(self, "_forest")
        X = check_predict_X(self, X)
        with numba_threads(self.n_jobs):
            out = forest_predict_values(self._forest, X)
        out /= self._forest.n_trees
        return out

    def _predict_values_binned(self, X_tiles, missing_bin):
        """Summed leaf vectors (n, K) of rows binned with the training mapper (AdaBoost's rounds)."""
        f = self._forest
        nd = f.nodes
        out = np.zeros((X_tiles.shape[1], f.values.shape[1]))
        with numba_threads(self.n_jobs):
            predict_binned_values(X_tiles, int(missing_bin), nd["feature"], nd["bin_threshold"],
                                  nd["missing_left"], nd["left"], nd["right"], nd["cat_index"], f.cat_bins,
                                  f.values, f.tree_offsets, out)
        return out

    def predict(self, X, pred_contribs=False, pred_interactions=False):
        """Class of highest probability (classifiers) or the mean leaf value (regressors).

        ``pred_contribs=True``: exact TreeSHAP values (weighted training counts as covers) of what the
        model averages: the class probabilities for classifiers, shape (n, n_classes, n_features + 1),
        the prediction for regressors, (n, n_features + 1) ((n, n_outputs, n_features + 1) for a 2-D y);
        the bias (expected value) last, each row
        summing to ``predict_proba`` / ``predict`` (as the shap package explains scikit-learn forests).
        ``pred_interactions=True``: SHAP interaction values, (n, [n_classes,] n_features + 1,
        n_features + 1), bias at [-1, -1]; rows and columns sum to the contributions."""
        kind = explain_flags(pred_contribs, pred_interactions)
        if kind is not None:
            check_is_fitted(self, "_forest")
            return explain(cart_explained(self), check_predict_X(self, X), kind, self.n_jobs,
                           not self._is_classifier and self._forest.values.shape[1] == 1)
        values = self._values(X)
        if self._is_classifier:
            return self.classes_.take(np.argmax(values, axis=1), axis=0)
        return values[:, 0] if values.shape[1] == 1 else values

    # ------------------------------------------------------------------ inspection
    @property
    def feature_importances_(self):
        """Mean decrease in impurity: split gains per feature normalised to sum to 1 (forests: the mean
        of the trees' normalised importances, trees without a split left out, as scikit-learn)."""
        check_is_fitted(self, "_forest")
        f = self._forest
        d = self.n_features_in_
        nd = f.nodes
        split = nd["left"] >= 0
        tree_of_node = np.repeat(np.arange(f.n_trees), np.diff(f.tree_offsets))
        per_tree = np.bincount(tree_of_node[split] * d + nd["feature"][split], weights=nd["gain"][split],
                               minlength=f.n_trees * d).reshape(f.n_trees, d)
        totals = per_tree.sum(axis=1)
        used = totals > 0
        if not used.any():
            return np.zeros(d)
        imp = (per_tree[used] / totals[used, None]).mean(axis=0)
        return imp / imp.sum()

    def save(self, path):
        """Write the fitted model to ``path`` (versioned JSON; read back with ``silva.load``)."""
        from ..io import save
        save(self, path)

    # ------------------------------------------------------------------ model state
    def _get_model_state(self):
        check_is_fitted(self, "_forest")
        params = storable_cat_encoding(storable_constraints(self.get_params(deep=False)))
        state = {"model": type(self).__name__, "params": params,
                 "forest": self._forest.to_state(),
                 "n_features_in_": int(self.n_features_in_),
                 "n_outputs": int(self._forest.values.shape[1]),
                 "tree_seeds": np.asarray(self._tree_seeds, dtype=np.int64)}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = np.asarray(self.feature_names_in_, dtype=str)
        schema = getattr(self, "_schema", None) or Schema(
            self.n_features_in_, feature_names=getattr(self, "feature_names_in_", None))
        state["schema"] = schema.to_state()
        if self._is_classifier:
            state["classes_"] = np.asarray(self.classes_)
        state.update(self._extra_state())
        return state

    _extra_state_keys = ()

    def _extra_state(self):
        return {}

    def _restore_extra_state(self, state):
        pass

    @classmethod
    def _from_model_state(cls, state):
        required = _STATE_KEYS | ({"classes_"} if cls._is_classifier else set()) | set(cls._extra_state_keys)
        allowed = required | {"feature_names_in_"}
        if not isinstance(state, dict) or not required <= set(state) <= allowed:
            raise ValueError(f"model state fields do not match a {cls.__name__}")
        if state["model"] != cls.__name__:
            raise ValueError(f"the model state is a {state['model']!r:.60}, not a {cls.__name__}")
        params = state["params"]
        params = with_added_param_defaults(params, cls)
        if not isinstance(params, dict) or set(params) != set(cls().get_params(deep=False)):
            raise ValueError(f"params do not match the parameters of {cls.__name__}")
        est = cls(**params)
        est._check_params()
        resolve_n_jobs(est.n_jobs)
        for name in ("n_features_in_", "n_outputs"):
            if isinstance(state[name], bool) or not isinstance(state[name], int):
                raise ValueError(f"{name} must be an integer")
        n_features, n_outputs = state["n_features_in_"], state["n_outputs"]
        if not 1 <= n_features <= _MAX_FEATURES:
            raise ValueError("n_features_in_ out of range")
        if cls._is_classifier:
            classes = check_classes(state["classes_"])
            if n_outputs != classes.size:
                raise ValueError("n_outputs does not match the number of classes")
            est.classes_ = classes
            est.n_classes_ = int(classes.size)
        elif n_outputs < 1:
            raise ValueError("a regressor has at least one output")
        forest = Forest.from_state(state["forest"], n_features, 1)
        if forest.values.shape[1] != n_outputs:
            raise ValueError("node values must have one column per output")
        n_trees = forest.n_trees
        expected = est.n_estimators if cls._is_forest else 1
        if n_trees != expected:
            raise ValueError(f"the forest holds {n_trees} trees, expected {expected}")
        seeds = state["tree_seeds"]
        if not isinstance(seeds, np.ndarray) or seeds.dtype != np.int64 or seeds.shape != (n_trees,) \
                or np.any((seeds < 0) | (seeds >= MAX_INT)):
            raise ValueError("tree_seeds must hold one seed in [0, 2**31 - 1) per tree")
        est._forest = forest
        est._tree_seeds = seeds
        est.n_features_in_ = n_features
        if "feature_names_in_" in state:
            names = state["feature_names_in_"]
            if not isinstance(names, np.ndarray) or names.dtype.kind != "U" or names.shape != (n_features,):
                raise ValueError("feature_names_in_ does not match n_features_in_")
            est.feature_names_in_ = np.asarray(names, dtype=object)
        est._schema = Schema.from_state(state["schema"])
        names = getattr(est, "feature_names_in_", None)
        if est._schema.n_features != n_features or (names is None) != (est._schema.feature_names is None) \
                or (names is not None and list(names) != list(est._schema.feature_names)):
            raise ValueError("schema does not match n_features_in_ / feature_names_in_")
        check_encodings(est._schema, est._forest.categories.is_categorical)
        est._restore_extra_state(state)
        return est


# --------------------------------------------------------------------------- #
# Forests
# --------------------------------------------------------------------------- #

class BaseForest(BaseCART):
    """Random forests and extra trees: all trees in one grower call, bootstrap over distinct rows,
    out-of-bag scores and warm start."""

    _is_forest = True

    def _fit(self, X, y_enc, sw, rng):
        t_start = time.perf_counter()
        mapper_seed = rng.randint(MAX_INT)
        seeds = rng.randint(MAX_INT, size=self.n_estimators).astype(np.int64)
        previous = None
        if self.warm_start and hasattr(self, "_forest"):
            previous = self._forest
            if self.n_estimators < previous.n_trees:
                raise ValueError(f"n_estimators={self.n_estimators} must be larger or equal to the "
                                 f"number of fitted trees ({previous.n_trees}) when warm_start==True")
            if X.shape[1] != self.n_features_in_:
                raise ValueError("warm start needs the features the forest was fitted on")
            if not self._is_classifier and (1 if y_enc.ndim == 1 else y_enc.shape[1]) != self.n_outputs_:
                raise ValueError(f"warm start needs the {self.n_outputs_} output(s) the forest was fitted on")
            if self.n_estimators == previous.n_trees:
                warnings.warn("Warm-start fitting without increasing n_estimators does not fit new trees.",
                              UserWarning)
                if self.oob_score and not hasattr(self, "oob_score_"):
                    self._set_oob(X, y_enc, RowGroups(X, y_enc, sw), np.asarray(self._tree_seeds))
                return
            seeds[:previous.n_trees] = self._tree_seeds  # keep what the fitted trees were grown with
        n_old = 0 if previous is None else previous.n_trees
        new_seeds = seeds[n_old:]
        cf = self._class_factors(y_enc)
        w_bin = sw if cf is None else (cf if sw is None else sw * cf)
        mapper, X_tiles = self._bin(X, w_bin, mapper_seed)
        t_bin = time.perf_counter() - t_start
        groups = RowGroups(X, y_enc, sw) if self.bootstrap else None
        samples = self._tree_rows(X, sw, cf, groups, y_enc, new_seeds)
        t0 = time.perf_counter()
        trees = self._grow(X_tiles, mapper, y_enc, samples, new_seeds, X)
        t_grow = time.perf_counter() - t0
        self.n_features_in_ = X.shape[1]
        self._forest = self._make_forest(trees, mapper, previous)
        self._tree_seeds = seeds
        if self.oob_score:
            self._set_oob(X, y_enc, groups, seeds)
        elif hasattr(self, "oob_score_"):
            for name in ("oob_score_", "oob_decision_function_", "oob_prediction_"):
                if hasattr(self, name):
                    delattr(self, name)
        if self.verbose:
            # (``trees`` is the packed node table, not a list: count the seeds grown)
            kept = f", {self._forest.n_trees} in all" if n_old else ""
            print(f"{type(self).__name__}: {len(new_seeds)} trees grown in {t_grow:.2f}s{kept} (binning "
                  f"{t_bin:.2f}s, total {time.perf_counter() - t_start:.2f}s)", flush=True)

    def _draws(self, groups):
        ms = self.max_samples
        if ms is None:
            return groups.n_draws
        if isinstance(ms, numbers.Integral):
            if ms > groups.group_of_row.size:
                raise ValueError(f"max_samples={ms} is larger than the number of rows "
                                 f"({groups.group_of_row.size})")
            return int(ms)
        return max(1, int(round(ms * groups.n_draws)))

    def _tree_rows(self, X, sw, cf, groups, y_enc, seeds):
        """(rows, weights) of every new tree: all rows (one shared pair), or ``BootstrapSamples`` drawing
        each tree's counts (times class weights) when its batch grows."""
        if not self.bootstrap:
            w = sw if cf is None else (cf if sw is None else sw * cf)
            rows = np.arange(X.shape[0], dtype=np.int64) if w is None else np.flatnonzero(w > 0)
            if rows.size == 0:
                raise ValueError("all sample weights are zero: no row would be learned from")
            weights = np.ones(rows.size) if w is None else w[rows]
            return [(rows, weights)] * len(seeds)
        return BootstrapSamples(groups, seeds, self._draws(groups), y_enc, class_factors=cf,
                                balanced_subsample=getattr(self, "class_weight", None) == "balanced_subsample",
                                n_classes=getattr(self, "n_classes_", 0))

    # ------------------------------------------------------------------ out-of-bag
    def _set_oob(self, X, y_enc, groups, seeds):
        out, n_pred = oob_values(self._forest, X, groups, seeds, self._draws(groups))
        if np.any(n_pred == 0):
            warnings.warn("Some inputs do not have OOB scores. This probably means too few trees were "
                          "used to compute any reliable OOB estimates.", UserWarning)
        if self._is_classifier:
            self.oob_decision_function_ = out
            self.oob_score_ = float(accuracy_score(y_enc.astype(np.intp), np.argmax(out, axis=1)))
        else:
            self.oob_prediction_ = out[:, 0] if y_enc.ndim == 1 else out
            self.oob_score_ = float(r2_score(y_enc, self.oob_prediction_))

    # ------------------------------------------------------------------ inspection
    @property
    def estimators_(self):
        """The trees as fitted single-tree estimators (views of the forest's node table)."""
        check_is_fitted(self, "_forest")
        return [self._tree_estimator(t) for t in range(self._forest.n_trees)]

    def _tree_estimator(self, t):
        cls = model_class("DecisionTreeClassifier" if self._is_classifier else "DecisionTreeRegressor")
        # the class weights were applied to the forest's rows (per bootstrap sample for "balanced_subsample")
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k in cls().get_params() and k != "class_weight"}
        params["splitter"] = "random" if self._is_extra() else "best"
        params["random_state"] = int(self._tree_seeds[t])
        est = cls(**params)
        f = self._forest
        a, b = f.tree_offsets[t], f.tree_offsets[t + 1]
        nodes = {name: v[a:b] for name, v in f.nodes.items()}
        est._forest = Forest(nodes, np.array([0, b - a]), np.zeros(1, dtype=np.int32), f.cat_bins,
                             f.categories, f.values[a:b])
        est._tree_seeds = self._tree_seeds[t:t + 1]
        est.n_features_in_ = self.n_features_in_
        for name in ("feature_names_in_", "_schema", "classes_", "n_classes_"):
            if hasattr(self, name):
                setattr(est, name, getattr(self, name))
        return est

    # ------------------------------------------------------------------ model state
    _extra_state_keys = ("oob_score_",)

    def _extra_state(self):
        # the per-row out-of-bag arrays describe the training rows, not the model: not stored
        return {"oob_score_": getattr(self, "oob_score_", None)}

    def _restore_extra_state(self, state):
        score = state["oob_score_"]
        if score is not None and (isinstance(score, bool) or not isinstance(score, float)):
            raise ValueError("oob_score_ must be a float or None")
        if score is not None:
            self.oob_score_ = score


class ClassifierCARTMixin:
    """predict_proba / predict_log_proba of the CART classifiers."""

    _is_classifier = True

    def predict_proba(self, X):
        """Class probabilities (n, n_classes): the leaves' class distributions (forests: averaged)."""
        return self._values(X)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


__all__ = ["BaseCART", "BaseForest", "ClassifierCARTMixin"]
