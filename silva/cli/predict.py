"""``silva predict`` and ``silva evaluate``: apply a saved model to a data file."""
import numpy as np

from ._common import CLIError, _list, _one_line
from ._data import _check_output_path, _features, load_model, read_table, write_table
from ._estimator import target_array, task_of
from ._report import compute_metrics, format_table, quantile_alphas


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
            pred = est.predict(X)
            alphas = quantile_alphas(est)
            if pred.ndim == 2:  # a column per quantile
                out = pd.DataFrame({f"quantile_{a:g}": pred[:, k] for k, a in enumerate(alphas)})
            else:
                out = pd.DataFrame({"prediction": pred})
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
    qid = None
    if task == "rank":
        group = args.group or getattr(getattr(est, "_schema", None), "group", None)
        if group is None or group not in df.columns:
            raise CLIError(f"a ranking model is scored per query: give --group COL (a column of {args.data})")
        qid = df[group].to_numpy()
        X = X.drop(columns=[group]) if group in X.columns else X
    try:
        metrics = compute_metrics(est, X, y, qid)
    except (ValueError, TypeError) as exc:
        raise _predict_error(exc, args.data) from exc
    print(f"{type(est).__name__} ({task}) on {args.data}: {len(y)} rows, target {target!r}")
    print(format_table(["metric", "value"], [[m, v] for m, v in metrics.items()]))
    return 0
