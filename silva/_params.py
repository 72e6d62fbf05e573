"""One table of estimator parameters: range check, peer aliases and a doc line.

Estimators validate at fit time (scikit-learn convention: __init__ only stores). The aliases let the
command line and users coming from LightGBM/XGBoost find silva's name for a parameter.
"""
import numbers

from ._validation import check_number

# name: (check keyword arguments, LightGBM/XGBoost aliases, doc line)
PARAMS = {
    "n_estimators": (dict(low=1, integer=True), ("num_boost_round", "num_iterations", "max_iter"),
                     "number of boosting rounds (trees per output)"),
    "learning_rate": (dict(low=0, low_open=True), ("eta", "shrinkage_rate"), "shrinkage of each tree"),
    "max_depth": (dict(low=1, integer=True, allow_none=True), (), "deepest level of a tree (None: no limit)"),
    "max_leaves": (dict(low=2, integer=True, allow_none=True), ("num_leaves", "max_leaf_nodes"),
                   "most leaves per tree (None: no limit)"),
    "min_child_weight": (dict(low=0), ("min_sum_hessian_in_leaf",), "least sum of hessians in a child"),
    "min_samples_leaf": (dict(low=1, integer=True), ("min_child_samples", "min_data_in_leaf"),
                         "least number of rows in a child"),
    "reg_lambda": (dict(low=0), ("lambda", "lambda_l2", "l2_regularization"), "L2 penalty on leaf values"),
    "reg_alpha": (dict(low=0), ("alpha", "lambda_l1"), "L1 penalty on leaf values"),
    # No peer alias: silva's gamma is compared with the 1/2-scaled gain of the XGBoost paper, while
    # XGBoost's min_split_loss and LightGBM's min_split_gain compare the unscaled sum (2x silva's).
    "gamma": (dict(low=0), (), "least gain 1/2[GL^2/(HL+l)+GR^2/(HR+l)-G^2/(H+l)] for a split"),
    "subsample": (dict(low=0, high=1, low_open=True), ("bagging_fraction",), "fraction of rows per round"),
    "colsample_bytree": (dict(low=0, high=1, low_open=True), ("feature_fraction",),
                         "fraction of features per tree"),
    "colsample_bynode": (dict(low=0, high=1, low_open=True), ("feature_fraction_bynode",),
                         "fraction of the tree's features per node"),
    "max_bin": (dict(low=2, high=65535, integer=True), ("max_bins",), "most value bins per feature"),
    "n_iter_no_change": (dict(low=1, integer=True, allow_none=True), ("early_stopping_rounds",),
                         "rounds without improvement before stopping (None: no early stopping)"),
    "validation_fraction": (dict(low=0, high=1, low_open=True, high_open=True, allow_none=True), (),
                            "held-out fraction for early stopping when no eval_set is given"),
    "tol": (dict(low=0), (), "least improvement of the validation metric that counts"),
    "verbose": (dict(low=0, integer=True), ("verbosity",), "print a line every `verbose` rounds"),
    "cat_smooth": (dict(low=0), (), "smoothing of category gradient ratios when ordering categories"),
    "cat_l2": (dict(low=0), (), "extra L2 penalty on categorical splits"),
    "min_data_per_group": (dict(low=1, integer=True), (), "least rows a category group adds to a split"),
    "max_cat_threshold": (dict(low=1, integer=True), (), "most categories on the smaller side of a split"),
}

GROW_POLICIES = ("depthwise", "leafwise")


def _check_max_features(name, value):
    """None, "sqrt", "log2", an int >= 1 (features per split) or a float in (0, 1] (a fraction)."""
    if value is None or (isinstance(value, str) and value in ("sqrt", "log2")):
        return
    if isinstance(value, str):
        raise ValueError(f"{name} must be None, 'sqrt', 'log2', an integer >= 1 or a float in (0, 1], "
                         f"got {value!r}")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=1, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


def _check_min_samples_split(name, value):
    """An int >= 2 (rows) or a float in (0, 1] (a fraction of the training rows, rounded up)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=2, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


def _check_loss(name, value):
    # the estimator checks the name against its own losses (silva/losses/gradient_boosting.py)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string naming a loss, got {value!r}")


# Parameters of the classic family under scikit-learn's names (GBDTClassifier/GBDTRegressor): name ->
# (check, doc line); a dict check goes to check_number, a callable is called as check(name, value).
# A separate table, not PARAMS, because "alpha" and "max_leaf_nodes" are LightGBM/XGBoost aliases of
# reg_alpha and max_leaves there: canonical_name must keep resolving them so for the boosters.
CLASSIC_PARAMS = {
    "loss": (_check_loss, "loss function (scikit-learn's names)"),
    "alpha": (dict(low=0, high=1, low_open=True, high_open=True),
              "quantile of the huber and quantile losses"),
    "max_leaf_nodes": (dict(low=2, integer=True, allow_none=True),
                       "most leaves per tree, grown best-first (None: depth-wise growth)"),
    "max_features": (_check_max_features, "features drawn for each split (None: all)"),
    "min_samples_split": (_check_min_samples_split, "least number of rows a node needs to be split"),
}


def validate_params(estimator):
    params = estimator.get_params(deep=False)
    for name, (check, _, _) in PARAMS.items():
        if name in params:
            check_number(name, params[name], **check)
    for name, (check, _) in CLASSIC_PARAMS.items():
        if name in params:
            if callable(check):
                check(name, params[name])
            else:
                check_number(name, params[name], **check)
    if "cat_code_order" in params and not (params["cat_code_order"] is True or params["cat_code_order"] is False
                                           or params["cat_code_order"] == "auto"):
        raise ValueError(f"cat_code_order must be 'auto', True or False, got {params['cat_code_order']!r}")
    if "grow_policy" in params and params["grow_policy"] not in GROW_POLICIES:
        raise ValueError(f"grow_policy must be one of {GROW_POLICIES}, got {params['grow_policy']!r}")
    if params.get("grow_policy") == "leafwise" and params.get("max_leaves") is None \
            and params.get("max_depth") is None:
        raise ValueError("leaf-wise growth needs max_leaves or max_depth (both are None)")


def canonical_name(name):
    """silva's name for a parameter given under a peer's alias (None when unknown)."""
    if name in PARAMS:
        return name
    for canon, (_, aliases, _) in PARAMS.items():
        if name in aliases:
            return canon
    return None


# ---------------------------------------------------------------- CART family (trees and forests)
# DecisionTree*, RandomForest*, ExtraTrees* use scikit-learn's names. A separate table because their
# max_bin may also be None (exact splits: one bin per distinct value), which the boosters refuse.

def _check_bool(name, value):
    import numpy as np  # here: this module otherwise needs no numpy

    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def _check_criterion(name, value):
    # the estimator checks the name against its task (classification or regression)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string naming a split criterion, got {value!r}")


def _check_splitter(name, value):
    if value not in ("best", "random"):
        raise ValueError(f"{name} must be 'best' or 'random', got {value!r}")


def _check_class_weight(name, value):
    """None, "balanced", "balanced_subsample" (forests; the estimator checks) or a dict label -> weight."""
    if value is None or value in ("balanced", "balanced_subsample"):
        return
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be None, 'balanced', 'balanced_subsample' or a dict "
                         f"{{label: weight}}, got {value!r}")
    for label, weight in value.items():
        check_number(f"{name}[{label!r}]", weight, low=0)


def _check_max_samples(name, value):
    """None, an int >= 1 (rows drawn per tree) or a float in (0, 1] (a fraction of the rows)."""
    if value is None:
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=1, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


CART_PARAMS = {
    "criterion": (_check_criterion, "split criterion: gini/entropy/log_loss or squared_error"),
    "splitter": (_check_splitter, "'best' threshold per feature, or 'random' (extremely randomised)"),
    "min_weight_fraction_leaf": (dict(low=0, high=0.5), "least share of the total weight in a leaf"),
    "min_impurity_decrease": (dict(low=0), "least weighted impurity decrease of a split"),
    "ccp_alpha": (dict(low=0), "minimal cost-complexity pruning strength"),
    "class_weight": (_check_class_weight, "weights of the classes (None, 'balanced', dict)"),
    "bootstrap": (_check_bool, "draw each tree's rows with replacement"),
    "oob_score": (_check_bool, "score the forest on each tree's out-of-bag rows"),
    "warm_start": (_check_bool, "add trees to the fitted forest instead of refitting"),
    "max_samples": (_check_max_samples, "rows drawn per tree (int or fraction; None: all)"),
}


def validate_cart_params(estimator):
    """validate_params for the CART family: the shared tables, with max_bin=None allowed."""
    params = estimator.get_params(deep=False)
    for name, (check, _, _) in PARAMS.items():
        if name in params and not (name == "max_bin" and params[name] is None):
            check_number(name, params[name], **check)
    for table in (CLASSIC_PARAMS, CART_PARAMS):
        for name, (check, _) in table.items():
            if name in params:
                if callable(check):
                    check(name, params[name])
                else:
                    check_number(name, params[name], **check)
