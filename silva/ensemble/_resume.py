"""Continued boosting: ``warm_start`` (scikit-learn) and ``fit(init_model=...)`` (XGBoost's xgb_model,
LightGBM's init_model).

A continued fit starts every training row's raw score at what the fitted trees give it (XGBoost's way)
and appends its trees to theirs. The fitted trees are kept exactly: their baseline, their frame schema
(so category codes keep meaning the levels they were fitted on) and their map from category codes to
bins, which the new fit's bins adopt so that one map serves both old and new trees. Numeric features
may be binned afresh: the trees hold raw thresholds.

On the same data and ``random_state``, fitting 50 rounds and continuing 50 more gives the trees of
one 100-round fit: the draws before the rounds (hold-out split, target-statistic seed, bin sample)
repeat, and without row or column sampling the rounds draw nothing. ``warm_start`` also resumes the
random stream where the last fit's rounds left it, so with sampling it too equals one fit (unless early
stopping dropped rounds the stream had drawn for). An ``init_model`` has no stream to resume: its later
rounds draw other rows and columns than one longer fit would. ``evals_result_`` holds the rounds of the
latest fit only (XGBoost's); early stopping keeps the fitted rounds unless a new one scores better.
Target statistics are re-estimated on the data of the continued fit with the first fit's seed: on the
same data, the first fit's tables.
"""
import copy
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import FLOAT_DTYPES

from .._engine.routing import bitset_words
from .._engine.tree import Categories, Forest
from .._schema import input_type


@dataclass
class FittedRounds:
    """What a continued fit keeps of the model it continues."""

    forest: Forest
    baseline: np.ndarray
    schema: object
    n_iter: int
    n_features: int
    feature_names: object
    classes: object
    loss_name: str
    rng_states: object  # (state at the start of the fit, after its rounds): warm starts only
    warm: bool


def fitted_rounds(est, init_model):
    """The fit ``est.fit`` continues (None for a fresh fit): ``init_model`` (a fitted model of the same
    class or a path to a silva model file), else, with ``warm_start``, the estimator's own model."""
    warm = bool(getattr(est, "warm_start", False)) and hasattr(est, "_forest")
    if init_model is None:
        return _snapshot(est, warm=True) if warm else None
    if warm:
        raise ValueError("give init_model or warm_start=True, not both: the model is already fitted")
    if isinstance(init_model, (str, bytes)) or hasattr(init_model, "__fspath__"):
        from ..io import load
        init_model = load(init_model)
    if type(init_model) is not type(est):
        raise ValueError(f"init_model must be a fitted {type(est).__name__} (or a path to its model file), "
                         f"got {type(init_model).__name__}")
    if not hasattr(init_model, "_forest"):
        raise ValueError("init_model is not fitted")
    return _snapshot(init_model, warm=False)


def _snapshot(model, warm):
    return FittedRounds(
        forest=model._forest, baseline=np.array(model._baseline, dtype=np.float64),
        schema=copy.deepcopy(model._schema), n_iter=int(model.n_iter_), n_features=int(model.n_features_in_),
        feature_names=getattr(model, "feature_names_in_", None), classes=getattr(model, "classes_", None),
        loss_name=_loss_name(model), rng_states=getattr(model, "_rng_states", None) if warm else None,
        warm=warm)


def _loss_name(model):
    """The objective the raw scores were fitted for: continued rounds must add to the same kind of score."""
    params = model.get_params(deep=False)
    name = params.get("objective", params.get("loss"))
    return name if isinstance(name, str) or name is None else "custom"


def adopt_input(est, previous, X_in, X):
    """X in the fitted model's codes: a frame is converted by the model's schema (levels keep their codes,
    unseen ones read as missing, as at predict), which becomes the estimator's. Raises ValueError when the
    features, their names or the objective differ from the model's."""
    names = getattr(est, "feature_names_in_", None)
    same_names = (names is None) == (previous.feature_names is None) and (
        names is None or list(names) == list(previous.feature_names))
    if X.shape[1] != previous.n_features or not same_names:
        raise ValueError(f"a continued fit needs the features the model was fitted on: "
                         f"{previous.n_features} features"
                         + ("" if previous.feature_names is None else
                            f" named {list(previous.feature_names)[:10]}")
                         + f", got {X.shape[1]}" + ("" if names is None else f" named {list(names)[:10]}"))
    if _loss_name(est) != previous.loss_name:
        raise ValueError(f"a continued fit needs the objective the model was fitted with "
                         f"({previous.loss_name!r}), got {_loss_name(est)!r}")
    est._schema = copy.deepcopy(previous.schema)
    if input_type(X_in) in ("pandas", "polars", "arrow"):
        X = check_array(est._schema.transform(X_in, owner=type(est).__name__), dtype=FLOAT_DTYPES,
                        ensure_all_finite="allow-nan")
    return X


def check_classes(est, previous):
    if previous.classes is not None and not np.array_equal(np.asarray(est.classes_),
                                                           np.asarray(previous.classes)):
        raise ValueError(f"a continued fit needs the classes the model was fitted on "
                         f"{np.asarray(previous.classes)[:10].tolist()}, got {est.classes_[:10].tolist()}")


def adopt_category_maps(mapper, categories):
    """Refit ``mapper``'s category bins to the model's maps (levels unseen at the first fit read as
    missing, as the old trees see them), so old and new trees share one map."""
    if not np.array_equal(mapper.is_categorical_, categories.is_categorical):
        raise ValueError("a continued fit needs the features the model splits by category: "
                         f"{np.flatnonzero(categories.is_categorical).tolist()[:10]}, got "
                         f"{np.flatnonzero(mapper.is_categorical_).tolist()[:10]}")
    if not categories.is_categorical.any():
        return mapper
    flat, offsets = categories.map_flat, categories.map_offsets
    maps = {f: flat[offsets[f]:offsets[f + 1]].copy() for f in np.flatnonzero(categories.is_categorical)}
    mapper._set_thresholds(mapper.thresholds_, mapper.max_bin, maps)
    return mapper


def joined_categories(categories, mapper):
    """The model's maps with a missing bin past the bins of both fits (the new ``max_bin`` may be wider)."""
    return Categories(categories.is_categorical, categories.map_flat, categories.map_offsets,
                      max(categories.missing_bin, mapper.missing_bin_))


def old_trees(forest, categories):
    """The model's trees as per-tree tables whose category bitsets are as wide as ``categories`` needs."""
    n_words = bitset_words(categories.missing_bin + 1)
    return [widened(tree, n_words) for tree in forest.trees()], forest.tree_output.tolist()


def widened(tree, n_words):
    """``tree`` with its category bitsets padded to ``n_words`` words (bins past its own are never set)."""
    sets = tree["cat_sets"]
    if sets.shape[1] == n_words:
        return tree
    wide = np.zeros((sets.shape[0], n_words), dtype=np.uint32)
    wide[:, :sets.shape[1]] = sets
    return dict(tree, cat_sets=wide)
