"""The input schema: every supported input type, column matching by name, clear errors, model file."""
import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import silva
from silva import _schema
from silva._schema import Schema, fit_convert

from datasets import load

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

SMALL = dict(n_estimators=8, max_depth=3, random_state=0)


def mixed_frame(n=300, seed=0):
    """One column of every pandas kind silva reads, with missing values where the dtype allows."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.choice(["S", "M", "L"], size=n)
    flag = rng.random(n) < 0.5
    df = pd.DataFrame({
        "x": x,
        "count": rng.integers(0, 10, size=n),
        "small": pd.array(rng.integers(0, 5, size=n), dtype="Int64"),
        "ratio": pd.array(rng.random(n), dtype="Float64"),
        "flag": flag,
        "maybe": pd.array(rng.random(n) < 0.3, dtype="boolean"),
        "colour": pd.Categorical(colour),
        # a declared (non-alphabetical) category order is kept
        "size": pd.Categorical(size, categories=["S", "M", "L"], ordered=True),
        "city": pd.Series(rng.choice(["Oslo", "Lima", "Pune", "Kiev"], size=n), dtype="str"),
        "note": pd.Series(rng.choice(["a", "b"], size=n), dtype=object),
    })
    df.loc[::7, "small"] = pd.NA
    df.loc[::11, "ratio"] = pd.NA
    df.loc[::13, "maybe"] = pd.NA
    df.loc[::5, "colour"] = np.nan
    df.loc[::9, "city"] = np.nan
    df.loc[::6, "note"] = None
    df.loc[::8, "x"] = np.nan
    y = ((np.nan_to_num(x) > 0) ^ (colour == "red") ^ flag).astype(int)
    return df, y


@pytest.fixture(scope="module")
def mixed():
    df, y = mixed_frame()
    model = silva.BoostClassifier(**SMALL).fit(df, y)
    return df, y, model


# --------------------------------------------------------------------------- conversion

def test_conversion_of_every_pandas_kind():
    df, _ = mixed_frame(60)
    schema, X = fit_convert(df)
    assert X.shape == (60, df.shape[1]) and X.dtype == np.float64
    col = {name: X[:, j] for j, name in enumerate(schema.names)}
    assert list(schema.kinds) == ["numeric", "numeric", "numeric", "numeric", "bool", "bool",
                                  "categorical", "categorical", "categorical", "categorical"]
    assert schema.categorical_features == [6, 7, 8, 9]
    np.testing.assert_array_equal(col["x"], df["x"].to_numpy())
    np.testing.assert_array_equal(col["small"], df["small"].to_numpy(dtype=float, na_value=np.nan))
    np.testing.assert_array_equal(col["ratio"], df["ratio"].to_numpy(dtype=float, na_value=np.nan))
    np.testing.assert_array_equal(col["flag"], df["flag"].astype(float))
    np.testing.assert_array_equal(col["maybe"], df["maybe"].to_numpy(dtype=float, na_value=np.nan))
    # levels: a category column keeps its categories' order, text columns are sorted
    assert schema.levels(6).tolist() == ["blue", "green", "red"]
    assert schema.levels(7).tolist() == ["S", "M", "L"]
    assert schema.levels(8).tolist() == ["Kiev", "Lima", "Oslo", "Pune"]
    assert schema.levels(9).tolist() == ["a", "b"]
    assert schema.levels(0) is None
    for j, name in [(6, "colour"), (7, "size"), (8, "city"), (9, "note")]:
        levels = schema.levels(j).tolist()
        expected = [np.nan if pd.isna(v) else float(levels.index(v)) for v in df[name]]
        np.testing.assert_array_equal(col[name], expected)


def test_float_frame_is_not_copied():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 4)), columns=list("abcd"))
    schema, X = fit_convert(df)
    assert np.shares_memory(X, df.to_numpy(copy=False))
    arr = np.asfortranarray(df.to_numpy())
    assert fit_convert(arr) == (None, arr)  # numpy goes to scikit-learn's validation untouched
    est = silva.BoostRegressor(**SMALL).fit(df, df["a"])
    assert np.shares_memory(est._schema.transform(df), df.to_numpy(copy=False))


def test_float32_frame_stays_float32():
    df = pd.DataFrame(np.ones((5, 2), dtype=np.float32), columns=["a", "b"])
    assert fit_convert(df)[1].dtype == np.float32


def test_unsupported_and_duplicate_columns_are_refused():
    df = pd.DataFrame({"t": pd.date_range("2020", periods=4), "x": [1.0, 2, 3, 4]})
    with pytest.raises(TypeError, match="column 't' has dtype datetime64"):
        silva.BoostRegressor(**SMALL).fit(df, [1, 2, 3, 4])
    dup = pd.DataFrame([[1.0, 2.0]] * 4, columns=["a", "a"])
    with pytest.raises(ValueError, match="unique column names|duplicate column names"):
        silva.BoostRegressor(**SMALL).fit(dup, [1, 2, 3, 4])


# --------------------------------------------------------------------------- input types

def test_polars_and_arrow_give_the_same_model_as_pandas(mixed):
    df, y, model = mixed
    expected = model.predict_proba(df)
    # polars keeps a declared category order only as an Enum (its Categorical levels are sorted)
    polars = pl.from_pandas(df).with_columns(pl.col("size").cast(pl.Enum(["S", "M", "L"])))
    frames = {"polars": polars, "arrow": pa.Table.from_pandas(df, preserve_index=False)}
    frames["record batch"] = frames["arrow"].to_batches()[0] if frames["arrow"].num_rows else None
    for kind, frame in frames.items():
        np.testing.assert_array_equal(model.predict_proba(frame), expected, err_msg=f"predict on {kind}")
        other = silva.BoostClassifier(**SMALL).fit(frame, y)
        np.testing.assert_array_equal(other.predict_proba(df), expected, err_msg=f"fit on {kind}")
        assert list(other.feature_names_in_) == list(df.columns)
        assert other._schema.categorical_features == [6, 7, 8, 9]


def test_polars_native_types():
    frame = pl.DataFrame({
        "s": ["x", "y", None, "x", "y", "x"] * 10,
        "c": pl.Series(["v", "u", "u", "v", None, "u"] * 10, dtype=pl.Categorical),
        "e": pl.Series(["lo", "hi", "lo", "hi", "lo", "lo"] * 10, dtype=pl.Enum(["lo", "hi"])),
        "i": [1, None, 3, 4, 5, 6] * 10,
        "b": [True, False, None, True, True, False] * 10,
    })
    schema, X = fit_convert(frame)
    assert list(schema.kinds) == ["categorical", "categorical", "categorical", "numeric", "bool"]
    assert schema.levels(0).tolist() == ["x", "y"]
    assert schema.levels(1).tolist() == ["u", "v"]      # Categorical: sorted
    assert schema.levels(2).tolist() == ["lo", "hi"]    # Enum: declared order
    np.testing.assert_array_equal(X[:6, 0], [0, 1, np.nan, 0, 1, 0])
    np.testing.assert_array_equal(X[:6, 1], [1, 0, 0, 1, np.nan, 0])
    np.testing.assert_array_equal(X[:6, 2], [0, 1, 0, 1, 0, 0])
    np.testing.assert_array_equal(X[:6, 3], [1, np.nan, 3, 4, 5, 6])
    np.testing.assert_array_equal(X[:6, 4], [1, 0, np.nan, 1, 1, 0])


def test_pyarrow_backed_pandas_columns(mixed):
    df, y, model = mixed
    arrow_backed = pa.Table.from_pandas(df, preserve_index=False).to_pandas(types_mapper=pd.ArrowDtype)
    np.testing.assert_array_equal(model.predict_proba(arrow_backed), model.predict_proba(df))


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array])
def test_sparse_inputs(fmt):
    rng = np.random.default_rng(0)
    X = rng.random((120, 6))
    X[X < 0.6] = 0
    y = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    dense = silva.BoostClassifier(**SMALL).fit(X, y)
    model = silva.BoostClassifier(**SMALL).fit(fmt(X), y)
    np.testing.assert_array_equal(model.predict_proba(fmt(X)), dense.predict_proba(X))
    np.testing.assert_array_equal(dense.predict_proba(fmt(X)), dense.predict_proba(X))
    assert model._schema.input_type == "sparse"


def test_huge_sparse_input_is_refused_clearly(monkeypatch):
    monkeypatch.setattr(_schema, "MAX_DENSE_BYTES", 1000)
    X = sp.random(100, 10, density=0.1, format="csr", random_state=0)
    with pytest.raises(ValueError, match="sparse inputs that large are not supported yet"):
        silva.BoostRegressor(**SMALL).fit(X, np.arange(100.0))


# --------------------------------------------------------------------------- predict-time matching

def test_reordered_columns_give_identical_predictions(mixed):
    df, _, model = mixed
    expected = model.predict_proba(df)
    rng = np.random.default_rng(1)
    for _ in range(3):
        shuffled = df[list(rng.permutation(df.columns))]
        np.testing.assert_array_equal(model.predict_proba(shuffled), expected)
        np.testing.assert_array_equal(model.predict_proba(pl.from_pandas(shuffled)), expected)
        np.testing.assert_array_equal(
            model.predict_proba(pa.Table.from_pandas(shuffled, preserve_index=False)), expected)


def test_reordered_columns_on_real_data():
    X, y = load("titanic")
    model = silva.BoostClassifier(**SMALL).fit(X, y)
    shuffled = X[list(np.random.default_rng(0).permutation(X.columns))]
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(X))


def test_eval_set_frames_are_matched_by_name(mixed):
    df, y, _ = mixed
    a = silva.BoostClassifier(**SMALL).fit(df, y, eval_set=[(df, y)])
    b = silva.BoostClassifier(**SMALL).fit(df, y, eval_set=[(df[df.columns[::-1]], y)])
    assert a.evals_result_ == b.evals_result_


def test_category_levels_are_matched_by_their_text(mixed):
    df, _, model = mixed
    expected = model.predict_proba(df)
    as_text = df.astype({"colour": "str", "size": "str", "city": "str"})
    as_text.loc[as_text["colour"] == "nan", "colour"] = np.nan
    np.testing.assert_array_equal(model.predict_proba(as_text), expected)
    reordered_levels = df.assign(colour=df["colour"].cat.reorder_categories(["red", "blue", "green"]),
                                 city=df["city"].astype("category"))
    np.testing.assert_array_equal(model.predict_proba(reordered_levels), expected)


def test_unseen_categories_go_where_missing_values_go(mixed):
    df, _, model = mixed
    rows = df.iloc[:20].copy()
    unseen = rows.astype({"colour": object, "city": object})
    unseen["colour"] = "purple"
    unseen["city"] = "Atlantis"
    missing = rows.copy()
    missing["colour"] = np.nan
    missing["city"] = np.nan
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(missing))
    X = model._schema.transform(unseen)
    assert np.all(np.isnan(X[:, [6, 8]]))


def test_nullable_and_numpy_dtypes_are_interchangeable(mixed):
    df, _, model = mixed
    plain = df.astype({"small": "float64", "ratio": "float64", "maybe": "float64", "flag": "int64"})
    np.testing.assert_array_equal(model.predict_proba(plain), model.predict_proba(df))


def test_missing_extra_and_changed_columns_are_clear_errors(mixed):
    df, _, model = mixed
    with pytest.raises(ValueError, match=r"missing column 'city'"):
        model.predict(df.drop(columns=["city"]))
    with pytest.raises(ValueError, match=r"unexpected column 'extra'"):
        model.predict(df.assign(extra=1.0))
    with pytest.raises(ValueError, match=r"missing column 'x'; unexpected column 'X'"):
        model.predict(df.rename(columns={"x": "X"}))
    with pytest.raises(ValueError, match=r"column 'colour' is numeric \(dtype int8\) but the model was "
                                         r"fitted with categorical values"):
        model.predict(df.assign(colour=df["colour"].cat.codes))
    with pytest.raises(ValueError, match=r"column 'x' is categorical \(dtype str\) but the model was "
                                         r"fitted with numeric values"):
        model.predict(df.assign(x=df["x"].astype(str)))
    with pytest.raises(ValueError, match=r"column 'count' is categorical"):
        model.predict(pl.from_pandas(df).with_columns(pl.col("count").cast(pl.String)))


def test_numpy_input_of_the_wrong_width_is_a_clear_error(mixed):
    df, _, model = mixed
    X = model._schema.transform(df)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(df))
    with pytest.raises(ValueError, match="X has 9 features, but BoostClassifier is expecting 10"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # fitted with names, given an array
            model.predict(X[:, :9])
    numeric = silva.BoostRegressor(**SMALL).fit(np.ones((10, 3)), np.arange(10.0))
    with pytest.raises(ValueError, match="X has 4 features, but BoostRegressor is expecting 3"):
        numeric.predict(np.ones((2, 4)))
    with pytest.raises(ValueError, match="X has 4 features, but BoostRegressor is expecting 3"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            numeric.predict(pd.DataFrame(np.ones((2, 4)), columns=list("abcd")))


def test_feature_names_in_and_n_features_in(mixed):
    df, y, model = mixed
    assert model.n_features_in_ == df.shape[1]
    assert model.feature_names_in_.dtype == object
    assert list(model.feature_names_in_) == list(df.columns)
    refit = silva.BoostClassifier(**SMALL).fit(df[["x", "count"]].to_numpy()[:, :4], y)
    assert not hasattr(refit, "feature_names_in_") and refit.n_features_in_ == 2


# --------------------------------------------------------------------------- model file

def test_schema_survives_save_and_load(mixed, tmp_path):
    df, _, model = mixed
    model._schema.target = "label"
    model.save(tmp_path / "m.json")
    loaded = silva.load(tmp_path / "m.json")
    state, again = model._schema.to_state(), loaded._schema.to_state()
    assert set(state) == set(again)
    for key in state:
        if key == "categories":
            assert [c.tolist() for c in state[key]] == [c.tolist() for c in again[key]]
        elif isinstance(state[key], np.ndarray):
            np.testing.assert_array_equal(state[key], again[key])
        else:
            assert state[key] == again[key]
    assert loaded._schema.target == "label"
    shuffled = df[df.columns[::-1]]
    np.testing.assert_array_equal(loaded.predict_proba(shuffled), model.predict_proba(df))
    with pytest.raises(ValueError, match="missing column 'city'"):
        loaded.predict(df.drop(columns=["city"]))


def _corrupt(state, key, value):
    state = copy.deepcopy(state)
    state[key] = value
    return state


def test_from_state_is_strict(mixed):
    _, _, model = mixed
    good = model._schema.to_state()
    assert Schema.from_state(good).categorical_features == [6, 7, 8, 9]
    bad_states = [
        _corrupt(good, "n_features", 0),
        _corrupt(good, "n_features", True),
        _corrupt(good, "n_features", 11),
        _corrupt(good, "input_type", "excel"),
        _corrupt(good, "feature_names", np.array(["a"] * 10)),
        _corrupt(good, "feature_names", ["x"] * 10),
        _corrupt(good, "dtypes", np.zeros(10)),
        _corrupt(good, "kinds", np.array(["numeric"] * 9 + ["text"])),
        _corrupt(good, "categorical_features", np.array([6, 7, 8])),
        _corrupt(good, "categorical_features", np.array([6.0, 7, 8, 9])),
        _corrupt(good, "categories", good["categories"][:3]),
        _corrupt(good, "categories", [np.array(["a", "a"])] + good["categories"][1:]),
        _corrupt(good, "categories", [np.arange(3)] + good["categories"][1:]),
        _corrupt(good, "target", 3),
        {k: v for k, v in good.items() if k != "dtypes"},
        dict(good, extra=1),
        "schema",
    ]
    for bad in bad_states:
        with pytest.raises(ValueError):
            Schema.from_state(bad)


def test_model_state_schema_must_match_the_model(mixed, tmp_path):
    _, _, model = mixed
    state = model._get_model_state()
    other = dict(state, schema=Schema(10, feature_names=[f"c{j}" for j in range(10)]).to_state())
    with pytest.raises(ValueError, match="schema does not match"):
        type(model)._from_model_state(other)
    missing = {k: v for k, v in state.items() if k != "schema"}
    with pytest.raises(ValueError, match="schema"):
        type(model)._from_model_state(missing)


# --------------------------------------------------------------------------- importances

def test_get_importance_types(mixed):
    _, _, model = mixed
    np.testing.assert_allclose(model.get_importance("gain"), model.feature_importances_)
    splits = model.get_importance("split", normalize=False)
    n_internal = int(np.sum(model._forest.nodes["left"] >= 0))
    assert splits.sum() == n_internal and np.all(splits == np.round(splits))
    cover = model.get_importance("cover")
    assert cover.shape == (model.n_features_in_,) and np.isclose(cover.sum(), 1.0)
    with pytest.raises(ValueError, match="importance_type"):
        model.get_importance("weight")
