"""Saving and loading fitted silva estimators: the silva model file.

A model file is one UTF-8 JSON document (standard JSON: no NaN/Infinity literals)::

    {"format": "silva-model", "version": 1, "silva_version": "0.1.0",
     "estimator": "BoostClassifier",
     "checksum": "sha256:<hex>",
     "payload": {...}}

``payload`` is the estimator's model state (``est._get_model_state()``, see
docs/API.md) with these encodings, chosen so that every value round-trips
exactly and so that loading never runs code from the file (no pickle, no eval):

* numpy numeric/bool arrays -> ``{"__ndarray__": <base64 of the raw
  little-endian bytes, C order>, "dtype": "<f8", "shape": [...]}``; allowed
  dtypes are bool, int8..int64, uint8..uint64, float32 and float64;
* numpy unicode arrays -> ``{"__ndarray__": [str, ...], "dtype": "str",
  "shape": [...]}`` (flattened in C order); object arrays holding only strings
  (pandas string labels) the same with ``"dtype": "object_str"``, loaded back
  as object arrays;
* float NaN/inf/-inf scalars -> ``{"__float__": "nan" | "inf" | "-inf"}``;
* numpy scalars -> the matching Python scalar; tuples -> lists.

``checksum`` is the SHA-256 of the canonical JSON (sorted keys, no whitespace,
ASCII only) of ``{"estimator": ..., "payload": ...}``, so any change to the
payload or to the class it is loaded as is detected. Loading
additionally validates every decoded value (types, dtypes, shapes, integer
ranges) and then relies on ``Cls._from_model_state`` to check that the state is
consistent, because a checksum only detects accidents: anyone editing a file
can recompute it.

Every problem with a file found by :func:`load` raises
:class:`silva.exceptions.ModelFileError`.
"""

import base64
import binascii
import hashlib
import json
import math
import os
import tempfile

import numpy as np
from sklearn.utils.validation import check_is_fitted

from silva._registry import check_model_contract, model_classes
from silva._version import __version__
from silva.exceptions import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "save", "load", "register_model_class"]

FORMAT_NAME = "silva-model"
FORMAT_VERSION = 1

# load() refuses bigger files rather than trying to parse them; save() refuses
# to write them, so that every saved file can be loaded back.
MAX_FILE_BYTES = 2 * 1024**3

# The estimator classes that can be saved and loaded are those that joined
# silva._registry: TO MAKE A NEW ESTIMATOR LOADABLE, DECORATE ITS CLASS WITH
# @register_model (from silva._registry); it must implement the model-state
# contract of docs/API.md. This module imports no estimator module.

# Classes added with register_model_class() (tests, extensions).
_REGISTERED_CLASSES = {}

_ARRAY_TAG = "__ndarray__"
_FLOAT_TAG = "__float__"
_RESERVED_KEYS = frozenset((_ARRAY_TAG, _FLOAT_TAG))
_UNICODE_DTYPE = "str"
_OBJECT_STR_DTYPE = "object_str"

# Allowed array dtypes, keyed by the little-endian dtype string stored in files.
_ARRAY_DTYPES = {
    dt.str: dt
    for dt in (
        np.dtype(t).newbyteorder("<")
        for t in (
            np.bool_, np.int8, np.int16, np.int32, np.int64,
            np.uint8, np.uint16, np.uint32, np.uint64, np.float32, np.float64,
        )
    )
}

_NONFINITE_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

# Integers outside int64/uint64 have no meaning in a model state; refusing them
# on both sides keeps absurd values (e.g. 10**300) away from the estimators.
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1

# Model states are shallow (a few levels); a deeply nested file is garbage, and
# the limit keeps the recursive encoder/decoder far from Python's recursion limit.
_MAX_DEPTH = 64
_MAX_NDIM = 32

# A unicode array is padded to its longest string, so a small file could ask
# for a huge array; allow growth up to this factor of the file size (or 64 MiB).
_UNICODE_GROWTH = 64
_UNICODE_MIN_BUDGET = 64 * 1024**2

_TOP_LEVEL_KEYS = ("format", "version", "silva_version", "estimator", "checksum", "payload")

# Errors with which _from_model_state reports an inconsistent state; they become
# ModelFileError. OverflowError is included because converting an out-of-range
# (but valid JSON) integer to a numpy integer raises it.
_STATE_ERRORS = (ValueError, KeyError, TypeError, IndexError, OverflowError)


# --------------------------------------------------------------------------- #
# Registry of loadable estimator classes
# --------------------------------------------------------------------------- #

def register_model_class(cls):
    """Make ``cls`` savable and loadable under ``cls.__name__``.

    The silva estimators join on their own (``silva._registry``, which
    ``import silva`` fills); this hook is for tests and extensions. Returns
    ``cls`` (usable as a decorator).
    """
    check_model_contract(cls)
    _REGISTERED_CLASSES[cls.__name__] = cls
    return cls


def _model_classes():
    """Return {class name: class} of every estimator that can be saved/loaded."""
    classes = model_classes()
    classes.update(_REGISTERED_CLASSES)
    return classes


def _silva_version():
    return __version__


# --------------------------------------------------------------------------- #
# Encoding (state -> JSON-compatible payload)
# --------------------------------------------------------------------------- #

def _encode(value, where, depth):
    """Encode one state value; ``where`` (e.g. "state['trees'][0]") names it in errors."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: model state nested deeper than {_MAX_DEPTH} levels")
    # numpy scalars first: np.float64 is also a Python float, np.bool_ is not a bool.
    if isinstance(value, np.generic):
        if isinstance(value, (np.bool_, np.integer, np.floating, np.str_)):
            value = value.item()
        else:
            raise TypeError(f"{where}: unsupported numpy scalar type {type(value).__name__}")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # plain str, also for str subclasses
    if isinstance(value, int):
        value = int(value)
        if not _INT_MIN <= value <= _INT_MAX:
            raise ValueError(f"{where}: integer {value} is outside the int64/uint64 range")
        return value
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value):
            return value
        return {_FLOAT_TAG: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, np.ndarray):
        return _encode_array(value, where)
    if isinstance(value, dict):
        encoded = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: dict key {key!r} is not a str")
            if key in _RESERVED_KEYS:
                raise ValueError(f"{where}: dict key {key!r} is reserved by the model file format")
            encoded[str(key)] = _encode(item, f"{where}[{key!r}]", depth + 1)
        return encoded
    if isinstance(value, (list, tuple)):
        return [_encode(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise TypeError(f"{where}: cannot store a value of type {type(value).__name__} in a model file")


def _encode_array(arr, where):
    if arr.ndim > _MAX_NDIM:
        raise ValueError(f"{where}: array has more than {_MAX_NDIM} dimensions")
    shape = [int(n) for n in arr.shape]
    if arr.dtype.kind == "U":
        return {_ARRAY_TAG: [str(s) for s in arr.ravel(order="C").tolist()],
                "dtype": _UNICODE_DTYPE, "shape": shape}
    if arr.dtype.kind == "O":
        items = arr.ravel(order="C").tolist()
        if not all(isinstance(s, str) for s in items):
            raise TypeError(f"{where}: object arrays can be stored only when they hold strings")
        return {_ARRAY_TAG: [str(s) for s in items], "dtype": _OBJECT_STR_DTYPE, "shape": shape}
    little_endian = arr.dtype.newbyteorder("<")
    if little_endian.str not in _ARRAY_DTYPES:
        raise TypeError(
            f"{where}: arrays of dtype {arr.dtype} cannot be stored in a model file "
            "(allowed: bool, int8-64, uint8-64, float32, float64, unicode, object of strings)")
    raw = arr.astype(little_endian, copy=False).tobytes(order="C")
    return {_ARRAY_TAG: base64.b64encode(raw).decode("ascii"),
            "dtype": little_endian.str, "shape": shape}


def _canonical_json(payload):
    """The exact text the checksum is computed over; identical for a payload
    before saving and after parsing it back (floats round-trip through repr)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False)


def _checksum(estimator_name, payload):
    # the class name is covered too: the same state loaded as another class could predict garbage
    text = _canonical_json({"estimator": estimator_name, "payload": payload})
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------- #
# save
# --------------------------------------------------------------------------- #

def save(estimator, path):
    """Write a fitted silva estimator to ``path`` (a str or os.PathLike).

    The file is written atomically: a temporary file is written next to
    ``path`` and renamed over it only when complete, so a failure (full disk,
    an unsupported value in the state, ...) leaves any existing file at
    ``path`` untouched.

    Raises TypeError if ``estimator`` is not a silva estimator, and
    sklearn.exceptions.NotFittedError if it is not fitted.
    """
    path = os.fspath(path)
    name = type(estimator).__name__
    if _model_classes().get(name) is not type(estimator):
        raise TypeError(
            f"cannot save {name} objects: only silva estimators can be saved "
            f"(subclasses cannot, since load() could not rebuild them)")
    check_is_fitted(estimator)

    state = estimator._get_model_state()
    if not isinstance(state, dict):
        raise TypeError(f"{name}._get_model_state() returned {type(state).__name__}, not a dict")
    payload = _encode(state, "state", 0)
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "silva_version": _silva_version(),
        "estimator": name,
        "checksum": _checksum(name, payload),
        "payload": payload,
    }
    # Everything is encoded before the disk is touched.
    data = json.dumps(document, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"the model file would be {len(data)} bytes, more than the "
                         f"{MAX_FILE_BYTES} bytes that load() accepts")
    _write_atomically(path, data)


def _write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    mode = _new_file_mode(path)
    tmp = tempfile.NamedTemporaryFile(
        mode="wb", dir=directory, prefix="." + os.path.basename(path) + ".",
        suffix=".tmp", delete=False)
    try:
        with tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        # NamedTemporaryFile creates the file 0600; give it the mode a plain
        # open() would have (or the replaced file's mode).
        os.chmod(tmp.name, mode)
        os.replace(tmp.name, path)
    except BaseException:
        try:
            os.unlink(tmp.name)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _new_file_mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        # The umask can only be read by setting it; set it straight back.
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory):
    """Make the rename durable (POSIX); best effort, the data is already written."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- #
# Decoding (parsed payload -> state), strict
# --------------------------------------------------------------------------- #

class _Invalid(Exception):
    """A problem found while reading a file; load() turns it into ModelFileError."""


def _decode(value, where, depth, budget):
    if depth > _MAX_DEPTH:
        raise _Invalid(f"{where}: nested deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise _Invalid(f"{where}: integer {value} is outside the int64/uint64 range")
        return value
    if isinstance(value, float):
        return value  # finite: the parser rejects NaN/Infinity and overflowing literals
    if isinstance(value, list):
        return [_decode(item, f"{where}[{i}]", depth + 1, budget) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if _ARRAY_TAG in value:
            return _decode_array(value, where, budget)
        if _FLOAT_TAG in value:
            tag = value[_FLOAT_TAG]
            if len(value) != 1 or not isinstance(tag, str) or tag not in _NONFINITE_FLOATS:
                raise _Invalid(f"{where}: invalid tagged float {value!r:.80}")
            return _NONFINITE_FLOATS[tag]
        return {key: _decode(item, f"{where}[{key!r}]", depth + 1, budget)
                for key, item in value.items()}
    raise _Invalid(f"{where}: unexpected value of type {type(value).__name__}")


def _decode_array(obj, where, budget):
    if set(obj) != {_ARRAY_TAG, "dtype", "shape"}:
        raise _Invalid(f"{where}: an array must have exactly the fields "
                       f"'{_ARRAY_TAG}', 'dtype' and 'shape'")
    data, dtype_name, shape = obj[_ARRAY_TAG], obj["dtype"], obj["shape"]
    if not isinstance(shape, list) or len(shape) > _MAX_NDIM or not all(
            type(n) is int and n >= 0 for n in shape):
        raise _Invalid(f"{where}: array shape must be a list of at most {_MAX_NDIM} "
                       f"non-negative integers, not {shape!r:.80}")
    size = math.prod(shape)  # exact (Python ints), so absurd shapes cannot overflow

    if dtype_name in (_UNICODE_DTYPE, _OBJECT_STR_DTYPE):
        if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
            raise _Invalid(f"{where}: a unicode array must be stored as a list of strings")
        if len(data) != size:
            raise _Invalid(f"{where}: unicode array has {len(data)} strings but its "
                           f"shape {shape} needs {size}")
        longest = max(map(len, data), default=1)
        if 4 * longest * size > budget:
            raise _Invalid(f"{where}: unicode array would take more than {budget} bytes")
        if dtype_name == _OBJECT_STR_DTYPE:
            out = np.empty(size, dtype=object)
            out[:] = data
            return out.reshape(shape)
        return np.array(data, dtype=f"<U{max(longest, 1)}").reshape(shape)

    dtype = _ARRAY_DTYPES.get(dtype_name) if isinstance(dtype_name, str) else None
    if dtype is None:
        raise _Invalid(f"{where}: unsupported array dtype {dtype_name!r:.40}")
    if not isinstance(data, str):
        raise _Invalid(f"{where}: array data must be a base64 string")
    if len(data) > 4 * ((dtype.itemsize * size + 2) // 3):
        # Checked before decoding so an oversized string costs nothing.
        raise _Invalid(f"{where}: array data is longer than its shape {shape} allows")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Invalid(f"{where}: array data is not valid base64 ({exc})") from None
    if len(raw) != dtype.itemsize * size:
        raise _Invalid(f"{where}: array data has {len(raw)} bytes but shape {shape} "
                       f"of {dtype_name} needs {dtype.itemsize * size}")
    if dtype.kind == "b":
        # numpy would accept any byte as a bool; only 0 and 1 were ever written.
        as_bytes = np.frombuffer(raw, dtype=np.uint8)
        if as_bytes.size and as_bytes.max() > 1:
            raise _Invalid(f"{where}: bool array holds bytes other than 0 and 1")
    # astype copies into a writable array in the machine's byte order.
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


# --------------------------------------------------------------------------- #
# load
# --------------------------------------------------------------------------- #

def load(path):
    """Read a model file written by :func:`save` and return the fitted estimator.

    Never executes code from the file. Raises ModelFileError (a ValueError)
    for any file that is not a valid silva model file: empty, truncated,
    corrupted, edited, too big, written by a newer silva, or holding a model
    state that the estimator class rejects. OSError (e.g. FileNotFoundError)
    propagates unchanged.
    """
    path = os.fspath(path)

    def invalid(problem):
        return ModelFileError(path, problem)

    with open(path, "rb") as f:
        try:
            size = os.fstat(f.fileno()).st_size
        except OSError:
            size = 0
        if size > MAX_FILE_BYTES:
            raise invalid(f"the file is {size} bytes, more than the {MAX_FILE_BYTES} "
                          "bytes allowed for a model file")
        data = f.read(MAX_FILE_BYTES + 1)  # +1 detects growth / non-regular files
    if len(data) > MAX_FILE_BYTES:
        raise invalid(f"the file is more than the {MAX_FILE_BYTES} bytes allowed "
                      "for a model file")
    if not data:
        raise invalid("the file is empty (not a silva model file)")

    document = _parse(data, invalid)
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise invalid(f"not a silva model file (no \"format\": \"{FORMAT_NAME}\" field)")
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise invalid(f"invalid format version {version!r:.40}")
    if version > FORMAT_VERSION:
        raise invalid(f"written by a newer silva (format {version} > {FORMAT_VERSION}); "
                      "upgrade silva")
    missing = [key for key in _TOP_LEVEL_KEYS if key not in document]
    if missing:
        raise invalid(f"missing field(s) {', '.join(missing)}")
    unknown = sorted(set(document) - set(_TOP_LEVEL_KEYS))
    if unknown:
        raise invalid(f"unexpected field(s) {', '.join(map(repr, unknown))}"[:200])
    if not isinstance(document["silva_version"], str):
        raise invalid("the silva_version field is not a string")
    payload = document["payload"]
    if not isinstance(payload, dict):
        raise invalid("the payload is not a JSON object")
    name = document["estimator"]
    classes = _model_classes()
    if not isinstance(name, str) or name not in classes:
        raise invalid(f"unknown estimator class {name!r:.60} "
                      f"(known: {', '.join(sorted(classes)) or 'none'})")
    cls = classes[name]

    checksum = document["checksum"]
    if not isinstance(checksum, str) or not checksum.startswith("sha256:"):
        raise invalid("the checksum field is not of the form 'sha256:<hex>'")
    try:
        actual = _checksum(document["estimator"], payload)
    except RecursionError:
        raise invalid("the payload is nested too deeply") from None
    if checksum != actual:
        raise invalid("checksum mismatch: the file was modified or corrupted")

    budget = max(_UNICODE_MIN_BUDGET, _UNICODE_GROWTH * len(data))
    try:
        state = _decode(payload, "payload", 0, budget)
    except _Invalid as exc:
        raise invalid(f"invalid model state: {exc}") from None
    try:
        estimator = cls._from_model_state(state)
    except _STATE_ERRORS as exc:
        raise invalid(f"invalid {name} model state: {exc}") from exc
    if not isinstance(estimator, cls):
        raise TypeError(f"{name}._from_model_state returned {type(estimator).__name__}")
    return estimator


def _parse(data, invalid):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("not a silva model file (not UTF-8 text)") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise invalid(f"not a silva model file, or the file is truncated ({exc})") from None
    except RecursionError:
        raise invalid("not a silva model file (JSON nested too deeply)") from None
    except ValueError as exc:  # our hooks, and Python's limit on huge integer literals
        raise invalid(f"not a valid silva model file ({exc})"[:300]) from None


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _parse_float(text):
    value = float(text)
    if not math.isfinite(value):  # e.g. 1e999; save() never writes such literals
        raise ValueError(f"float literal {text[:40]} out of range")
    return value


def _unique_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return obj
