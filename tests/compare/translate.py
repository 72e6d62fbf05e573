"""Translate silva booster parameters into matched LightGBM, XGBoost and scikit-learn ones.

One translator for every comparison (tests and benchmarks): give it the parameters of a
``silva.BoostClassifier`` / ``silva.BoostRegressor`` (a dict, missing keys take silva's defaults, or
the estimator itself) and get keyword arguments for

- ``lightgbm.LGBMClassifier`` / ``LGBMRegressor``           -> ``to_lightgbm(params, X=None)``
- ``xgboost.XGBClassifier`` / ``XGBRegressor`` (hist)       -> ``to_xgboost(params)``
- ``sklearn.ensemble.HistGradientBoostingClassifier/Regressor`` -> ``to_sklearn(params)``

Only numpy/stdlib and silva's parameter table are imported here (no pytest, no peer library), so
benchmarks can use it too.
LightGBM keywords use its scikit-learn-API names (``min_child_weight`` rather than the core alias
``min_sum_hessian_in_leaf``, etc.) so no alias is given twice. Objectives are not translated: each
peer's Classifier/Regressor picks logloss/softmax/squared error like silva does.

A silva parameter with no peer equivalent is dropped. When its value differs from silva's default
(so the peer would not train the same model) a ``TranslationWarning`` is issued, or a ValueError
raised with ``strict=True``. ``untranslated(params, library)`` lists them.

Mapping (silva -> LightGBM | XGBoost | scikit-learn HistGradientBoosting)
=========================================================================

=================== ============================== ============================== ===========================
silva               LightGBM (sklearn API name)    XGBoost (tree_method="hist")   sklearn HGB
=================== ============================== ============================== ===========================
n_estimators        n_estimators                   n_estimators                   max_iter
learning_rate       learning_rate                  learning_rate                  learning_rate
max_depth           max_depth (None -> -1)         max_depth (None -> 0)          max_depth
max_leaves          num_leaves [1]                 max_leaves (None -> 0)         max_leaf_nodes [1]
grow_policy         - (always leaf-wise) [1]       grow_policy: depthwise /       - (always best-first) [1]
                                                   leafwise -> "lossguide"
min_child_weight    min_child_weight               min_child_weight               - (fixed 1e-3) [4]
                    (= min_sum_hessian_in_leaf)
min_samples_leaf    min_child_samples              - (none) [4]                   min_samples_leaf
                    (= min_data_in_leaf)
reg_lambda          reg_lambda (= lambda_l2)       reg_lambda                     l2_regularization
reg_alpha           reg_alpha (= lambda_l1)        reg_alpha                      - [4]
gamma               min_split_gain = 2 * gamma [2] gamma = 2 * gamma [2]          - (fixed 0) [4]
subsample           subsample (= bagging_fraction) subsample                      - [4]
                    + subsample_freq=1 when < 1
colsample_bytree    colsample_bytree               colsample_bytree               - [4]
                    (= feature_fraction)
colsample_bynode    feature_fraction_bynode        colsample_bynode               max_features
max_bin             max_bin (+ max_bin_by_feature: max_bin [3]                    max_bins (<= 255) [3]
                    max_bin + 1 for NaN features)
n_iter_no_change    early_stopping_round [5]       early_stopping_rounds [5]      n_iter_no_change,
                                                                                  early_stopping=True
validation_fraction - (pass an eval_set) [5]       - (pass an eval_set) [5]       validation_fraction
tol                 early_stopping_min_delta       - [4]                          tol
eval_metric         metric + first_metric_only [8] eval_metric [8]                - [4]
random_state        random_state                   random_state                   random_state
n_jobs              n_jobs (None -> physical cores) n_jobs (None -> physical)     - (use threadpoolctl) [6]
verbose             verbose=-1 (always off)        verbosity=0 (always off)       verbose=0 (always off)
objective           - (estimator class decides)    - (estimator class decides)    - (class decides)
monotonic_cst       monotone_constraints [7]       monotone_constraints [7]       monotonic_cst
interaction_cst     interaction_constraints [7]    interaction_constraints [7]    interaction_cst
=================== ============================== ============================== ===========================

[1] Tree shape. silva depth-wise with no ``max_leaves`` splits every node down to ``max_depth``
    that has a valid split; a best-first grower whose leaf budget never binds makes the same splits
    (each node's split depends only on its own rows), so LightGBM gets ``num_leaves=2**max_depth``
    (capped at LightGBM's 131072) and HGB ``max_leaf_nodes=None``. Depth-wise *with* ``max_leaves``
    has no exact LightGBM/HGB equivalent (they pick leaves by gain, not level): mapped to the leaf
    limit with a warning. Leaf-wise (best-first) is LightGBM's and HGB's own policy and XGBoost's
    "lossguide". All four count depth the same way (``max_depth=1`` is a stump).
[2] Split gain scale, checked on a stump: silva compares ``gamma`` with
    ``1/2 [G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l)]`` (the XGBoost paper's form, see
    silva/_engine/splitting.py), while both XGBoost (``loss_chg`` vs ``min_split_loss``) and
    LightGBM (``min_gain_to_split``) compare with the same bracket *without* the 1/2. So silva's
    ``gamma=g`` equals ``gamma=2g`` in XGBoost and ``min_split_gain=2g`` in LightGBM (XGBoost also
    applies gamma as bottom-up post-pruning; silva and LightGBM apply it greedily). See GAMMA_SCALE.
[3] Bins. silva: at most ``max_bin`` value bins per feature plus a separate NaN bin.
    XGBoost hist: ``max_bin=b`` gives at most b value intervals (b-1 candidate thresholds; checked
    with ``QuantileDMatrix(..., max_bin=4).get_quantile_cut()`` and the split values of a fitted
    model), and missing values take no bin (they follow a learned default direction), so XGBoost's
    ``max_bin`` equals silva's with no +1. LightGBM counts the NaN bin inside ``max_bin`` for a
    feature that has NaNs (checked with ``Dataset.feature_num_bin``: ``max_bin=4`` on a feature with
    NaNs gives 3 value bins + 1 NaN bin), so when the training matrix ``X`` is given the translator
    sets ``max_bin_by_feature`` to ``max_bin + 1`` on the features that contain NaN. HGB's ``max_bins``
    counts non-missing bins and keeps one more for NaN, like silva, but is limited to 255.
    The bin edges themselves still differ (quantile sketch, LightGBM's zero bin and min_data_in_bin).
[4] No equivalent: dropped; a warning when silva's value is not its default. XGBoost has no
    least-rows-per-child limit (silva's default min_samples_leaf=1 is no limit, so that case is
    exact). HGB has a fixed hessian floor of 1e-3 per child and no L1, gamma, row or per-tree
    column sampling.
[5] Early stopping. silva stops on the last eval_set (or a held-out ``validation_fraction``, 0.1 by
    default); LightGBM/XGBoost need an ``eval_set`` passed to ``fit`` (LightGBM watches every eval set
    unless ``first_metric_only``), so ``validation_fraction`` is not translated for them.
[6] HGB runs on OpenMP threads: limit them with ``threadpoolctl.threadpool_limits(n_jobs)``.
[7] Constraints. The peers' names are the aliases in silva/_params.py. A list of -1/0/1 goes to all
    three; a dict {feature name: -1/0/1} to XGBoost and HGB as is, to LightGBM (lists only) when the
    training frame ``X`` is given. ``interaction_cst`` groups go to HGB as is; LightGBM and XGBoost take
    lists of lists, so "pairwise"/"no_interactions" are spelled out and the features listed in no group
    added as one more group (HGB's rule) when ``X`` is given, else the value is reported untranslated.
[8] Metrics. silva's names (silva/metrics.py) become each peer's; early stopping follows silva's last
    metric: XGBoost's rule too, while LightGBM gets that metric first with ``first_metric_only``.
    Callables, and aucpr for XGBoost (whose aucpr interpolates; silva's is average precision), are
    reported untranslated.

Losses are the same in spirit, not to the last digit: e.g. for softmax XGBoost uses the hessian
2 p (1 - p) and LightGBM K/(K-1) p (1 - p).
"""
import os
import warnings

from silva import _params as _table
from silva.metrics import canonical_metric

__all__ = ["SILVA_DEFAULTS", "GAMMA_SCALE", "LIGHTGBM_MAX_LEAVES", "TranslationWarning",
           "silva_params", "untranslated", "to_lightgbm", "to_xgboost", "to_sklearn", "describe"]

# silva.BoostClassifier / BoostRegressor defaults: the parameter table's (silva/_params.py); a test
# checks the boosters' signatures against them.
# the classifier's and the regressor's parameters (some are one task's: class_weight, huber_delta, ...)
SILVA_DEFAULTS = {name: _table._resolve(_table.PARAMS[name].default, "boost", task, None)
                  for task in ("classifier", "regressor") for name in _table.names("boost", task)}
_CONSTRAINT_PARAMS = ("monotonic_cst", "interaction_cst")
_CATEGORY_PARAMS = ("categorical_features", "cat_smooth", "cat_l2", "min_data_per_group", "max_cat_threshold",
                    "cat_code_order")
# peers' split gain = GAMMA_SCALE * silva's split gain (note [2])
GAMMA_SCALE = 2.0
LIGHTGBM_MAX_LEAVES = 131072
HGB_MAX_BINS = 255

_NO_EQUIVALENT = {
    "lightgbm": {
        "categorical_features": "pass LightGBM the categorical columns as pandas category dtype",
        "cat_code_order": "LightGBM never splits categories in code order",
        "validation_fraction": "LightGBM early stopping needs an eval_set passed to fit",
        "objective": "a custom silva objective is not translated",
    },
    "xgboost": {
        **{name: "XGBoost's categorical splits have other parameters" for name in _CATEGORY_PARAMS},
        "min_samples_leaf": "XGBoost has no least-rows-per-child limit",
        "validation_fraction": "XGBoost early stopping needs an eval_set passed to fit",
        "tol": "XGBoost early stopping has no least-improvement tolerance",
        "objective": "a custom silva objective is not translated",
    },
    "sklearn": {
        **{name: "HistGradientBoosting's categorical splits have other parameters" for name in _CATEGORY_PARAMS},
        "min_child_weight": "HistGradientBoosting uses a fixed hessian floor of 1e-3",
        "reg_alpha": "HistGradientBoosting has no L1 penalty",
        "gamma": "HistGradientBoosting has no least split gain",
        "subsample": "HistGradientBoosting has no row subsampling",
        "colsample_bytree": "HistGradientBoosting has no per-tree column sampling",
        "objective": "a custom silva objective is not translated",
        "eval_metric": "HistGradientBoosting early-stops on its loss or a scorer",
    },
}
# silva metric -> the peer's name (note [8])
_PEER_METRICS = {
    "lightgbm": {"rmse": "rmse", "mae": "l1", "mape": "mape", "logloss": "binary_logloss",
                 "error": "binary_error", "auc": "auc", "aucpr": "average_precision",
                 "mlogloss": "multi_logloss", "merror": "multi_error"},
    "xgboost": {"rmse": "rmse", "mae": "mae", "mape": "mape", "logloss": "logloss", "error": "error",
                "auc": "auc", "mlogloss": "mlogloss", "merror": "merror"},
}


class TranslationWarning(UserWarning):
    """A silva parameter value that the peer library cannot reproduce."""


def silva_params(params=None, **overrides):
    """silva's full parameter dict: defaults, then ``params`` (a dict or a silva estimator), then
    ``overrides``. Unknown names raise ValueError."""
    if params is not None and hasattr(params, "get_params"):
        params = params.get_params(deep=False)
    merged = dict(SILVA_DEFAULTS)
    for source in (params or {}, overrides):
        unknown = set(source) - set(SILVA_DEFAULTS)
        if unknown:
            raise ValueError(f"not silva booster parameters: {sorted(unknown)}")
        merged.update(source)
    return merged


_EARLY_STOPPING_ONLY = ("validation_fraction", "tol")


def _differs(p, name):
    if name == "objective":
        return callable(p[name])  # a named objective is the estimator class's own one
    if name in _EARLY_STOPPING_ONLY and p["n_iter_no_change"] is None:
        return False  # unused without early stopping
    return p[name] != SILVA_DEFAULTS[name]


def _shape_note(p):
    if p["grow_policy"] == "depthwise" and p["max_leaves"] is not None:
        return "depth-wise growth with max_leaves has no exact best-first equivalent"
    return None


def untranslated(params, library, X=None):
    """[(name, reason)] for silva parameters whose value ``library`` ("lightgbm", "xgboost",
    "sklearn") cannot reproduce; empty when the peer trains the matched model. ``X``, the training
    matrix, lets constraints given by feature name or as "pairwise" reach LightGBM/XGBoost."""
    p = silva_params(params)
    out = [(name, why) for name, why in _NO_EQUIVALENT[library].items() if _differs(p, name)]
    for name in _CONSTRAINT_PARAMS:
        if p[name] is not None and library != "sklearn":
            try:
                _constraint(p, name, library, X)
            except ValueError as exc:
                out.append((name, str(exc)))
    if p["eval_metric"] is not None and library != "sklearn":
        try:
            _peer_metrics(p, library)
        except ValueError as exc:
            out.append(("eval_metric", str(exc)))
    if library in ("lightgbm", "sklearn") and _shape_note(p):
        out.append(("max_leaves", _shape_note(p)))
    if library == "sklearn" and p["max_bin"] > HGB_MAX_BINS:
        out.append(("max_bin", f"HistGradientBoosting allows at most {HGB_MAX_BINS} bins"))
    return out


def _report(params, library, strict, X=None):
    problems = untranslated(params, library, X)
    if not problems:
        return
    text = f"{library} cannot reproduce: " + "; ".join(f"{n}={params[n]!r} ({why})" for n, why in problems)
    if strict:
        raise ValueError(text)
    warnings.warn(text, TranslationWarning, stacklevel=3)


def _threads(n_jobs):
    """silva's n_jobs=None means the physical cores; peers would take all logical ones."""
    if n_jobs is not None:
        return n_jobs
    try:
        from joblib import cpu_count  # ships with scikit-learn; optional here
        return max(1, cpu_count(only_physical_cores=True))
    except Exception:
        return max(1, os.cpu_count() or 1)


def _has_nan(X):
    """Per-column 'contains NaN' for a numeric DataFrame or 2-D array."""
    import numpy as np
    if hasattr(X, "isna"):
        return [bool(v) for v in X.isna().any(axis=0).to_numpy()]
    arr = np.asarray(X, dtype=np.float64)
    return [bool(v) for v in np.isnan(arr).any(axis=0)]


def _feature_names(X):
    return [str(c) for c in X.columns] if hasattr(X, "columns") else None


def _constraint(p, name, library, X=None):
    """silva's ``monotonic_cst`` / ``interaction_cst`` as LightGBM's or XGBoost's value (note [7]);
    ValueError when it needs ``X`` and none is given."""
    value = p[name]
    n_features = None if X is None else (X.shape[1] if hasattr(X, "shape") else len(X[0]))
    names = None if X is None else _feature_names(X)
    if name == "monotonic_cst":
        if not isinstance(value, dict):
            return [int(v) for v in value]
        if library == "xgboost":
            return dict(value)
        if names is None:
            raise ValueError("LightGBM takes a list: give the training frame X to place the named constraints")
        return [int(value.get(col, 0)) for col in names]
    if n_features is None:
        raise ValueError(f"{library} needs every group spelled out: give the training matrix X")
    if value == "no_interactions":
        return [[i] for i in range(n_features)]
    if value == "pairwise":
        return [[i, j] for i in range(n_features) for j in range(i + 1, n_features)]
    index = {col: i for i, col in enumerate(names or [])}
    groups = [sorted(index[f] if isinstance(f, str) else int(f) for f in group) for group in value]
    rest = sorted(set(range(n_features)) - {f for group in groups for f in group})
    return groups + ([rest] if rest else [])


def _peer_name(name):
    """LightGBM's and XGBoost's name of a silva constraint: its alias in the parameter table."""
    return _table.PARAMS[name].aliases[0]


def to_lightgbm(params=None, X=None, strict=False, **overrides):
    """Keyword arguments for ``lightgbm.LGBMClassifier`` / ``LGBMRegressor``.

    ``X`` (the training matrix) is optional; when given, features containing NaN get one more bin
    through ``max_bin_by_feature`` so they keep ``max_bin`` value bins as in silva (note [3]).
    """
    p = silva_params(params, **overrides)
    _report(p, "lightgbm", strict, X)
    depth = p["max_depth"]
    if p["max_leaves"] is not None:
        leaves = p["max_leaves"]
    elif depth is not None:
        leaves = 2 ** depth
    else:
        leaves = LIGHTGBM_MAX_LEAVES
    kw = {
        "n_estimators": p["n_estimators"],
        "learning_rate": p["learning_rate"],
        "max_depth": -1 if depth is None else depth,
        "num_leaves": int(min(leaves, LIGHTGBM_MAX_LEAVES)),
        "min_child_weight": p["min_child_weight"],      # min_sum_hessian_in_leaf
        "min_child_samples": p["min_samples_leaf"],     # min_data_in_leaf
        "reg_lambda": p["reg_lambda"],                  # lambda_l2
        "reg_alpha": p["reg_alpha"],                    # lambda_l1
        "min_split_gain": GAMMA_SCALE * p["gamma"],     # min_gain_to_split, note [2]
        "subsample": p["subsample"],                    # bagging_fraction
        "subsample_freq": 1 if p["subsample"] < 1.0 else 0,  # bagging_freq: resample every round
        "colsample_bytree": p["colsample_bytree"],      # feature_fraction
        "feature_fraction_bynode": p["colsample_bynode"],
        "max_bin": p["max_bin"],
        "random_state": p["random_state"],
        "n_jobs": _threads(p["n_jobs"]),
        "verbose": -1,
        "cat_smooth": p["cat_smooth"], "cat_l2": p["cat_l2"],
        "min_data_per_group": p["min_data_per_group"], "max_cat_threshold": p["max_cat_threshold"],
    }
    if X is not None:
        nan_cols = _has_nan(X)
        if any(nan_cols):
            kw["max_bin_by_feature"] = [p["max_bin"] + int(has) for has in nan_cols]
    if p["n_iter_no_change"] is not None:
        kw["early_stopping_round"] = p["n_iter_no_change"]
        kw["early_stopping_min_delta"] = p["tol"]
    _add_constraints(kw, p, "lightgbm", X)
    _add_metrics(kw, p, "lightgbm")
    return kw


def _peer_metrics(p, library):
    """The peer's names of silva's ``eval_metric`` (note [8]); ValueError for one it lacks."""
    spec = p["eval_metric"]
    names = []
    for item in (spec if isinstance(spec, (list, tuple)) else [spec]):
        canon = None if callable(item) else _PEER_METRICS[library].get(canonical_metric(item))
        if canon is None:
            raise ValueError(f"{library} has no metric equal to silva's {item!r}")
        names.append(canon)
    return names


def _add_metrics(kw, p, library):
    if p["eval_metric"] is None:
        return
    try:
        names = _peer_metrics(p, library)
    except ValueError:
        return  # reported by _report
    if library == "xgboost":
        kw["eval_metric"] = names
    else:
        kw.update(metric=[names[-1], *names[:-1]], first_metric_only=True)


def _add_constraints(kw, p, library, X):
    for name in _CONSTRAINT_PARAMS:
        if p[name] is not None:
            try:
                kw[_peer_name(name)] = _constraint(p, name, library, X)
            except ValueError:
                pass  # reported by _report


def to_xgboost(params=None, strict=False, X=None, **overrides):
    """Keyword arguments for ``xgboost.XGBClassifier`` / ``XGBRegressor`` with ``tree_method="hist"``
    (``X``, the training matrix, is needed only for interaction constraints: note [7])."""
    p = silva_params(params, **overrides)
    _report(p, "xgboost", strict, X)
    kw = {
        "tree_method": "hist",
        "n_estimators": p["n_estimators"],
        "learning_rate": p["learning_rate"],
        "max_depth": 0 if p["max_depth"] is None else p["max_depth"],
        "max_leaves": 0 if p["max_leaves"] is None else p["max_leaves"],
        "grow_policy": "lossguide" if p["grow_policy"] == "leafwise" else "depthwise",
        "min_child_weight": p["min_child_weight"],
        "reg_lambda": p["reg_lambda"],
        "reg_alpha": p["reg_alpha"],
        "gamma": GAMMA_SCALE * p["gamma"],  # min_split_loss, note [2]
        "subsample": p["subsample"],
        "colsample_bytree": p["colsample_bytree"],
        "colsample_bynode": p["colsample_bynode"],
        "max_bin": p["max_bin"],  # same count as silva's, no +1: note [3]
        "random_state": p["random_state"],
        "n_jobs": _threads(p["n_jobs"]),
        "verbosity": 0,
    }
    if p["n_iter_no_change"] is not None:
        kw["early_stopping_rounds"] = p["n_iter_no_change"]
    _add_constraints(kw, p, "xgboost", X)
    _add_metrics(kw, p, "xgboost")
    return kw


def to_sklearn(params=None, strict=False, **overrides):
    """Keyword arguments for ``sklearn.ensemble.HistGradientBoostingClassifier`` / ``...Regressor``.

    Every column is treated as numeric (``categorical_features=None``), as silva does.
    """
    p = silva_params(params, **overrides)
    _report(p, "sklearn", strict)
    kw = {
        "max_iter": p["n_estimators"],
        "learning_rate": p["learning_rate"],
        "max_depth": p["max_depth"],
        "max_leaf_nodes": p["max_leaves"],  # None: no limit (depth-wise = unbounded best-first), note [1]
        "min_samples_leaf": p["min_samples_leaf"],
        "l2_regularization": p["reg_lambda"],
        "max_features": p["colsample_bynode"],
        "max_bins": int(min(p["max_bin"], HGB_MAX_BINS)),
        "categorical_features": None,
        "random_state": p["random_state"],
        "verbose": 0,
    }
    for name in _CONSTRAINT_PARAMS:  # HGB's own names and forms
        if p[name] is not None:
            kw[name] = p[name]
    if p["n_iter_no_change"] is None:
        kw["early_stopping"] = False  # HGB's default "auto" would stop early on > 10,000 rows
    else:
        kw.update(early_stopping=True, n_iter_no_change=p["n_iter_no_change"],
                  validation_fraction=0.1 if p["validation_fraction"] is None else p["validation_fraction"],
                  tol=p["tol"])
    return kw


def describe(params=None, **overrides):
    """One line per library: the translated keywords (for messages and benchmark logs)."""
    p = silva_params(params, **overrides)
    lines = ["silva: " + ", ".join(f"{k}={v!r}" for k, v in p.items() if v != SILVA_DEFAULTS[k])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TranslationWarning)
        for name, fn in (("lightgbm", to_lightgbm), ("xgboost", to_xgboost), ("sklearn", to_sklearn)):
            lines.append(f"{name}: " + ", ".join(f"{k}={v!r}" for k, v in fn(p).items()))
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - quick look at a translation
    print(describe(max_depth=6))
    print(describe(grow_policy="leafwise", max_leaves=31, max_depth=None))
