"""Fit benchmark of learning to rank: silva's BoostRanker against LightGBM's LGBMRanker and XGBoost's
XGBRanker, lambdarank (NDCG) objective.

Synthetic queries (``--queries``, default 10,000 of ``--docs`` = 100 documents: 1M rows; 2,000 more
queries held out), 20 numeric features, relevance grades 0-4 from a noisy score of the features.
100 trees, learning rate 0.1, depth 6 (LightGBM: ``max_depth=6``, 63 leaves at most), 2 threads.
Scored by the mean NDCG@10 of the held-out queries (silva's ``mean_ndcg`` for every library).

Every fit runs in a fresh process after a small warm-up fit; medians over ``--repeats``; the ratio
column is the library's fit time / silva's (above 1: silva faster). The issue's target: silva no slower
than the faster peer. Keep the machine idle.

Quick run:  python benchmarks/bench_ranking.py --queries 2000 --repeats 1
"""
import argparse
import json
import statistics
import time

import numpy as np

import _harness as h

LIBS = ("silva", "lightgbm", "xgboost")


def ensure_data(queries, docs, holdout, seed=0):
    path = h.CACHE / f"ranking_{queries}x{docs}_{holdout}_{seed}.npz"
    if path.exists():
        return path
    rng = np.random.RandomState(seed)
    n = (queries + holdout) * docs
    X = rng.randn(n, 20).astype(np.float32)
    score = X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + 0.3 * np.sin(3 * X[:, 3]) + 0.5 * rng.randn(n)
    y = np.digitize(score, np.quantile(score, [0.5, 0.75, 0.9, 0.97])).astype(np.float64)
    qid = np.repeat(np.arange(queries + holdout), docs)
    h.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, X=X, y=y, qid=qid, train_rows=queries * docs)
    return path


def make_model(lib, trees, threads):
    common = dict(n_estimators=trees, learning_rate=0.1, max_depth=6, random_state=0)
    if lib == "silva":
        import silva
        return silva.BoostRanker(n_jobs=threads, **common)
    if lib == "lightgbm":
        import lightgbm
        return lightgbm.LGBMRanker(num_leaves=63, n_jobs=threads, verbose=-1, **common)
    import xgboost
    return xgboost.XGBRanker(tree_method="hist", objective="rank:ndcg", n_jobs=threads, **common)


def _fit(model, lib, X, y, qid):
    if lib == "lightgbm":
        return model.fit(X, y, group=np.bincount(qid - qid[0]))
    return model.fit(X, y, qid=qid)


def child(args):
    from silva.losses.ranking import GroupedLabels, mean_ndcg
    data = np.load(args.data)
    X, y, qid, rows = data["X"], data["y"], data["qid"], int(data["train_rows"])
    _fit(make_model(args.child, 3, args.threads), args.child, X[:5000], y[:5000], qid[:5000])
    model = make_model(args.child, args.trees, args.threads)
    t0 = time.perf_counter()
    _fit(model, args.child, X[:rows], y[:rows], qid[:rows])
    fit_s = time.perf_counter() - t0
    test_q = qid[rows:]
    bounds = np.r_[np.flatnonzero(np.r_[True, test_q[1:] != test_q[:-1]]), test_q.size]
    ndcg = mean_ndcg(GroupedLabels(y[rows:], bounds), np.asarray(model.predict(X[rows:]), dtype=np.float64), 10)
    print(json.dumps({"fit_s": fit_s, "ndcg10": ndcg}))


def run_once(lib, args, path):
    return h.run_script(__file__, ["--child", lib, "--data", str(path), "--trees", str(args.trees),
                                   "--threads", str(args.threads)], args.threads, args.timeout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--holdout", type=int, default=2_000)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--child")
    ap.add_argument("--data")
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    libs = [m for m in args.libs.split(",") if m]
    results = {m: [] for m in libs}
    with h.bench_lock():
        path = ensure_data(args.queries, args.docs, args.holdout)
        h.warn_if_busy()
        for r in range(args.repeats):  # round-robin: drift hits every library alike
            for m in libs:
                res = run_once(m, args, path)
                results[m].append(res)
                print(f"repeat {r} {m}: {res}", flush=True)
    summary = {}
    for m, runs in results.items():
        ok = [x for x in runs if "error" not in x]
        if ok:
            summary[m] = {k: statistics.median(x[k] for x in ok) for k in ("fit_s", "ndcg10")}
    print(f"\n{args.queries:,} queries x {args.docs} documents, {args.trees} trees, depth 6, {args.threads} threads "
          f"(medians of {args.repeats})")
    print(f"{'library':9s} {'fit s':>8s} {'ratio':>6s} {'NDCG@10':>8s}")
    sv = summary.get("silva")
    for m, s in summary.items():
        ratio = f"{s['fit_s'] / sv['fit_s']:.2f}" if sv else "-"
        print(f"{m:9s} {s['fit_s']:8.2f} {ratio:>6s} {s['ndcg10']:8.4f}")
    h.save_results("ranking", {"args": vars(args), "summary": summary, "runs": results})


if __name__ == "__main__":
    main()
