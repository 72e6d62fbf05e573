"""Tests of the model file (silva/io.py): encoding, atomic writes, and that
load() turns every damaged or edited file into ModelFileError.

The format tests use FakeModel, a minimal estimator implementing the
model-state contract of docs/API.md; the tests at the end save and fuzz the
model files of the real estimators, which exercises their _from_model_state
validation.
"""

import base64
import copy
import faulthandler
import hashlib
import json
import math
import os
import pickle
import stat

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import NotFittedError

import silva
import silva.io as sio
from silva.exceptions import ModelFileError

# --------------------------------------------------------------------------- #
# A fake estimator implementing the model-state contract
# --------------------------------------------------------------------------- #


class FakeModel(BaseEstimator):
    """Stores an arbitrary model state; rebuilds it after checking only what
    the contract requires (a dict with "params")."""

    def __init__(self, alpha=1.0, name="fake"):
        self.alpha = alpha
        self.name = name

    def fit(self, state=None):
        self.state_ = {} if state is None else state
        return self

    def _get_model_state(self):
        return {"params": self.get_params(), **self.state_}

    @classmethod
    def _from_model_state(cls, state):
        if not isinstance(state.get("params"), dict):
            raise ValueError("params must be a dict")
        est = cls(**state["params"])  # unknown params -> TypeError
        est.state_ = {k: v for k, v in state.items() if k != "params"}
        return est


class NotASilvaModel(FakeModel):
    """Implements the contract but is not registered."""


@pytest.fixture(scope="module", autouse=True)
def _register_fake_model():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sio, "_REGISTERED_CLASSES", {})
        sio.register_model_class(FakeModel)
        yield


def assert_same(a, b, where="state"):
    """Exact equality of states: same types, same float bits (NaN, -0.0),
    same array dtypes (up to byte order; any width for unicode) and shapes."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert a.shape == b.shape, where
        if a.dtype.kind == "U":
            assert b.dtype.kind == "U" and a.tolist() == b.tolist(), where
        else:
            native = a.dtype.newbyteorder("=")
            assert b.dtype == native, where
            assert a.astype(native).tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(b) is list and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (float, np.floating)):
        assert type(b) is float, where
        a = float(a)
        assert (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)), where
    elif isinstance(a, (np.bool_, np.integer, np.str_)):
        assert type(b) is type(a.item()) and b == a.item(), where
    else:
        assert type(b) is type(a) and b == a, where


def fitted_fake(state):
    return FakeModel(alpha=0.5).fit(state)


def canonical_checksum(payload, estimator):
    """Independent implementation of the documented checksum (class name and payload)."""
    text = json.dumps({"estimator": estimator, "payload": payload}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def write_document(path, doc, fix_checksum=True):
    if fix_checksum and isinstance(doc, dict) and "payload" in doc and "checksum" in doc:
        doc["checksum"] = canonical_checksum(doc["payload"], doc.get("estimator"))
    path.write_text(json.dumps(doc, allow_nan=False))
    return path


ALL_DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
              np.uint32, np.uint64, np.float32, np.float64]


def example_state():
    rng = np.random.default_rng(0)
    arrays = {np.dtype(t).name: (rng.random((3, 4)) * 100).astype(t) for t in ALL_DTYPES}
    floats = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308])
    return {
        "arrays": arrays,
        "special_floats": floats,
        "special_floats32": np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4e38],
                                     dtype=np.float32),
        "nan_payload": np.array([0x7FF8_0000_DEAD_BEEF], dtype=np.uint64).view(np.float64),
        "int_limits": [np.array([np.iinfo(t).min, np.iinfo(t).max], dtype=t)
                       for t in ALL_DTYPES[1:9]],
        "big_endian": np.arange(6, dtype=">f8").reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
        "strided": np.arange(20, dtype=np.int64)[::3],
        "zero_d": np.array(3.5),
        "empty": np.zeros((0, 5), dtype=np.int32),
        "labels": np.array(["cat", "dog", "émeu", "🐍", ""]),
        "labels_2d": np.array([["a", "bb"], ["ccc", "d"]]),
        "labels_empty": np.array([], dtype="<U3"),
        "scalars": {
            "nan": math.nan, "inf": math.inf, "-inf": -math.inf, "neg_zero": -0.0,
            "tiny": 5e-324, "third": 1 / 3, "f32": np.float32(0.1), "f64": np.float64(2.5),
            "i64": np.int64(-7), "u64": np.uint64(2**64 - 1), "bool_": np.bool_(True),
            "int_min": -(2**63), "int_max": 2**64 - 1, "none": None, "true": True,
            "text": "naïve \"quoted\" \\ \n 🐍", "np_str": np.str_("label"),
        },
        "nested": [[1, [2.5, {"deep": [np.float64("nan"), None]}]], {"": []}, []],
    }


def test_round_trip_all_supported_values(tmp_path):
    est = fitted_fake(example_state())
    path = tmp_path / "model.silva"
    sio.save(est, path)
    loaded = sio.load(path)
    assert type(loaded) is FakeModel and loaded.get_params() == est.get_params()
    assert_same(est.state_, loaded.state_)
    # Loaded arrays are ordinary writable arrays in the machine's byte order.
    arr = loaded.state_["big_endian"]
    assert arr.flags.writeable and arr.dtype.isnative
    # Loading accepts str paths too, and saving twice gives identical files.
    sio.save(est, str(tmp_path / "again.silva"))
    assert (tmp_path / "again.silva").read_bytes() == path.read_bytes()


def test_file_layout_is_standard_json(tmp_path):
    path = tmp_path / "model.silva"
    sio.save(fitted_fake(example_state()), path)

    def reject(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(path.read_bytes().decode("ascii"), parse_constant=reject)
    assert list(doc) == ["format", "version", "silva_version", "estimator", "checksum", "payload"]
    assert doc["format"] == sio.FORMAT_NAME == "silva-model"
    assert doc["version"] == sio.FORMAT_VERSION == 1
    assert doc["estimator"] == "FakeModel"
    assert isinstance(doc["silva_version"], str)
    assert doc["checksum"] == canonical_checksum(doc["payload"], doc["estimator"])
    payload = doc["payload"]
    assert payload["params"] == {"alpha": 0.5, "name": "fake"}
    assert payload["scalars"]["nan"] == {"__float__": "nan"}
    assert payload["scalars"]["-inf"] == {"__float__": "-inf"}
    assert payload["big_endian"]["dtype"] == "<f8"
    assert payload["big_endian"]["shape"] == [2, 3]
    raw = base64.b64decode(payload["big_endian"]["__ndarray__"])
    assert raw == np.arange(6, dtype="<f8").tobytes()
    assert payload["labels"] == {"__ndarray__": ["cat", "dog", "émeu", "🐍", ""],
                                 "dtype": "str", "shape": [5]}


# Random states: nested dicts/lists of scalars and arrays of every allowed dtype,
# in both byte orders.
_array_dtypes = st.sampled_from(
    [np.dtype(t) for t in ALL_DTYPES] + [np.dtype(t).newbyteorder(">") for t in ALL_DTYPES[2:]])
_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    hnp.arrays(_array_dtypes, _shapes),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=4), _shapes),
)
_keys = st.text(max_size=6).filter(lambda k: k not in ("__ndarray__", "__float__", "params"))
_states = st.dictionaries(
    _keys,
    st.recursive(_leaves, lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(_keys, inner, max_size=3), max_leaves=8),
    max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state=_states)
def test_round_trip_random_states(tmp_path_factory, state):
    path = tmp_path_factory.getbasetemp() / "random_state.silva"
    sio.save(fitted_fake(state), path)
    assert_same(state, sio.load(path).state_)


# --------------------------------------------------------------------------- #
# save: what it refuses, atomic writes
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("bad, error", [
    (np.array([1 + 2j]), TypeError),
    (np.array([1.0], dtype=np.float16), TypeError),
    (np.array([object()], dtype=object), TypeError),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError),
    (np.array([b"bytes"]), TypeError),
    ({1: "non-str key"}, TypeError),
    ({"__ndarray__": "reserved key"}, ValueError),
    ({"__float__": "nan"}, ValueError),
    (2**64, ValueError),
    (-(2**63) - 1, ValueError),
    ({1, 2}, TypeError),
    (b"bytes", TypeError),
    (np.complex128(1), TypeError),
])
def test_save_rejects_unsupported_values_without_writing(tmp_path, bad, error):
    path = tmp_path / "model.silva"
    path.write_bytes(b"old contents")
    with pytest.raises(error, match=r"state\['nested'\]\[0\]"):
        sio.save(fitted_fake({"nested": [bad]}), path)
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["model.silva"]


def test_save_rejects_cycles_and_deep_nesting(tmp_path):
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="nested deeper"):
        sio.save(fitted_fake({"c": cyclic}), tmp_path / "m.silva")
    assert os.listdir(tmp_path) == []


def test_save_rejects_unfitted_and_foreign_estimators(tmp_path):
    with pytest.raises(NotFittedError):
        sio.save(FakeModel(), tmp_path / "m.silva")
    with pytest.raises(TypeError, match="only silva estimators"):
        sio.save(NotASilvaModel().fit({}), tmp_path / "m.silva")
    from sklearn.linear_model import LinearRegression
    with pytest.raises(TypeError, match="only silva estimators"):
        sio.save(LinearRegression().fit([[0], [1]], [0, 1]), tmp_path / "m.silva")
    assert os.listdir(tmp_path) == []


def test_register_model_class_checks_the_contract():
    with pytest.raises(TypeError):
        sio.register_model_class(BaseEstimator)
    with pytest.raises(TypeError):
        sio.register_model_class(FakeModel())


class _FailingFile:
    """Wraps a temporary file; write() stores half the data then fails."""

    def __init__(self, f):
        self._f = f

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def write(self, data):
        self._f.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failure", ["write", "fsync", "replace"])
def test_failed_save_leaves_old_file_and_no_temp_file(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.silva"
    sio.save(fitted_fake({"version": "old"}), path)
    old = path.read_bytes()

    if failure == "write":
        real = sio.tempfile.NamedTemporaryFile
        monkeypatch.setattr(sio.tempfile, "NamedTemporaryFile",
                            lambda *a, **k: _FailingFile(real(*a, **k)))
    else:
        def fail(*args):
            raise OSError(5, f"simulated {failure} failure")
        monkeypatch.setattr(sio.os, failure, fail)

    with pytest.raises(OSError, match="No space|simulated"):
        sio.save(fitted_fake({"version": "new"}), path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.silva"]
    assert sio.load(path).state_ == {"version": "old"}


def test_save_keeps_mode_of_replaced_file_and_uses_umask_for_new_ones(tmp_path):
    path = tmp_path / "model.silva"
    old_umask = os.umask(0o027)
    try:
        sio.save(fitted_fake({}), path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    path.chmod(0o604)
    sio.save(fitted_fake({}), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604


# --------------------------------------------------------------------------- #
# load: every bad file -> ModelFileError with a clear message
# --------------------------------------------------------------------------- #


@pytest.fixture
def saved(tmp_path):
    """A valid FakeModel file and its parsed document."""
    path = tmp_path / "model.silva"
    sio.save(fitted_fake(example_state()), path)
    return path, json.loads(path.read_text())


def assert_load_fails(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        sio.load(path)
    assert str(path) in str(info.value)  # the message names the file
    return info.value


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"\x00\x01\xfe\xff garbage", "not UTF-8"),
    (b"hello", "not a silva model file"),
    (b'{"format": "silva-model", "version": 1, "payload": {', "truncated"),
    (b"[1, 2, 3]", "not a silva model file"),
    (b'"silva-model"', "not a silva model file"),
    (b"null", "not a silva model file"),
    (b'{"format": "other"}', "not a silva model file"),
    (b'{"format": "silva-model", "version": NaN}', "non-standard JSON constant"),
    (b'{"format": "silva-model", "version": 1e999}', "out of range"),
    (b'{"format": "silva-model", "format": "silva-model"}', "duplicate key"),
    (b'{"format": "silva-model", "version": ' + b"9" * 5000 + b"}", "not a valid silva"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'\xef\xbb\xbf{"format": "silva-model"}', "not a silva model file"),
])
def test_load_rejects_non_model_files(tmp_path, content, match):
    path = tmp_path / "model.silva"
    path.write_bytes(content)
    assert_load_fails(path, match)


@pytest.mark.parametrize("version, match", [
    (2, r"written by a newer silva \(format 2 > 1\); upgrade silva"),
    (0, "invalid format version"),
    (-1, "invalid format version"),
    (True, "invalid format version"),
    (1.0, "invalid format version"),
    ("1", "invalid format version"),
    (None, "invalid format version"),
])
def test_load_checks_format_version(saved, version, match):
    path, doc = saved
    doc["version"] = version
    assert_load_fails(write_document(path, doc), match)


def test_load_detects_checksum_mismatch(saved):
    path, doc = saved
    doc["payload"]["params"]["alpha"] = 0.75
    write_document(path, doc, fix_checksum=False)
    assert_load_fails(path, "checksum mismatch: the file was modified or corrupted")


@pytest.mark.parametrize("edit, match", [
    (lambda d: d.pop("payload"), "missing field"),
    (lambda d: d.pop("checksum"), "missing field"),
    (lambda d: d.pop("estimator"), "missing field"),
    (lambda d: d.update(extra=1), "unexpected field"),
    (lambda d: d.update(silva_version=3), "silva_version"),
    (lambda d: d.update(checksum=12), "checksum field"),
    (lambda d: d.update(checksum="md5:abc"), "checksum field"),
    (lambda d: d.update(checksum="sha256:" + "0" * 64), "checksum mismatch"),
    (lambda d: d.update(estimator="LinearRegression"), "unknown estimator class"),
    (lambda d: d.update(estimator="NotASilvaModel"), "unknown estimator class"),
    (lambda d: d.update(estimator=["FakeModel"]), "unknown estimator class"),
    (lambda d: d.update(payload=[1, 2]), "payload is not a JSON object"),
    (lambda d: d.update(payload="x"), "payload is not a JSON object"),
])
def test_load_rejects_bad_top_level_fields(saved, edit, match):
    path, doc = saved
    doc["checksum"] = canonical_checksum(doc["payload"], doc["estimator"])
    edit(doc)
    assert_load_fails(write_document(path, doc, fix_checksum=False), match)


def _arr(data, dtype, shape):
    return {"__ndarray__": data, "dtype": dtype, "shape": shape}


def _nested_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


_B64_8 = base64.b64encode(bytes(8)).decode()


@pytest.mark.parametrize("value, match", [
    (_arr(_B64_8, "<f8", [-1]), "non-negative"),
    (_arr(_B64_8, "<f8", [1.0]), "non-negative"),
    (_arr(_B64_8, "<f8", [True]), "non-negative"),
    (_arr(_B64_8, "<f8", "1"), "non-negative"),
    (_arr(_B64_8, "<f8", [1] * 33), "non-negative"),
    (_arr(_B64_8, "<f8", [2]), "needs 16"),
    (_arr(_B64_8, "<f8", [0]), "longer than its shape"),
    (_arr(_B64_8, "<f8", [2**40, 2**40, 2**40]), "needs"),
    (_arr(_B64_8, "<f2", [4]), "unsupported array dtype"),
    (_arr(_B64_8, ">f8", [1]), "unsupported array dtype"),
    (_arr(_B64_8, "|O", [1]), "unsupported array dtype"),
    (_arr(_B64_8, "<c8", [1]), "unsupported array dtype"),
    (_arr(_B64_8, ["<f8"], [1]), "unsupported array dtype"),
    (_arr("AAAA*AAAAAA=", "<f8", [1]), "not valid base64"),
    (_arr("AAAAAAAAAA", "<f8", [1]), "not valid base64"),
    (_arr("ÄAAAAAAAAAA=", "<f8", [1]), "not valid base64"),
    (_arr([0.0], "<f8", [1]), "base64 string"),
    (_arr(base64.b64encode(b"\x00\x02").decode(), "|b1", [2]), "bytes other than 0 and 1"),
    (_arr(["a", 1], "str", [2]), "list of strings"),
    (_arr("ab", "str", [2]), "list of strings"),
    (_arr(["a", "b"], "str", [3]), "needs 3"),
    # 130 kB of JSON asking for a 4 GB array (every string padded to the longest).
    (_arr(["x" * 100_000] + [""] * 9_999, "str", [10_000]), "would take more than"),
    ({"__ndarray__": _B64_8, "dtype": "<f8", "shape": [1], "extra": 0}, "exactly the fields"),
    ({"__ndarray__": _B64_8, "dtype": "<f8"}, "exactly the fields"),
    ({"__float__": "NaN"}, "invalid tagged float"),
    ({"__float__": "1.5"}, "invalid tagged float"),
    ({"__float__": 1.5}, "invalid tagged float"),
    ({"__float__": "nan", "x": 1}, "invalid tagged float"),
    (2**64, "outside the int64/uint64 range"),
    (-(2**63) - 1, "outside the int64/uint64 range"),
    (_nested_list(100), "nested deeper"),
])
def test_load_validates_decoded_values_even_with_a_valid_checksum(saved, value, match):
    path, doc = saved
    doc["payload"]["scalars"]["bad"] = value
    err = assert_load_fails(write_document(path, doc), match)
    assert "payload['scalars']['bad']" in str(err)  # says where


def test_load_wraps_errors_of_from_model_state(saved):
    path, doc = saved
    doc["payload"]["params"]["unknown_param"] = 1  # FakeModel(...) raises TypeError
    err = assert_load_fails(write_document(path, doc), "invalid FakeModel model state")
    assert isinstance(err.__cause__, TypeError)
    doc["payload"]["params"] = "not a dict"  # FakeModel raises ValueError
    err = assert_load_fails(write_document(path, doc), "params must be a dict")
    assert isinstance(err.__cause__, ValueError)


def test_load_enforces_the_size_cap(saved, monkeypatch):
    path, _ = saved
    monkeypatch.setattr(sio, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert_load_fails(path, "bytes allowed for a model file")
    with pytest.raises(ValueError, match="that load\\(\\) accepts"):
        sio.save(fitted_fake(example_state()), path.with_name("other.silva"))


def test_load_missing_file_raises_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        sio.load(tmp_path / "nope.silva")


def test_model_file_error_is_a_value_error_and_pickles():
    err = ModelFileError("/some/model.silva", "checksum mismatch")
    assert isinstance(err, ValueError)
    assert "/some/model.silva" in str(err) and "checksum mismatch" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.problem, str(again)) == (err.path, err.problem, str(err))


# --------------------------------------------------------------------------- #
# Fuzzing the FakeModel file: damage must be detected, never crash
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def fake_file(tmp_path_factory):
    est = fitted_fake(example_state())
    path = tmp_path_factory.mktemp("fake") / "model.silva"
    sio.save(est, path)
    return est, path.read_bytes(), path.with_name("fuzzed.silva")


def check_damaged(fake_file, data):
    est, _, path = fake_file
    path.write_bytes(data)
    try:
        loaded = sio.load(path)
    except ModelFileError:
        return
    assert_same(est._get_model_state(), loaded._get_model_state())


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fuzz_fake_truncation(fake_file, data):
    original = fake_file[1]
    n = data.draw(st.integers(0, len(original) - 1))
    check_damaged(fake_file, original[:n])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fuzz_fake_bit_flips(fake_file, data):
    damaged = bytearray(fake_file[1])
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] ^= 1 << data.draw(st.integers(0, 7))
    check_damaged(fake_file, bytes(damaged))


# --------------------------------------------------------------------------- #
# The real estimators
# --------------------------------------------------------------------------- #

def _with_missing(X, seed):
    """Blank 5% of the values so the models learn missing-value directions."""
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < 0.05] = np.nan
    return X


KIND_NAMES = ["binary", "multiclass", "regression", "ranking", "quantiles"]


@pytest.fixture(scope="module")
def models():
    """The kinds of booster model, fitted once: {kind: (estimator, X to predict)}.

    binary: int labels, NaNs in X; multiclass: string labels (a unicode
    classes_); regression: a DataFrame (feature_names_in_) with early stopping
    (best_iteration_, evals_result_).
    """
    X, y = load_breast_cancer(return_X_y=True)
    X = _with_missing(X, 0)
    binary = silva.BoostClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y)

    iris = load_iris()
    Xi, yi = _with_missing(iris.data, 1), iris.target_names[iris.target]
    multiclass = silva.BoostClassifier(n_estimators=20, max_depth=3, random_state=0).fit(Xi, yi)

    Xd = load_diabetes(as_frame=True).data
    yd = load_diabetes().target
    regression = silva.BoostRegressor(n_estimators=20, max_depth=3, n_iter_no_change=5,
                                      validation_fraction=0.2, random_state=0).fit(Xd, yd)
    # a ranker (grades from the target, 20 queries) and one model of three quantile columns
    grades = np.digitize(yd, np.quantile(yd, [0.25, 0.5, 0.75]))
    ranking = silva.BoostRanker(n_estimators=10, max_depth=3, random_state=0).fit(
        Xd, grades, qid=np.arange(len(yd)) % 20)
    quantiles = silva.BoostRegressor(objective="quantile", quantile_alpha=[0.1, 0.5, 0.9], n_estimators=10,
                                     max_depth=3, random_state=0).fit(Xd, yd)
    return {"binary": (binary, X), "multiclass": (multiclass, Xi), "regression": (regression, Xd),
            "ranking": (ranking, Xd), "quantiles": (quantiles, Xd)}


def predictions(est, X):
    """Everything a model computes from X, by method name."""
    if hasattr(est, "predict_proba"):
        return {"predict_proba": est.predict_proba(X),
                "decision_function": est.decision_function(X), "predict": est.predict(X)}
    return {"predict": est.predict(X)}


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_estimator_round_trip_predicts_bit_identically(models, tmp_path, kind):
    est, X = models[kind]
    path = tmp_path / "model.silva"
    est.save(path)
    loaded = silva.load(path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    for method, expected in predictions(est, X).items():
        got = getattr(loaded, method)(X)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), method
    for attr in ("n_features_in_", "n_iter_", "best_iteration_", "evals_result_"):
        assert getattr(loaded, attr) == getattr(est, attr), attr
    assert np.array_equal(loaded.feature_importances_, est.feature_importances_)
    if hasattr(est, "classes_"):
        assert np.array_equal(loaded.classes_, est.classes_)
    if hasattr(est, "feature_names_in_"):
        assert list(loaded.feature_names_in_) == list(est.feature_names_in_)
    # Saving the loaded model writes the same file.
    sio.save(loaded, tmp_path / "again.silva")
    assert (tmp_path / "again.silva").read_bytes() == path.read_bytes()


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        silva.BoostRegressor().save(tmp_path / "m.silva")
    assert not (tmp_path / "m.silva").exists()


def test_custom_objective_model_round_trips(tmp_path):
    def squared_error(y_true, raw):
        return raw - y_true, np.ones_like(raw)

    X, y = load_diabetes(return_X_y=True)
    est = silva.BoostRegressor(n_estimators=5, objective=squared_error, random_state=0).fit(X, y)
    est.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    assert loaded.objective is None  # code is never stored in a model file
    assert np.array_equal(loaded.predict(X), est.predict(X))


# ---- fuzzing the estimators' model files ---------------------------------- #
#
# Every damaged or edited file must either raise ModelFileError or load a model
# that predicts exactly what the original predicted. Edits are made to the
# decoded model state and written back WITH a valid checksum, so they reach the
# estimator's own validation in _from_model_state.
#
# Edits that make the state invalid (wrong types, lengths, dtypes, shapes,
# out-of-range or wrapped-around indices, missing or extra keys) are "strict":
# the model must be rejected or be unaffected. Edits of float values (leaf
# values, thresholds, ...), strings and flags are "soft": they describe a valid
# but different model, so the loaded model only has to predict without error.
# Class labels may be renamed (predict then returns the new labels), and a
# model whose features changed may refuse the original X with ValueError.


@pytest.fixture(scope="module", autouse=True)
def _hang_watchdog():
    # A state that slipped past validation could make prediction loop forever
    # (a cycle in a tree): end the run with tracebacks rather than hang CI.
    faulthandler.dump_traceback_later(600, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class _FuzzFiles:
    """A fitted model's file, parsed state and reference predictions."""

    def __init__(self, est, X, path):
        est.save(path)
        self.est, self.X, self.path = est, X, path
        self.data = path.read_bytes()
        self.document = json.loads(self.data)
        self.state = est._get_model_state()
        self.expected = predictions(est, X)
        self.fuzz_path = path.with_name("fuzzed.silva")


@pytest.fixture(scope="module")
def fuzz_files(models, tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    return {kind: _FuzzFiles(est, X, directory / f"{kind}.silva")
            for kind, (est, X) in models.items()}


_KINDS = st.sampled_from(KIND_NAMES)


def _same_features(a, b):
    if a.n_features_in_ != b.n_features_in_:
        return False
    names_a, names_b = getattr(a, "feature_names_in_", None), getattr(b, "feature_names_in_", None)
    if names_a is None or names_b is None:
        return names_a is names_b
    return list(names_a) == list(names_b)


def check_model_file(files, data, strict=True, case=""):
    """Load ``data`` as a model file and check the outcome (see above)."""
    files.fuzz_path.write_bytes(data)
    try:
        loaded = silva.load(files.fuzz_path)
    except ModelFileError:
        return "rejected"
    original = files.est
    assert type(loaded) is type(original), f"{case}: loaded as {type(loaded).__name__}"
    try:
        got = predictions(loaded, files.X)
    except ValueError:
        # A model expecting other features rightly refuses X; anything else is
        # a state the loader should have rejected.
        if _same_features(loaded, original):
            raise AssertionError(f"{case}: the loaded model cannot predict")
        return "loaded (other features)"
    for method, expected in files.expected.items():
        assert got[method].shape == expected.shape, f"{case}: {method} shape"
        if not strict:
            continue
        if method == "predict" and hasattr(loaded, "classes_"):
            # Renamed labels are a valid edit: compare through the class index.
            expected = loaded.classes_[np.argmax(files.expected["predict_proba"], axis=1)]
        assert np.array_equal(got[method], expected), \
            f"{case}: the loaded model's {method} differs from the original's"
    return "loaded"


@settings(max_examples=150, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_estimator_truncation(fuzz_files, kind, data):
    files = fuzz_files[kind]
    n = data.draw(st.integers(0, len(files.data) - 1), label="length")
    check_model_file(files, files.data[:n], case=f"{kind} truncated to {n} bytes")


@settings(max_examples=250, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_estimator_bit_flips(fuzz_files, kind, data):
    files = fuzz_files[kind]
    damaged = bytearray(files.data)
    flips = []
    for _ in range(data.draw(st.integers(1, 3), label="flips")):
        position = data.draw(st.integers(0, len(damaged) - 1), label="position")
        bit = data.draw(st.integers(0, 7), label="bit")
        damaged[position] ^= 1 << bit
        flips.append((position, bit))
    check_model_file(files, bytes(damaged), case=f"{kind} bit flips {flips}")


# Values of another type (or absurd ones) that an edit may put anywhere.
_JUNK = [None, "junk", [], {}, 0.5, -3, 2**40, True, [1, 2, 3], {"a": 1},
         np.zeros(0), np.zeros((2, 2)), np.array(["a"])]


def _locations(value, path=()):
    """Every (path, value) inside a state, containers included (not the root)."""
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _locations(item, path + (i,))


def _locate(state, path):
    for key in path:
        state = state[key]
    return state


def _array_edit(state, path, arr, draw):
    """A random edit of the array at ``path``: (new value, description, strict)."""
    edits = ["drop last", "append", "empty", "to list", "2-D", "first element", "junk"]
    if arr.dtype.kind in "iub":
        edits += ["out of range", "wrap around", "to float64", "to int64", "to unicode",
                  "plus 0.5"]
    if arr.dtype.kind == "f":
        edits += ["special float", "swap elements", "to float32", "to int64"]
    if arr.dtype.kind == "U":
        edits += ["duplicate label", "rename label"]
    if path[-1] in ("left", "right"):
        edits += ["child to root", "child to -1", "shared child"]
    edit = draw(st.sampled_from(edits), label="edit")
    if arr.size < 2 and edit not in ("append", "to list", "2-D", "junk", "to float64",
                                     "to unicode", "to float32"):
        edit = "junk"  # the edit needs elements
    flat = arr.ravel().copy()
    i = draw(st.integers(0, max(flat.size - 1, 0)), label="element")

    if edit == "drop last":
        return flat[:-1], edit, True
    if edit == "append":
        return np.concatenate([flat, flat[-1:] if flat.size else np.zeros(1, flat.dtype)]), edit, True
    if edit == "empty":
        return flat[:0], edit, True
    if edit == "to list":
        return arr.tolist(), edit, True
    if edit == "2-D":
        return arr.reshape(arr.shape + (1,)), edit, True
    if edit == "first element":
        return flat[0].item(), edit, True
    if edit == "junk":
        junk = draw(st.sampled_from(_JUNK), label="junk")
        return copy.deepcopy(junk), f"replace by {junk!r}", True
    if edit == "out of range":
        # one past the array is out of range for a child index, but can be a valid feature index
        past_end = [] if path[-1] == "feature" else [flat.size]
        value = draw(st.sampled_from([-2, -(2**31), 2**31 - 1, *past_end, 10**6, 2**62]),
                     label="value")
        new = flat.astype(np.int64)
        new[i] = value
        return new, f"element {i} = {value}", True
    if edit == "wrap around":
        # Out of range for the field's dtype, but equal to a small value modulo
        # 2**bits: a loader casting without a range check silently gets that value.
        bits = 8 * arr.dtype.itemsize
        if bits == 64:
            return flat[:-1], "drop last", True
        small = draw(st.integers(-1, 40), label="small")
        new = flat.astype(np.int64)
        new[i] = small + 2**bits
        return new, f"element {i} = {small + 2**bits} (== {small} mod 2**{bits})", True
    if edit == "to float64":
        return flat.astype(np.float64), edit, True
    if edit == "to int64":
        # Exact for integers; truncating float values changes the model.
        new = np.clip(np.nan_to_num(flat), -(2**62), 2**62).astype(np.int64)
        return new, edit, arr.dtype.kind != "f"
    if edit == "to unicode":
        return flat.astype(str), edit, True
    if edit == "plus 0.5":
        new = flat.astype(np.float64)
        new[i] += 0.5
        return new, f"element {i} += 0.5", True
    if edit == "special float":
        value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308]),
                     label="value")
        flat[i] = value
        return flat, f"element {i} = {value}", False
    if edit == "swap elements":
        j = draw(st.integers(0, flat.size - 1), label="other")
        flat[[i, j]] = flat[[j, i]]
        return flat, f"swap elements {i} and {j}", False
    if edit == "to float32":
        return flat.astype(np.float32), edit, False
    if edit == "duplicate label":
        j = (i + 1) % flat.size
        flat[i] = flat[j]
        return flat, f"label {i} = label {j}", True
    if edit == "rename label":
        new = flat.astype(object)
        new[i] = "renamed label"
        return new.astype(str), f"label {i} renamed", True
    if edit == "child to root":
        flat[i] = 0
        return flat, f"element {i} = 0", True
    if edit == "child to -1":
        flat[i] = -1
        return flat, f"element {i} = -1", True
    assert edit == "shared child"
    # Both children of node i point to the same node.
    sibling = _locate(state, path[:-1] + ("right" if path[-1] == "left" else "left",))
    flat[i] = sibling[i]
    return flat, f"element {i} = its sibling", True


def _value_edit(value, draw):
    """A random edit of a non-array value: (new value, description, strict)."""
    edits = ["junk"]
    if isinstance(value, dict):
        edits.append("add key")
    if isinstance(value, list):
        edits += ["drop last", "append"]
    if type(value) is int:
        edits += ["out of range", "to float", "to str"]
    if type(value) in (float, str, bool):
        edits.append("other value")
    edit = draw(st.sampled_from(edits), label="edit")
    if edit == "junk":
        junk = draw(st.sampled_from(_JUNK), label="junk")
        return copy.deepcopy(junk), f"replace by {junk!r}", True
    if edit == "add key":
        return dict(value, unexpected_key=1), edit, True
    if edit == "drop last":
        return value[:-1], edit, True
    if edit == "append":
        return value + value[-1:] if value else [0], edit, True
    if edit == "out of range":
        new = draw(st.sampled_from([-1, -(2**31), 2**31, 10**6, 2**63 - 1]), label="value")
        return new, f"= {new}", True
    if edit == "to float":
        return float(value), edit, True
    if edit == "to str":
        return str(value), edit, True
    # Another float, string or flag: a different, possibly valid, model.
    if type(value) is bool:
        new = not value
    elif type(value) is str:
        new = draw(st.sampled_from(["", "junk", "depthwise", "leafwise", "softmax", "logloss",
                                    "squared_error"]), label="value")
    else:
        new = draw(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e308, value * 2]),
                   label="value")
    return new, f"= {new!r}", False


def mutate(state, draw):
    """Apply one random edit to ``state`` in place; return (description, strict)."""
    locations = list(_locations(state))
    # The forest is where the loader's validation matters most: weight it up.
    locations += [loc for loc in locations if loc[0][0] == "forest"] * 3
    path, value = draw(st.sampled_from(locations), label="location")
    where = "/".join(map(str, path))
    parent = _locate(state, path[:-1])
    if draw(st.integers(0, 9), label="delete?") == 0:
        del parent[path[-1]]
        return f"{where}: deleted", True
    if isinstance(value, np.ndarray):
        new, edit, strict = _array_edit(state, path, value, draw)
    else:
        new, edit, strict = _value_edit(value, draw)
    parent[path[-1]] = new
    return f"{where}: {edit}", strict


def edited_file(files, state, estimator_name=None):
    """A model file holding ``state`` with a valid checksum."""
    payload = sio._encode(state, "state", 0)
    doc = dict(files.document, payload=payload)
    if estimator_name is not None:
        doc["estimator"] = estimator_name
    doc["checksum"] = canonical_checksum(payload, doc["estimator"])
    return json.dumps(doc).encode()


@settings(max_examples=700, deadline=None)
@given(kind=_KINDS, data=st.data())
def test_fuzz_estimator_edited_states_with_valid_checksum(fuzz_files, kind, data):
    files = fuzz_files[kind]
    state = copy.deepcopy(files.state)
    description, strict = mutate(state, data.draw)
    check_model_file(files, edited_file(files, state), strict=strict,
                     case=f"{kind}: {description}")


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("name", ["BoostClassifier", "BoostRegressor", "BoostRanker"])
def test_estimator_field_swapped(fuzz_files, kind, name):
    # The "estimator" field is outside the checksum: the other class must reject the state.
    files = fuzz_files[kind]
    check_model_file(files, edited_file(files, files.state, estimator_name=name),
                     case=f"{kind} saved, loaded as {name}")


@pytest.mark.parametrize("name", ["BoostClassifier", "GBDTClassifier", "DecisionTreeClassifier",
                                  "RandomForestClassifier", "ExtraTreesClassifier", "AdaBoostClassifier"])
def test_object_string_labels_round_trip(tmp_path, name):
    """Labels from a pandas column of strings arrive as an object array: they must save and load."""
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    est = getattr(silva, name)(n_estimators=3) if name != "DecisionTreeClassifier" else silva.DecisionTreeClassifier()
    est.fit(X, labels)
    est.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    assert loaded.classes_.dtype == object and list(loaded.classes_) == list(est.classes_)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
