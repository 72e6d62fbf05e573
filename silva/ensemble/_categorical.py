"""Which features are categorical, and how each is split: by level sets or as a target statistic.

The rule every estimator of the family follows at fit (``cat_encoding``): a categorical feature is
split by sets of its levels (the engine's categorical split search), or replaced by its ordered target
statistic (silva/data/target_stats.py) and split by thresholds like a numeric feature. "auto" sends a
feature with many levels whose codes carry no order to the target statistic: a set search over
hundreds of levels, each holding a few rows, fits noise, while one number per level does not. Features
whose codes carry an order (integer codes the user names, pandas ordered or integer levels) keep the
set search, which also tries thresholds in code order.
"""
import warnings

import numpy as np

from .._engine.constraints import resolve_monotonic_cst
from ..data.target_stats import TargetStats

# "auto": more distinct levels than this (and no order) -> target statistics
AUTO_TARGET_LEVELS = 64


def categorical_indices(est, n_features):
    """Features an estimator splits by level sets: categorical dtypes of the frame it was fitted on
    (pandas category, text, Arrow dictionaries; ``est._schema``) always, plus its ``categorical_features``
    given as indices, names or a mask, less those encoded as target statistics (once
    ``encode_categoricals`` has run). The rule of every estimator of the family."""
    out = _categorical(est, n_features)
    stats = getattr(getattr(est, "_schema", None), "target_stats", None)
    if stats is not None:  # fitted as target statistics: numeric to the engine
        out = [f for f in out if f not in set(stats.features.tolist())]
    return out


def _categorical(est, n_features):
    schema = getattr(est, "_schema", None)
    found = set(getattr(schema, "categorical_features", None) or [])
    spec = getattr(est, "categorical_features", "auto")
    if spec is None or (isinstance(spec, str) and spec == "auto"):
        return sorted(found)
    spec = np.asarray(spec)
    if spec.dtype == bool:
        if spec.shape != (n_features,):
            raise ValueError(f"categorical_features as a mask needs {n_features} entries, got {spec.size}")
        return sorted(found | set(np.flatnonzero(spec).tolist()))
    names = list(getattr(est, "feature_names_in_", []))
    out = set(found)
    for item in spec.ravel().tolist():
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"categorical_features names an unknown column {item!r}; columns: "
                                 f"{names[:10]}{' ...' if len(names) > 10 else ''}")
            out.add(names.index(item))
        elif isinstance(item, int) and -n_features <= item < n_features:
            out.add(item % n_features)
        else:
            raise ValueError(f"categorical_features entries must be column indices below {n_features} "
                             f"or column names, got {item!r}")
    return sorted(out)


def ordered_features(est, categorical):
    """The categorical features whose codes carry an order: integer codes the user named in
    ``categorical_features`` (not a frame's category or text column, whose codes are sorted levels),
    and frame columns whose levels are declared ordered or are integers."""
    schema = getattr(est, "_schema", None)
    from_dtype = set(getattr(schema, "categorical_features", None) or [])
    in_order = set(getattr(schema, "ordered_levels", None) or [])
    return [f for f in categorical if f not in from_dtype or f in in_order]


def _caller_level():
    """The stacklevel of the first frame outside silva: a warning points at the user's fit call."""
    import os
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root + os.sep):
        level, frame = level + 1, frame.f_back
    return level


def _feature_name(est, f):
    names = getattr(est, "feature_names_in_", None)
    return repr(str(names[f])) if names is not None else str(f)


def _requested(est, n_features):
    """{feature: "auto" | "set" | "target"} from ``cat_encoding`` (a dict names some features)."""
    spec = getattr(est, "cat_encoding", "set")
    if not isinstance(spec, dict):
        return {f: spec for f in range(n_features)}
    out = {f: "auto" for f in range(n_features)}
    names = [str(n) for n in getattr(est, "feature_names_in_", [])]
    for key, enc in spec.items():
        if isinstance(key, str):
            if key not in names:
                raise ValueError(f"cat_encoding names an unknown column {key!r}")
            out[names.index(key)] = enc
        elif -n_features <= key < n_features:
            out[key % n_features] = enc
        else:
            raise ValueError(f"cat_encoding has a feature index {key} out of range for {n_features} features")
    return out


def encode_categoricals(est, X, y, sample_weight, rng, n_classes=0, previous=None):
    """(X as the engine reads it, the features split by level sets) at fit.

    Features encoded as target statistics get their ordered statistics in the returned copy of X, and
    their tables go to ``est._schema.target_stats`` (applied to every later input by
    ``check_predict_X``). ``y``: the target (regression; several outputs are never encoded as target
    statistics) or encoded classes; ``n_classes``: 0 for regression; ``rng`` (a RandomState) draws the
    permutation's seed, only when a feature is encoded.
    ``previous``: the TargetStats of the fit a warm start continues; its features and seed are kept, so
    the trees already grown read the same statistics. Warns about a column with a different level in
    nearly every row (an identifier).
    """
    d = X.shape[1]
    schema = est._schema
    schema.target_stats = None
    categorical = categorical_indices(est, d)
    if not categorical:
        return X, categorical
    requested = _requested(est, d)
    ordered = set(ordered_features(est, categorical))
    two_sided = n_classes <= 2 and np.ndim(y) == 1  # a number or two classes: one statistic says all
    target = []
    for f in categorical:
        col = X[:, f]
        present = col[~np.isnan(col)]
        n_levels = np.unique(present).size
        if n_levels > 0.95 * present.size and present.size >= 20:
            warnings.warn(f"categorical feature {_feature_name(est, f)} has a different level in nearly "
                          f"every row ({n_levels} levels in {present.size} rows): an identifier cannot "
                          "inform predictions; drop it", UserWarning, stacklevel=_caller_level())
        enc = requested.get(f, "auto")
        if enc == "target" and not two_sided:
            what = f"{n_classes} classes" if n_classes else f"{np.shape(y)[1]} outputs"
            raise ValueError(f"cat_encoding='target' (feature {_feature_name(est, f)}) needs a regression or "
                             f"binary target of one column; this one has {what} (use 'set')")
        if enc == "target" or (enc == "auto" and two_sided and f not in ordered
                               and n_levels > AUTO_TARGET_LEVELS):
            target.append(f)
    if not target:
        return X, categorical
    # like a set-split feature, a target statistic has no direction a constraint could name
    mask = np.zeros(d, dtype=bool)
    mask[categorical] = True
    resolve_monotonic_cst(getattr(est, "monotonic_cst", None), d, getattr(est, "feature_names_in_", None),
                          mask, 1)
    seed = rng.randint(np.iinfo(np.int32).max)  # drawn either way: a warm start's later draws match a fit's
    if previous is not None:
        if set(previous.features.tolist()) != set(target):
            raise ValueError("warm start needs the categorical encodings the model was fitted with")
        seed = previous.seed_
    stats = TargetStats(target)
    levels = {f: schema.levels(f).size for f in target if schema.levels(f) is not None}
    X = stats.fit_transform(X, y, sample_weight, seed, levels)
    schema.target_stats = stats
    return X, [f for f in categorical if f not in set(target)]


def check_encodings(schema, is_categorical):
    """A loaded model's encodings agree: each categorical column of its schema is split by category in
    the forest (``is_categorical``) or encoded as target statistics, never both and never neither (a
    model whose tables were dropped would read raw codes as statistics)."""
    stats = schema.target_stats
    encoded = set() if stats is None else set(stats.features.tolist())
    split = set(np.flatnonzero(is_categorical).tolist())
    if encoded & split:
        raise ValueError(f"features {sorted(encoded & split)[:10]} are encoded as target statistics and "
                         "split by category")
    neither = set(schema.categorical_features) - split - encoded
    if neither:
        raise ValueError(f"the schema's categorical features {sorted(neither)[:10]} are neither split by "
                         "category nor encoded as target statistics")
