"""Native categorical features of the CART family (DecisionTree*, RandomForest*, ExtraTrees*).

Category sets: a split sends a set of categories left (the node's categories ordered by mean target
and cut, or a random subset for extra trees); unseen categories follow missing values; past ``max_bin``
categories a feature is binned by code ranges and split in code order.

Accuracy protocol (real data): native categoricals must score at least as well as the same model on the
ordinal codes (``datasets.to_numeric``), within ``TOL`` plus two standard errors of the difference of
the seed means (as tests/ensemble/test_forest.py's parity protocol). Titanic and penguins are scored by
5-fold cross-validation; adult on its given split (skipped when ../shared/data is absent).
"""
import copy
import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

import silva
from datasets import load, to_numeric

THREADS = 2
TOL = 0.005  # AUC (binary) and accuracy (multiclass) alike
MODELS = {
    "tree": (silva.DecisionTreeClassifier, dict(max_depth=8)),
    "forest": (silva.RandomForestClassifier, dict(n_estimators=40, n_jobs=THREADS)),
    "extra": (silva.ExtraTreesClassifier, dict(n_estimators=40, n_jobs=THREADS)),
}
ALL = (silva.DecisionTreeClassifier, silva.DecisionTreeRegressor, silva.RandomForestClassifier,
       silva.RandomForestRegressor, silva.ExtraTreesClassifier, silva.ExtraTreesRegressor)


@functools.lru_cache(maxsize=None)
def _folds(name, split_seed=0):
    """The given train/test split (adult), or the 5 folds of a shuffled StratifiedKFold of ``split_seed``."""
    if name == "adult":
        X_tr, y_tr = load("adult_train")
        X_te, y_te = load("adult_test")
        return [(X_tr, X_te, y_tr, y_te)]
    X, y = load(name)
    folds = StratifiedKFold(5, shuffle=True, random_state=split_seed).split(X, y)
    return [(X.iloc[a], X.iloc[b], y[a], y[b]) for a, b in folds]


def _score(make, folds, ordinal):
    preds, ys = [], []
    binary = np.unique(folds[0][2]).size == 2
    for X_tr, X_te, y_tr, y_te in folds:
        if ordinal:
            X_tr, X_te = to_numeric(X_tr), to_numeric(X_te, reference=X_tr)
        model = make().fit(X_tr, y_tr)
        preds.append(model.predict_proba(X_te)[:, 1] if binary else model.predict(X_te))
        ys.append(y_te)
    y, p = np.concatenate(ys), np.concatenate(preds)
    return roc_auc_score(y, p) if binary else accuracy_score(y, p)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("name", ["titanic", "penguins", "adult"])
def test_native_categoricals_score_at_least_the_ordinal_codes(name, model):
    folds = _folds(name)
    cls, params = MODELS[model]
    seeds = 2 if name == "adult" else 3
    native = [_score(lambda: cls(random_state=s, **params), folds, False) for s in range(seeds)]
    ordinal = [_score(lambda: cls(random_state=s, **params), folds, True) for s in range(seeds)]
    se = np.sqrt((np.var(native, ddof=1) + np.var(ordinal, ddof=1)) / seeds)
    shortfall = np.mean(ordinal) - np.mean(native)
    report = (f"{name} {model}: native {np.mean(native):.4f} vs ordinal codes {np.mean(ordinal):.4f} "
              f"(shortfall {shortfall:+.4f}, allowed {TOL + 2 * se:.4f})")
    print("\n" + report)
    assert shortfall <= TOL + 2 * se, report


# ----------------------------------------------------------------- semantics on synthetic data
def _xor_like(n=3000, seed=0):
    """One categorical feature whose even codes are class 1: no threshold on the codes separates them."""
    rng = np.random.RandomState(seed)
    c = rng.randint(0, 8, n)
    x = rng.randn(n)
    y = ((c % 2 == 0) ^ (rng.rand(n) < 0.05)).astype(int)
    return pd.DataFrame({"c": pd.Categorical(c), "x": x}), y


@pytest.mark.parametrize("cls", [silva.DecisionTreeClassifier, silva.DecisionTreeRegressor])
def test_one_category_set_split_separates_non_monotone_categories(cls):
    X, y = _xor_like()
    tree = cls(max_depth=1, random_state=0).fit(X, y)
    nd = tree._forest.nodes
    assert nd["feature"][0] == 0 and nd["cat_index"][0] == 0  # the root splits the categories
    pred = tree.predict(X)
    if cls is silva.DecisionTreeClassifier:
        assert accuracy_score(y, pred) > 0.93
    ordinal = cls(max_depth=1, random_state=0).fit(to_numeric(X), y)
    assert ordinal._forest.nodes["cat_index"][0] == -1  # codes as numbers: a threshold, far worse
    assert np.mean((ordinal.predict(to_numeric(X)) > 0.5) == y) < 0.7


def test_the_category_order_split_is_the_best_subset_split():
    """Binary target: the cut of the categories ordered by class-1 share is the best of all 2^(k-1) - 1
    subset splits (Breiman); the root's gain equals the brute-force optimum."""
    rng = np.random.RandomState(3)
    k, n = 7, 1400
    c = rng.randint(0, k, n)
    p = rng.rand(k)
    y = (rng.rand(n) < p[c]).astype(int)
    X = pd.DataFrame({"c": pd.Categorical(c)})
    tree = silva.DecisionTreeClassifier(max_depth=1).fit(X, y)

    def gini_gain(mask):
        def score(yy):
            return 0.0 if yy.size == 0 else (np.sum(yy == 0) ** 2 + np.sum(yy == 1) ** 2) / yy.size
        return score(y[mask]) + score(y[~mask]) - score(y)

    best = max(gini_gain(np.isin(c, [j for j in range(k) if (s >> j) & 1])) for s in range(1, 2 ** (k - 1)))
    np.testing.assert_allclose(tree._forest.nodes["gain"][0], best, rtol=1e-10)


@pytest.mark.parametrize("cls", ALL)
def test_unseen_categories_go_where_missing_values_go(cls):
    X, y = _xor_like(seed=1)
    model = cls(random_state=0, **({"n_estimators": 5} if "n_estimators" in cls().get_params() else {}))
    model.fit(X, y)
    X_new = X.iloc[:50].copy()
    X_nan = X_new.copy()
    X_new["c"] = pd.Categorical(np.full(50, 99), categories=list(range(8)) + [99])
    X_nan["c"] = pd.Categorical(np.full(50, np.nan), categories=list(range(8)))
    np.testing.assert_array_equal(model.predict(X_new), model.predict(X_nan))


def test_missing_categories_learn_their_side():
    """Missing values of a categorical feature are a group of their own: here they behave like class 1."""
    X, y = _xor_like(seed=2)
    c = X["c"].to_numpy().astype(float)
    missing = np.random.RandomState(0).rand(c.size) < 0.2
    X = X.assign(c=pd.Categorical(np.where(missing, np.nan, c)))
    y = np.where(missing, 1, y)
    tree = silva.DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert accuracy_score(y, tree.predict(X)) > 0.93


@pytest.mark.parametrize("spec", ["auto", [0], ["c"], np.array([True, False])])
def test_categorical_features_by_dtype_index_name_or_mask(spec):
    X, y = _xor_like(seed=4)
    frame = X if isinstance(spec, str) else X.assign(c=X["c"].astype(int))  # integer codes must be named
    tree = silva.DecisionTreeClassifier(max_depth=1, categorical_features=spec, random_state=0).fit(frame, y)
    assert tree._forest.nodes["cat_index"][0] == 0
    plain = silva.DecisionTreeClassifier(max_depth=1, random_state=0).fit(X.assign(c=X["c"].astype(int)), y)
    assert plain._forest.nodes["cat_index"][0] == -1  # "auto" on integer columns: numbers
    with pytest.raises(ValueError, match="categorical_features"):
        silva.DecisionTreeClassifier(categorical_features=["nope"]).fit(frame, y)


@pytest.mark.parametrize("cls", [silva.RandomForestClassifier, silva.ExtraTreesClassifier])
def test_more_categories_than_bins(cls):
    """1000 categories (integer codes, which carry an order): past max_bin binned by code ranges and
    split in code order, as their ordinal encoding; with max_cat_bins above the count a bin each (the
    bin type widens), split by category sets (extra trees: random thresholds in code order)."""
    rng = np.random.RandomState(0)
    n = 20000
    c = rng.randint(0, 1000, n)
    y = ((c // 100) % 2 == 0).astype(int) ^ (rng.rand(n) < 0.05)
    X = np.column_stack([c.astype(float), rng.randn(n)])
    for cap, missing_bin in [(None, 255), (2000, 1000)]:
        model = cls(n_estimators=10, max_cat_bins=cap, categorical_features=[0], random_state=0, n_jobs=THREADS)
        model.fit(X[:15000], y[:15000])
        assert model._forest.categories.is_categorical[0]
        assert model._forest.categories.missing_bin == missing_bin
        assert np.any(model._forest.nodes["cat_index"] >= 0)
        assert accuracy_score(y[15000:], model.predict(X[15000:])) > 0.9


# ----------------------------------------------------------------- model file, columns, determinism
def _titanic_models():
    X, y = load("titanic")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some inputs do not have OOB")
        return X, y, {
            "tree": silva.DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y),
            "forest": silva.RandomForestClassifier(n_estimators=10, oob_score=True, random_state=0).fit(X, y),
            "extra": silva.ExtraTreesClassifier(n_estimators=10, random_state=0).fit(X, y),
            "regressor": silva.RandomForestRegressor(n_estimators=5, random_state=0).fit(X, X["Fare"].fillna(0)),
            "exact": silva.DecisionTreeClassifier(max_bin=None, max_depth=5, random_state=0).fit(X, y),
        }


@pytest.fixture(scope="module")
def titanic_models():
    return _titanic_models()


@pytest.mark.parametrize("kind", ["tree", "forest", "extra", "regressor", "exact"])
def test_save_load_and_column_order(titanic_models, kind, tmp_path):
    X, _, models = titanic_models
    model = models[kind]
    assert np.any(model._forest.nodes["cat_index"] >= 0)
    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    expected = getattr(model, method)(X)
    model.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    np.testing.assert_array_equal(getattr(loaded, method)(X), expected)
    shuffled = X[list(np.random.RandomState(0).permutation(X.columns))]
    np.testing.assert_array_equal(getattr(model, method)(shuffled), expected)
    np.testing.assert_array_equal(getattr(loaded, method)(shuffled), expected)


def test_forest_extras_with_categories(titanic_models):
    X, y, models = titanic_models
    forest = models["forest"]
    assert 0.7 < forest.oob_score_ < 1.0
    np.testing.assert_allclose(np.mean([t.predict_proba(X) for t in forest.estimators_], axis=0),
                               forest.predict_proba(X))
    warm = silva.RandomForestClassifier(n_estimators=5, warm_start=True, random_state=0).fit(X, y)
    warm.set_params(n_estimators=10).fit(X, y)
    once = silva.RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(warm.predict_proba(X), once.predict_proba(X))


@pytest.mark.parametrize("cls", [silva.RandomForestClassifier, silva.ExtraTreesClassifier,
                                 silva.ExtraTreesRegressor])
def test_categorical_forests_are_the_same_for_any_thread_count(cls):
    X, y = load("penguins")
    fits = [cls(n_estimators=8, random_state=3, n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)]
    for name in ("feature", "threshold", "cat_index", "left"):
        np.testing.assert_array_equal(fits[0]._forest.nodes[name], fits[1]._forest.nodes[name])
    np.testing.assert_array_equal(fits[0]._forest.cat_bins, fits[1]._forest.cat_bins)
    np.testing.assert_array_equal(fits[0]._forest.values, fits[1]._forest.values)


@pytest.mark.parametrize("cls", [silva.RandomForestClassifier, silva.ExtraTreesClassifier])
def test_integer_weights_equal_repeated_rows_with_categories(cls):
    X, y = _xor_like(n=300, seed=5)  # under 255 distinct x with positive weight: the same bins either way
    sw = np.random.RandomState(1).randint(0, 4, size=y.size)
    order = np.random.RandomState(2).permutation(y.size)
    weighted = cls(n_estimators=10, bootstrap=True, random_state=0).fit(X.iloc[order], y[order],
                                                                        sample_weight=sw[order])
    rows = np.repeat(np.arange(y.size), sw)
    repeated = cls(n_estimators=10, bootstrap=True, random_state=0).fit(X.iloc[rows], y[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X))


def test_old_model_state_without_the_parameter_loads():
    X, y = _xor_like(n=300)
    model = silva.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X.assign(c=X["c"].astype(int)), y)
    state = copy.deepcopy(model._get_model_state())
    del state["params"]["categorical_features"]
    loaded = silva.DecisionTreeClassifier._from_model_state(state)
    assert loaded.categorical_features == "auto"
    np.testing.assert_array_equal(loaded.predict(X.assign(c=X["c"].astype(int))),
                                  model.predict(X.assign(c=X["c"].astype(int))))
