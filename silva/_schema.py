"""The input schema of a fitted model: which columns, in which order, of which kind.

A :class:`Schema` is captured at fit from any supported input and turns every later input into the
2-D float matrix the engine reads (NaN = missing):

* numpy arrays (and lists, array-API arrays) are left to scikit-learn's ``validate_data``; the
  schema only records their width;
* pandas DataFrames (numpy, nullable ``Int64``/``Float64``/``boolean``, ``category``, ``str``/
  ``string``/``object`` and pyarrow-backed columns), polars DataFrames and pyarrow Tables /
  RecordBatches are converted column by column;
* scipy.sparse matrices and arrays (CSR, CSC, any format) are densified when the dense array is
  smaller than 2 GiB (implicit entries are zeros, not missing values).

Column kinds:

* ``numeric``: integer and float columns, as their values (NaN, None, pd.NA and nulls -> NaN);
* ``bool``: 0.0 / 1.0 (missing -> NaN); interchangeable with numeric at predict time;
* ``categorical``: pandas ``category``, string and object (text) columns, arrow dictionary and
  string columns, polars Categorical/Enum/String. Levels are learned at fit: the categories of a
  ``category`` column (arrow dictionary, polars Enum) in their own order, else (text columns,
  polars Categorical) the sorted distinct values.
  A value becomes its level's position (0, 1, ...) as a float. Levels are stored as strings and
  matched by their string form at predict time, so a model trained on a Parquet ``category``
  column predicts on the same column read from CSV as text. **Missing values and levels not seen
  at fit both become NaN: unseen categories go where missing values go.**

At predict time frame columns are matched by name: reordered columns give identical predictions; a
missing or an extra column, or a column whose kind changed between categorical and numeric, is a
ValueError naming the column. Integer and float dtypes may differ between fit and predict (a CSV
integer column with a blank cell is read as float). Frames without string column names are
matched by position.

``Schema.categorical_features`` (indices) and ``Schema.categories`` (levels per categorical
feature) are what a native categorical split needs; the model file stores the schema under the
model state's "schema" key (``to_state`` / ``from_state``).
"""
import sys
import warnings

import numpy as np

__all__ = ["Schema", "fit_convert", "MAX_DENSE_BYTES"]

NUMERIC, BOOL, CATEGORICAL = "numeric", "bool", "categorical"
KINDS = (NUMERIC, BOOL, CATEGORICAL)
INPUT_TYPES = ("numpy", "pandas", "polars", "arrow", "sparse")

# Sparse inputs are densified; beyond this the dense copy is refused rather than risked.
MAX_DENSE_BYTES = 2 * 1024**3

_STATE_KEYS = ("n_features", "input_type", "feature_names", "dtypes", "kinds", "categorical_features",
               "categories", "target")


# --------------------------------------------------------------------------- #
# Input detection
# --------------------------------------------------------------------------- #

def input_type(X):
    """"pandas", "polars", "arrow", "sparse", or None for anything numpy-like (left to sklearn)."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(X, pd.DataFrame):
        return "pandas"
    pl = sys.modules.get("polars")
    if pl is not None:
        if isinstance(X, pl.DataFrame):
            return "polars"
        if isinstance(X, pl.LazyFrame):
            raise TypeError("X is a polars LazyFrame; call .collect() first")
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(X, (pa.Table, pa.RecordBatch)):
        return "arrow"
    sp = sys.modules.get("scipy.sparse")
    if sp is not None and sp.issparse(X):
        return "sparse"
    return None


def _densify(X):
    n, d = X.shape
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    nbytes = n * d * np.dtype(dtype).itemsize
    if nbytes >= MAX_DENSE_BYTES:
        raise ValueError(
            f"sparse X of shape {X.shape} would take {nbytes / 1024**3:.1f} GiB as a dense array; "
            f"sparse inputs that large are not supported yet (limit {MAX_DENSE_BYTES // 1024**3} GiB)")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"sparse X has dtype {X.dtype}; silva needs numbers")
    return np.asarray(X.toarray(), dtype=dtype)


def _fmt_names(names, limit=10):
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --------------------------------------------------------------------------- #
# Columns of every frame type as (name, pandas-like accessor)
# --------------------------------------------------------------------------- #

class _Frame:
    """Uniform column access to a pandas, polars or arrow frame."""

    def __init__(self, X, kind):
        self.kind = kind
        self.sort_levels = set()
        self.dtype_names = None  # polars: its own dtype names, for the schema
        if kind == "polars":
            import polars as pl
            self.dtype_names = [str(dt) for dt in X.dtypes]
            # a polars Categorical's physical order is an accident of its string cache (an Enum's is
            # declared): sort its levels, as for text columns
            self.sort_levels = {j for j, dt in enumerate(X.dtypes) if isinstance(dt, pl.Categorical)}
            X = X.to_arrow()  # zero-copy for numeric columns
            kind = "arrow"
        self.arrow = kind == "arrow"
        self.X = X
        if self.arrow:
            self.n_rows, self.n_cols = X.num_rows, X.num_columns
            self.names = np.asarray(X.column_names, dtype=object) if self.n_cols else None
        else:
            from sklearn.utils.validation import _get_feature_names
            self.n_rows, self.n_cols = X.shape
            self.names = _get_feature_names(X)  # None unless all column names are str
        if self.names is not None:
            names, counts = np.unique(self.names.astype(str), return_counts=True)
            if np.any(counts > 1):
                raise ValueError(f"X has duplicate column names: {_fmt_names(list(names[counts > 1]))}")

    def column(self, j):
        return self.X.column(j) if self.arrow else self.X.iloc[:, j]

    def all_numpy_float(self):
        """The single float dtype of a pandas frame whose columns are all numpy floats, else None."""
        if self.arrow or self.n_cols == 0:
            return None
        dtypes = set(self.X.dtypes)
        if len(dtypes) == 1:
            dt = next(iter(dtypes))
            if isinstance(dt, np.dtype) and dt in (np.float64, np.float32):
                return dt
        return None


def _column_kind(col, arrow, name):
    """(kind, dtype string) of one column (kind None: all missing, fits any kind); TypeError for
    a dtype silva cannot use."""
    kind, dtype = _arrow_kind(col) if arrow else _pandas_kind(col)
    if kind == "unsupported":
        raise TypeError(f"column {str(name)!r} has dtype {dtype}, which silva cannot use as a feature; "
                        "convert it to numbers or to a category first")
    return kind, dtype


def _pandas_kind(s):
    import pandas as pd
    from pandas.api import types as pdt

    dt = s.dtype
    name = str(dt)
    if isinstance(dt, pd.CategoricalDtype):
        return CATEGORICAL, name
    if isinstance(dt, pd.ArrowDtype):
        import pyarrow as pa
        t = dt.pyarrow_dtype
        if pa.types.is_dictionary(t) or pa.types.is_string(t) or pa.types.is_large_string(t) \
                or getattr(pa.types, "is_string_view", lambda _: False)(t):
            return CATEGORICAL, name
    if pdt.is_bool_dtype(dt):
        return BOOL, name
    if pdt.is_numeric_dtype(dt) and not pdt.is_complex_dtype(dt):
        return NUMERIC, name
    if pdt.is_string_dtype(dt) and not pdt.is_object_dtype(dt):
        return CATEGORICAL, name
    if pdt.is_object_dtype(dt):
        inferred = pdt.infer_dtype(s, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return NUMERIC, name
        if inferred == "boolean":
            return BOOL, name
        if inferred == "empty":
            return None, name  # all missing: fits whatever the model expects
        return CATEGORICAL, name
    return "unsupported", name


def _arrow_kind(col):
    import pyarrow as pa

    t = col.type
    name = str(t)
    if pa.types.is_dictionary(t) or pa.types.is_string(t) or pa.types.is_large_string(t) \
            or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return CATEGORICAL, name
    if pa.types.is_boolean(t):
        return BOOL, name
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return NUMERIC, name
    if pa.types.is_null(t):
        return None, name
    return "unsupported", name


def _all_missing(col, arrow):
    if arrow:
        return col.null_count == len(col)
    return bool(col.isna().all())


def _numeric_values(col, arrow, dtype):
    """Column values as a float array (missing -> NaN)."""
    if arrow:
        import pyarrow as pa
        import pyarrow.compute as pc
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
            col = pc.cast(col, pa.float64())  # bool, decimal, null
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype=dtype)
    dt = col.dtype
    if isinstance(dt, np.dtype) and dt.kind in "biuf":
        return col.to_numpy()
    import pandas as pd
    try:
        return col.to_numpy(dtype=dtype, na_value=np.nan)
    except (TypeError, ValueError):
        return pd.to_numeric(col.astype(object), errors="raise").to_numpy(dtype=dtype, na_value=np.nan)


def _level_strings(values):
    return np.asarray([str(v) for v in values], dtype=str) if len(values) else np.empty(0, dtype="<U1")


def _as_pandas(col, arrow):
    if arrow:
        return col.to_pandas()
    import pandas as pd
    if isinstance(col.dtype, pd.ArrowDtype):
        import pyarrow as pa
        return pa.array(col.array).to_pandas()  # the index is never used
    return col


def _text_values(s):
    """A pandas Series of str (missing kept missing) from a text/object column."""
    from pandas.api import types as pdt
    if pdt.is_string_dtype(s.dtype) and not pdt.is_object_dtype(s.dtype):
        return s
    return s.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")


def _learn_levels(col, arrow, name, sort=False):
    """(levels as a unicode array, codes as float with NaN, whether the levels carry an order) of a
    categorical column at fit."""
    import pandas as pd
    s = _as_pandas(col, arrow)
    if sort and isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    ordered = False
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        # levels that carry an order: declared ordered, or integers (codes follow their sorted values)
        ordered = bool(s.cat.ordered) or (len(cats) > 0 and cats.dtype.kind in "iu")
        levels = _level_strings(cats)
        if np.unique(levels).size != levels.size:
            raise ValueError(f"column {name!r}: category levels are not distinct as strings")
        codes = s.cat.codes.to_numpy()
    else:
        cat = pd.Categorical(_text_values(s))  # sorted distinct values
        levels = _level_strings(cat.categories)
        codes = cat.codes
    out = codes.astype(np.float64)
    out[codes < 0] = np.nan
    return levels, out, ordered


def _encode_levels(col, arrow, levels):
    """Codes (float, NaN for missing and unseen) of a categorical column given the fitted levels."""
    import pandas as pd
    s = _as_pandas(col, arrow)
    index = pd.Index(levels, dtype=object)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = _level_strings(s.cat.categories)
        codes = s.cat.codes.to_numpy()
        if not (cats.size == levels.size and np.array_equal(cats, levels)):
            remap = index.get_indexer(pd.Index(cats, dtype=object))
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)] if remap.size else -1, -1)
    else:
        values = _text_values(s).to_numpy(dtype=object)
        codes = index.get_indexer(values) if levels.size else np.full(len(values), -1)
    out = codes.astype(np.float64)
    out[codes < 0] = np.nan
    return out


# --------------------------------------------------------------------------- #
# Schema
# --------------------------------------------------------------------------- #

class Schema:
    """Feature names, order, dtypes, kinds and category levels of a model's input.

    Attributes
    ----------
    n_features : int
    input_type : str
        "numpy", "pandas", "polars", "arrow" or "sparse": what the model was fitted on.
    feature_names : ndarray of str or None
        Column names (frames with string column names), else None.
    dtypes : ndarray of str
        The dtype of each column at fit, as text (for inspection; not enforced beyond its kind).
    kinds : ndarray of str
        "numeric", "bool" or "categorical" per column.
    categories : list of ndarray of str
        Levels of each categorical feature, aligned with ``categorical_features``; level i is
        encoded as the float i.
    target : str or None
        Name of the label column when known (set by the command line), for inspection.
    target_stats : TargetStats or None
        Tables of the categorical features encoded as target statistics (``cat_encoding``), stored
        under the state's optional "target_stats" key.
    """

    def __init__(self, n_features, *, input_type="numpy", feature_names=None, dtypes=None, kinds=None,
                 categories=None, target=None):
        self.n_features = int(n_features)
        self.input_type = input_type
        self.feature_names = None if feature_names is None else np.asarray(feature_names, dtype=str)
        self.dtypes = np.asarray(dtypes if dtypes is not None else ["float64"] * self.n_features, dtype=str)
        self.kinds = np.asarray(kinds if kinds is not None else [NUMERIC] * self.n_features, dtype=str)
        self.categories = [np.asarray(c, dtype=str) for c in (categories or [])]
        self.target = target
        self.group = None  # the query id column of a ranking fitted from the command line (optional)
        # categorical features whose levels carry an order (pandas ordered=True or integer levels), as
        # seen at fit; not stored (only a fit reads it)
        self.ordered_levels = []
        # the fitted encoding of the features split as target statistics (silva/data/target_stats.py),
        # applied to every input after this schema's conversion; None when there are none
        self.target_stats = None

    @classmethod
    def for_array(cls, X, input_type="numpy"):
        """The schema of a validated 2-D array (all columns numeric, no names)."""
        d = X.shape[1]
        return cls(d, input_type=input_type, dtypes=[str(X.dtype)] * d)

    @property
    def categorical_features(self):
        """Indices of the categorical features, ascending (a list of int; empty when none)."""
        return [int(j) for j in np.flatnonzero(self.kinds == CATEGORICAL)]

    @property
    def names(self):
        """Feature names, or "f0", "f1", ... when the model was fitted without names."""
        if self.feature_names is not None:
            return [str(n) for n in self.feature_names]
        return [f"f{j}" for j in range(self.n_features)]

    def levels(self, feature):
        """Category levels of ``feature`` (index), or None for a non-categorical feature."""
        cat = self.categorical_features
        return self.categories[cat.index(feature)] if feature in cat else None

    def __repr__(self):
        return (f"Schema(n_features={self.n_features}, input_type={self.input_type!r}, "
                f"categorical={self.categorical_features})")

    # ---------------------------------------------------------------- fit
    @classmethod
    def from_frame(cls, X, kind):
        """(schema, float matrix) of a pandas/polars/arrow frame at fit."""
        frame = _Frame(X, kind)
        n, d = frame.n_rows, frame.n_cols
        if d == 0:
            raise ValueError(f"0 feature(s) (shape=({n}, 0)) while a minimum of 1 is required.")
        fast = frame.all_numpy_float()
        if fast is not None:
            dtypes = [str(fast)] * d
            schema = cls(d, input_type=kind, feature_names=frame.names, dtypes=dtypes)
            return schema, frame.X.to_numpy(dtype=fast, copy=False)
        kinds, dtypes, categories, ordered = [], [], [], []
        out = np.empty((n, d), dtype=np.float64)
        for j in range(d):
            col = frame.column(j)
            name = frame.names[j] if frame.names is not None else j
            k, dt = _column_kind(col, frame.arrow, name)
            k = NUMERIC if k is None else k
            kinds.append(k)
            dtypes.append(dt if frame.dtype_names is None else frame.dtype_names[j])
            if k == CATEGORICAL:
                levels, out[:, j], in_order = _learn_levels(col, frame.arrow, name, sort=j in frame.sort_levels)
                categories.append(levels)
                if in_order:
                    ordered.append(j)
            else:
                out[:, j] = _numeric_values(col, frame.arrow, np.float64)
        schema = cls(d, input_type=kind, feature_names=frame.names, dtypes=dtypes, kinds=kinds,
                     categories=categories)
        schema.ordered_levels = ordered
        return schema, out

    # ---------------------------------------------------------------- predict
    def transform(self, X, owner="the model"):
        """``X`` as a float matrix in the fitted column order, or unchanged when numpy-like
        (scikit-learn's validation then checks its width). ``owner`` names the model in errors."""
        kind = input_type(X)
        if kind is None:
            return X
        if kind == "sparse":
            return _densify(X)
        frame = _Frame(X, kind)
        if self.feature_names is None or frame.names is None:
            if self.feature_names is not None:
                warnings.warn(f"X does not have valid feature names, but {owner} was fitted with "
                              "feature names", UserWarning)
            elif frame.names is not None:
                warnings.warn(f"X has feature names, but {owner} was fitted without feature names",
                              UserWarning)
            if frame.n_cols != self.n_features:
                raise ValueError(f"X has {frame.n_cols} features, but {owner} is expecting "
                                 f"{self.n_features} features as input")
            order = range(self.n_features)
            names = frame.names if frame.names is not None else list(range(frame.n_cols))
        else:
            position = {str(n): j for j, n in enumerate(frame.names)}
            fitted = [str(n) for n in self.feature_names]
            missing = [n for n in fitted if n not in position]
            extra = [n for n in position if n not in set(fitted)]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing column{'s' if len(missing) > 1 else ''} {_fmt_names(missing)}")
                if extra:
                    parts.append(f"unexpected column{'s' if len(extra) > 1 else ''} {_fmt_names(extra)}"
                                 " (drop it before predicting)" if len(extra) == 1 else
                                 f"unexpected columns {_fmt_names(extra)} (drop them before predicting)")
                raise ValueError("X does not have the columns the model was fitted with: "
                                 + "; ".join(parts))
            order = [position[n] for n in fitted]
            names = frame.names
        fast = frame.all_numpy_float()
        if fast is not None and not np.any(self.kinds == CATEGORICAL):
            Xn = frame.X.to_numpy(dtype=fast, copy=False)
            return Xn if list(order) == list(range(self.n_features)) else Xn[:, list(order)]
        out = np.empty((frame.n_rows, self.n_features), dtype=np.float64)
        cat_index = {int(f): i for i, f in enumerate(self.categorical_features)}
        for j, src in enumerate(order):
            col = frame.column(src)
            name = names[src]
            k, dt = _column_kind(col, frame.arrow, name)
            want = self.kinds[j]
            if k is not None and (k == CATEGORICAL) != (want == CATEGORICAL) \
                    and not _all_missing(col, frame.arrow):
                was = "categorical" if want == CATEGORICAL else "numeric"
                now = "categorical" if k == CATEGORICAL else "numeric"
                raise ValueError(f"column {str(name)!r} is {now} (dtype {dt}) but the model was fitted "
                                 f"with {was} values (dtype {self.dtypes[j]})")
            if want == CATEGORICAL:
                if k is None or k != CATEGORICAL:  # an all-missing column
                    out[:, j] = np.nan
                else:
                    out[:, j] = _encode_levels(col, frame.arrow, self.categories[cat_index[j]])
            else:
                out[:, j] = _numeric_values(col, frame.arrow, np.float64) if k is not None else np.nan
        return out

    # ---------------------------------------------------------------- model file
    def to_state(self):
        return {
            "n_features": self.n_features,
            "input_type": self.input_type,
            "feature_names": None if self.feature_names is None else np.asarray(self.feature_names, dtype=str),
            "dtypes": np.asarray(self.dtypes, dtype=str),
            "kinds": np.asarray(self.kinds, dtype=str),
            "categorical_features": np.asarray(self.categorical_features, dtype=np.int64),
            "categories": [np.asarray(c, dtype=str) for c in self.categories],
            "target": self.target,
            **({} if self.target_stats is None else {"target_stats": self.target_stats.to_state()}),
            **({} if self.group is None else {"group": self.group}),
        }

    @classmethod
    def from_state(cls, state):
        """Rebuild a schema from ``to_state()``; ValueError on any inconsistency."""
        if not isinstance(state, dict) or not set(_STATE_KEYS) <= set(state) <= {*_STATE_KEYS, "target_stats",
                                                                                 "group"}:
            raise ValueError("schema state has missing or unexpected fields")
        n = state["n_features"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError("schema n_features must be a positive integer")
        if state["input_type"] not in INPUT_TYPES:
            raise ValueError(f"schema input_type must be one of {INPUT_TYPES}")

        def text_array(value, what, shape):
            if not isinstance(value, np.ndarray) or value.dtype.kind != "U" or value.shape != shape:
                raise ValueError(f"schema {what} must be a unicode array of shape {shape}")
            return value

        names = state["feature_names"]
        if names is not None:
            names = text_array(names, "feature_names", (n,))
            if np.unique(names).size != n:
                raise ValueError("schema feature_names are not distinct")
        dtypes = text_array(state["dtypes"], "dtypes", (n,))
        kinds = text_array(state["kinds"], "kinds", (n,))
        if not np.all(np.isin(kinds, KINDS)):
            raise ValueError(f"schema kinds must be among {KINDS}")
        cat = state["categorical_features"]
        if not isinstance(cat, np.ndarray) or cat.ndim != 1 or cat.dtype.kind not in "iu":
            raise ValueError("schema categorical_features must be a 1-D integer array")
        if not np.array_equal(cat, np.flatnonzero(kinds == CATEGORICAL)):
            raise ValueError("schema categorical_features do not match the categorical kinds")
        categories = state["categories"]
        if not isinstance(categories, list) or len(categories) != cat.size:
            raise ValueError("schema categories must list the levels of each categorical feature")
        for levels in categories:
            if not isinstance(levels, np.ndarray) or levels.dtype.kind != "U" or levels.ndim != 1:
                raise ValueError("schema category levels must be 1-D unicode arrays")
            if np.unique(levels).size != levels.size:
                raise ValueError("schema category levels are not distinct")
        target = state["target"]
        if target is not None and not isinstance(target, str):
            raise ValueError("schema target must be a string or None")
        schema = cls(n, input_type=state["input_type"], feature_names=names, dtypes=dtypes, kinds=kinds,
                     categories=categories, target=target)
        group = state.get("group")
        if group is not None and not isinstance(group, str):
            raise ValueError("schema group must be a string")
        schema.group = group
        if "target_stats" in state:
            from .data.target_stats import TargetStats
            stats = TargetStats.from_state(state["target_stats"], n)
            for f, table in zip(stats.features.tolist(), stats.tables_):
                levels = schema.levels(f)
                if levels is not None and table.size != max(levels.size, 1):
                    raise ValueError(f"target statistics of feature {f}: {table.size} entries for "
                                     f"{levels.size} levels (one per level)")
            schema.target_stats = stats
        return schema


def fit_convert(X):
    """At fit: (schema, X converted) for frames and sparse input; (None, X) for numpy-like input,
    whose schema is made with ``Schema.for_array`` once scikit-learn has validated it."""
    kind = input_type(X)
    if kind is None:
        return None, X
    if kind == "sparse":
        Xd = _densify(X)
        if Xd.ndim == 2 and Xd.shape[1] >= 1:
            return Schema.for_array(Xd, input_type="sparse"), Xd
        return None, Xd
    return Schema.from_frame(X, kind)
