"""End-to-end demo on scikit-learn's bundled data: ``python -m silva.demo`` (or ``make demo``).

Trains silva's boosted trees with a live validation log and early stopping, compares held-out
scores and fit times with scikit-learn's HistGradientBoosting, then saves each model to a file,
reloads it with ``silva.load`` and checks that the predictions are identical.
"""

import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

import silva

PARAMS = dict(n_estimators=300, learning_rate=0.1, max_depth=4, n_iter_no_change=20)


def _hgb_params():
    # The closest scikit-learn settings: same rounds, rate, depth, L2 and bins; depth-limited trees
    # (no leaf cap); early stopping on the same validation set with the same patience and tol.
    return dict(max_iter=PARAMS["n_estimators"], learning_rate=PARAMS["learning_rate"],
                max_depth=PARAMS["max_depth"], max_leaf_nodes=None, l2_regularization=1.0,
                min_samples_leaf=1, max_bins=255, early_stopping=True, scoring="loss",
                n_iter_no_change=PARAMS["n_iter_no_change"], tol=1e-7, random_state=0)


def _split(X, y, stratify):
    """75/25 train/test, then 20% of the training part held out for validation."""
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y if stratify else None, random_state=0)
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_tr, y_tr, test_size=0.2, stratify=y_tr if stratify else None, random_state=0)
    return X_fit, X_val, X_te, y_fit, y_val, y_te


def _timed_fit(est, X, y, X_val, y_val):
    t0 = time.perf_counter()
    if isinstance(est, (silva.BoostClassifier, silva.BoostRegressor)):
        est.fit(X, y, eval_set=[(X_val, y_val)])
    else:
        est.fit(X, y, X_val=X_val, y_val=y_val)
    return time.perf_counter() - t0


def _table(title, metrics, rows):
    print(f"\n{title}")
    head = f"{'model':<32}" + "".join(f"{m:>10}" for m in metrics) + f"{'rounds':>8}{'fit s':>9}"
    print(head)
    print("-" * len(head))
    for name, scores, rounds, secs in rows:
        print(f"{name:<32}" + "".join(f"{s:>10.4f}" for s in scores) + f"{rounds:>8d}{secs:>9.3f}")


def _warm_up():
    """Compile (or load from Numba's cache) the kernels so fit times measure training only."""
    X, y = load_breast_cancer(return_X_y=True)
    X_r, y_r = load_diabetes(return_X_y=True)
    t0 = time.perf_counter()
    silva.BoostClassifier(n_estimators=2, max_depth=2).fit(X, y, eval_set=[(X, y)])
    silva.BoostRegressor(n_estimators=2, max_depth=2).fit(X_r, y_r, eval_set=[(X_r, y_r)])
    print(f"Numba compile / cache load: {time.perf_counter() - t0:.2f} s")


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_fit, X_val, X_te, y_fit, y_val, y_te = _split(X, y, stratify=True)
    print(f"\n== breast cancer (binary): {len(y_fit)} train / {len(y_val)} validation / "
          f"{len(y_te)} test rows, {X.shape[1]} features ==")
    clf = silva.BoostClassifier(**PARAMS, random_state=0, verbose=10)
    t_silva = _timed_fit(clf, X_fit, y_fit, X_val, y_val)
    hgb = HistGradientBoostingClassifier(**_hgb_params())
    t_hgb = _timed_fit(hgb, X_fit, y_fit, X_val, y_val)
    rows = []
    for name, est, secs in [("silva.BoostClassifier", clf, t_silva),
                            ("HistGradientBoostingClassifier", hgb, t_hgb)]:
        p = est.predict_proba(X_te)[:, 1]
        scores = (roc_auc_score(y_te, p), log_loss(y_te, p), accuracy_score(y_te, est.predict(X_te)))
        rows.append((name, scores, est.n_iter_, secs))
    _table("held-out test set", ["AUC", "logloss", "accuracy"], rows)
    return clf, X_te


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X_fit, X_val, X_te, y_fit, y_val, y_te = _split(X, y, stratify=False)
    print(f"\n== diabetes (regression): {len(y_fit)} train / {len(y_val)} validation / "
          f"{len(y_te)} test rows, {X.shape[1]} features ==")
    reg = silva.BoostRegressor(**PARAMS, random_state=0, verbose=10)
    t_silva = _timed_fit(reg, X_fit, y_fit, X_val, y_val)
    hgb = HistGradientBoostingRegressor(**_hgb_params())
    t_hgb = _timed_fit(hgb, X_fit, y_fit, X_val, y_val)
    rows = []
    for name, est, secs in [("silva.BoostRegressor", reg, t_silva),
                            ("HistGradientBoostingRegressor", hgb, t_hgb)]:
        pred = est.predict(X_te)
        scores = (mean_squared_error(y_te, pred) ** 0.5, r2_score(y_te, pred))
        rows.append((name, scores, est.n_iter_, secs))
    _table("held-out test set", ["RMSE", "R2"], rows)
    return reg, X_te


def _round_trip(est, X, path):
    est.save(path)
    loaded = silva.load(path)
    if hasattr(est, "predict_proba"):
        same = np.array_equal(est.predict_proba(X), loaded.predict_proba(X))
    else:
        same = np.array_equal(est.predict(X), loaded.predict(X))
    same = same and np.array_equal(est.predict(X), loaded.predict(X))
    print(f"saved {path} ({os.path.getsize(path)} bytes); reloaded predictions identical: {same}")
    return same


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m silva.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=".", help="where to write the model files (default: .)")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)

    print(f"silva {getattr(silva, '__version__', '?')}")
    _warm_up()
    clf, X_clf = breast_cancer()
    reg, X_reg = diabetes()

    print("\n== save / load ==")
    ok = _round_trip(clf, X_clf, os.path.join(args.out_dir, "silva_demo_breast_cancer.json"))
    ok &= _round_trip(reg, X_reg, os.path.join(args.out_dir, "silva_demo_diabetes.json"))
    if not ok:
        print("ERROR: reloaded model predicts differently")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
