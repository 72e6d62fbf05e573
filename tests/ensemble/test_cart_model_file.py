"""Model files of the CART family (trees, random forests, extra trees) under damage and edits.

As tests/test_io.py does for the boosters: every damaged or edited file must either raise ModelFileError
or load a model that predicts exactly what the original predicted ("strict" edits: wrong types,
lengths, dtypes, shapes, out-of-range indices, missing or extra keys), or at least predicts without
error ("soft" edits of float values, strings and flags, which describe another valid model).
"""
import copy
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_iris

import silva
from silva.exceptions import ModelFileError
from test_io import edited_file, mutate  # the boosters' edit generator and checksum writer


def _predictions(est, X):
    if hasattr(est, "predict_proba"):
        return {"predict_proba": est.predict_proba(X), "predict": est.predict(X)}
    return {"predict": est.predict(X)}


class _Files:
    def __init__(self, est, X, path):
        est.save(path)
        self.est, self.X, self.path = est, X, path
        self.data = path.read_bytes()
        self.document = json.loads(self.data)
        self.state = est._get_model_state()
        self.expected = _predictions(est, X)
        self.fuzz_path = path.with_name("fuzzed.silva")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cart")
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[::11, 2] = np.nan
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    Xd = load_diabetes(as_frame=True).data
    yd = load_diabetes().target
    models = {
        "tree": (silva.DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, labels), X),
        "forest": (silva.RandomForestRegressor(n_estimators=3, max_depth=4, oob_score=False,
                                               random_state=0).fit(Xd, yd), Xd),
        "extra": (silva.ExtraTreesClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y), X),
    }
    return {kind: _Files(est, X_, directory / f"{kind}.silva") for kind, (est, X_) in models.items()}


_KINDS = st.sampled_from(["tree", "forest", "extra"])


def _check(files, data, strict=True, case=""):
    files.fuzz_path.write_bytes(data)
    try:
        loaded = silva.load(files.fuzz_path)
    except ModelFileError:
        return
    assert type(loaded) is type(files.est), case
    try:
        got = _predictions(loaded, files.X)
    except ValueError:
        # a model expecting other features may refuse X; one with the same features must predict
        same = loaded.n_features_in_ == files.est.n_features_in_ and (
            list(getattr(loaded, "feature_names_in_", [])) == list(getattr(files.est, "feature_names_in_", [])))
        assert not same, f"{case}: the loaded model cannot predict"
        return
    for method, expected in files.expected.items():
        assert got[method].shape == expected.shape, f"{case}: {method} shape"
        if not strict:
            continue
        if method == "predict" and hasattr(loaded, "classes_"):
            expected = loaded.classes_[np.argmax(files.expected["predict_proba"], axis=1)]
        assert np.array_equal(got[method], expected), f"{case}: {method} differs"


@settings(max_examples=100, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_truncation(files, kind, data):
    f = files[kind]
    n = data.draw(st.integers(0, len(f.data) - 1), label="length")
    _check(f, f.data[:n], case=f"{kind} truncated to {n}")


@settings(max_examples=150, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_bit_flips(files, kind, data):
    f = files[kind]
    damaged = bytearray(f.data)
    for _ in range(data.draw(st.integers(1, 3), label="flips")):
        damaged[data.draw(st.integers(0, len(damaged) - 1), label="position")] ^= 1 << data.draw(
            st.integers(0, 7), label="bit")
    _check(f, bytes(damaged), case=f"{kind} bit flips")


@settings(max_examples=400, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_edited_states_with_valid_checksum(files, kind, data):
    f = files[kind]
    state = copy.deepcopy(f.state)
    description, strict = mutate(state, data.draw)
    _check(f, edited_file(f, state), strict=strict, case=f"{kind}: {description}")


@pytest.mark.parametrize("kind", ["tree", "forest", "extra"])
@pytest.mark.parametrize("name", ["DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier",
                                  "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
                                  "BoostClassifier"])
def test_loaded_as_another_class(files, kind, name):
    f = files[kind]
    _check(f, edited_file(f, f.state, estimator_name=name), case=f"{kind} loaded as {name}")


def test_frame_model_keeps_its_schema(files, tmp_path):
    f = files["forest"]
    loaded = silva.load(f.path)
    assert list(loaded.feature_names_in_) == list(f.X.columns)
    with pytest.raises(ValueError):
        loaded.predict(f.X.drop(columns=f.X.columns[0]))
    reordered = f.X[f.X.columns[::-1]]
    np.testing.assert_array_equal(loaded.predict(reordered), f.est.predict(f.X))
    assert isinstance(f.X, pd.DataFrame)
