"""The shared base of the CART family: decision trees, random forests and extra trees.

One engine, thin estimators: every estimator here bins the data once per fit (``BinMapper(max_bin)``,
exact splits with ``max_bin=None``), grows all its trees in ONE call of the compiled depth-first grower
(``silva._engine.dfs_grower.grow_forest_packed``: it batches trees over the threads and returns them
packed, as the forest stores them), and then, when asked, applies two per-tree post-passes on the node
tables in NumPy/Numba (compiled helpers: ``_cart_kernels.py``):

* ``max_leaf_nodes``: best-first growth with a leaf budget keeps, of the fully grown tree (same
  constraints), the splits chosen greedily by gain from the root -- each node's best split depends only
  on its own rows, so growing everything and then selecting gives scikit-learn's best-first tree;
* ``ccp_alpha``: minimal cost-complexity (weakest-link) pruning. For a subtree T_t,
  R(t) - R(T_t) is the sum of its splits' gains divided by the total weight (a gain is a weighted
  impurity decrease), so pruning needs only the gains and the leaf counts.

Prediction averages the per-node vectors ``Forest.values`` (class distributions, or mean targets) of
the leaves the rows reach (``forest_predict_values``).

Categorical features (``categorical_features``: a frame's categorical columns, plus any named) split by
category sets, as the boosters' (see the grower: categories ordered by mean target and cut, random
subsets for extra trees; past ``max_bin`` categories, code ranges in code order). Unseen categories
follow missing values.

Units. silva's split gain is a weighted impurity decrease in weight units (squared error: SSE
decrease; Gini: weighted Gini decrease; entropy: weighted decrease in nats). scikit-learn divides its
decreases by the total weight and measures entropy in bits, so
``min_gain = min_impurity_decrease * total_weight * (ln 2 for entropy)``, and cost-complexity alphas
are ``gain / total_weight (/ ln 2 for entropy)``.

Sample weights and bootstrap. Rows of zero weight take no part in binning or growing (as if removed).
Bootstrap samples are drawn over the *distinct* rows (X, y) of positive weight, ordered by a hash of
their content, with probabilities proportional to their total weight, and ``max(round(sum of
weights), number of weighted rows)`` draws (times ``max_samples``). Without weights this is
scikit-learn's bootstrap (n uniform draws); with integer weights it is exactly the bootstrap of the
data with every row repeated ``weight`` times -- whatever the order of the rows -- so integer weights
and repetition give the same forest. Class weights scale the drawn rows' weights (scikit-learn's
semantics: ``class_weight`` reweights, it does not resample).

AdaBoost hook
-------------
``_fit_binned(X_tiles, mapper, y_enc, sample_weight, rng)`` fits THIS estimator's tree(s) on data
already binned by ``mapper`` (a fitted ``BinMapper``; its categorical features, binned with
``category_ranges=True``, are split by category sets as in ``fit``): ``y_enc`` holds
float class indices for classifiers -- the caller sets ``classes_`` / ``n_classes_`` first -- or float
targets for regressors; ``sample_weight`` (n,) or None (rows of weight 0 are left out); ``rng`` a
``RandomState`` seeding the tree. It sets ``n_features_in_`` and the fitted forest, so ``predict`` /
``predict_proba`` work on raw X afterwards (the caller sets ``feature_names_in_`` / ``_schema`` when it
has them). ``_predict_values_binned(X_tiles, missing_bin)`` gives the summed leaf vectors of binned rows
(the training rows) without a raw pass.
"""
import heapq
import math
import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from .._engine.constraints import (enforce_cart_monotone, resolve_monotonic_cst, storable_constraints,
                                   with_constraint_defaults)
from .._engine.dfs_grower import grow_forest_packed, unpack_trees
from .._engine.predict import forest_predict_values, predict_binned_values
from .._engine.tree import NODE_FIELDS, Categories, Forest
from .._params import validate_cart_params
from .._registry import model_class
from .._schema import Schema
from .._threads import numba_threads, resolve_n_jobs
from .._validation import check_fit_X_y, check_predict_X, check_weights
from ._boosting_base import categorical_indices
from ._outputs import check_classes
from ..data import BinMapper
from ._cart_kernels import _bin_bounds, _ccp_prune, _hash_rows, _local_thresholds, _oob_values

MAX_INT = np.iinfo(np.int32).max
_MAX_FEATURES = np.iinfo(np.int32).max  # feature indices are int32 in the node table
_MAX_STATE_BIN = 65535  # the model file's bound on a forest's bin count (Categories.from_state)
_HASH_CHUNK = 1 << 16  # rows hashed per chunk (bounds the float64 copy)
_OOB_TREES = 64  # trees per out-of-bag batch (bounds the in-bag mask: trees x rows bytes)

# The CART family's monotone constraints, documented once for trees and forests (a str.format template:
# braces doubled).
MONOTONIC_CST_DOC = """    monotonic_cst : list of -1/0/1 per feature, dict {{feature name: -1/0/1}} or None, default=None
        Monotone constraints (scikit-learn's name; alias ``monotone_constraints``): 1 makes the
        prediction non-decreasing in the feature, -1 non-increasing (regression, or class 1's
        probability of a binary classifier; not multiclass, not categorical features). As in
        scikit-learn, a split on a constrained feature whose children's means leave the node's bounds
        or break the direction is not made, and every node's value is clipped into its bounds; the
        bounds are the midpoint of a constrained split on the side grown first, and on the other side
        the extreme leaf that side actually grew (looser than scikit-learn's midpoints).
"""

CLASSIFICATION_CRITERIA = {"gini": "gini", "entropy": "entropy", "log_loss": "entropy"}
REGRESSION_CRITERIA = {"squared_error": "squared_error"}

# "model" names the class: random forests and extra trees share their parameters, so the state says which
_STATE_KEYS = {"model", "params", "forest", "n_features_in_", "n_outputs", "schema", "tree_seeds"}


# --------------------------------------------------------------------------- #
# Node-table post-passes (one tree dict of grow_forest's fields)
# --------------------------------------------------------------------------- #

_TREE_FIELDS = tuple(NODE_FIELDS) + ("values",)


def _keep_splits(tree, keep_split):
    """The tree with only the splits in ``keep_split`` (nodes below the others removed), compacted so
    that children still follow their parents."""
    left, right = tree["left"], tree["right"]
    kept = np.zeros(left.size, dtype=bool)
    kept[0] = True
    ks = np.flatnonzero(keep_split)
    kept[left[ks]] = True
    kept[right[ks]] = True
    new_id = (np.cumsum(kept) - 1).astype(np.int32)
    out = {name: tree[name][kept].copy() for name in _TREE_FIELDS}
    out["cat_sets"] = tree["cat_sets"]
    split = keep_split[kept]
    leaf = ~split
    out["feature"][leaf] = -1
    out["threshold"][leaf] = np.nan
    out["bin_threshold"][leaf] = -1
    out["missing_left"][leaf] = 0
    out["gain"][leaf] = 0.0
    out["cat_index"][leaf] = -1
    out["left"] = np.where(split, new_id[np.maximum(out["left"], 0)], -1).astype(np.int32)
    out["right"] = np.where(split, new_id[np.maximum(out["right"], 0)], -1).astype(np.int32)
    return out


def _best_first(tree, max_leaf_nodes):
    """The splits a best-first grower with ``max_leaf_nodes`` leaves takes: greedily the open node of
    largest gain (ties: lowest index) until the budget is spent."""
    left, right, gain = tree["left"], tree["right"], tree["gain"]
    n_splits = int(np.count_nonzero(left >= 0))
    if n_splits + 1 <= max_leaf_nodes:
        return tree
    keep = np.zeros(left.size, dtype=bool)
    heap = [(-gain[0], 0)] if left[0] >= 0 else []
    budget = max_leaf_nodes - 1
    while heap and budget > 0:
        _, node = heapq.heappop(heap)
        keep[node] = True
        budget -= 1
        for child in (left[node], right[node]):
            if left[child] >= 0:
                heapq.heappush(heap, (-gain[child], int(child)))
    return _keep_splits(tree, keep)


def _cost_complexity(tree, alpha_scale, ccp_alpha, record=False):
    """(pruned tree, path alphas, remaining gains) for ``ccp_alpha``; gains * alpha_scale are R units."""
    left = tree["left"].astype(np.int64)
    n_internal = int(np.count_nonzero(left >= 0))
    size = n_internal if record else 0
    alphas, gains = np.empty(size), np.empty(size)
    split, n_rec = _ccp_prune(left, tree["right"].astype(np.int64), tree["gain"] * alpha_scale,
                              float(ccp_alpha), alphas, gains)
    if np.array_equal(split, left >= 0):
        return tree, alphas[:n_rec], gains[:n_rec]
    return _keep_splits(tree, split), alphas[:n_rec], gains[:n_rec]


def _tree_dicts(forest):
    """The forest's trees as grow_forest-style dicts (to extend a forest: warm start; pruning paths),
    each with its own categorical sets (``cat_index`` counting from 0 in the tree)."""
    nodes = {name: forest.nodes[name] for name in NODE_FIELDS}
    return unpack_trees(dict(nodes, values=forest.values, tree_offsets=forest.tree_offsets,
                             cat_bins=forest.cat_bins))


def _check_bin_dtype(mapper):
    """Exact mode on a feature with more distinct values than the bin type holds would wrap bins."""
    if mapper.missing_bin_ > np.iinfo(mapper.bin_dtype_).max:
        raise ValueError(f"max_bin=None needs a bin per distinct value, and a feature has "
                         f"{mapper.missing_bin_} (at most {np.iinfo(mapper.bin_dtype_).max}); set max_bin")


def _categories(mapper):
    """How the forest's predictor maps raw category codes to the training bins. Without categorical
    features there are no maps; the bin count then only sizes the (empty) bitset table and is capped to
    what the model file accepts (exact mode may bin wider) -- predictions never use it."""
    if np.any(mapper.is_categorical_):
        return Categories.from_mapper(mapper)
    n_features = mapper.n_value_bins_.size
    return Categories(np.zeros(n_features, dtype=np.bool_), np.empty(0, dtype=np.int32),
                      np.zeros(n_features + 1, dtype=np.int64), min(int(mapper.missing_bin_), _MAX_STATE_BIN))


# --------------------------------------------------------------------------- #
# Bootstrap over distinct rows
# --------------------------------------------------------------------------- #

class _RowGroups:
    """The distinct rows (X, y) of positive weight, ordered by a hash of their content, with their total
    weights: the units a bootstrap draws (see the module docstring)."""

    def __init__(self, X, y, weight):
        n = X.shape[0]
        pos = np.arange(n) if weight is None else np.flatnonzero(weight > 0)
        w = np.ones(pos.size) if weight is None else weight[pos]
        hashes = np.empty(pos.size, dtype=np.uint64)
        ybits = _canonical_bits(np.asarray(y, dtype=np.float64)[pos])
        for lo in range(0, pos.size, _HASH_CHUNK):
            rows = pos[lo:lo + _HASH_CHUNK]
            _hash_rows(_canonical_bits(X[rows]), ybits[lo:lo + rows.size], hashes[lo:lo + rows.size])
        order = np.argsort(hashes, kind="stable")
        first = np.ones(pos.size, dtype=bool)  # True where a new group starts (in hash order)
        same = np.flatnonzero(hashes[order[1:]] == hashes[order[:-1]])
        if same.size:
            a, b = pos[order[same]], pos[order[same + 1]]
            xa, xb = np.asarray(X[a], dtype=np.float64), np.asarray(X[b], dtype=np.float64)
            equal = np.all((xa == xb) | (np.isnan(xa) & np.isnan(xb)), axis=1)
            yf = np.asarray(y, dtype=np.float64)
            equal &= yf[a] == yf[b]
            first[same[equal] + 1] = False
        group_sorted = np.cumsum(first) - 1  # group of the row at each hash-order position
        n_groups = int(group_sorted[-1]) + 1 if pos.size else 0
        self.rep_rows = pos[order[first]].astype(np.int64)  # a representative row per group
        self.weight = np.bincount(group_sorted, weights=w[order], minlength=n_groups)
        self.group_of_row = np.full(n, -1, dtype=np.int64)
        self.group_of_row[pos[order]] = group_sorted
        self.n_groups = n_groups
        self.n_draws = max(int(round(float(self.weight.sum()))), pos.size)
        self.uniform = n_groups > 0 and bool(np.all(self.weight == self.weight[0]))
        self.cdf = self.lookup = None
        if not self.uniform:
            total = float(self.weight.sum())
            if np.all(self.weight == np.round(self.weight)) and total <= 16 * n_groups:
                # integer weights (duplicated rows, integer sample weights): a uniform draw over the
                # weight units, each unit naming its group -- no search per draw (the choice of method
                # depends on the weights only, so repeated rows and integer weights still draw alike)
                self.lookup = np.repeat(np.arange(n_groups), self.weight.astype(np.int64))
            else:
                self.cdf = np.cumsum(self.weight)

    def counts(self, seed, n_draws):
        """Draws per group of the bootstrap with seed ``seed`` (its own stream: not the grower's)."""
        rs = np.random.RandomState([int(seed), 1])
        if self.uniform:
            draws = rs.randint(0, self.n_groups, n_draws)
        elif self.lookup is not None:
            draws = self.lookup[rs.randint(0, self.lookup.size, n_draws)]
        else:
            draws = np.searchsorted(self.cdf, rs.random_sample(n_draws) * self.cdf[-1], side="right")
            np.minimum(draws, self.n_groups - 1, out=draws)
        return np.bincount(draws, minlength=self.n_groups)


def _canonical_bits(values):
    """float64 bit patterns with every NaN alike and -0.0 == 0.0 (equal values, equal bits)."""
    v = np.array(values, dtype=np.float64)
    v[np.isnan(v)] = np.nan
    v += 0.0  # -0.0 + 0.0 is +0.0
    return v.view(np.uint64)


# --------------------------------------------------------------------------- #
# The base estimator
# --------------------------------------------------------------------------- #

class BaseCART(BaseEstimator):
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

    def _impurity_per_gain(self):
        """R units (scikit-learn's impurity x weight share) per unit of gain x total weight."""
        return 1.0 / math.log(2.0) if self._criterion() == "entropy" else 1.0

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
        X, y = check_fit_X_y(self, X, y, classifier=self._is_classifier)
        sw = check_weights(sample_weight, X)
        if sw is not None and not sw.sum() > 0:
            raise ValueError("sample_weight sums to zero: no row would be learned from")
        y_enc = self._encode_y(y)
        rng = check_random_state(self.random_state)
        with numba_threads(self.n_jobs):
            self._fit(X, y_enc, sw, rng)
        return self

    @staticmethod
    def _code_order(mapper):
        """Categorical features binned by ranges of codes (more categories than ``max_bin``): their split
        search follows code order (each bin holds several categories, so a category's own mean is not
        known); None when there are none. Read from the map: a range-binned feature maps more codes than
        it has bins."""
        cat = np.flatnonzero(mapper.is_categorical_)
        if not cat.size:
            return None
        mask = np.zeros(mapper.is_categorical_.size, dtype=bool)
        for f in cat:
            mapping = mapper.category_maps_[f]
            mask[f] = np.count_nonzero(mapping >= 0) > int(mapping.max(initial=-1)) + 1
        return mask if mask.any() else None

    def _bin(self, X, weight, seed):
        # categories binned as themselves (rare ones share a bin past max_bin); other columns by quantiles
        # past max_bin categories a feature is binned by ranges of codes, as an ordinal encoding would be
        # (``_code_order``): its splits then follow code order, and unseen codes inside the range fall
        # in the range that holds them
        mapper = BinMapper(self.max_bin, random_state=seed, category_ranges=True).fit(
            X, weight, categorical=categorical_indices(self, X.shape[1]))
        _check_bin_dtype(mapper)
        return mapper, mapper.transform(X)

    def _fit(self, X, y_enc, sw, rng):
        """A single tree (forests override): bin, then the same path AdaBoost takes."""
        cf = self._class_factors(y_enc)
        w = sw if cf is None else (cf if sw is None else sw * cf)
        mapper, X_tiles = self._bin(X, w, rng.randint(MAX_INT))
        self._fit_tiles(X_tiles, mapper, y_enc, w, rng, X)

    def _monotonic(self, mapper):
        """The fit's monotone constraints: int8 per feature, or None."""
        return resolve_monotonic_cst(getattr(self, "monotonic_cst", None), mapper.n_value_bins_.size,
                                     getattr(self, "feature_names_in_", None), mapper.is_categorical_,
                                     self.n_classes_ - 1 if self._is_classifier else 1)

    def _fit_binned(self, X_tiles, mapper, y_enc, sample_weight, rng):
        """AdaBoost hook (module docstring): fit on binned rows; classes_ set by the caller."""
        self._check_params()
        _check_bin_dtype(mapper)
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
        the raw rows, for exact mode's node-local thresholds). ``samples``: a list, or a ``_Bootstrap``
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
                samples = _Scaled(samples, w_ref / totals)
        else:
            w_ref = 0.0  # unused: both thresholds are zero
        criterion = self._criterion()
        nats = math.log(2.0) if criterion == "entropy" else 1.0
        mss = self.min_samples_split
        # a fraction of the rows: of the smallest tree's (distinct in-bag) rows
        n_rows_min = 0 if isinstance(mss, numbers.Integral) else min(r.size for r, _ in samples)
        extra_args = {}
        if self._is_extra() and X is not None:
            # each bin's value range, where extra trees draw their thresholds (uniform in value, as
            # scikit-learn's), over the rows the trees learn from: a row of weight 0 must not move a bound
            used = np.zeros(X.shape[0], dtype=bool)
            for r, _ in samples:
                used[r] = True
            lo = np.full((n_features, mapper.missing_bin_ + 1), np.inf)
            hi = np.full((n_features, mapper.missing_bin_ + 1), -np.inf)
            _bin_bounds(X, X_tiles, np.flatnonzero(used), lo, hi)
            extra_args["bin_bounds"] = (lo, hi)
        packed = grow_forest_packed(
            X_tiles, mapper, samples, y_enc,
            n_classes=self.n_classes_ if self._is_classifier else 0, criterion=criterion,
            max_depth=self.max_depth, min_samples_split=self._min_samples_split(n_rows_min),
            min_samples_leaf=self.min_samples_leaf, min_weight_leaf=mwf * w_ref,
            min_gain=mid * w_ref * nats, max_features=self._n_candidate_features(n_features),
            extra=self._is_extra(), seeds=np.asarray(seeds, dtype=np.int64),
            # scikit-learn's rule: features without missing values in training send them to the larger child
            missing_to_larger=None if X is None else ~np.isnan(X).any(axis=0),
            code_order=self._code_order(mapper), monotonic_cst=self._monotonic(mapper),
            n_threads=resolve_n_jobs(self.n_jobs), **extra_args)
        if self.max_bin is None and X is not None:
            _set_local_thresholds(packed, X, [r for r, _ in samples], _categories(mapper))
        if self.max_leaf_nodes is None and self.ccp_alpha <= 0:
            return packed  # no per-tree pass: the packed node table becomes the forest as it is
        trees = unpack_trees(packed)
        if self.max_leaf_nodes is not None:
            trees = [_best_first(t, self.max_leaf_nodes) for t in trees]
        if self.ccp_alpha > 0:
            # R(t) is a share of the tree's own total weight (its root's cover)
            per_gain = self._impurity_per_gain()
            trees = [_cost_complexity(t, per_gain / max(t["cover"][0], 1e-300), self.ccp_alpha)[0] for t in trees]
        monotonic = self._monotonic(mapper)
        if monotonic is not None:
            # pruned inner nodes became leaves with values the grower's bounds did not hold
            for t in trees:
                enforce_cart_monotone(t, monotonic, mapper.missing_bin_ - 1)
        return trees

    def _make_forest(self, grown, mapper, previous=None):
        """The fitted Forest from ``_grow``'s trees (a packed node table, or a list of trees after the
        per-tree passes), after warm start's ``previous`` trees."""
        categories = _categories(mapper)
        # (the grower already sent missing values of features without any in training to the larger child)
        if isinstance(grown, dict):
            if previous is None:
                offsets = grown["tree_offsets"]
                nodes = {name: grown[name] for name in NODE_FIELDS}
                return Forest(nodes, offsets, np.zeros(offsets.size - 1, dtype=np.int32), grown["cat_bins"],
                              categories, grown["values"])
            grown = unpack_trees(grown)
        trees = grown if previous is None else _tree_dicts(previous) + grown
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

    def predict(self, X):
        """Class of highest probability (classifiers) or the mean leaf value (regressors)."""
        values = self._values(X)
        if self._is_classifier:
            return self.classes_.take(np.argmax(values, axis=1), axis=0)
        return values[:, 0]

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
        state = {"model": type(self).__name__, "params": storable_constraints(self.get_params(deep=False)),
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
        if isinstance(params, dict) and "categorical_features" not in params:
            params = dict(params, categorical_features="auto")  # files written before the parameter
        params = with_constraint_defaults(params, cls)
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
        elif n_outputs != 1:
            raise ValueError("a regressor has exactly one output")
        forest = Forest.from_state(state["forest"], n_features, 1)
        if forest.values is None or forest.values.shape[1] != n_outputs:
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
        est._restore_extra_state(state)
        return est


class _Bootstrap:
    """The bootstrap samples of a forest's new trees as a sequence of (rows, weights), each drawn when
    asked (by its tree's seed, so every draw of a tree is the same): the grower takes them a batch at
    a time, and a forest never holds all of them (100 trees x 63k rows would be 100 MB)."""

    def __init__(self, draw, seeds):
        self._draw = draw
        self._seeds = list(seeds)

    def __len__(self):
        return len(self._seeds)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._draw(seed) for seed in self._seeds[index]]
        return self._draw(self._seeds[index])


class _Scaled:
    """Samples whose tree t's weights are multiplied by ``factors[t]``, as drawn."""

    def __init__(self, samples, factors):
        self._samples = samples
        self._factors = factors

    def __len__(self):
        return len(self._samples)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [(r, w * f) for (r, w), f in zip(self._samples[index], self._factors[index])]
        rows, weights = self._samples[index]
        return rows, weights * self._factors[index]


def _set_local_thresholds(packed, X, row_sets, categories):
    """Exact mode: node-local midpoint thresholds (see _local_thresholds), all trees in one call."""
    row_offsets = np.zeros(len(row_sets) + 1, dtype=np.int64)
    np.cumsum([r.size for r in row_sets], out=row_offsets[1:])
    _local_thresholds(X, packed["feature"], packed["threshold"], packed["missing_left"], packed["left"],
                      packed["right"], packed["cat_index"], packed["cat_bins"], categories.map_flat,
                      categories.map_offsets, categories.missing_bin, packed["tree_offsets"],
                      np.concatenate(row_sets).astype(np.int64), row_offsets)


def _default_missing_side(tree, has_nan):
    """Splits on features without missing values in training send missing values to the child with more
    training rows (scikit-learn's rule); elsewhere the learned side stays. ``tree``: one tree's node
    table (the fits do this in the grower: ``missing_to_larger``; AdaBoost applies it to its learners)."""
    split = tree["left"] >= 0
    fixed = split & ~has_nan[np.maximum(tree["feature"], 0)]
    if fixed.any():
        count = tree["count"]
        bigger_left = count[np.maximum(tree["left"], 0)] > count[np.maximum(tree["right"], 0)]
        tree["missing_left"] = np.where(fixed, bigger_left, tree["missing_left"]).astype(np.uint8)


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
            if self.n_estimators == previous.n_trees:
                warnings.warn("Warm-start fitting without increasing n_estimators does not fit new trees.",
                              UserWarning)
                if self.oob_score and not hasattr(self, "oob_score_"):
                    self._set_oob(X, y_enc, _RowGroups(X, y_enc, sw), np.asarray(self._tree_seeds))
                return
            seeds[:previous.n_trees] = self._tree_seeds  # keep what the fitted trees were grown with
        n_old = 0 if previous is None else previous.n_trees
        new_seeds = seeds[n_old:]
        cf = self._class_factors(y_enc)
        w_bin = sw if cf is None else (cf if sw is None else sw * cf)
        mapper, X_tiles = self._bin(X, w_bin, mapper_seed)
        t_bin = time.perf_counter() - t_start
        groups = _RowGroups(X, y_enc, sw) if self.bootstrap else None
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
            print(f"{type(self).__name__}: {len(trees)} trees grown in {t_grow:.2f}s (binning {t_bin:.2f}s, "
                  f"total {time.perf_counter() - t_start:.2f}s)", flush=True)

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
        """(rows, weights) of every new tree: all rows (one shared pair), or a ``_Bootstrap`` drawing each
        tree's counts (times class weights) when its batch grows."""
        if not self.bootstrap:
            w = sw if cf is None else (cf if sw is None else sw * cf)
            rows = np.arange(X.shape[0], dtype=np.int64) if w is None else np.flatnonzero(w > 0)
            if rows.size == 0:
                raise ValueError("all sample weights are zero: no row would be learned from")
            weights = np.ones(rows.size) if w is None else w[rows]
            return [(rows, weights)] * len(seeds)
        n_draws = self._draws(groups)
        group_y = y_enc[groups.rep_rows]
        group_cf = None if cf is None else cf[groups.rep_rows]
        subsample = getattr(self, "class_weight", None) == "balanced_subsample"
        # rows in index order: a node's rows are then read in increasing memory order (prefetching)
        by_row = np.argsort(groups.rep_rows, kind="stable")
        n_classes = getattr(self, "n_classes_", 0)

        def draw(seed):
            counts = groups.counts(seed, n_draws)
            inbag = by_row[counts[by_row] > 0]
            weights = counts[inbag].astype(np.float64)
            if group_cf is not None:
                weights *= group_cf[inbag]
            if subsample:
                # scikit-learn's compute_sample_weight("balanced", y, indices=bootstrap): classes absent
                # from the sample get nothing (they have no rows anyway)
                yk = group_y[inbag].astype(np.intp)
                per_class = np.bincount(yk, weights=counts[inbag], minlength=n_classes)
                present = per_class > 0
                cw = np.zeros(n_classes)
                cw[present] = n_draws / (present.sum() * per_class[present])
                weights *= cw[yk]
            return groups.rep_rows[inbag], weights

        return _Bootstrap(draw, seeds)

    # ------------------------------------------------------------------ out-of-bag
    def _set_oob(self, X, y_enc, groups, seeds):
        n_draws = self._draws(groups)
        f = self._forest
        nd = f.nodes
        n = X.shape[0]
        out = np.zeros((n, f.values.shape[1]))
        n_pred = np.zeros(n, dtype=np.int64)
        gor = groups.group_of_row
        has_group = gor >= 0
        for t0 in range(0, f.n_trees, _OOB_TREES):
            t1 = min(t0 + _OOB_TREES, f.n_trees)
            inbag = np.zeros((t1 - t0, n), dtype=np.uint8)
            for t in range(t0, t1):
                counts = groups.counts(seeds[t], n_draws)
                inbag[t - t0, has_group] = counts[gor[has_group]] > 0
            _oob_values(X, nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"],
                        nd["cat_index"], f.cat_bins, f.categories.map_flat, f.categories.map_offsets,
                        f.categories.missing_bin, f.values, f.tree_offsets, t0, inbag, out, n_pred)
        if np.any(n_pred == 0):
            warnings.warn("Some inputs do not have OOB scores. This probably means too few trees were "
                          "used to compute any reliable OOB estimates.", UserWarning)
        out /= np.maximum(n_pred, 1)[:, None]
        if self._is_classifier:
            self.oob_decision_function_ = out
            self.oob_score_ = float(accuracy_score(y_enc.astype(np.intp), np.argmax(out, axis=1)))
        else:
            self.oob_prediction_ = out[:, 0]
            self.oob_score_ = float(r2_score(y_enc, out[:, 0]))

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


def _pruning_path(est, X, y, sample_weight):
    """scikit-learn's ``cost_complexity_pruning_path`` for a silva tree."""
    from sklearn.base import clone
    full = clone(est).set_params(ccp_alpha=0.0).fit(X, y, sample_weight=sample_weight)
    tree = _tree_dicts(full._forest)[0]
    # total weight the tree was grown with, and the root impurity, from the root node
    w_total = float(tree["cover"][0])
    scale = full._impurity_per_gain() / w_total
    _, alphas, gains = _cost_complexity(tree, scale, np.inf, record=True)
    total_gain = float(tree["gain"].sum()) * scale
    root = _root_impurity(full, X, y, sample_weight, tree)
    impurities = np.concatenate([[root - total_gain], root - gains])
    return Bunch(ccp_alphas=np.concatenate([[0.0], alphas]), impurities=impurities)


def _root_impurity(est, X, y, sample_weight, tree):
    if est._is_classifier:
        p = tree["values"][0]
        if est._criterion() == "gini":
            return float(1.0 - np.sum(p * p))
        p = p[p > 0]
        return float(-np.sum(p * np.log2(p)))
    _, y_checked = check_fit_X_y(est.__class__(), X, y, classifier=False)
    y_checked = np.asarray(y_checked, dtype=np.float64)
    w = np.ones_like(y_checked) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mean = np.average(y_checked, weights=w)
    return float(np.average((y_checked - mean) ** 2, weights=w))


__all__ = ["BaseCART", "BaseForest", "ClassifierCARTMixin"]
