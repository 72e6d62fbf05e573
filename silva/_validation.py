"""Input checks shared by every estimator: errors name the problem."""
import numbers

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._schema import Schema, fit_convert, input_type

FLOAT_DTYPES = (np.float64, np.float32)


def check_fit_X_y(estimator, X, y, *, classifier, multi_output=False):
    """X as float32/float64 (NaN allowed as missing, inf refused), y 1-D -- or, with ``multi_output``,
    1-D or (n_samples, n_outputs); a single column then comes back 1-D, as scikit-learn's trees read
    it. Frames and sparse input are converted through a Schema, stored as ``estimator._schema`` (see
    silva/_schema.py)."""
    _check_y_shape(estimator, y, classifier, multi_output)
    schema, X = fit_convert(X)
    X, y = validate_data(estimator, X, y, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan",
                         y_numeric=not classifier, multi_output=multi_output)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    estimator._schema = schema if schema is not None else Schema.for_array(X)
    if estimator._schema.feature_names is not None:
        estimator.feature_names_in_ = np.asarray(estimator._schema.feature_names, dtype=object)
    if classifier:
        check_classification_targets(y)
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinity; remove or impute those rows before fitting")
    return X, y


def target_shape(y):
    """y's shape, read without NumPy's array functions (scikit-learn's checks pass objects that refuse
    them), or () when y is no array yet (ragged lists: left to scikit-learn's message)."""
    if hasattr(y, "shape"):
        return tuple(y.shape)
    try:
        return np.asarray(y).shape
    except ValueError:
        return ()


def _check_y_shape(estimator, y, classifier, multi_output):
    """Refuse a y of several columns that the estimator cannot learn, before scikit-learn's generic
    message (a column vector is left to scikit-learn: it is read as 1-D, with a warning)."""
    shape = target_shape(y)
    name = type(estimator).__name__
    if len(shape) > 2:
        raise ValueError(f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got y of shape {shape}")
    if len(shape) == 2 and shape[1] > 1 and not multi_output:
        kind = "classification" if classifier else "regression"
        raise ValueError(f"{name} does not support multi-output {kind}: y must be 1-D (n_samples,), got y of "
                         f"shape {shape}; fit one model per column")


def check_predict_X(estimator, X):
    """Frames are matched to the fitted schema by column name; other input is validated by sklearn.
    Features encoded as target statistics at fit are replaced by their levels' statistics."""
    schema = getattr(estimator, "_schema", None)
    if schema is not None and input_type(X) in ("pandas", "polars", "arrow"):
        X = check_array(schema.transform(X, owner=type(estimator).__name__), dtype=FLOAT_DTYPES,
                        ensure_all_finite="allow-nan")
    else:
        if schema is not None:
            X = schema.transform(X, owner=type(estimator).__name__)  # sparse: densified
        X = validate_data(estimator, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")
    stats = getattr(schema, "target_stats", None)
    return X if stats is None else stats.transform(X)


def check_weights(sample_weight, X):
    """float64 weights, or None when absent; negative, NaN, inf or all-zero weights are refused."""
    if sample_weight is None:
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity")
    return sw


def check_eval_set(eval_set):
    if eval_set is None:
        return []
    if isinstance(eval_set, tuple) and len(eval_set) == 2 and not isinstance(eval_set[0], tuple):
        eval_set = [eval_set]
    out = []
    for item in eval_set:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ValueError("eval_set must be a list of (X, y) pairs")
        out.append(tuple(item))
    return out


def check_number(name, value, *, low=None, high=None, low_open=False, high_open=False, integer=False,
                 allow_none=False):
    """Check one numeric parameter against its range; the error names the parameter."""
    if value is None and allow_none:
        return
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'}"
                         f"{' or None' if allow_none else ''}, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
