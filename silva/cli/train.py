"""``silva train``: read the data, infer the task, fit the estimator, print its metrics and save it."""
import inspect
import sys
import time

from ._common import CLIError, _list, _one_line
from ._data import _as_categories, _check_output_path, _is_numeric_column, read_table, split_target
from ._estimator import estimator_class, infer_task, parse_params, target_array
from ._report import _Progress, compute_metrics, format_table


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
    if (args.task == "rank") != (args.group is not None):
        raise CLIError("--task rank and --group COL go together (the query id column of a ranking)")
    qid = q_tr = qv = None
    if args.group is not None:
        X, qid = split_target(X, args.group, args.data)
        qid = qid.to_numpy()
    categorical, encodings = _categorical_columns(args.categorical)
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
    if encodings:
        if "cat_encoding" not in est.get_params(deep=False):
            raise CLIError(f"--categorical COL:ENCODING: the {args.model} model has no cat_encoding")
        given = params.get("cat_encoding", "auto")
        if not (isinstance(given, dict) or given == "auto"):
            raise CLIError("give the encodings either per column in --categorical or in --param cat_encoding")
        params["cat_encoding"] = {**(given if isinstance(given, dict) else {}), **encodings}
    est.set_params(**params)
    try:
        from .._params import validate_params
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
        X_tr, y_tr, q_tr = X, y, qid
        if qid is not None:
            Xv, qv = split_target(Xv, args.group, args.valid)
            qv = qv.to_numpy()
    elif fraction > 0 and qid is not None:  # whole queries held out
        from sklearn.model_selection import GroupShuffleSplit
        tr, va = next(GroupShuffleSplit(1, test_size=fraction, random_state=seed).split(X, y, groups=qid))
        X_tr, Xv, y_tr, yv, q_tr, qv = X.iloc[tr], X.iloc[va], y[tr], y[va], qid[tr], qid[va]
    elif fraction > 0:
        stratify = y if task != "regression" else None
        try:
            X_tr, Xv, y_tr, yv = train_test_split(X, y, test_size=fraction, random_state=seed,
                                                  stratify=stratify)
        except ValueError:  # a class too rare to stratify
            X_tr, Xv, y_tr, yv = train_test_split(X, y, test_size=fraction, random_state=seed)
    else:
        X_tr, y_tr, Xv, yv, q_tr = X, y, None, None, qid
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
    if qid is not None:
        fit_kwargs["qid"] = q_tr
        if Xv is not None:
            fit_kwargs["eval_qid"] = [qv]
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
        if qid is not None:
            schema.group = str(args.group)
    header, columns = ["metric", "training"], [compute_metrics(est, X_tr, y_tr, q_tr)]
    if Xv is not None:
        header.append("validation")
        columns.append(compute_metrics(est, Xv, yv, qv if qid is not None else None))
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
        from ..plotting import plot_metric
        ax = plot_metric(est)
        try:
            ax.figure.savefig(args.plot, dpi=110, bbox_inches="tight")
        except (OSError, ValueError) as exc:
            raise CLIError(f"cannot write {args.plot!r}: {_one_line(exc)}") from exc
        print(f"learning curve saved to {args.plot}")
    return 0


def _categorical_columns(specs):
    """(columns, {column: encoding}) from ``--categorical`` values "COL[:ENCODING][,...]"."""
    from .._params import CAT_ENCODINGS
    columns, encodings = [], {}
    for item in ",".join(specs).split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, enc = item.rpartition(":")
        if sep and enc in CAT_ENCODINGS and name:
            item = name
            encodings[name] = enc
        columns.append(item)
    return columns, encodings
