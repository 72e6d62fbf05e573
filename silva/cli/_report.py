"""What the commands print: metrics of a model on labelled data, plain-text tables and the training
progress bar."""
import os
import shutil
import sys

import numpy as np

from ._common import CLIError, _list
from ._estimator import task_of


def compute_metrics(estimator, X, y, qid=None):
    """{metric: value}: AUC/logloss/accuracy (binary), mlogloss/accuracy (multiclass),
    RMSE/MAE/R2 (regression), NDCG@1/3/5/10 and MAP@10 (ranking; ``qid``: a query id per row)."""
    from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error, mean_squared_error,
                                 r2_score, roc_auc_score)

    task = task_of(estimator)
    if task == "rank":
        return _ranking_metrics(estimator, X, y, qid)
    if task == "regression":
        pred = estimator.predict(X)
        alphas = quantile_alphas(estimator)
        if alphas is not None:
            return _quantile_metrics(y, pred.reshape(len(y), -1), alphas)
        out = {"RMSE": float(np.sqrt(mean_squared_error(y, pred))),
               "MAE": float(mean_absolute_error(y, pred)),
               "R2": float(r2_score(y, pred)) if len(y) > 1 else float("nan")}
        deviance = _deviance(estimator, y, pred)
        if deviance is not None:
            out[deviance[0]] = deviance[1]
        return out
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


def _ranking_metrics(estimator, X, y, qid):
    from ..ensemble.ranking import canonical_order, query_ids
    from ..losses.ranking import GroupedLabels, mean_average_precision, mean_ndcg
    if qid is None:
        raise CLIError("a ranking model is scored per query: give --group COL")
    order, bounds = canonical_order(X, y, query_ids(len(y), qid=np.asarray(qid)))
    labels = GroupedLabels(np.asarray(y, dtype=np.float64)[order], bounds)
    score = estimator.predict(X.iloc[order] if hasattr(X, "iloc") else X[order])
    out = {f"NDCG@{k}": mean_ndcg(labels, score, k) for k in (1, 3, 5, 10)}
    out["MAP@10"] = mean_average_precision(labels, score, 10)
    return out


def quantile_alphas(estimator):
    """The alphas of a quantile model (its prediction columns), else None."""
    loss = estimator._make_loss() if hasattr(estimator, "_make_loss") else None
    return None if getattr(loss, "name", None) != "quantile" else [float(a) for a in loss.alphas]


def _quantile_metrics(y, pred, alphas):
    from sklearn.metrics import mean_pinball_loss
    out = {f"pinball@{a:g}": float(mean_pinball_loss(y, pred[:, k], alpha=a)) for k, a in enumerate(alphas)}
    if len(alphas) > 1:
        lo, hi = int(np.argmin(alphas)), int(np.argmax(alphas))
        inside = (y >= pred[:, lo]) & (y <= pred[:, hi])
        out[f"coverage {alphas[lo]:g}-{alphas[hi]:g}"] = float(np.mean(inside))
    return out


def _deviance(estimator, y, pred):
    """(name, mean deviance) for the Poisson, gamma and Tweedie objectives, else None."""
    from sklearn.metrics import mean_tweedie_deviance
    loss = estimator._make_loss() if hasattr(estimator, "_make_loss") else None
    power = {"poisson": 1.0, "gamma": 2.0, "tweedie": getattr(loss, "rho", None)}.get(getattr(loss, "name", None))
    if power is None:
        return None
    return f"{loss.name} deviance", float(mean_tweedie_deviance(y, pred, power=power))


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
