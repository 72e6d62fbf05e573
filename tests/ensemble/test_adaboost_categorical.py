"""Native categorical features of AdaBoostClassifier / AdaBoostRegressor.

The data is binned once by the booster (categories as themselves, past ``max_bin`` by code ranges) and
every learner splits a categorical feature by category sets, as the silva trees' own fit does.

Accuracy protocol: native categoricals must score at least as well as the ordinal codes
(``datasets.to_numeric``) within ``TOL`` plus two standard errors, as in
tests/ensemble/test_cart_categorical.py. AdaBoost is deterministic on these sets (binning samples only
above 200k rows), but the cross-validation split is not: on titanic the difference ordinal minus native
of AdaBoost stumps moves by 0.004 (sd) from one StratifiedKFold seed to the next, as much as ``TOL``.
So titanic and penguins are scored on ``SPLITS`` shuffled 5-fold splits (seeds 0..SPLITS-1), the
paired differences d_s = ordinal_s - native_s giving the shortfall mean(d) and its standard error; the
test fails when mean(d) > TOL + 2 SE. adult has one given split (SE 0: the bare ``TOL``).

Measured (titanic, stumps, 10 split seeds): the shortfall is about ``TOL`` itself, +0.0054 +- 0.0013
with the quantile bins silva had until the greedy binning of features with repeated values, +0.0067 +-
0.0014 with it (the change, +0.0013 +- 0.0011 paired, is within the noise: it only regroups the ~560
ticket codes of a fold into 255 bins instead of ~250). It comes from the set splits on the
high-cardinality categoricals (Ticket, Name, Cabin: ~3 rows per bin), which fit the training folds
closely; without Ticket and Name it is +0.0038. The single split this test used before (seed 0) gave
+0.0011 with the quantile bins and +0.0092 with the greedy ones; with the quantile bins 5 of the 10
seeds gave more than ``TOL``, so one split decided the verdict by its luck, not by the binning.
"""
import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

import silva
from datasets import load, to_numeric
from ensemble.test_cart_categorical import TOL, _folds, _score, _xor_like

THREADS = 2
SPLITS = 5
LEARNERS = {"stump": None, "depth3": silva.DecisionTreeClassifier(max_depth=3)}


@pytest.mark.parametrize("learner", sorted(LEARNERS))
@pytest.mark.parametrize("name", ["titanic", "penguins", "adult"])
def test_native_categoricals_score_at_least_the_ordinal_codes(name, learner):
    def make():
        return silva.AdaBoostClassifier(LEARNERS[learner], n_estimators=50, random_state=0, n_jobs=THREADS)

    native, ordinal = [], []
    for split_seed in range(1 if name == "adult" else SPLITS):
        folds = _folds(name, split_seed)
        native.append(_score(make, folds, False))
        ordinal.append(_score(make, folds, True))
    d = np.subtract(ordinal, native)
    se = d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else 0.0
    report = (f"{name} AdaBoost {learner}: native {np.mean(native):.4f} vs ordinal codes {np.mean(ordinal):.4f} "
              f"over {d.size} split(s) (shortfall {d.mean():+.4f}, allowed {TOL + 2 * se:.4f})")
    print("\n" + report)
    assert d.mean() <= TOL + 2 * se, report


@pytest.mark.parametrize("cls", [silva.AdaBoostClassifier, silva.AdaBoostRegressor])
def test_stumps_split_non_monotone_categories_by_sets(cls):
    """Even codes are class 1: one category-set stump separates them; on the codes as numbers no stump
    can (each learner then sees only a threshold)."""
    X, y = _xor_like()
    params = dict(n_estimators=5, random_state=0)
    if cls is silva.AdaBoostRegressor:
        params["estimator"] = silva.DecisionTreeRegressor(max_depth=1)
    native = cls(**params).fit(X, y)
    first = native.estimators_[0]._forest.nodes
    assert first["feature"][0] == 0 and first["cat_index"][0] == 0
    ordinal = cls(**params).fit(to_numeric(X), y)
    assert all(est._forest.nodes["cat_index"][0] == -1 for est in ordinal.estimators_)
    hit = accuracy_score(y, native.predict(X) > 0.5)
    miss = accuracy_score(y, ordinal.predict(to_numeric(X)) > 0.5)
    assert hit > 0.93 and miss < 0.8, (hit, miss)


@pytest.mark.parametrize("cls", [silva.AdaBoostClassifier, silva.AdaBoostRegressor])
def test_unseen_categories_go_where_missing_values_go(cls):
    X, y = _xor_like(seed=1)
    model = cls(n_estimators=10, random_state=0).fit(X, y)
    X_new, X_nan = X.iloc[:50].copy(), X.iloc[:50].copy()
    X_new["c"] = pd.Categorical(np.full(50, 99), categories=list(range(8)) + [99])
    X_nan["c"] = pd.Categorical(np.full(50, np.nan), categories=list(range(8)))
    np.testing.assert_array_equal(model.predict(X_new), model.predict(X_nan))


@pytest.mark.parametrize("spec", ["auto", [0], ["c"], np.array([True, False])])
def test_categorical_features_by_dtype_index_name_or_mask(spec):
    X, y = _xor_like(seed=4)
    codes = X.assign(c=X["c"].astype(int))
    frame = X if isinstance(spec, str) else codes  # integer codes must be named
    model = silva.AdaBoostClassifier(n_estimators=3, categorical_features=spec, random_state=0).fit(frame, y)
    assert model.estimators_[0]._forest.nodes["cat_index"][0] == 0
    plain = silva.AdaBoostClassifier(n_estimators=3, random_state=0).fit(codes, y)
    assert plain.estimators_[0]._forest.nodes["cat_index"][0] == -1  # "auto" on integers: numbers
    with pytest.raises(ValueError, match="categorical_features"):
        silva.AdaBoostClassifier(categorical_features=["nope"]).fit(frame, y)


def test_more_categories_than_bins_are_split_in_code_order():
    """1000 integer codes: binned by ranges of codes past max_bin, which learners split in code order,
    or with max_cat_bins=2000 a bin each (the bins widen past 255)."""
    rng = np.random.RandomState(0)
    n = 20000
    c = rng.randint(0, 1000, n)
    y = ((c // 100) % 2 == 0).astype(int) ^ (rng.rand(n) < 0.05)
    X = np.column_stack([c.astype(float), rng.randn(n)])
    for cap, missing_bin in [(None, 255), (2000, 1000)]:
        model = silva.AdaBoostClassifier(silva.DecisionTreeClassifier(max_depth=3), n_estimators=20,
                                         categorical_features=[0], max_cat_bins=cap, random_state=0,
                                         n_jobs=THREADS)
        model.fit(X[:15000], y[:15000])
        cats = model.estimators_[0]._forest.categories
        assert cats.is_categorical[0] and cats.missing_bin == missing_bin
        assert accuracy_score(y[15000:], model.predict(X[15000:])) > 0.9


@pytest.fixture(scope="module")
def titanic_models():
    X, y = load("titanic")
    return X, {
        "stumps": silva.AdaBoostClassifier(n_estimators=30, random_state=0).fit(X, y),
        "depth3": silva.AdaBoostClassifier(silva.DecisionTreeClassifier(max_depth=3), n_estimators=20,
                                           random_state=0).fit(X, y),
        "regressor": silva.AdaBoostRegressor(n_estimators=20, random_state=0).fit(X, y.astype(float)),
    }


@pytest.mark.parametrize("kind", ["stumps", "depth3", "regressor"])
def test_save_load_column_order_and_learners_agree(titanic_models, kind, tmp_path):
    X, models = titanic_models
    model = models[kind]
    assert any(np.any(est._forest.nodes["cat_index"] >= 0) for est in model.estimators_)
    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    expected = getattr(model, method)(X)
    model.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    np.testing.assert_array_equal(getattr(loaded, method)(X), expected)
    shuffled = X[list(np.random.RandomState(0).permutation(X.columns))]
    np.testing.assert_array_equal(getattr(model, method)(shuffled), expected)
    np.testing.assert_array_equal(getattr(loaded, method)(shuffled), expected)
    # the learners walked together give what each learner predicts on its own
    first = next(model.staged_predict(X))
    np.testing.assert_array_equal(first, model.estimators_[0].predict(X))


def test_learners_with_different_category_maps_are_refused(titanic_models):
    _, models = titanic_models
    state = copy.deepcopy(models["stumps"]._get_model_state())
    cats = state["estimators"][1]["forest"]["categories"]
    flat = cats["map_flat"] = cats["map_flat"].copy()  # the learners share one map in memory
    k = int(np.flatnonzero(flat >= 0)[0])
    flat[k] = -1
    with pytest.raises(ValueError, match="category maps differ"):
        silva.AdaBoostClassifier._from_model_state(state)


def test_old_model_state_without_the_parameter_loads():
    X, y = _xor_like(n=300)
    codes = X.assign(c=X["c"].astype(int))
    model = silva.AdaBoostClassifier(n_estimators=5, random_state=0).fit(codes, y)
    state = copy.deepcopy(model._get_model_state())
    del state["params"]["categorical_features"]
    loaded = silva.AdaBoostClassifier._from_model_state(state)
    assert loaded.categorical_features == "auto"
    np.testing.assert_array_equal(loaded.predict_proba(codes), model.predict_proba(codes))
