"""Ordered target statistics (silva/data/target_stats.py) and ``cat_encoding`` across the family."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import silva
from silva.data.target_stats import TargetStats


def _naive(codes, y, perm, prior, a=1.0):
    """Row by row from the definition: the rows of the level before this one in the permutation."""
    out = np.full(codes.size, np.nan)
    rank = np.empty(codes.size, dtype=int)
    rank[perm] = np.arange(codes.size)
    for i in range(codes.size):
        if np.isnan(codes[i]):
            continue
        before = [j for j in range(codes.size) if codes[j] == codes[i] and rank[j] < rank[i]]
        if before:
            out[i] = (y[before].sum() + a * prior) / (len(before) + a)
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 6)), st.floats(-5, 5)), min_size=1, max_size=40),
       st.integers(0, 1000))
def test_ordered_statistics_follow_the_definition_and_never_see_their_own_target(rows, seed):
    codes = np.array([np.nan if c is None else float(c) for c, _ in rows])
    y = np.array([v for _, v in rows])
    X = codes[:, None]
    got = TargetStats([0]).fit_transform(X, y, None, seed)[:, 0]
    perm = np.random.RandomState(seed).permutation(codes.size)
    np.testing.assert_allclose(got, _naive(codes, y, perm, y.mean()), rtol=1e-12, atol=1e-12)
    # a row's own target moves the prior (the mean of all rows) only: scaled away, never its own level sum
    y2 = y.copy()
    y2[0] += 3.0
    again = TargetStats([0]).fit_transform(X, y2, None, seed)[:, 0]
    expected = _naive(codes, y2, perm, y2.mean())
    np.testing.assert_allclose(again, expected, rtol=1e-12, atol=1e-12)


def test_predict_tables_use_every_training_row_and_unseen_levels_read_as_missing():
    X = np.array([[0.0], [0.0], [0.0], [2.0], [np.nan]])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    ts = TargetStats([0])
    ts.fit_transform(X, y, np.array([1.0, 2.0, 1.0, 1.0, 1.0]), seed=3)
    prior = (1 + 2 + 0 + 1 + 0) / 6.0
    out = ts.transform(np.array([[0.0], [1.0], [2.0], [9.0], [np.nan], [-1.0]]))[:, 0]
    np.testing.assert_allclose(out[[0, 2]], [(3.0 + prior) / 5.0, (1.0 + prior) / 2.0])
    assert np.isnan(out[[1, 3, 4, 5]]).all()  # 1: a code without rows; 9, -1: unseen; NaN: missing


def _frame(n=6000, n_levels=400, seed=0):
    rng = np.random.RandomState(seed)
    level = rng.randint(0, n_levels, n)
    effect = rng.randn(n_levels)
    X = pd.DataFrame({"city": pd.Categorical([f"c{v}" for v in level]), "x": rng.randn(n),
                      "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n))})
    y = effect[level] + X["x"].to_numpy() + 0.3 * rng.randn(n)
    return X, y


MODELS = [silva.BoostRegressor(n_estimators=20), silva.GBDTRegressor(n_estimators=20),
          silva.RandomForestRegressor(n_estimators=10), silva.ExtraTreesRegressor(n_estimators=10),
          silva.DecisionTreeRegressor(max_depth=8), silva.AdaBoostRegressor(n_estimators=5)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_auto_encodes_many_levels_and_round_trips(model, tmp_path):
    X, y = _frame()
    est = silva.clone(model) if hasattr(silva, "clone") else model
    from sklearn.base import clone
    est = clone(model).set_params(random_state=0)
    est.fit(X, y)
    stats = est._schema.target_stats
    assert stats is not None and stats.features.tolist() == [0]  # city (400 levels); colour stays a set
    before = est.predict(X)
    est.save(tmp_path / "m.silva")
    back = silva.load(tmp_path / "m.silva")
    np.testing.assert_array_equal(back.predict(X), before)
    np.testing.assert_array_equal(back.predict(X[["colour", "x", "city"]]), before)  # matched by name
    # the same seed, another thread count: the same model
    if "n_jobs" in est.get_params():
        other = clone(est).set_params(n_jobs=1).fit(X, y)
        np.testing.assert_array_equal(other.predict(X), before)


def test_set_and_target_encodings_can_be_chosen_per_feature():
    X, y = _frame()
    kw = dict(n_estimators=10, random_state=0)
    assert silva.BoostRegressor(cat_encoding="set", **kw).fit(X, y)._schema.target_stats is None
    both = silva.BoostRegressor(cat_encoding="target", **kw).fit(X, y)._schema.target_stats
    assert both.features.tolist() == [0, 2]
    one = silva.BoostRegressor(cat_encoding={"colour": "target", "city": "set"}, **kw).fit(X, y)
    assert one._schema.target_stats.features.tolist() == [2]


def test_bad_choices_are_clear_errors():
    X, y = _frame()
    with pytest.raises(ValueError, match="cat_encoding"):
        silva.BoostRegressor(cat_encoding="onehot").fit(X, y)
    with pytest.raises(ValueError, match="unknown column 'town'"):
        silva.BoostRegressor(cat_encoding={"town": "target"}).fit(X, y)
    labels = np.digitize(y, [-1, 1])  # three classes
    with pytest.raises(ValueError, match="regression or binary target"):
        silva.BoostClassifier(cat_encoding="target").fit(X, labels)
    # three classes, auto: the many-level feature keeps the set search
    assert silva.BoostClassifier(n_estimators=3).fit(X, labels)._schema.target_stats is None
    with pytest.raises(ValueError, match="categorical"):
        silva.BoostRegressor(monotonic_cst={"city": 1}).fit(X, y)


def test_an_identifier_column_warns_and_is_harmless():
    X, y = _frame()
    X["id"] = pd.Categorical([f"row{i}" for i in range(len(X))])
    with pytest.warns(UserWarning, match="'id' has a different level in nearly every row"):
        est = silva.BoostRegressor(n_estimators=10, random_state=0).fit(X, y)
    assert est.get_importance("split")[3] == 0  # every training row of an id has no statistic


def test_warm_start_keeps_the_statistics():
    X, y = _frame()
    warm = silva.RandomForestRegressor(n_estimators=4, warm_start=True, random_state=0).fit(X, y)
    warm.set_params(n_estimators=8).fit(X, y)
    once = silva.RandomForestRegressor(n_estimators=8, random_state=0).fit(X, y)
    np.testing.assert_array_equal(warm.predict(X), once.predict(X))


def test_tampered_tables_are_refused(tmp_path):
    X, y = _frame()
    est = silva.BoostRegressor(n_estimators=5, random_state=0).fit(X, y)
    state = est._get_model_state()
    bad = dict(state["schema"]["target_stats"])
    bad["tables"] = [np.full(3, np.inf)]
    with pytest.raises(ValueError, match="infinities"):
        TargetStats.from_state(bad, 3)
    bad = dict(state["schema"]["target_stats"], features=np.array([7]))
    with pytest.raises(ValueError, match="feature indices"):
        TargetStats.from_state(bad, 3)


def test_millions_of_integer_levels_are_a_table_not_a_crash():
    rng = np.random.RandomState(0)
    n = 200_000
    codes = rng.randint(0, 3_000_000, n).astype(float)
    y = (codes % 2) + 0.1 * rng.randn(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = silva.BoostRegressor(n_estimators=5, categorical_features=[0], cat_encoding="target",
                                   random_state=0).fit(codes[:, None], y)
    assert est._schema.target_stats.tables_[0].size == int(codes.max()) + 1
    with pytest.raises(ValueError, match="non-negative integer codes"):
        silva.BoostRegressor(categorical_features=[0], cat_encoding="target").fit(-codes[:, None], y)


@pytest.mark.parametrize("cls", [silva.BoostRegressor, silva.RandomForestRegressor, silva.AdaBoostRegressor])
def test_cat_encoding_by_index_round_trips(cls, tmp_path):
    """A dict keyed by feature index is stored as pairs (a model file's keys are text) and comes back."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 300, 3000).astype(float), rng.randn(3000)])
    y = X[:, 0] % 7 + rng.randn(3000)
    est = cls(n_estimators=3, categorical_features=[0], cat_encoding={0: "target"}, random_state=0).fit(X, y)
    est.save(tmp_path / "m.silva")
    back = silva.load(tmp_path / "m.silva")
    assert back.get_params()["cat_encoding"] == {0: "target"}
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back._schema.target_stats.features.tolist() == [0]
