"""Fit/predict benchmark: silva BoostClassifier vs XGBoost, LightGBM and scikit-learn.

Synthetic binary data, 100 trees, learning rate 0.1, 255 bins, 2 threads, two tree shapes:
  depthwise: max_depth=6          (silva, xgboost, lightgbm)
  leafwise:  max_leaves=63        (silva, lightgbm, xgboost lossguide, sklearn HistGB)

Regularisation is matched where it is fair: every model uses L2 lambda = 1 (XGBoost's
default; LightGBM reg_lambda and sklearn l2_regularization default to 0, so we set them to 1).
Leaf minimums stay at each peer's default (XGBoost min_child_weight=1; LightGBM
min_child_samples=20, min_sum_hessian_in_leaf=1e-3; sklearn min_samples_leaf=20); silva uses
min_child_weight=1 like XGBoost. No early stopping, no row/column subsampling, quiet.

Quick run:  python benchmarks/bench_fit.py --rows 200000
"""
import argparse
import sys

import _harness as h

PEERS = ("xgboost", "lightgbm", "sklearn")


def model_specs(shape, trees, threads, seed=0):
    """(model, class path, kwargs, warm-up overrides) for one tree shape."""
    lr, out = 0.1, []
    silva = dict(n_estimators=trees, learning_rate=lr, max_bin=255, min_child_weight=1.0,
                 reg_lambda=1.0, n_jobs=threads, random_state=seed)
    xgb = dict(n_estimators=trees, learning_rate=lr, tree_method="hist", max_bin=256,
               min_child_weight=1.0, reg_lambda=1.0, n_jobs=threads, random_state=seed,
               verbosity=0)
    lgb = dict(n_estimators=trees, learning_rate=lr, max_bin=255, reg_lambda=1.0,
               n_jobs=threads, random_state=seed, verbose=-1)
    if shape == "depthwise":
        out += [("silva", "silva.BoostClassifier",
                 dict(silva, grow_policy="depthwise", max_depth=6, max_leaves=None)),
                ("xgboost", "xgboost.XGBClassifier", dict(xgb, max_depth=6)),
                ("lightgbm", "lightgbm.LGBMClassifier", dict(lgb, max_depth=6, num_leaves=63))]
    elif shape == "leafwise":
        out += [("silva", "silva.BoostClassifier",
                 dict(silva, grow_policy="leafwise", max_leaves=63, max_depth=None)),
                ("lightgbm", "lightgbm.LGBMClassifier", dict(lgb, max_depth=-1, num_leaves=63)),
                ("xgboost", "xgboost.XGBClassifier",
                 dict(xgb, grow_policy="lossguide", max_leaves=63, max_depth=0)),
                ("sklearn", "sklearn.ensemble.HistGradientBoostingClassifier",
                 dict(max_iter=trees, learning_rate=lr, max_leaf_nodes=63, max_depth=None,
                      max_bins=255, l2_regularization=1.0, early_stopping=False,
                      random_state=seed))]  # threads: OMP_NUM_THREADS set by the harness
    else:
        raise SystemExit(f"unknown shape {shape!r} (depthwise, leafwise)")
    return [(m, c, kw, {"max_iter" if m == "sklearn" else "n_estimators": 2}) for m, c, kw in out]


def shape_summary(shape, summ):
    """The headline ratios for one shape."""
    by = {s["model"]: s for s in summ if s["shape"] == shape and s["n_ok"]}
    if "silva" not in by:
        return
    sv, peers = by["silva"], [m for m in PEERS if m in by]
    parts = []
    if peers:
        fast = min(peers, key=lambda m: by[m]["fit_s"])
        parts.append(f"fit / fastest peer ({fast}) {sv['fit_s'] / by[fast]['fit_s']:.2f}x")
    if "sklearn" in by:
        parts.append(f"fit / HistGB {sv['fit_s'] / by['sklearn']['fit_s']:.2f}x")
    if "lightgbm" in by:
        lg = by["lightgbm"]
        parts.append(f"predict / LightGBM {sv['predict_s'] / lg['predict_s']:.2f}x")
        parts.append(f"peak mem / LightGBM {sv['peak_mb'] / max(lg['peak_mb'], 1e-9):.2f}x")
    parts.append("AUC - peer: " + ", ".join(f"{m} {sv['auc'] - by[m]['auc']:+.4f}" for m in peers))
    print(f"{shape}: silva " + "; ".join(parts))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--holdout", type=int, default=200_000)
    ap.add_argument("--features", type=int, default=50)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--shapes", default="depthwise,leafwise")
    ap.add_argument("--models", default="silva,xgboost,lightgbm,sklearn",
                    help="comma-separated subset of silva,xgboost,lightgbm,sklearn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per fit process")
    args = ap.parse_args(argv)
    wanted = set(args.models.split(","))

    with h.bench_lock():
        if "silva" in wanted:
            ok, msg = h.importable("silva", "BoostClassifier")
            if not ok:
                print(f"silva not importable ({msg}); skipping silva.")
                wanted.discard("silva")
        h.warn_if_busy()
        data = h.ensure_data(args.rows, args.features, args.holdout, args.seed)
        specs = [dict(name=f"{m}/{shape}", model=m, shape=shape, cls=c, kwargs=kw,
                      warmup_kwargs=wk, warmup_rows=5000, data=data,
                      rows=args.rows, features=args.features)
                 for shape in args.shapes.split(",")
                 for m, c, kw, wk in model_specs(shape, args.trees, args.threads, args.seed)
                 if m in wanted]
        if not specs:
            sys.exit("nothing to run")
        print(f"{args.rows:,} train / {args.holdout:,} holdout rows x {args.features} features, "
              f"{args.trees} trees, {args.threads} threads, {args.repeats} repeats "
              "(fresh process per fit)", flush=True)
        summ = h.run_all(specs, args.repeats, args.threads, args.timeout)

    print()
    h.print_table(summ)
    print()
    for shape in args.shapes.split(","):
        shape_summary(shape, summ)
    path = h.save_results("fit", {"args": vars(args), "host": h.host_info(), "results": summ})
    print(f"results: {path.relative_to(h.ROOT)}")


if __name__ == "__main__":
    main()
