"""The one parameter table (silva/_params.py) against every estimator: names, defaults, aliases, checks,
the per-model meaning of ``alpha`` and the generated docs."""
import inspect

import numpy as np
import pytest

import silva
from silva import _params as P
from silva._params import PARAMS, By, canonical_name, param_docs, validate_params

ESTIMATORS = [getattr(silva, name) for name in silva.__all__ if isinstance(getattr(silva, name), type)]
# parameters being added to the estimators in this issue: in the table already, not yet in every
# estimator's signature. Drop a name here once every estimator the table lists for it has it.
BEING_ADDED = set()


def _init_defaults(cls):
    return {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_parameter_is_in_the_table_for_its_model(cls):
    model, task, _ = P._context(cls)
    assert model in P.MODELS, f"{cls.__name__}: no model family"
    params = set(cls().get_params(deep=False))
    table = set(P.names(model, task))
    assert params - table == set(), f"{cls.__name__} parameters missing from the table for {model!r}"
    assert table - params <= BEING_ADDED, f"the table gives {cls.__name__} parameters it does not take"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_table_defaults_are_the_estimators_defaults(cls):
    """So neither the docs generated from the table nor the translator can drift from the code."""
    for name, value in _init_defaults(cls).items():
        want = P.default(name, cls)
        assert not isinstance(want, By), f"{name}: default not resolved for {cls.__name__}: {want!r}"
        assert type(want) is type(value) and want == value, \
            f"{cls.__name__}.{name}: table default {want!r}, __init__ default {value!r}"


def test_each_model_is_in_the_table():
    assert {P.model_of(cls) for cls in ESTIMATORS} == set(P.MODELS)
    for name, p in PARAMS.items():
        assert p.models and p.models <= set(P.MODELS), name
        for model in p.models:  # every model that takes it has a default, a type and a doc
            for task in P.MODEL_TASKS[model]:
                if p.takes(model, task):
                    ctx = (model, task, None)
                    assert P._resolve(p.doc, *ctx) is not By._MISSING, (name, model)
                    assert P._resolve(p.type, *ctx) is not By._MISSING, (name, model)
                    assert P._resolve(p.default, *ctx) is not By._MISSING, (name, model)


@pytest.mark.parametrize("model", P.MODELS)
def test_aliases_are_unique_per_model(model):
    own = set(P.names(model))
    seen = {}
    for name in own:
        for alias in PARAMS[name].aliases:
            assert alias not in own, f"{model}: alias {alias!r} of {name} is a parameter itself"
            assert alias not in seen, f"{model}: alias {alias!r} of both {seen[alias]} and {name}"
            seen[alias] = name
    for alias, name in seen.items():
        assert canonical_name(alias, model) == name
    for name in own:
        assert canonical_name(name, model) == name


def test_alpha_means_one_thing_per_model():
    assert canonical_name("alpha", model="boost") == "reg_alpha"
    assert canonical_name("alpha", model=silva.BoostRegressor) == "reg_alpha"
    assert canonical_name("alpha", model="gbdt") == "alpha"
    assert canonical_name("alpha", model=silva.GBDTRegressor()) == "alpha"
    assert canonical_name("alpha", model="cart") is None
    assert canonical_name("max_leaf_nodes", model="boost") == "max_leaves"
    assert canonical_name("max_leaf_nodes", model="forest") == "max_leaf_nodes"
    assert canonical_name("num_leaves", model="gbdt") == "max_leaf_nodes"
    with pytest.raises(ValueError, match="reg_alpha for boost; alpha for gbdt"):
        canonical_name("alpha")
    assert canonical_name("eta") == "learning_rate"  # one meaning: no model needed
    assert canonical_name("monotone_constraints") == "monotonic_cst"
    assert canonical_name("interaction_constraints", "boost") == "interaction_cst"
    assert canonical_name("interaction_constraints", "forest") is None
    assert canonical_name("no_such_thing") is None
    with pytest.raises(ValueError, match="model must be one of"):
        canonical_name("eta", model="xgboost")


# one bad value per checked parameter; a new checked parameter must add one here
BAD = {
    "loss": [None, 3], "objective": [3], "criterion": [None], "splitter": ["worst"],
    "n_estimators": [0, 1.5], "learning_rate": [0, -1], "max_depth": [0, 2.5], "max_leaves": [1],
    "max_leaf_nodes": [1], "grow_policy": ["sideways"], "min_child_weight": [-1], "min_samples_split": [1, 1.5],
    "min_samples_leaf": [0], "min_weight_fraction_leaf": [0.6], "min_impurity_decrease": [-0.1],
    "reg_lambda": [-1], "reg_alpha": [-1], "alpha": [0.0, 1.0], "gamma": [-1], "ccp_alpha": [-1],
    "huber_delta": [0, -1], "quantile_alpha": [0, 1.0, [0.1, 0.1], [], [0.5, 2], "0.5"],
    "tweedie_variance_power": [0.5, 2.0], "lambdarank_truncation_level": [0, 1.5],
    "label_gain": [[-1.0], "x", [], [1.0, float("inf")]], "lambdarank_norm": ["yes"],
    "booster": ["gblinearx"], "data_sample_strategy": ["random"], "top_rate": [0, 1.0], "other_rate": [0, 1.5],
    "rate_drop": [-0.1, 1.5], "skip_drop": [2], "normalize_type": ["none"], "sample_type": ["x"],
    "one_drop": [1], "updater": ["gpu_coord_descent", "greedy"], "feature_selector": ["greedy", "thrifty"],
    "max_delta_step": [-0.1], "base_score": ["mean", float("nan")],
    "subsample": [0.0, 1.5], "colsample_bytree": [0.0], "colsample_bynode": [2.0],
    "max_features": ["auto", 0, 1.5], "bootstrap": ["yes"], "oob_score": [1], "max_samples": [0, 1.5],
    "warm_start": [None], "class_weight": ["even", {0: -1.0}], "scale_pos_weight": [0.0, -1.0, "2"],
    "max_bin": [1, 65536, 2.5, "255"],
    "cat_smooth": [-1], "cat_l2": [-1], "min_data_per_group": [0], "max_cat_threshold": [0],
    "cat_code_order": ["yes", 1], "cat_encoding": ["ordinal", {"c": "onehot"}, {1.5: "set"}, None],
    "max_cat_bins": [1, 65536, 2.5], "monotonic_cst": [[1, 2], "increasing", {"a": 2}, {0: 1}, [True], [1.0]],
    "interaction_cst": ["all", [0, 1], [[0, -1]], [[0.5]]], "n_iter_no_change": [0],
    "validation_fraction": [0.0, 1.0], "tol": [-1], "verbose": [-1, 0.5],
    "eval_metric": [3, [], ["auc", 0.5]],
}
GOOD = {
    "monotonic_cst": [None, [1, 0, -1], (0,), np.array([1, -1]), {"age": 1, "income": -1}, [np.int8(1)]],
    "interaction_cst": [None, "pairwise", "no_interactions", [[0, 1], [2]], [{0, 1}, ("age", "income")], []],
    "max_bin": [2, 65535],
    "quantile_alpha": [0.5, [0.1, 0.5, 0.9], (0.05, 0.95), np.array([0.2, 0.8])],
    "base_score": [None, 0.5, -3.0],
    "eval_metric": [None, "auc", ["rmse", "mae"], ("error", "logloss"), len],
}


def _instance(cls):
    params = cls().get_params(deep=False)
    return cls(), params


def test_every_checked_parameter_has_a_bad_value_here():
    checked = {name for name, p in PARAMS.items() if p.check is not None}
    assert checked == set(BAD)


def _estimators_taking(name):
    return [cls for cls in ESTIMATORS if name in cls().get_params(deep=False)]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_values_raise_naming_the_parameter(name):
    estimators = _estimators_taking(name)
    if not estimators:
        assert name in BEING_ADDED
        model = next(iter(PARAMS[name].models))
        checks = [P._resolve(PARAMS[name].check, model)]
    else:
        checks = None
    for bad in BAD[name]:
        if checks is not None:  # not in a signature yet: the check itself
            with pytest.raises(ValueError, match=name):
                P._run_check(checks[0], name, bad)
            continue
        for cls in estimators:
            est = cls().set_params(**{name: bad})
            with pytest.raises(ValueError, match=name):
                validate_params(est)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_values_pass(name):
    for model in PARAMS[name].models:
        for good in GOOD[name]:
            P._run_check(P._resolve(PARAMS[name].check, model), name, good)


def test_max_bin_none_only_where_a_bin_per_value_is_implemented():
    for cls in ESTIMATORS:
        est = cls(max_bin=None)
        if P.model_of(cls) in ("cart", "forest", "adaboost"):
            validate_params(est)
        else:
            with pytest.raises(ValueError, match="max_bin"):
                validate_params(est)
    assert P.validate_cart_params is validate_params


def test_leafwise_needs_a_limit():
    with pytest.raises(ValueError, match="leaf-wise"):
        validate_params(silva.BoostRegressor(grow_policy="leafwise", max_depth=None))
    validate_params(silva.BoostRegressor(grow_policy="leafwise", max_depth=None, max_leaves=31))


def test_defaults_that_differ_between_models():
    assert P.default("max_depth", "boost") == 6
    assert P.default("max_depth", "gbdt") == 3
    assert P.default("max_depth", "cart") is None
    assert P.default("max_features", silva.RandomForestClassifier) == "sqrt"
    assert P.default("max_features", silva.ExtraTreesRegressor) == 1.0
    assert P.default("max_features", "gbdt") is None
    assert P.default("bootstrap", silva.ExtraTreesClassifier) is False
    assert P.default("loss", silva.AdaBoostRegressor) == "linear"
    assert isinstance(P.default("max_features", "forest"), By)  # depends on the task
    with pytest.raises(KeyError):
        P.default("alpha", silva.GBDTClassifier)  # the regressor's only


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_param_docs(cls):
    text = param_docs(cls)
    lines = text.splitlines()
    assert lines[:2] == ["    Parameters", "    ----------"]
    entries = [line.strip() for line in lines if line.startswith("    ") and not line.startswith("     ")][2:]
    assert [e.split(" : ")[0] for e in entries] == list(_init_defaults(cls))  # __init__ order
    for entry, (name, value) in zip(entries, _init_defaults(cls).items()):
        assert entry.endswith(f"default={P._format_value(value)}"), entry
    assert max(len(line) for line in lines) <= 108
    # the estimator's docstring holds this section (document_params; tests/test_docstrings.py checks it)
    assert text in cls.__doc__


def test_param_docs_by_family():
    text = param_docs("forest", ["max_features", "bootstrap"])
    assert 'default="sqrt" (classifiers), 1.0 (regressors)' in text
    assert "default=True (RandomForest), False (ExtraTrees)" in text
    text = param_docs("gbdt", ["alpha", "tol"], task="regressor", header=False)
    assert text.startswith("    alpha : float, default=0.9\n") and "default=1e-4" in text
    with pytest.raises(KeyError, match="reg_alpha"):
        param_docs("gbdt", ["reg_alpha"])
