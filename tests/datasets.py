"""Loader for the real tabular data sets used by the tests (and, later, the benchmarks).

``load(name)`` reads ``tests/data/<name>.parquet`` (small copies shipped with the repository, see
``tests/data/README.md``) or else ``../shared/data/<name>.parquet`` next to the repository (the
developers' workspace only; described in its MANIFEST.md). When neither exists the calling test is
skipped.

Conventions of the files: the label is the column ``target``; ``weight``, ``init_score`` and
``group`` are side columns, never features; pandas ``category`` columns are categoricals; NaN is a
missing value.

Comparisons of numeric splits feed every model the same matrix made by ``to_numeric``: each category
becomes its integer code as a float, missing stays NaN. Native categorical splits are compared in
tests/compare/test_categorical_vs_lightgbm.py.
"""
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LOCAL_DIR = ROOT / "tests" / "data"
SHARED_DIR = ROOT.parent / "shared" / "data"
SIDE_COLUMNS = ("weight", "init_score", "group")


def path(name):
    """Path of ``<name>.parquet`` (local copy first), or None when it is in neither place."""
    for folder in (LOCAL_DIR, SHARED_DIR):
        p = folder / f"{name}.parquet"
        if p.is_file():
            return p
    return None


def load_frame(name):
    """The whole table, side columns included; skips the calling test when the file is absent."""
    p = path(name)
    if p is None:
        import pytest  # only here, so the benchmarks can import this module without pytest
        pytest.skip(f"data set {name!r}: not in tests/data and ../shared/data absent "
                    "(only in the developers' workspace)")
    return pd.read_parquet(p)


def load(name):
    """(X, y): X a DataFrame of the feature columns (dtypes as stored), y a numpy array."""
    df = load_frame(name)
    y = df["target"].to_numpy()
    X = df.drop(columns=["target", *[c for c in SIDE_COLUMNS if c in df.columns]])
    return X, y


def to_numeric(df, reference=None):
    """A float64 copy of ``df`` with every categorical column replaced by its category codes.

    ``category`` columns use their own category list, or that of the same column of ``reference``
    (pass the training frame when encoding a test frame whose category list might differ); object
    and string columns are first turned into a category of their sorted distinct values (again taken
    from ``reference`` when given). Missing values, code -1 and values absent from the category list
    become NaN. Numeric and bool columns are only cast to float64. The same matrix is then given to
    every model, so all of them see identical inputs.
    """
    out = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
            if reference is not None:
                ref = reference[col]
                cats = ref.cat.categories if isinstance(ref.dtype, pd.CategoricalDtype) \
                    else pd.Index(sorted(ref.dropna().unique()))
            elif isinstance(s.dtype, pd.CategoricalDtype):
                cats = s.cat.categories
            else:
                cats = pd.Index(sorted(s.dropna().unique()))
            if isinstance(s.dtype, pd.CategoricalDtype) and s.cat.categories.equals(cats):
                codes = s.cat.codes.to_numpy().astype(np.float64)
            else:  # position in cats; missing and unseen values give -1
                codes = pd.Index(cats).get_indexer(s.astype(object)).astype(np.float64)
            codes[codes < 0] = np.nan
            out[col] = codes
        else:
            out[col] = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame(out, index=df.index, columns=df.columns)
