"""One table of estimator parameters: range check, peer aliases and a doc line.

Estimators validate at fit time (scikit-learn convention: __init__ only stores). The aliases let the
command line and users coming from LightGBM/XGBoost find silva's name for a parameter.
"""
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
}

GROW_POLICIES = ("depthwise", "leafwise")


def validate_params(estimator):
    params = estimator.get_params(deep=False)
    for name, (check, _, _) in PARAMS.items():
        if name in params:
            check_number(name, params[name], **check)
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
