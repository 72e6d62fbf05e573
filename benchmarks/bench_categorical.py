"""Fit/predict benchmark on high-cardinality categoricals: silva against LightGBM and CatBoost.

A binary frame (``--rows``, default 1M training rows, plus 200,000 held out) with three categorical
columns of 10,000, 1,000 and 10 levels (pandas ``category``, Zipf-like level frequencies, random level
effects) and 5 numeric columns. Every library uses its native categorical handling (silva:
``cat_encoding="auto"``, which encodes the two large columns as ordered target statistics; LightGBM:
its set search; CatBoost: its ordered target statistics), 100 trees, learning rate 0.1, depth-6 trees
(silva and LightGBM: ``max_depth=6``, 63 leaves at most; CatBoost: depth 6), 2 threads.

Every fit runs in a fresh process after a small warm-up fit (JIT and thread start-up); medians over
``--repeats``; the ratio columns are peer / silva (above 1: silva faster). The issue's targets: silva's
fit no slower than CatBoost's, its predict no slower than LightGBM's. Keep the machine idle.

Quick run:  python benchmarks/bench_categorical.py --rows 200000 --repeats 1
"""
import argparse
import json
import statistics
import time

import numpy as np

import _harness as h

LEVELS = (10_000, 1_000, 10)
MODELS = ("silva", "lightgbm", "catboost")


def data_path(rows, holdout, seed):
    return h.CACHE / f"categorical_{rows}_{holdout}_{seed}.parquet"


def ensure_data(rows, holdout, seed=0):
    import pandas as pd
    path = data_path(rows, holdout, seed)
    if path.exists():
        return path
    rng = np.random.RandomState(seed)
    n = rows + holdout
    cols, logit = {}, np.zeros(n)
    for k, n_levels in enumerate(LEVELS):
        p = 1.0 / np.arange(1, n_levels + 1) ** 0.8  # Zipf-like: a few frequent levels, a long tail
        level = rng.choice(n_levels, n, p=p / p.sum())
        logit += rng.randn(n_levels)[level] * 0.8
        cols[f"cat{n_levels}"] = pd.Categorical.from_codes(level, [f"L{j}" for j in range(n_levels)])
    for j in range(5):
        x = rng.randn(n)
        cols[f"x{j}"] = x
        logit += 0.5 * x * (j + 1) / 5
    y = (rng.rand(n) < 1 / (1 + np.exp(-(logit - logit.mean())))).astype(np.int8)
    frame = pd.DataFrame({"target": y, **cols})
    frame["split"] = np.r_[np.zeros(rows, np.int8), np.ones(holdout, np.int8)]
    h.CACHE.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)
    return path


def make_model(name, trees, threads, cats, small=False):
    n = 3 if small else trees
    if name == "silva":
        import silva
        return silva.BoostClassifier(n_estimators=n, learning_rate=0.1, max_depth=6, n_jobs=threads,
                                     random_state=0)
    if name == "lightgbm":
        import lightgbm
        return lightgbm.LGBMClassifier(n_estimators=n, learning_rate=0.1, max_depth=6, num_leaves=63,
                                       n_jobs=threads, random_state=0, verbose=-1)
    import catboost
    return catboost.CatBoostClassifier(iterations=n, learning_rate=0.1, depth=6, thread_count=threads,
                                       random_seed=0, verbose=0, cat_features=cats,
                                       allow_writing_files=False)


def child(args):
    """One model: warm up, fit, predict; prints a JSON line."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    frame = pd.read_parquet(args.data)
    train, test = frame[frame.split == 0], frame[frame.split == 1]
    X, y = train.drop(columns=["target", "split"]), train["target"].to_numpy()
    Xt, yt = test.drop(columns=["target", "split"]), test["target"].to_numpy()
    cats = [c for c in X.columns if c.startswith("cat")]
    if args.child == "catboost":  # CatBoost reads categories as text
        X = X.astype({c: str for c in cats})
        Xt = Xt.astype({c: str for c in cats})
    warm = make_model(args.child, args.trees, args.threads, cats, small=True).fit(X.iloc[:5000], y[:5000])
    warm.predict_proba(X.iloc[:5000])
    model = make_model(args.child, args.trees, args.threads, cats)
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    proba = model.predict_proba(Xt)[:, 1]
    predict_s = time.perf_counter() - t0
    print(json.dumps({"fit_s": fit_s, "predict_s": predict_s, "auc": float(roc_auc_score(yt, proba))}))


def run_once(name, args, path):
    return h.run_script(__file__, ["--child", name, "--data", str(path), "--trees", str(args.trees),
                                   "--threads", str(args.threads)], args.threads, args.timeout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--holdout", type=int, default=200_000)
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
        path = ensure_data(args.rows, args.holdout)
        h.warn_if_busy()
        results = {m: [] for m in models}
        for r in range(args.repeats):  # round-robin: drift hits every model alike
            for m in models:
                res = run_once(m, args, path)
                results[m].append(res)
                print(f"repeat {r} {m}: {res}", flush=True)
    summary = {}
    for m, runs in results.items():
        ok = [x for x in runs if "error" not in x]
        if ok:
            summary[m] = {k: statistics.median(x[k] for x in ok) for k in ("fit_s", "predict_s", "auc")}
    print(f"\n{args.rows:,} rows, columns of {', '.join(map(str, LEVELS))} levels + 5 numeric, "
          f"{args.trees} trees, {args.threads} threads (medians of {args.repeats})")
    print(f"{'model':10s} {'fit s':>8s} {'predict s':>10s} {'AUC':>7s} {'fit ratio':>10s} {'pred ratio':>10s}")
    sv = summary.get("silva")
    for m, s in summary.items():
        fr = f"{s['fit_s'] / sv['fit_s']:.2f}" if sv else "-"
        pr = f"{s['predict_s'] / sv['predict_s']:.2f}" if sv else "-"
        print(f"{m:10s} {s['fit_s']:8.2f} {s['predict_s']:10.3f} {s['auc']:7.4f} {fr:>10s} {pr:>10s}")
    h.save_results("categorical", {"args": vars(args), "summary": summary, "runs": results})


if __name__ == "__main__":
    main()
