"""TreeSHAP benchmark: exact SHAP values (``pred_contribs``) of silva against XGBoost's
``predict(pred_contribs=True)`` and LightGBM's ``predict(pred_contrib=True)``.

Each library fits a binary model of the same shape (100 trees of depth 6, learning rate 0.1, 255 bins)
on synthetic data (``--rows`` training rows x ``--features``, ``_harness`` cache) and explains
``--explain`` held-out rows on ``--threads`` threads; every library runs in a fresh process after a
small warm-up (JIT compilation or cache load, thread start-up). Medians over ``--repeats``; the ratio
column is silva's time over the faster peer's (below 1: silva faster). Keep the machine idle.

Quick run:  python benchmarks/bench_shap.py --rows 20000 --explain 20000 --repeats 1
"""
import argparse
import json
import statistics
import time

import numpy as np

import _harness as h

MODELS = ("silva", "xgboost", "lightgbm")


def fit(name, X, y, trees, threads):
    if name == "silva":
        import silva
        return silva.BoostClassifier(n_estimators=trees, learning_rate=0.1, max_depth=6, n_jobs=threads,
                                     random_state=0).fit(X, y)
    if name == "xgboost":
        import xgboost
        return xgboost.XGBClassifier(n_estimators=trees, learning_rate=0.1, max_depth=6, tree_method="hist",
                                     max_bin=255, n_jobs=threads, random_state=0).fit(X, y)
    import lightgbm
    return lightgbm.LGBMClassifier(n_estimators=trees, learning_rate=0.1, max_depth=6, num_leaves=63,
                                   n_jobs=threads, random_state=0, verbose=-1).fit(X, y)


def contributions(name, model, X):
    if name == "silva":
        return model.predict(X, pred_contribs=True)
    if name == "xgboost":
        import xgboost
        return model.get_booster().predict(xgboost.DMatrix(X), pred_contribs=True)
    return model.predict(X, pred_contrib=True)


def child(args):
    """One library: warm up, fit, explain; prints a JSON line."""
    paths = json.loads(args.data)
    X, y = np.load(paths["X_train"]), np.load(paths["y_train"])
    Xt = np.load(paths["X_test"])[:args.explain]
    warm = fit(args.child, X[:2000], y[:2000], 3, args.threads)
    contributions(args.child, warm, Xt[:2000])
    model = fit(args.child, X, y, args.trees, args.threads)
    t0 = time.perf_counter()
    phi = contributions(args.child, model, Xt)
    shap_s = time.perf_counter() - t0
    print(json.dumps({"shap_s": shap_s, "shape": list(phi.shape)}))


def run_once(name, args, paths):
    return h.run_script(__file__, ["--child", name, "--data", json.dumps(paths), "--trees", str(args.trees),
                                   "--threads", str(args.threads), "--explain", str(args.explain)],
                        args.threads, args.timeout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="training rows")
    ap.add_argument("--explain", type=int, default=100_000, help="held-out rows explained")
    ap.add_argument("--features", type=int, default=50)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--child")
    ap.add_argument("--data")
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    models = [m for m in args.models.split(",") if m]
    with h.bench_lock():
        paths = h.ensure_data(args.rows, args.features, args.explain)
        h.warn_if_busy()
        results = {m: [] for m in models}
        for r in range(args.repeats):  # round-robin: drift hits every library alike
            for m in models:
                res = run_once(m, args, paths)
                results[m].append(res)
                print(f"repeat {r} {m}: {res}", flush=True)
    summary = {m: statistics.median(x["shap_s"] for x in runs if "error" not in x)
               for m, runs in results.items() if any("error" not in x for x in runs)}
    peers = [summary[m] for m in summary if m != "silva"]
    print(f"\nSHAP values of {args.explain:,} rows x {args.features}, {args.trees} trees of depth 6, "
          f"{args.threads} threads (medians of {args.repeats})")
    print(f"{'library':10s} {'seconds':>9s} {'silva / fastest peer':>22s}")
    for m, s in summary.items():
        ratio = f"{summary['silva'] / min(peers):.2f}" if m == "silva" and peers else ""
        print(f"{m:10s} {s:9.2f} {ratio:>22s}")
    h.save_results("shap", {"args": vars(args), "summary": summary, "runs": results})


if __name__ == "__main__":
    main()
