"""The ``silva`` command: train, predict, evaluate and inspect models from Parquet or CSV files.

    silva train DATA --target COL [--task auto|binary|multiclass|regression]
                [--model boost|gbdt|forest|extra-trees|adaboost|tree] [--param NAME=VALUE ...]
                [--valid DATA | --valid-fraction F] --out MODEL [--plot CURVE.png]
    silva predict MODEL DATA --out FILE.csv|FILE.parquet [--target COL]
    silva evaluate MODEL DATA [--target COL]
    silva inspect MODEL [--top N]
    silva demo [--out-dir DIR]

Every mistake (unknown column or parameter, unreadable file, data that does not match the model)
prints one ``silva: error: ...`` line on stderr and exits with a non-zero status (2); set
``SILVA_DEBUG=1`` for the Python traceback instead.
"""
import argparse
import difflib
import inspect
import os
import shutil
import sys
import time

import numpy as np

__all__ = ["main"]

# --model value -> (classifier class name, regressor class name) in the silva namespace
MODELS = {
    "boost": ("BoostClassifier", "BoostRegressor"),
    "gbdt": ("GBDTClassifier", "GBDTRegressor"),
    "forest": ("RandomForestClassifier", "RandomForestRegressor"),
    "extra-trees": ("ExtraTreesClassifier", "ExtraTreesRegressor"),
    "adaboost": ("AdaBoostClassifier", "AdaBoostRegressor"),
    "tree": ("DecisionTreeClassifier", "DecisionTreeRegressor"),
}
TASKS = ("auto", "binary", "multiclass", "regression")
# numeric targets with more distinct values than this (or non-integral floats) are regressions
MAX_AUTO_CLASSES = 20
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")


class CLIError(Exception):
    """A user mistake: printed as one line, exit status ``code``."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def _one_line(exc):
    text = str(exc).strip()
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    return text.splitlines()[0] if text else type(exc).__name__


def _list(names, limit=30):
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #

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


# --------------------------------------------------------------------------- #
# Task, target and estimator
# --------------------------------------------------------------------------- #

def infer_task(y, requested="auto"):
    """(task, reason) for a target Series."""
    from pandas.api import types as pdt

    if y.isna().any():
        raise CLIError(f"target column {y.name!r} has {int(y.isna().sum())} missing values; "
                       "drop those rows first")
    n_unique = int(y.nunique())
    numeric = pdt.is_numeric_dtype(y.dtype) and not pdt.is_bool_dtype(y.dtype)
    if requested == "regression":
        if not numeric:
            raise CLIError(f"--task regression needs a numeric target; column {y.name!r} has dtype {y.dtype}")
        return "regression", "--task"
    if requested in ("binary", "multiclass"):
        if n_unique < 2:
            raise CLIError(f"target column {y.name!r} has a single value; nothing to classify")
        if requested == "binary" and n_unique != 2:
            raise CLIError(f"--task binary but target column {y.name!r} has {n_unique} classes")
        return requested, "--task"
    if numeric:
        values = y.to_numpy(dtype=np.float64)
        integral = bool(np.all(values == np.round(values)))
        if not integral or n_unique > MAX_AUTO_CLASSES:
            why = "non-integer values" if not integral else f"{n_unique} distinct values"
            return "regression", f"auto: numeric target with {why}"
    if n_unique < 2:
        raise CLIError(f"target column {y.name!r} has a single value; nothing to learn")
    if n_unique == 2:
        return "binary", "auto: 2 classes"
    return "multiclass", f"auto: {n_unique} classes"


def target_array(y, task=None, classes=None):
    """numpy labels from a target Series: floats for regression; ints, bools or (text) str labels
    for classification. ``classes`` (a fitted classifier's) fixes the label type."""
    from pandas.api import types as pdt

    if y.isna().any():
        raise CLIError(f"target column {y.name!r} has {int(y.isna().sum())} missing values; "
                       "drop those rows first")
    if task == "regression":
        return y.to_numpy(dtype=np.float64)
    text = classes.dtype.kind == "U" if classes is not None else not (
        pdt.is_numeric_dtype(y.dtype) or pdt.is_bool_dtype(y.dtype))
    if text:
        return np.asarray(y.astype(str).to_numpy(dtype=object), dtype=str)
    if pdt.is_bool_dtype(y.dtype):
        return y.to_numpy(dtype=bool)
    if pdt.is_integer_dtype(y.dtype):
        return y.to_numpy(dtype=np.int64)
    values = y.to_numpy(dtype=np.float64)
    if classes is not None and classes.dtype.kind in "iu" and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def estimator_class(model, task):
    import silva
    names = MODELS[model]
    name = names[1] if task == "regression" else names[0]
    cls = getattr(silva, name, None)
    if cls is None:
        available = [m for m, pair in MODELS.items() if all(hasattr(silva, n) for n in pair)]
        raise CLIError(f"--model {model} ({name}) is not available yet in this version of silva "
                       f"(available: {', '.join(available)})")
    return cls


def parse_value(text):
    """'None'/'null' -> None, 'true'/'false' -> bool, then int, float, else the string."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_params(pairs, estimator):
    """{silva name: value} from NAME=VALUE strings; LightGBM/XGBoost aliases are accepted and an
    unknown name suggests the closest valid one."""
    from ._params import PARAMS, canonical_name

    valid = list(estimator.get_params(deep=False))
    aliases = {alias: canon for canon, (_, names, _) in PARAMS.items() for alias in names if canon in valid}
    params, given_as = {}, {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--param expects NAME=VALUE, got {pair!r}")
        canon = name if name in valid else canonical_name(name)
        if canon not in valid:
            close = difflib.get_close_matches(name, valid + list(aliases), n=1, cutoff=0.6)
            if close:
                suggestion = aliases.get(close[0], close[0])
                raise CLIError(f"unknown parameter {name!r}; did you mean {suggestion!r}?")
            raise CLIError(f"unknown parameter {name!r} for {type(estimator).__name__} "
                           f"(parameters: {_list(valid)})")
        if canon in params:
            raise CLIError(f"parameter {canon!r} given twice (as {given_as[canon]!r} and {name!r})")
        params[canon] = parse_value(value)
        given_as[canon] = name
    return params


# --------------------------------------------------------------------------- #
# Metrics and tables
# --------------------------------------------------------------------------- #

def task_of(estimator):
    from sklearn.base import is_classifier
    if not is_classifier(estimator):
        return "regression"
    return "binary" if len(estimator.classes_) == 2 else "multiclass"


def compute_metrics(estimator, X, y):
    """{metric: value}: AUC/logloss/accuracy (binary), mlogloss/accuracy (multiclass),
    RMSE/MAE/R2 (regression)."""
    from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error, mean_squared_error,
                                 r2_score, roc_auc_score)

    task = task_of(estimator)
    if task == "regression":
        pred = estimator.predict(X)
        return {"RMSE": float(np.sqrt(mean_squared_error(y, pred))),
                "MAE": float(mean_absolute_error(y, pred)),
                "R2": float(r2_score(y, pred)) if len(y) > 1 else float("nan")}
    classes = estimator.classes_
    unseen = np.setdiff1d(np.unique(y), classes)
    if unseen.size:
        raise CLIError(f"the target has labels the model was not trained on: {_list(unseen.tolist(), 10)}")
    proba = estimator.predict_proba(X)
    pred = classes[np.argmax(proba, axis=1)]
    out = {}
    if task == "binary":
        positive = y == classes[1]
        both = 0 < positive.sum() < len(y)
        out["AUC"] = float(roc_auc_score(positive, proba[:, 1])) if both else float("nan")
        out["logloss"] = float(log_loss(y, proba, labels=classes))
    else:
        out["mlogloss"] = float(log_loss(y, proba, labels=classes))
    out["accuracy"] = float(accuracy_score(y, pred))
    return out


def format_table(headers, rows):
    """Plain-text table: first column left-aligned, the others right-aligned."""
    def cell(v):
        if isinstance(v, float):
            return "nan" if np.isnan(v) else f"{v:.6f}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in text)) if text else len(str(h))
              for i, h in enumerate(headers)]
    # numbers right-aligned, text left-aligned
    right = [bool(rows) and all(isinstance(r[i], (int, float, np.number)) or r[i] == "" for r in rows)
             for i in range(len(headers))]

    def line(values):
        return "  ".join(str(v).rjust(w) if right[i] else str(v).ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in text])


class _Progress:
    """tqdm bar on stderr driven by the booster's per-round hook; silent when not a terminal."""

    def __init__(self, total, enabled):
        self.bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            try:
                width = os.get_terminal_size(sys.stderr.fileno()).columns
            except (OSError, ValueError, AttributeError):
                width = 0
            # some terminals (emulated ptys) report width 0, which would draw an empty bar
            size = dict(dynamic_ncols=True) if width > 0 else dict(ncols=shutil.get_terminal_size().columns)
            self.bar = tqdm(total=total, desc="training", unit="round", file=sys.stderr, leave=True, **size)

    def __call__(self, iteration, n_estimators, history):
        if self.bar is None:
            return
        postfix = {}
        for name, metrics in history.items():
            label = "valid" if name.startswith("validation") else name
            for metric, values in metrics.items():
                if values:
                    postfix[f"{label} {metric}"] = f"{values[-1]:.5f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------- #
# Commands
# --------------------------------------------------------------------------- #

def cmd_train(args):
    from sklearn.model_selection import train_test_split

    _check_output_path(args.out, kinds=None)
    if args.plot:
        _check_output_path(args.plot, kinds=None)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise CLIError("--plot needs matplotlib: pip install matplotlib") from None
    if args.valid is not None and args.valid_fraction is not None:
        raise CLIError("give either --valid or --valid-fraction, not both")
    fraction = 0.2 if args.valid_fraction is None else args.valid_fraction
    if not 0 <= fraction < 1:
        raise CLIError(f"--valid-fraction must be in [0, 1), got {fraction}")

    df = read_table(args.data)
    X, y_col = split_target(df, args.target, args.data)
    categorical = [c.strip() for c in ",".join(args.categorical).split(",") if c.strip()]
    X = _as_categories(X, categorical, args.data)
    if X.shape[1] == 0:
        raise CLIError(f"{args.data} has no feature columns besides {args.target!r}")
    task, reason = infer_task(y_col, args.task)
    y = target_array(y_col, task)

    cls = estimator_class(args.model, task)
    est = cls()
    params = parse_params(args.param, est)
    if "random_state" in est.get_params(deep=False):
        params.setdefault("random_state", 0)  # reproducible runs unless asked otherwise
    est.set_params(**params)
    try:
        from ._params import validate_params
        validate_params(est)
    except ValueError as exc:
        raise CLIError(f"invalid parameter: {_one_line(exc)}") from exc

    seed = params.get("random_state") if isinstance(params.get("random_state"), int) else 0
    if args.valid is not None:
        Xv, yv_col = split_target(read_table(args.valid), args.target, args.valid)
        Xv = _as_categories(Xv, categorical, args.valid)
        missing = [str(c) for c in X.columns if c not in Xv.columns]
        extra = [str(c) for c in Xv.columns if c not in X.columns]
        if missing or extra:
            raise CLIError(f"{args.valid} does not have the feature columns of {args.data}: "
                           + "; ".join(part for part in (missing and f"missing {_list(missing, 10)}",
                                                         extra and f"unexpected {_list(extra, 10)}") if part))
        yv = target_array(yv_col, task)
        X_tr, y_tr = X, y
    elif fraction > 0:
        stratify = y if task != "regression" else None
        try:
            X_tr, Xv, y_tr, yv = train_test_split(X, y, test_size=fraction, random_state=seed,
                                                  stratify=stratify)
        except ValueError:  # a class too rare to stratify
            X_tr, Xv, y_tr, yv = train_test_split(X, y, test_size=fraction, random_state=seed)
    else:
        X_tr, y_tr, Xv, yv = X, y, None, None
    if args.plot and Xv is None:
        raise CLIError("--plot draws the validation curve: give --valid or a --valid-fraction above 0")

    n_cat = int(sum(1 for c in X.columns if not _is_numeric_column(X[c])))
    print(f"data: {args.data}: {len(X_tr)} training"
          + (f" / {len(yv)} validation" if Xv is not None else "") + f" rows, {X.shape[1]} features"
          + (f" ({n_cat} categorical)" if n_cat else ""))
    print(f"task: {task} ({reason}); model: {cls.__name__}")

    fit_kwargs = {}
    if Xv is not None and "eval_set" in inspect.signature(est.fit).parameters:
        fit_kwargs["eval_set"] = [(Xv, yv)]
    progress = _Progress(getattr(est, "n_estimators", 0) or None,
                         enabled=not args.quiet and sys.stderr.isatty() and hasattr(est, "_iteration_callback"))
    if hasattr(est, "_iteration_callback"):
        est._iteration_callback = progress
    t0 = time.perf_counter()
    try:
        est.fit(X_tr, y_tr, **fit_kwargs)
    finally:
        progress.close()
        if hasattr(est, "_iteration_callback"):
            del est._iteration_callback  # back to the class default (None); not saved anyway
    seconds = time.perf_counter() - t0
    rounds = getattr(est, "n_iter_", None)
    best = getattr(est, "best_iteration_", None)
    print(f"trained in {seconds:.2f} s" + (f": {rounds} rounds" if rounds is not None else "")
          + (f" (best round {best})" if best is not None else ""))

    schema = getattr(est, "_schema", None)
    if schema is not None:
        schema.target = str(args.target)
    header, columns = ["metric", "training"], [compute_metrics(est, X_tr, y_tr)]
    if Xv is not None:
        header.append("validation")
        columns.append(compute_metrics(est, Xv, yv))
    rows = [[m] + [c[m] for c in columns] for m in columns[0]]
    print()
    print(format_table(header, rows))
    print()
    try:
        est.save(args.out)
    except OSError as exc:
        raise CLIError(f"cannot write {args.out!r}: {_one_line(exc)}") from exc
    print(f"model saved to {args.out}")
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        from .plotting import plot_metric
        ax = plot_metric(est)
        try:
            ax.figure.savefig(args.plot, dpi=110, bbox_inches="tight")
        except (OSError, ValueError) as exc:
            raise CLIError(f"cannot write {args.plot!r}: {_one_line(exc)}") from exc
        print(f"learning curve saved to {args.plot}")
    return 0


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
    was trained with) is dropped when present and not itself a feature."""
    schema = getattr(est, "_schema", None)
    target = target_arg if target_arg is not None else getattr(schema, "target", None)
    features = set(schema.names) if schema is not None and schema.feature_names is not None else set()
    if target is not None and target in df.columns and target not in features:
        df = df.drop(columns=[target])
    return _align_to_schema(est, df), target


def _predict_error(exc, path):
    return CLIError(f"{path} does not fit the model: {_one_line(exc)}")


def cmd_predict(args):
    import pandas as pd

    _check_output_path(args.out)
    est = load_model(args.model)
    df = read_table(args.data)
    X, _ = _features(est, df, args.target)
    try:
        if hasattr(est, "predict_proba"):
            proba = est.predict_proba(X)
            classes = est.classes_
            out = pd.DataFrame({f"proba_{c}": proba[:, k] for k, c in enumerate(classes)})
            out["prediction"] = classes[np.argmax(proba, axis=1)]
        else:
            out = pd.DataFrame({"prediction": est.predict(X)})
    except (ValueError, TypeError) as exc:
        raise _predict_error(exc, args.data) from exc
    write_table(out, args.out)
    print(f"wrote {len(out)} predictions ({', '.join(out.columns)}) to {args.out}")
    return 0


def cmd_evaluate(args):
    est = load_model(args.model)
    df = read_table(args.data)
    X, target = _features(est, df, args.target)
    if target is None:
        raise CLIError("the model does not record its target column; pass --target COL")
    if target not in df.columns:
        raise CLIError(f"column {target!r} not found in {args.data} (available columns: {_list(df.columns)}); "
                       "pass --target COL")
    task = task_of(est)
    y = target_array(df[target], task, classes=getattr(est, "classes_", None))
    try:
        metrics = compute_metrics(est, X, y)
    except (ValueError, TypeError) as exc:
        raise _predict_error(exc, args.data) from exc
    print(f"{type(est).__name__} ({task}) on {args.data}: {len(y)} rows, target {target!r}")
    print(format_table(["metric", "value"], [[m, v] for m, v in metrics.items()]))
    return 0


def cmd_inspect(args):
    est = load_model(args.model)
    task = task_of(est)
    print(f"model: {args.model}")
    print(f"estimator: {type(est).__name__} ({task})")
    if task != "regression":
        print(f"classes: {_list(est.classes_.tolist(), 20)}")
    forest = getattr(est, "_forest", None)
    if forest is not None:
        line = f"trees: {forest.n_trees}"
        if getattr(est, "n_iter_", None) is not None:
            line += f" ({est.n_iter_} rounds"
            best = getattr(est, "best_iteration_", None)
            line += f", best round {best})" if best is not None else ")"
        print(line)
    schema = getattr(est, "_schema", None)
    if schema is not None:
        if schema.target is not None:
            print(f"target column: {schema.target}")
        n_cat = len(schema.categorical_features)
        print(f"\nschema: {schema.n_features} features ({n_cat} categorical), fitted on {schema.input_type} input")
        rows = []
        for j, name in enumerate(schema.names):
            levels = schema.levels(j)
            rows.append([j, name, schema.dtypes[j], schema.kinds[j], "" if levels is None else len(levels)])
        print(format_table(["#", "name", "dtype", "kind", "levels"], rows))
    params = est.get_params(deep=False)
    defaults = type(est)().get_params(deep=False)
    rows = [[k, repr(v), "" if v == defaults.get(k) else f"(default {defaults.get(k)!r})"]
            for k, v in params.items()]
    print("\nparameters:")
    print(format_table(["name", "value", ""], rows))
    if hasattr(est, "feature_importances_"):
        names = schema.names if schema is not None else [f"f{j}" for j in range(est.n_features_in_)]
        gain = np.asarray(est.feature_importances_, dtype=float)
        split = est.get_importance("split", normalize=False) if hasattr(est, "get_importance") else None
        order = np.argsort(-gain, kind="stable")[: args.top]
        rows = [[names[j], float(gain[j])] + ([int(split[j])] if split is not None else []) for j in order]
        print(f"\ntop {len(order)} features by gain:")
        print(format_table(["feature", "gain share"] + (["splits"] if split is not None else []), rows))
    return 0


def cmd_demo(argv):
    from . import demo
    return demo.main(argv)


# --------------------------------------------------------------------------- #
# Argument parsing
# --------------------------------------------------------------------------- #

class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message):
        raise CLIError(f"{message} (see {self.prog} --help)")


def build_parser():
    parser = _Parser(prog="silva", description="Train, apply and inspect silva tree ensembles "
                     "on Parquet or CSV files.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("train", help="train a model and save it",
                       description="Train a model on DATA (Parquet or CSV) and save it to MODEL.")
    p.add_argument("data", metavar="DATA", help="training data (.parquet, .csv or .tsv)")
    p.add_argument("--target", required=True, metavar="COL", help="label column")
    p.add_argument("--task", choices=TASKS, default="auto",
                   help="auto (default): a numeric target with more than "
                        f"{MAX_AUTO_CLASSES} distinct or non-integer values is a regression, else "
                        "2 classes binary, more multiclass")
    p.add_argument("--model", choices=list(MODELS), default="boost", help="estimator family (default boost)")
    p.add_argument("--param", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                   help="estimator parameter (silva, LightGBM or XGBoost name), e.g. "
                        "--param n_estimators=300 learning_rate=0.05; random_state defaults to 0")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--valid", metavar="DATA", help="validation data (same columns as DATA)")
    group.add_argument("--valid-fraction", type=float, metavar="F",
                       help="share of DATA held out for validation (default 0.2; 0 trains on all rows)")
    p.add_argument("--categorical", action="append", default=[], metavar="COL[,COL...]",
                   help="numeric columns to treat as categories (text and category columns are "
                        "categorical already)")
    p.add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--plot", metavar="FILE.png", help="write the learning curve (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Write predictions (class probabilities and labels for a "
                                   "classifier) for every row of DATA.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--out", required=True, metavar="FILE", help="output .csv or .parquet")
    p.add_argument("--target", metavar="COL",
                   help="label column to ignore if present (default: the model's training target)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="metrics of a saved model on labelled data",
                       description="Print AUC/logloss/accuracy (binary), mlogloss/accuracy "
                                   "(multiclass) or RMSE/MAE/R2 (regression) on DATA.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--target", metavar="COL", help="label column (default: the model's training target)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("inspect", help="schema, parameters, trees and top features of a saved model")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--top", type=int, default=10, metavar="N", help="features to list (default 10)")
    p.set_defaults(func=cmd_inspect)

    # "silva demo ARGS" hands ARGS to silva.demo untouched (see main); listed here for --help
    sub.add_parser("demo", help="the end-to-end demo on bundled data (what make demo runs; "
                   "silva demo --help for its options)", add_help=False)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = os.environ.get("SILVA_DEBUG", "") not in ("", "0")
    try:
        if argv and argv[0] == "demo":
            return int(cmd_demo(argv[1:]) or 0)
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except CLIError as exc:
        if debug:
            raise
        print(f"silva: error: {exc}", file=sys.stderr)
        return exc.code
    except (ValueError, TypeError, OSError, ImportError, KeyError) as exc:
        if debug:
            raise
        print(f"silva: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("silva: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
