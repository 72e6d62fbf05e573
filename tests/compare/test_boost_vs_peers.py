"""silva's boosters against LightGBM and XGBoost on real data, with matched parameters.

Every model gets its parameters from one silva parameter set through ``translate.py``; categorical
columns become float codes (``datasets.to_numeric``) for all of them, since silva has no native
categorical support yet. silva's held-out metric may trail the *weaker* of the two peers by at most
0.005 AUC (binary), 1% RMSE (regression, relative) or 0.5 accuracy points (multiclass).

The small sets are copied under tests/data; adult, california_housing and
default_credit_card_taiwan come from ../shared/data and are skipped when it is absent.
"""
import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

import silva
from datasets import load, to_numeric

from . import translate as T

lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")

THREADS = 2
SEED = 0
# binary: AUC points; multiclass: accuracy (fraction, 0.005 = 0.5 points); regression: relative RMSE
TOL = {"binary": 0.005, "multiclass": 0.005, "regression": 0.01}
RANDOM_SPLIT = {"california_housing": False, "default_credit_card_taiwan": True}  # name -> stratify

DEPTHWISE = dict(n_estimators=200, learning_rate=0.1, max_depth=6, grow_policy="depthwise")
LEAFWISE = dict(n_estimators=200, learning_rate=0.1, max_depth=None, max_leaves=31, grow_policy="leafwise")
REGULARISED = dict(DEPTHWISE, subsample=0.8, colsample_bytree=0.8, colsample_bynode=0.8,
                   min_child_weight=5.0, reg_lambda=5.0, reg_alpha=1.0, gamma=0.5)

CASES = [
    pytest.param("lightgbm_binary", DEPTHWISE, id="lightgbm_binary-depthwise"),
    pytest.param("lightgbm_binary", LEAFWISE, id="lightgbm_binary-leafwise31"),
    pytest.param("adult", DEPTHWISE, id="adult-depthwise"),
    pytest.param("adult", REGULARISED, id="adult-regularised"),
    pytest.param("california_housing", DEPTHWISE, id="california_housing-depthwise"),
    pytest.param("california_housing", dict(LEAFWISE, max_bin=63), id="california_housing-leafwise31-bin63"),
    pytest.param("lightgbm_multiclass", dict(DEPTHWISE, n_estimators=100), id="lightgbm_multiclass-depthwise"),
    pytest.param("xgboost_agaricus", dict(DEPTHWISE, n_estimators=50), id="xgboost_agaricus-depthwise"),
    pytest.param("default_credit_card_taiwan", DEPTHWISE, id="default_credit_card_taiwan-depthwise"),
    # heavier: run with -m slow
    pytest.param("lightgbm_multiclass", dict(LEAFWISE, n_estimators=100), marks=pytest.mark.slow,
                 id="lightgbm_multiclass-leafwise31"),
    pytest.param("default_credit_card_taiwan", REGULARISED, marks=pytest.mark.slow,
                 id="default_credit_card_taiwan-regularised"),
    pytest.param("adult", dict(LEAFWISE, n_estimators=500, learning_rate=0.05), marks=pytest.mark.slow,
                 id="adult-leafwise31-500"),
]


@functools.lru_cache(maxsize=None)
def _split(name):
    """(X_train, X_test, y_train, y_test, task): the given split, or a seeded random 80/20 one."""
    if name in RANDOM_SPLIT:
        X, y = load(name)
        X = to_numeric(X)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=SEED,
                                                  stratify=y if RANDOM_SPLIT[name] else None)
    else:
        X_tr, y_tr = load(f"{name}_train")
        X_te, y_te = load(f"{name}_test")
        X_tr, X_te = to_numeric(X_tr), to_numeric(X_te, reference=X_tr)
    if np.issubdtype(y_tr.dtype, np.floating) and np.unique(y_tr).size > 20:
        task = "regression"
    else:
        task = "binary" if np.unique(y_tr).size == 2 else "multiclass"
    return X_tr, X_te, y_tr, y_te, task


def _models(task, params, X_train):
    """{library: unfitted estimator} built from one silva parameter set."""
    p = T.silva_params(params, n_jobs=THREADS, random_state=SEED)
    reg = task == "regression"
    return {
        "silva": _silva_model(silva.BoostRegressor if reg else silva.BoostClassifier, p),
        "LightGBM": (lgb.LGBMRegressor if reg else lgb.LGBMClassifier)(**T.to_lightgbm(p, X=X_train, strict=True)),
        "XGBoost": (xgb.XGBRegressor if reg else xgb.XGBClassifier)(**T.to_xgboost(p, strict=True)),
    }


def _silva_model(cls, params):
    """The estimator with the translator's parameters that it takes (the table's union of the
    classifier's and the regressor's)."""
    own = cls().get_params()
    return cls(**{k: v for k, v in params.items() if k in own})


def _score(task, model, X, y):
    if task == "binary":
        return roc_auc_score(y, model.predict_proba(X)[:, 1])
    if task == "multiclass":
        return accuracy_score(y, model.predict(X))
    return float(np.sqrt(mean_squared_error(y, model.predict(X))))


@pytest.mark.parametrize("name, params", CASES)
def test_silva_matches_peers(name, params):
    X_tr, X_te, y_tr, y_te, task = _split(name)
    scores = {}
    for lib, model in _models(task, params, X_tr).items():
        model.fit(X_tr, y_tr)
        scores[lib] = _score(task, model, X_te, y_te)
    s, peers = scores["silva"], (scores["LightGBM"], scores["XGBoost"])
    metric = {"binary": "AUC", "multiclass": "accuracy", "regression": "RMSE"}[task]
    table = ", ".join(f"{lib} {v:.5g}" for lib, v in scores.items())
    print(f"\n{name} {params}: {metric}: {table}")
    if task == "regression":
        weaker = max(peers)
        ok = s <= weaker * (1 + TOL[task])
        rule = f"at most {TOL[task]:.0%} above the weaker peer's {weaker:.5g}"
    else:
        weaker = min(peers)
        ok = s >= weaker - TOL[task]
        rule = f"at most {TOL[task]} below the weaker peer's {weaker:.5g}"
    assert ok, f"{name} {params}: test {metric}: {table}; silva must be {rule}"


# ----------------------------------------------------------------- the translator's claims
def test_silva_defaults_in_sync():
    params = {}
    for cls in (silva.BoostClassifier, silva.BoostRegressor):
        own = cls().get_params()
        assert own == {k: T.SILVA_DEFAULTS[k] for k in own}
        params.update(own)
    assert params == T.SILVA_DEFAULTS


def _stump_splits(lib, gamma):
    """Does a one-round stump split when silva's gamma is ``gamma``? Data: 4 values x 25 copies of
    y = [0, 0, 1, 1]; from the mean 0.5, G_L = 25, H_L = 50, G_R = -25, H_R = 50, so with lambda = 0
    the bracket G_L^2/H_L + G_R^2/H_R - G^2/H is 25, and silva's gain (half of it) is 12.5."""
    X = np.tile(np.arange(4.0), 25).reshape(-1, 1)
    y = np.tile([0.0, 0.0, 1.0, 1.0], 25)
    p = dict(n_estimators=1, learning_rate=1.0, max_depth=1, reg_lambda=0.0, min_child_weight=0.0,
             gamma=gamma, n_jobs=1, random_state=0)
    if lib == "silva":
        model = silva.BoostRegressor(**p)
    elif lib == "lightgbm":
        model = lgb.LGBMRegressor(**T.to_lightgbm(p))
    else:
        model = xgb.XGBRegressor(**T.to_xgboost(p))
    model.fit(X, y)
    return np.unique(np.round(model.predict(X), 9)).size > 1


@pytest.mark.parametrize("lib", ["silva", "lightgbm", "xgboost"])
def test_gamma_scale(lib):
    # silva's gain is 12.5: a split under gamma 12, none under 13; the translated peers (gamma 24
    # and 26 against their bracket of 25) must agree
    assert _stump_splits(lib, 12.0)
    assert not _stump_splits(lib, 13.0)


def test_max_bin_counts_value_bins_alike():
    from silva.data import BinMapper
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 2))
    X[::10, 1] = np.nan  # the second feature has missing values
    max_bin = 8
    silva_bins = BinMapper(max_bin=max_bin).fit(X).n_value_bins_
    assert list(silva_bins) == [max_bin, max_bin]
    # XGBoost: thresholds strictly inside the data range = value bins - 1; NaN takes no bin
    kw = T.to_xgboost(dict(max_bin=max_bin))
    ptr, cuts = xgb.QuantileDMatrix(X, max_bin=kw["max_bin"]).get_quantile_cut()
    for j in range(2):
        col = X[:, j][~np.isnan(X[:, j])]
        inner = cuts[ptr[j]:ptr[j + 1]]
        inner = inner[(inner > col.min()) & (inner < col.max())]
        assert inner.size + 1 == silva_bins[j]
    # LightGBM: max_bin counts the NaN bin, so the NaN feature is given one more
    kw = T.to_lightgbm(dict(max_bin=max_bin), X=X)
    assert kw["max_bin_by_feature"] == [max_bin, max_bin + 1]
    ds = lgb.Dataset(X, rng.normal(size=5000), params=dict(
        max_bin=kw["max_bin"], max_bin_by_feature=kw["max_bin_by_feature"], verbose=-1)).construct()
    assert [ds.feature_num_bin(0), ds.feature_num_bin(1) - 1] == list(silva_bins)


def test_translation_of_shapes_and_sampling():
    lg = T.to_lightgbm(dict(max_depth=5, subsample=0.7, colsample_bynode=0.5, gamma=0.25, n_jobs=3))
    assert (lg["num_leaves"], lg["max_depth"], lg["subsample_freq"], lg["min_split_gain"]) == (32, 5, 1, 0.5)
    assert lg["feature_fraction_bynode"] == 0.5 and lg["n_jobs"] == 3 and lg["verbose"] == -1
    lw = T.to_lightgbm(LEAFWISE)
    assert (lw["num_leaves"], lw["max_depth"]) == (31, -1)
    xg = T.to_xgboost(LEAFWISE)
    assert (xg["grow_policy"], xg["max_leaves"], xg["max_depth"], xg["tree_method"]) == ("lossguide", 31, 0, "hist")
    sk = T.to_sklearn(DEPTHWISE)
    assert sk["max_leaf_nodes"] is None and sk["max_depth"] == 6 and sk["early_stopping"] is False
    with pytest.warns(T.TranslationWarning, match="min_samples_leaf"):
        T.to_xgboost(dict(min_samples_leaf=20))
    with pytest.raises(ValueError, match="reg_alpha"):
        T.to_sklearn(dict(reg_alpha=1.0), strict=True)
    with pytest.raises(ValueError, match="not silva booster parameters"):
        T.to_lightgbm(dict(num_leaves=31))


def test_translation_of_eval_metrics():
    """The peers early-stop on silva's last metric: XGBoost's own rule; LightGBM's first metric."""
    lg = T.to_lightgbm(dict(eval_metric=["binary_logloss", "auc", "aucpr"], n_iter_no_change=5))
    assert lg["metric"] == ["average_precision", "binary_logloss", "auc"] and lg["first_metric_only"] is True
    assert T.to_xgboost(dict(eval_metric=["mae", "rmse"]))["eval_metric"] == ["mae", "rmse"]
    assert "metric" not in T.to_lightgbm(DEPTHWISE) and "eval_metric" not in T.to_xgboost(DEPTHWISE)
    with pytest.raises(ValueError, match="xgboost has no metric equal to silva's 'aucpr'"):
        T.to_xgboost(dict(eval_metric="aucpr"), strict=True)
    with pytest.warns(T.TranslationWarning, match="lightgbm has no metric equal to silva's <built-in function len>"):
        kw = T.to_lightgbm(dict(eval_metric=len))
    assert "metric" not in kw
    with pytest.raises(ValueError, match="eval_metric"):
        T.to_sklearn(dict(eval_metric="auc"), strict=True)


# ----------------------------------------------------------------- data helpers and small sets
def test_to_numeric_codes():
    train = pd.DataFrame({"c": pd.Categorical(["b", None, "a"], categories=["a", "b", "z"]),
                          "s": ["x", "y", None], "n": [1, 2, 3], "f": [0.5, np.nan, 1.5]})
    out = to_numeric(train)
    assert (out.dtypes == np.float64).all()
    np.testing.assert_array_equal(out["c"], [1.0, np.nan, 0.0])
    np.testing.assert_array_equal(out["s"], [0.0, 1.0, np.nan])
    np.testing.assert_array_equal(out["f"], [0.5, np.nan, 1.5])
    test = pd.DataFrame({"c": pd.Categorical(["z", "q"]), "s": ["y", "w"], "n": [4, 5], "f": [1.0, 2.0]})
    coded = to_numeric(test, reference=train)
    np.testing.assert_array_equal(coded["c"], [2.0, np.nan])  # train's codes; unseen -> NaN
    np.testing.assert_array_equal(coded["s"], [1.0, np.nan])


@pytest.mark.parametrize("name", ["penguins", "titanic"])
def test_small_sets_fit_everywhere(name):
    """Smoke test on tiny sets with NaNs and categoricals: every library, HGB included, fits the
    translated parameters (the test sets are too small for a tolerance of half a point)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    X, y = load(name)
    X = to_numeric(X)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=SEED, stratify=y)
    p = T.silva_params(n_estimators=50, max_depth=4, n_jobs=THREADS, random_state=SEED)
    models = _models("multiclass", p, X_tr)
    models["sklearn"] = HistGradientBoostingClassifier(**T.to_sklearn(p))
    scores = {}
    for lib, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.fit(X_tr, y_tr)
        scores[lib] = accuracy_score(y_te, model.predict(X_te))
    majority = np.bincount(y_te).max() / y_te.size
    assert all(v > majority for v in scores.values()), f"{name}: accuracy {scores}, majority {majority:.3f}"
