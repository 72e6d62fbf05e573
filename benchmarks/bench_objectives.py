"""Fit benchmark of the regression objectives: three quantiles in one model, and Poisson counts.

Regression data (``--rows``, default 1M training rows, 20 numeric features, 100,000 held out) with a
skewed, heteroscedastic target: counts drawn from Poisson(exp(f(x))) for the Poisson task, and
f(x) + noise whose scale depends on x for the quantile task. 100 trees, learning rate 0.1, depth 6
(LightGBM: ``max_depth=6``, 63 leaves at most), 2 threads.

- quantile: silva's one model with ``quantile_alpha=[0.1, 0.5, 0.9]`` against LightGBM's three
  quantile models (fit times summed, as a LightGBM user pays them) and XGBoost's multi-quantile model
  (``reg:quantileerror`` with three alphas). Scored by the mean pinball loss over the three alphas.
- poisson: silva's ``objective="poisson"`` against LightGBM's ``poisson`` and XGBoost's
  ``count:poisson``. Scored by the mean Poisson deviance.

Every fit runs in a fresh process after a small warm-up fit (JIT and thread start-up); medians over
``--repeats``; the ratio column is the model's fit time / silva's (above 1: silva faster). The issue's
target: silva no slower than the faster peer. Keep the machine idle.

Quick run:  python benchmarks/bench_objectives.py --rows 200000 --repeats 1
"""
import argparse
import json
import statistics
import time

import numpy as np

import _harness as h

ALPHAS = (0.1, 0.5, 0.9)
TASKS = ("quantile", "poisson")
LIBS = ("silva", "lightgbm", "xgboost")


def data_path(task, rows, holdout, seed):
    return h.CACHE / f"objective_{task}_{rows}_{holdout}_{seed}.npz"


def ensure_data(task, rows, holdout, seed=0):
    path = data_path(task, rows, holdout, seed)
    if path.exists():
        return path
    rng = np.random.RandomState(seed)
    n, d = rows + holdout, 20
    X = rng.randn(n, d).astype(np.float32)
    f = 0.6 * np.sin(X[:, 0]) + 0.4 * X[:, 1] * X[:, 2] + 0.3 * np.abs(X[:, 3]) - 0.2 * X[:, 4]
    if task == "poisson":
        y = rng.poisson(np.exp(1.0 + f)).astype(np.float64)
    else:
        y = 3.0 * f + (0.5 + np.abs(X[:, 5])) * rng.standard_t(5, n)
    h.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, X=X, y=y, rows=rows)
    return path


def make_models(lib, task, trees, threads):
    """The models one library fits for a task (LightGBM: one per quantile)."""
    common = dict(n_estimators=trees, learning_rate=0.1, max_depth=6, random_state=0)
    if lib == "silva":
        import silva
        kw = dict(objective="quantile", quantile_alpha=list(ALPHAS)) if task == "quantile" else \
            dict(objective="poisson")
        return [silva.BoostRegressor(n_jobs=threads, **common, **kw)]
    if lib == "lightgbm":
        import lightgbm
        kws = [dict(objective="quantile", alpha=a) for a in ALPHAS] if task == "quantile" else \
            [dict(objective="poisson")]
        return [lightgbm.LGBMRegressor(num_leaves=63, n_jobs=threads, verbose=-1, **common, **kw) for kw in kws]
    import xgboost
    kw = dict(objective="reg:quantileerror", quantile_alpha=np.array(ALPHAS)) if task == "quantile" else \
        dict(objective="count:poisson")
    return [xgboost.XGBRegressor(tree_method="hist", n_jobs=threads, **common, **kw)]


def _predict(models, X):
    return np.column_stack([np.asarray(m.predict(X)).reshape(len(X), -1) for m in models])


def score(task, y, pred):
    from sklearn.metrics import mean_pinball_loss, mean_poisson_deviance
    if task == "poisson":
        return float(mean_poisson_deviance(y, np.maximum(pred[:, 0], 1e-12)))
    return float(np.mean([mean_pinball_loss(y, pred[:, k], alpha=a) for k, a in enumerate(ALPHAS)]))


def child(args):
    """One library on one task: warm up, fit (all its models), predict; prints a JSON line."""
    data = np.load(args.data)
    X, y, rows = data["X"], data["y"], int(data["rows"])
    Xa, ya, Xb, yb = X[:rows], y[:rows], X[rows:], y[rows:]
    for m in make_models(args.child, args.task, 3, args.threads):
        m.fit(Xa[:5000], ya[:5000]).predict(Xa[:5000])
    models = make_models(args.child, args.task, args.trees, args.threads)
    t0 = time.perf_counter()
    for m in models:
        m.fit(Xa, ya)
    fit_s = time.perf_counter() - t0
    pred = _predict(models, Xb)
    out = {"fit_s": fit_s, "score": score(args.task, yb, pred)}
    if args.task == "quantile":
        out["crossing_rows"] = int(np.sum(np.any(np.diff(pred, axis=1) < 0, axis=1)))
    print(json.dumps(out))


def run_once(lib, task, args, path):
    return h.run_script(__file__, ["--child", lib, "--task", task, "--data", str(path), "--trees",
                                   str(args.trees), "--threads", str(args.threads)], args.threads, args.timeout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--holdout", type=int, default=100_000)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--child")
    ap.add_argument("--task")
    ap.add_argument("--data")
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    tasks = [t for t in args.tasks.split(",") if t]
    libs = [m for m in args.libs.split(",") if m]
    results = {t: {m: [] for m in libs} for t in tasks}
    with h.bench_lock():
        h.warn_if_busy()
        for task in tasks:
            path = ensure_data(task, args.rows, args.holdout)
            for r in range(args.repeats):  # round-robin: drift hits every library alike
                for m in libs:
                    res = run_once(m, task, args, path)
                    results[task][m].append(res)
                    print(f"{task} repeat {r} {m}: {res}", flush=True)
    print(f"\n{args.rows:,} rows x 20 features, {args.trees} trees, depth 6, {args.threads} threads "
          f"(medians of {args.repeats})")
    print(f"{'task':9s} {'library':9s} {'fit s':>8s} {'ratio':>6s} {'score':>10s} {'crossing':>9s}")
    summary = {}
    for task, per_lib in results.items():
        summary[task] = {}
        for m, runs in per_lib.items():
            ok = [x for x in runs if "error" not in x]
            if ok:
                summary[task][m] = {k: statistics.median(x[k] for x in ok) for k in ok[0] if k != "noisy"}
        sv = summary[task].get("silva")
        for m, s in summary[task].items():
            ratio = f"{s['fit_s'] / sv['fit_s']:.2f}" if sv else "-"
            crossing = str(int(s["crossing_rows"])) if "crossing_rows" in s else "-"
            print(f"{task:9s} {m:9s} {s['fit_s']:8.2f} {ratio:>6s} {s['score']:10.5f} {crossing:>9s}")
    h.save_results("objectives", {"args": vars(args), "summary": summary, "runs": results})


if __name__ == "__main__":
    main()
