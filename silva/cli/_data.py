"""Reading and writing data files (Parquet, CSV/TSV), loading model files, and turning a table into
the feature frame a model expects (target column, ``--categorical`` columns, CSV columns that hold a
category's level codes)."""
import difflib
import os

import numpy as np

from ._common import CLIError, _list, _one_line

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")


def _file_format(path):
    """"parquet", "csv", "tsv" or None from the file name (compression suffixes skipped)."""
    name = os.path.basename(str(path)).lower()
    for suffix in COMPRESSION_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    if name.endswith((".csv", ".txt")):
        return "csv"
    return None


def read_table(path):
    """A DataFrame from a Parquet or CSV/TSV file; CLIError saying which file and why otherwise."""
    import pandas as pd

    if not os.path.exists(path):
        raise CLIError(f"cannot read {path!r}: no such file")
    fmt = _file_format(path)
    if fmt is None and os.path.isfile(path):
        with open(path, "rb") as f:
            if f.read(4) == b"PAR1":
                fmt = "parquet"
    if fmt is None:
        raise CLIError(f"cannot read {path!r}: unknown file type (expected .parquet, .csv or .tsv)")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",")
    except Exception as exc:  # any reader failure: the message says why
        raise CLIError(f"cannot read {path!r} as {fmt.upper()}: {_one_line(exc)}") from exc


def write_table(df, path):
    fmt = _file_format(path)
    try:
        if fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_csv(path, index=False, sep="\t" if fmt == "tsv" else ",")
    except Exception as exc:
        raise CLIError(f"cannot write {path!r}: {_one_line(exc)}") from exc


def _check_output_path(path, kinds=("parquet", "csv", "tsv")):
    if kinds and _file_format(path) not in kinds:
        raise CLIError(f"cannot write {path!r}: unknown file type (use .csv or .parquet)")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"cannot write {path!r}: directory {directory!r} does not exist")


def load_model(path):
    import silva
    try:
        return silva.load(path)
    except FileNotFoundError:
        raise CLIError(f"cannot read model {path!r}: no such file") from None
    except (OSError, ValueError) as exc:  # ModelFileError is a ValueError and names the file
        raise CLIError(_one_line(exc)) from exc


def split_target(df, target, path):
    """(features, target Series); CLIError naming the column and listing those available."""
    if target not in df.columns:
        close = difflib.get_close_matches(target, [str(c) for c in df.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise CLIError(f"column {target!r} not found in {path}{hint} (available columns: "
                       f"{_list(df.columns)})")
    return df.drop(columns=[target]), df[target]



def _as_categories(X, columns, path):
    """``X`` with the ``--categorical`` columns turned into pandas categories."""
    if not columns:
        return X
    unknown = [c for c in columns if c not in X.columns]
    if unknown:
        raise CLIError(f"--categorical: column {unknown[0]!r} not found in {path} "
                       f"(available columns: {_list(X.columns)})")
    return X.astype({c: "category" for c in columns})


def _align_to_schema(est, X):
    """Numeric columns of ``X`` that the model learned as categorical (an integer-coded category
    read back from CSV, or declared with --categorical) are mapped to the model's level strings,
    so that CSV files, which carry no dtypes, round-trip."""
    import pandas as pd
    from pandas.api import types as pdt

    schema = getattr(est, "_schema", None)
    if schema is None or schema.feature_names is None:
        return X
    changed = {}
    for j in schema.categorical_features:
        name = schema.names[j]
        if name not in X.columns:
            continue
        s = X[name]
        if isinstance(s.dtype, pd.CategoricalDtype) or not (pdt.is_numeric_dtype(s.dtype)
                                                            or pdt.is_bool_dtype(s.dtype)):
            continue
        levels = schema.levels(j)
        as_numbers = pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
        if np.any(np.isnan(as_numbers)) or np.unique(as_numbers).size != as_numbers.size:
            continue  # levels that are not all distinct numbers: leave the mismatch to the model's check
        index = pd.Index(as_numbers).get_indexer(s.to_numpy(dtype=np.float64, na_value=np.nan))
        text = np.full(len(s), None, dtype=object)  # missing and unseen values stay missing
        hit = index >= 0
        text[hit] = levels[index[hit]]
        changed[name] = pd.Series(text, index=X.index, dtype=object)
    return X.assign(**changed) if changed else X


def _is_numeric_column(s):
    import pandas as pd
    from pandas.api import types as pdt
    return (pdt.is_numeric_dtype(s.dtype) or pdt.is_bool_dtype(s.dtype)) and \
        not isinstance(s.dtype, pd.CategoricalDtype)


def _features(est, df, target_arg):
    """The feature frame of ``df`` for ``est``: the target column (``--target`` or the one the model
    was trained with) and a ranking's query id column are dropped when present and not features."""
    schema = getattr(est, "_schema", None)
    target = target_arg if target_arg is not None else getattr(schema, "target", None)
    features = set(schema.names) if schema is not None and schema.feature_names is not None else set()
    if target is not None and target in df.columns and target not in features:
        df = df.drop(columns=[target])
    group = getattr(schema, "group", None)  # a ranking's query ids: never a feature
    if group is not None and group in df.columns and group not in features:
        df = df.drop(columns=[group])
    return _align_to_schema(est, df), target
