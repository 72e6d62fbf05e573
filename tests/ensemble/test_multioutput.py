"""Multi-output regression of the CART family (DecisionTreeRegressor, RandomForestRegressor,
ExtraTreesRegressor): a y of shape (n, n_outputs) as scikit-learn takes it.

The criterion is the squared-error decrease summed over the outputs (scikit-learn averages it: the same
best split), each node holds the vector of its weighted output means. Parity with scikit-learn on real
data (california housing, two targets), then rules that hold for all inputs, as properties: identical
columns give the single-output model column by column -- exactly when the sums are exact (targets on a
grid of 1/8, integer weights): float sums added in another order can decide a tie between two
partitions that are equal in exact arithmetic, as they do in scikit-learn -- integer weights equal
repeated rows, the model file predicts bit-identically.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import ensemble as sk_ensemble
from sklearn import tree as sk_tree
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score

import silva
from datasets import load_frame, to_numeric

REGRESSORS = (silva.DecisionTreeRegressor, silva.RandomForestRegressor, silva.ExtraTreesRegressor)
FORESTS = (silva.RandomForestRegressor, silva.ExtraTreesRegressor)


def _small(cls, **kw):
    return cls(random_state=0, **kw) if cls is silva.DecisionTreeRegressor else cls(n_estimators=8,
                                                                                     random_state=0, **kw)


def _data(n=300, d=4, seed=0, nan=0.0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, d)
    Y = np.c_[X[:, 0] + 0.2 * rng.randn(n), np.sin(4 * X[:, 1]) * 3 + X[:, 2], rng.randn(n)]
    if nan:
        X[rng.rand(n, d) < nan] = np.nan
    return X, Y


# ------------------------------------------------------------------ parity on real data

@pytest.fixture(scope="module")
def california():
    df = load_frame("california_housing")
    y = df["target"].to_numpy()
    # two outputs on comparable scales, so both weigh in the criterion
    Y = np.c_[y / 1e5, np.log(y)]
    X = to_numeric(df.drop(columns=["target"])).to_numpy()  # total_bedrooms has missing values
    idx = np.random.RandomState(0).permutation(len(X))
    tr, te = idx[:6000], idx[6000:9000]
    return X[tr], Y[tr], X[te], Y[te]


_PARITY = [
    # a single exact tree, leaves large enough that ties between features rarely decide a split
    (silva.DecisionTreeRegressor, sk_tree.DecisionTreeRegressor, dict(min_samples_leaf=20), dict(max_bin=None)),
    (silva.RandomForestRegressor, sk_ensemble.RandomForestRegressor, dict(n_estimators=100, n_jobs=2),
     dict(max_bin=None)),
    (silva.ExtraTreesRegressor, sk_ensemble.ExtraTreesRegressor, dict(n_estimators=100, n_jobs=2),
     dict(max_bin=None)),
]


@pytest.mark.parametrize("ours, theirs, common, own", _PARITY, ids=[c[0].__name__ for c in _PARITY])
def test_held_out_rmse_per_output_within_one_percent_of_sklearn(california, ours, theirs, common, own):
    X, Y, Xt, Yt = california
    seeds = (0, 1)

    def rmse(model):
        pred = model.fit(X, Y).predict(Xt)
        assert pred.shape == Yt.shape
        return np.sqrt(np.mean((pred - Yt) ** 2, axis=0))

    mine = np.mean([rmse(ours(random_state=s, **common, **own)) for s in seeds], axis=0)
    ref = np.mean([rmse(theirs(random_state=s, **common)) for s in seeds], axis=0)
    assert np.all(mine <= 1.01 * ref), (mine, ref)


def test_exact_tree_is_sklearns_tree():
    # continuous features without ties: the exact tree is scikit-learn's, importances included. (Nodes of
    # two or three rows are left out: any feature separates them alike, and the two libraries pick
    # different ones, which moves held-out predictions, not training ones.)
    X, Y = _data(400, 5)
    Xt = np.random.RandomState(1).rand(200, 5)
    w = np.random.RandomState(2).uniform(0.2, 3.0, X.shape[0])
    for kw, sw in ((dict(min_samples_leaf=7), None), (dict(max_depth=4), None),
                   (dict(min_impurity_decrease=0.01), None), (dict(min_samples_leaf=7, min_impurity_decrease=0.002), w),
                   (dict(max_leaf_nodes=12), None), (dict(min_samples_leaf=6, min_weight_fraction_leaf=0.02), w)):
        ours = silva.DecisionTreeRegressor(max_bin=None, random_state=0, **kw).fit(X, Y, sample_weight=sw)
        ref = sk_tree.DecisionTreeRegressor(random_state=0, **kw).fit(X, Y, sample_weight=sw)
        assert ours.get_n_leaves() == ref.get_n_leaves(), kw
        np.testing.assert_allclose(ours.predict(Xt), ref.predict(Xt), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, rtol=1e-9, atol=1e-12)


def test_cost_complexity_pruning_path_is_sklearns():
    # scikit-learn averages the impurity over the outputs: silva's summed gains are scaled to match
    X, Y = _data(200, 3)
    ours = silva.DecisionTreeRegressor(max_bin=None, min_samples_leaf=5).cost_complexity_pruning_path(X, Y)
    ref = sk_tree.DecisionTreeRegressor(min_samples_leaf=5, random_state=0).cost_complexity_pruning_path(X, Y)
    np.testing.assert_allclose(ours.ccp_alphas, ref.ccp_alphas, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.impurities, ref.impurities, rtol=1e-8, atol=1e-12)
    k = len(ref.ccp_alphas) // 2
    alpha = float(ref.ccp_alphas[k] + ref.ccp_alphas[k + 1]) / 2  # between two steps: no tie at the boundary
    pruned = silva.DecisionTreeRegressor(max_bin=None, min_samples_leaf=5, ccp_alpha=alpha).fit(X, Y)
    assert pruned.get_n_leaves() == sk_tree.DecisionTreeRegressor(
        min_samples_leaf=5, ccp_alpha=alpha, random_state=0).fit(X, Y).get_n_leaves()


# ------------------------------------------------------------------ shapes and attributes, as scikit-learn's

@pytest.mark.parametrize("cls", REGRESSORS)
def test_shapes_and_attributes_follow_sklearn(cls):
    X, Y = _data()
    model = _small(cls, **({"oob_score": True} if cls is silva.RandomForestRegressor else {})).fit(X, Y)
    assert model.n_outputs_ == 3
    assert model.predict(X[:7]).shape == (7, 3)
    assert model.feature_importances_.shape == (4,)
    np.testing.assert_allclose(model.feature_importances_.sum(), 1.0)
    assert model.score(X, Y) == pytest.approx(r2_score(Y, model.predict(X)))
    if cls is silva.RandomForestRegressor:
        assert model.oob_prediction_.shape == (300, 3)
        assert model.oob_score_ == pytest.approx(r2_score(Y, model.oob_prediction_))
    one = _small(cls).fit(X, Y[:, 0])
    assert one.n_outputs_ == 1 and one.predict(X[:7]).shape == (7,)


@pytest.mark.parametrize("cls", REGRESSORS)
def test_a_single_column_is_read_as_one_output(cls):
    # scikit-learn predicts (n,) for a y of shape (n, 1); its forests warn that y was a column
    X, Y = _data()
    flat = _small(cls).fit(X, Y[:, 0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        column = _small(cls).fit(X, Y[:, :1])
    warned = any(issubclass(w.category, DataConversionWarning) for w in caught)
    assert warned == (cls in FORESTS)
    assert column.n_outputs_ == 1
    np.testing.assert_array_equal(column.predict(X), flat.predict(X))


def test_estimators_are_multi_output_trees():
    X, Y = _data()
    forest = _small(silva.RandomForestRegressor).fit(X, Y)
    total = sum(tree.predict(X) for tree in forest.estimators_) / len(forest.estimators_)
    np.testing.assert_allclose(total, forest.predict(X), rtol=1e-12)
    assert all(tree.n_outputs_ == 3 for tree in forest.estimators_)


def test_missing_values_go_where_sklearns_tree_sends_them():
    # an exact tree on continuous data learns scikit-learn's splits, missing-value sides included, and
    # a split of the missing rows from the rest sends every value left (threshold +inf). (Held-out
    # missing values at a node that saw none in training are left out: scikit-learn sends them to the
    # larger child node by node, silva by feature.)
    X, Y = _data(nan=0.15)
    Xt = _data(400, seed=1)[0]
    ours = silva.DecisionTreeRegressor(max_bin=None, min_samples_leaf=5).fit(X, Y)
    ref = sk_tree.DecisionTreeRegressor(min_samples_leaf=5, random_state=0).fit(X, Y)
    assert np.isinf(ours._forest.nodes["threshold"]).any()
    for rows in (X, Xt):
        np.testing.assert_allclose(ours.predict(rows), ref.predict(rows), rtol=1e-10, atol=1e-12)


def _categorical_frame(n=400, seed=0):
    import pandas as pd
    rng = np.random.RandomState(seed)
    level = rng.randint(0, 8, n)
    # output 0 ranks the levels one way, output 1 another: no single order serves both
    Y = np.c_[(level % 4) * 2.0, (level // 4) * 3.0 + (level == 5)] + rng.randint(-2, 3, (n, 2)) / 8
    X = pd.DataFrame({"level": pd.Categorical(np.array(list("abcdefgh"))[level]), "noise": rng.rand(n)})
    return X, Y, level


@pytest.mark.parametrize("cls", REGRESSORS)
def test_categorical_features_split_by_sets_on_every_output(cls):
    X, Y, level = _categorical_frame()
    model = _small(cls, max_depth=6).fit(X, Y)
    assert model._forest.cat_bins.shape[0] > 0
    means = np.array([Y[level == v].mean(axis=0) for v in range(8)])
    # every level's mean vector is learned, for both outputs
    np.testing.assert_allclose(model.predict(X), means[level], atol=0.35)
    single = _small(cls, max_depth=6).fit(X, Y[:, 1])
    double = _small(cls, max_depth=6).fit(X, np.c_[Y[:, 1], Y[:, 1]])
    np.testing.assert_array_equal(double.predict(X)[:, 0], single.predict(X))
    with pytest.raises(ValueError, match="target of one column; this one has 2 outputs"):
        _small(cls, cat_encoding="target").fit(X, Y)


def test_cross_val_score_takes_a_2d_y():
    X, Y = _data()
    scores = cross_val_score(silva.RandomForestRegressor(n_estimators=10, random_state=0), X, Y,
                             cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and np.all(scores > 0.2)


def test_forest_is_the_same_whatever_the_thread_count():
    X, Y = _data(nan=0.05)
    for cls in FORESTS:
        a = cls(n_estimators=12, random_state=3, n_jobs=1).fit(X, Y).predict(X)
        b = cls(n_estimators=12, random_state=3, n_jobs=2).fit(X, Y).predict(X)
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ properties

_grid_y = st.lists(st.integers(-40, 40), min_size=20, max_size=60)


@settings(max_examples=15, deadline=None)
@given(y=_grid_y, seed=st.integers(0, 10_000), cls=st.sampled_from(REGRESSORS))
def test_identical_columns_give_the_single_output_model(y, seed, cls):
    rng = np.random.RandomState(seed)
    y = np.asarray(y, dtype=np.float64) / 8  # sums of eighths are exact: no rounding decides a tie
    X = rng.rand(y.size, 3)
    X[rng.rand(*X.shape) < 0.1] = np.nan
    w = rng.randint(0, 4, y.size).astype(np.float64)
    w[0] = 1.0
    kw = {"oob_score": True} if cls is silva.RandomForestRegressor else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rows without out-of-bag trees
        single = _small(cls, **kw).fit(X, y, sample_weight=w)
        double = _small(cls, **kw).fit(X, np.c_[y, y], sample_weight=w)
    Xt = rng.rand(50, 3)
    for column in range(2):
        np.testing.assert_array_equal(double.predict(Xt)[:, column], single.predict(Xt))
        if kw:
            np.testing.assert_array_equal(double.oob_prediction_[:, column], single.oob_prediction_)
    np.testing.assert_array_equal(double.feature_importances_, single.feature_importances_)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cls=st.sampled_from(REGRESSORS))
def test_integer_weights_equal_repeated_rows(seed, cls):
    rng = np.random.RandomState(seed)
    n = 40
    X = rng.rand(n, 3)
    X[rng.rand(n, 3) < 0.1] = np.nan
    Y = rng.randint(-20, 20, (n, 2)) / 4.0
    w = rng.randint(0, 4, n)
    w[0] = 1
    kw = {"bootstrap": True} if cls is silva.ExtraTreesRegressor else {}
    weighted = _small(cls, **kw).fit(X, Y, sample_weight=w.astype(np.float64))
    rep = np.repeat(np.arange(n), w)
    repeated = _small(cls, **kw).fit(X[rep], Y[rep])
    Xt = rng.rand(30, 3)
    np.testing.assert_array_equal(weighted.predict(Xt), repeated.predict(Xt))


@pytest.mark.parametrize("cls", REGRESSORS)
def test_model_file_round_trip_is_bit_identical(cls, tmp_path):
    X, Y = _data(nan=0.05)
    model = _small(cls).fit(X, Y)
    model.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    assert type(loaded) is cls and loaded.n_outputs_ == 3
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.save(tmp_path / "again.silva")
    assert (tmp_path / "again.silva").read_bytes() == (tmp_path / "m.silva").read_bytes()


# ------------------------------------------------------------------ refusals

@pytest.mark.parametrize("cls", REGRESSORS)
def test_bad_targets_are_refused_with_the_reason(cls):
    X, Y = _data()
    with pytest.raises(ValueError, match=r"1-D \(n_samples,\) or 2-D .*shape \(300, 3, 1\)"):
        _small(cls).fit(X, Y[:, :, None])
    bad = Y.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _small(cls).fit(X, bad)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        _small(cls).fit(X, Y[:-1])
    with pytest.raises(ValueError, match="monotonic_cst is not supported .*several outputs"):
        _small(cls, monotonic_cst=[1, 0, 0, 0]).fit(X, Y)


@pytest.mark.parametrize("cls", [silva.DecisionTreeClassifier, silva.RandomForestClassifier,
                                 silva.ExtraTreesClassifier, silva.AdaBoostClassifier, silva.AdaBoostRegressor])
def test_multi_output_is_refused_where_unsupported(cls):
    X, Y = _data()
    kind = "classification" if "Classifier" in cls.__name__ else "regression"
    if kind == "classification":
        Y = (Y > 0).astype(int)
    with pytest.raises(ValueError, match=f"{cls.__name__} does not support multi-output {kind}"):
        cls().fit(X, Y)


def test_warm_start_keeps_the_outputs():
    X, Y = _data()
    forest = silva.RandomForestRegressor(n_estimators=4, warm_start=True, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="warm start needs the 3 output"):
        forest.set_params(n_estimators=6).fit(X, Y[:, :2])
    grown = forest.fit(X, Y)
    assert grown._forest.n_trees == 6 and grown.predict(X).shape == (300, 3)


def test_multi_output_forest_explains_and_exports():
    """A forest on a 2-D y explains each output additively and exports one ONNX column per output."""
    import onnxruntime as ort
    from silva.onnx import input_matrix
    from tests.datasets import load_frame
    frame = load_frame("california_housing")
    X = frame.drop(columns=["target", "ocean_proximity"])
    Y = np.column_stack([frame["target"] / 1e5, np.log(frame["target"])])
    model = silva.RandomForestRegressor(n_estimators=5, max_depth=6, random_state=0).fit(X, Y)
    contribs = model.predict(X.iloc[:200], pred_contribs=True)
    assert contribs.shape == (200, 2, X.shape[1] + 1)
    np.testing.assert_allclose(contribs.sum(axis=2), model.predict(X.iloc[:200]), rtol=1e-9)
    session = ort.InferenceSession(model.to_onnx().SerializeToString())
    got = session.run(None, {"X": input_matrix(model, X)})[0]
    np.testing.assert_allclose(got, model.predict(X.astype(np.float32).astype(np.float64)), rtol=1e-5)
