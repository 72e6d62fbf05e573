"""Model files of the classic family under damage and edits: decision trees, random forests, extra
trees, GBDT (every loss) and AdaBoost (SAMME and R2).

As tests/test_io.py does for the boosters: every damaged or edited file must either raise ModelFileError
or load a model that predicts exactly what the original predicted ("strict" edits: wrong types,
lengths, dtypes, shapes, out-of-range indices, missing or extra keys), or at least predicts without
error ("soft" edits of float values, strings and flags, which describe another valid model).

The default run makes more than 1,000 cases (truncations, bit flips, edited states with a valid
checksum, states loaded as another class). To hunt for holes, scale every fuzz test's example count
with ``SILVA_FUZZ_SCALE`` and vary the seed::

    SILVA_FUZZ_SCALE=20 python -m pytest -p no:xdist tests/ensemble/test_family_model_file.py \
        --hypothesis-seed=7
"""
import copy
import faulthandler
import json
import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

import silva
from silva.exceptions import ModelFileError
from test_io import edited_file, mutate  # the boosters' edit generator and checksum writer

_SCALE = max(1, int(os.environ.get("SILVA_FUZZ_SCALE", "1")))


def _examples(n):
    return n * _SCALE


@pytest.fixture(scope="module", autouse=True)
def _hang_watchdog():
    # a state that slipped past validation could make prediction loop forever: fail with tracebacks
    faulthandler.dump_traceback_later(600 * _SCALE, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def _predictions(est, X):
    """Everything a model computes from X, by method name."""
    out = {"predict": est.predict(X)}
    for method in ("predict_proba", "decision_function"):
        if hasattr(est, method):
            out[method] = getattr(est, method)(X)
    return out


class _Files:
    def __init__(self, est, X, path):
        est.save(path)
        self.est, self.X, self.path = est, X, path
        self.data = path.read_bytes()
        self.document = json.loads(self.data)
        self.state = est._get_model_state()
        self.expected = _predictions(est, X)
        self.fuzz_path = path.with_name("fuzzed.silva")


def _with_missing(X, seed, share=0.05):
    X = np.array(X, dtype=np.float64)
    X[np.random.default_rng(seed).random(X.shape) < share] = np.nan
    return X


def _fit_models():
    """{kind: (fitted model, X)}: small models of every estimator of the family, between them with
    missing values, string labels, frames (feature names), categorical splits (GBDT, AdaBoost), early stopping
    and every GBDT loss."""
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[::11, 2] = np.nan
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    Xd = load_diabetes(as_frame=True).data
    yd = load_diabetes().target
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xb, yb = _with_missing(Xb[::3, :8], 0), yb[::3]
    # a frame with a categorical column that GBDT splits by category sets
    Xc = Xd[["age", "bmi", "bp", "s5"]].copy()
    band = pd.qcut(yd + np.random.default_rng(0).normal(0, 30, yd.size), 5, labels=False)
    Xc["band"] = pd.Categorical(np.array(["c", "a", "e", "b", "d"])[band], categories=list("abcde"))
    Xa = _with_missing(Xd.to_numpy()[:, :5], 1)
    # a frame with a 60-level column encoded as ordered target statistics (tables in the schema)
    Xt = Xc.copy()
    Xt["clinic"] = pd.Categorical(np.random.default_rng(1).integers(0, 60, len(Xt)).astype(str))
    yt = (yd > np.median(yd)).astype(int)
    small = dict(n_estimators=4, max_depth=2, random_state=0)
    models = {
        "tree": (silva.DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, labels), X),
        "forest": (silva.RandomForestRegressor(n_estimators=3, max_depth=4, oob_score=False,
                                               random_state=0).fit(Xd, yd), Xd),
        # multi-output regression: a value vector per node, one column per output
        "tree_multi": (silva.DecisionTreeRegressor(max_depth=4, random_state=0).fit(
            Xa, np.c_[yd, np.sqrt(yd), -yd / 7]), Xa),
        "extra": (silva.ExtraTreesClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y), X),
        "gbdt_binary": (silva.GBDTClassifier(subsample=0.8, max_features="sqrt", **small).fit(Xb, yb), Xb),
        "gbdt_multiclass": (silva.GBDTClassifier(max_leaf_nodes=3, **small).fit(X, labels), X),
        "gbdt_quantile": (silva.GBDTRegressor(loss="quantile", alpha=0.7, **small).fit(Xc, yd), Xc),
        "gbdt_huber": (silva.GBDTRegressor(loss="huber", alpha=0.8, n_iter_no_change=2, n_estimators=6,
                                           max_depth=2, random_state=0).fit(Xa, yd), Xa),
        "gbdt_absolute": (silva.GBDTRegressor(loss="absolute_error", min_samples_split=0.1, **small).fit(
            Xd, yd, eval_set=[(Xd[:50], yd[:50])]), Xd),
        "gbdt_squared": (silva.GBDTRegressor(**small).fit(Xa, yd), Xa),
        "ada_binary": (silva.AdaBoostClassifier(n_estimators=5, random_state=0).fit(Xb, yb), Xb),
        "ada_multiclass": (silva.AdaBoostClassifier(
            silva.DecisionTreeClassifier(max_depth=2, criterion="entropy"), n_estimators=4, learning_rate=0.5,
            random_state=0).fit(X, labels), X),
        "ada_regression": (silva.AdaBoostRegressor(n_estimators=4, loss="exponential", random_state=0).fit(
            Xc, yd), Xc),
        "forest_target": (silva.RandomForestClassifier(n_estimators=3, max_depth=4, cat_encoding="target",
                                                       random_state=0).fit(Xt, yt), Xt),
        "ada_target": (silva.AdaBoostRegressor(n_estimators=3, cat_encoding={"clinic": "target"},
                                               random_state=0).fit(Xt, yd), Xt),
    }
    return models


_KIND_NAMES = ["tree", "forest", "tree_multi", "extra", "gbdt_binary", "gbdt_multiclass", "gbdt_quantile", "gbdt_huber",
               "gbdt_absolute", "gbdt_squared", "ada_binary", "ada_multiclass", "ada_regression",
               "forest_target", "ada_target"]
_KINDS = st.sampled_from(_KIND_NAMES)
_CLASS_NAMES = ["DecisionTreeClassifier", "DecisionTreeRegressor", "RandomForestClassifier",
                "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor", "GBDTClassifier",
                "GBDTRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "BoostClassifier",
                "BoostRegressor"]


@pytest.fixture(scope="module")
def models():
    return _fit_models()


@pytest.fixture(scope="module")
def files(models, tmp_path_factory):
    directory = tmp_path_factory.mktemp("family")
    return {kind: _Files(est, X_, directory / f"{kind}.silva") for kind, (est, X_) in models.items()}


def test_every_kind_and_class_is_covered(models):
    assert sorted(models) == sorted(_KIND_NAMES)
    assert {type(est).__name__ for est, _ in models.values()} >= set(_CLASS_NAMES) - {
        "ExtraTreesRegressor", "BoostClassifier", "BoostRegressor"}
    assert models["tree_multi"][0].predict(models["tree_multi"][1]).shape[1] == 3
    assert models["forest_target"][0]._schema.target_stats.features.tolist() == [4, 5]  # tables fuzzed too
    assert models["ada_target"][0]._schema.target_stats.features.tolist() == [5]
    assert models["gbdt_quantile"][0]._forest.cat_bins.shape[0] > 0  # categorical splits are fuzzed too
    assert any(est._forest.cat_bins.shape[0] > 0 for est in models["ada_regression"][0].estimators_)
    assert models["gbdt_huber"][0].best_iteration_ is not None


def _same_features(a, b):
    if a.n_features_in_ != b.n_features_in_:
        return False
    return list(getattr(a, "feature_names_in_", [])) == list(getattr(b, "feature_names_in_", []))


def _check(files, data, strict=True, case=""):
    """Load ``data`` as a model file: rejected with ModelFileError, or a model that predicts."""
    files.fuzz_path.write_bytes(data)
    try:
        loaded = silva.load(files.fuzz_path)
    except ModelFileError:
        return "rejected"
    assert type(loaded) is type(files.est), case
    try:
        got = _predictions(loaded, files.X)
    except ValueError:
        # a model expecting other features may refuse X; one with the same features must predict
        assert not _same_features(loaded, files.est), f"{case}: the loaded model cannot predict"
        return "loaded (other features)"
    for method, expected in files.expected.items():
        assert got[method].shape == expected.shape, f"{case}: {method} shape"
        assert got[method].dtype == expected.dtype or method == "predict", f"{case}: {method} dtype"
        if method != "predict":
            # probabilities and scores of a loaded model are numbers, whatever the edit
            assert not np.isnan(got[method]).any() or np.isnan(expected).any(), f"{case}: {method} NaN"
        if not strict:
            continue
        if method == "predict" and hasattr(loaded, "classes_"):
            # renamed labels are a valid edit: compare through the class index (classes_ are sorted)
            expected = loaded.classes_[np.searchsorted(files.est.classes_, expected)]
        assert np.array_equal(got[method], expected), f"{case}: {method} differs"
    return "loaded"


def _mutate(state, draw):
    """One random edit (test_io.mutate); AdaBoost's learners are edited as often as the booster's own
    fields, and through mutate's weighting toward node tables."""
    n_features = state["n_features_in_"]
    learners = state.get("estimators")
    if isinstance(learners, list) and learners and draw(st.booleans(), label="edit a learner?"):
        i = draw(st.integers(0, len(learners) - 1), label="learner")
        description, strict = mutate(learners[i], draw)
        description = f"estimators/{i}/{description}"
    else:
        description, strict = mutate(state, draw)
    return description, strict and not _describes_another_valid_model(description, n_features)


def _describes_another_valid_model(description, n_features):
    """Edits mutate counts as strict that give another consistent model on these small models."""
    where, _, edit = description.partition(": ")
    # "out of range" draws the node count, a valid feature index on a stump (3 nodes, 8 features)
    match = re.fullmatch(r"element \d+ = (-?\d+)", edit)
    if where.endswith("nodes/feature") and match and 0 <= int(match.group(1)) < n_features:
        return True
    # a renamed category level is a model fitted on that level (the original's level is then unseen)
    if "schema/categories/" in where and edit.endswith("renamed"):
        return True
    # any statistic (NaN: a level without rows), prior or shorter table is another fitted encoding
    return "schema/target_stats/" in where and not where.endswith("features") and "deleted" not in edit


@settings(max_examples=_examples(200), deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_truncation(files, kind, data):
    f = files[kind]
    n = data.draw(st.integers(0, len(f.data) - 1), label="length")
    event(_check(f, f.data[:n], case=f"{kind} truncated to {n}"))


@settings(max_examples=_examples(300), deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_bit_flips(files, kind, data):
    f = files[kind]
    damaged = bytearray(f.data)
    flips = []
    for _ in range(data.draw(st.integers(1, 3), label="flips")):
        position = data.draw(st.integers(0, len(damaged) - 1), label="position")
        bit = data.draw(st.integers(0, 7), label="bit")
        damaged[position] ^= 1 << bit
        flips.append((position, bit))
    event(_check(f, bytes(damaged), case=f"{kind} bit flips {flips}"))


@settings(max_examples=_examples(900), deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_edited_states_with_valid_checksum(files, kind, data):
    f = files[kind]
    state = copy.deepcopy(f.state)
    description, strict = _mutate(state, data.draw)
    outcome = _check(f, edited_file(f, state), strict=strict, case=f"{kind}: {description}")
    event(f"{kind.split('_')[0]}: {outcome}")


@pytest.mark.parametrize("kind", _KIND_NAMES)
@pytest.mark.parametrize("name", _CLASS_NAMES)
def test_loaded_as_another_class(files, kind, name):
    f = files[kind]
    outcome = _check(f, edited_file(f, f.state, estimator_name=name), case=f"{kind} loaded as {name}")
    assert outcome == "rejected" or name == type(f.est).__name__


# ------------------------------------------------------------ holes found while fuzzing, as targeted edits

def _edited(files, edit, tmp_path, name="e.silva"):
    state = copy.deepcopy(files.state)
    edit(state)
    path = tmp_path / name
    path.write_bytes(edited_file(files, state))
    return path


def _set(path, value):
    """An edit setting state[path...] to value (or to value(old value) when callable)."""
    def edit(state):
        *parents, last = path
        for key in parents:
            state = state[key]
        state[last] = value(state.get(last) if isinstance(state, dict) else state[last]) \
            if callable(value) else value
    return edit


def _each_learner(field, value):
    def edit(state):
        for learner in state["estimators"]:
            learner[field] = value
    return edit


def _both(*edits):
    def edit(state):
        for e in edits:
            e(state)
    return edit


def _add_values_table(state):
    """A CART forest's node value table (a vector per node) in a GBDT forest."""
    forest = state["forest"]
    forest["values"] = np.zeros((forest["values"].shape[0], 2))


def _leaves(fill):
    return _set(("forest", "values"), lambda v: np.full_like(v, fill))


_REJECTED = [
    # leaf values whose sum overflows: inf scores, NaN probabilities
    ("gbdt_multiclass", _leaves(1e308), "raw score|overflow"),
    ("gbdt_binary", _leaves(-1e308), "raw score|overflow"),
    ("gbdt_quantile", _set(("baseline",), lambda b: b + 1e301), "raw score"),
    # fields a GBDT model cannot have
    ("gbdt_squared", _set(("custom_objective",), True), "custom_objective"),
    ("gbdt_binary", _set(("custom_objective",), "junk"), "custom_objective"),
    ("gbdt_absolute", _add_values_table, "one value per node"),
    ("gbdt_multiclass", _set(("forest", "nodes", "cover"), lambda v: np.full_like(v, np.nan)), "cover"),
    ("gbdt_huber", _set(("forest", "nodes", "count"), lambda v: -v), "count"),
    ("gbdt_huber", _set(("best_iteration_",), 0), "best_iteration_"),
    ("gbdt_binary", _set(("classes_",), np.array([np.nan, 1.0])), "classes_"),
    # a multi-output regressor's outputs and value table must agree
    ("tree_multi", _set(("n_outputs",), 1), "one column per output"),
    ("tree_multi", _set(("n_outputs",), 0), "at least one output"),
    ("forest", _set(("n_outputs",), 2), "one column per output"),
    # category maps that do not match the schema's levels or BinMapper's numbering
    ("gbdt_quantile", _set(("schema", "categories", 0), lambda levels: levels[:2]), "levels"),
    ("gbdt_quantile", _set(("forest", "categories", "map_flat"), lambda m: np.where(m == 1, 5, m)),
     "category map"),
    # AdaBoost: weights whose sum overflows, and learners fit would have dropped or stopped at
    ("ada_binary", _set(("estimator_weights_",), lambda w: np.where(w > 0, 1e308, 0.0)), "add up"),
    ("ada_regression", _set(("estimator_weights_",), lambda w: np.where(w > 0, 1e308, 0.0)), "add up"),
    ("ada_multiclass", _set(("estimator_errors_",), lambda e: np.where(e < 1, 0.7, e)), "error"),
    ("ada_regression", _set(("estimator_errors_",), lambda e: np.where(e < 1, 0.5, e)), "error"),
    ("ada_binary", _set(("estimator_errors_",), lambda e: np.where(e < 1, 0.0, e)), "perfect learner"),
    ("ada_binary", _both(_set(("classes_",), np.array([0.0, np.inf])),
                         _each_learner("classes_", np.array([0.0, np.inf]))), "classes_"),
]


@pytest.mark.parametrize("kind, edit, match", _REJECTED, ids=[f"{k}-{m}" for k, _, m in _REJECTED])
def test_inconsistent_states_are_rejected(files, tmp_path, kind, edit, match):
    with pytest.raises(ModelFileError, match=match):
        silva.load(_edited(files[kind], edit, tmp_path))


@pytest.mark.parametrize("labels", ["float", "bool", "negative int"])
@pytest.mark.parametrize("cls", [silva.AdaBoostClassifier, silva.GBDTClassifier])
def test_classifier_labels_round_trip(tmp_path, cls, labels):
    # whole-number float labels are classes to scikit-learn; AdaBoost used to save but not load them
    X, y = load_iris(return_X_y=True)
    y = {"float": y * 1.0, "bool": y > 0, "negative int": y - 5}[labels]
    est = cls(n_estimators=3, random_state=0).fit(X, y)
    est.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    assert loaded.classes_.dtype == est.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_round_trip_is_bit_identical(files, tmp_path):
    for kind, f in files.items():
        loaded = silva.load(f.path)
        got = _predictions(loaded, f.X)
        for method, expected in f.expected.items():
            assert got[method].dtype == expected.dtype, (kind, method)
            assert np.array_equal(got[method], expected), (kind, method)
        loaded.save(tmp_path / f"{kind}.silva")
        assert (tmp_path / f"{kind}.silva").read_bytes() == f.data, kind


def test_frame_model_keeps_its_schema(files):
    f = files["forest"]
    loaded = silva.load(f.path)
    assert list(loaded.feature_names_in_) == list(f.X.columns)
    with pytest.raises(ValueError):
        loaded.predict(f.X.drop(columns=f.X.columns[0]))
    reordered = f.X[f.X.columns[::-1]]
    np.testing.assert_array_equal(loaded.predict(reordered), f.est.predict(f.X))
    assert isinstance(f.X, pd.DataFrame)
