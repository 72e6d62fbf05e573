"""AdaBoost benchmark: silva AdaBoostClassifier vs scikit-learn's, 100 stumps (SAMME).

Synthetic binary data (the harness's make_classification: 100,000 train rows x 50 features by
default), learning rate 1, 2 threads. scikit-learn's learner is DecisionTreeClassifier(max_depth=1)
searching exact thresholds (it sorts every feature in every round); silva bins the data once
(255 bins) and grows each stump in one histogram pass. scikit-learn's AdaBoost and trees are
single-threaded (no n_jobs); silva gets n_jobs=threads. Fresh process per fit, medians over
--repeats (see benchmarks/README.md for what is measured). Target: silva fit >= 10x faster.

Quick run:  python benchmarks/bench_adaboost.py --rows 20000 --repeats 1
"""
import argparse
import sys

import _harness as h


def model_specs(trees, threads, seed=0):
    """(model, class path, kwargs, warm-up overrides)."""
    return [("silva", "silva.AdaBoostClassifier",
             dict(n_estimators=trees, learning_rate=1.0, max_bin=255, n_jobs=threads, random_state=seed),
             {"n_estimators": 2}),
            ("sklearn", "sklearn.ensemble.AdaBoostClassifier",
             dict(n_estimators=trees, learning_rate=1.0, random_state=seed), {"n_estimators": 2})]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--holdout", type=int, default=200_000)
    ap.add_argument("--features", type=int, default=50)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="silva,sklearn", help="comma-separated subset of silva,sklearn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per fit process")
    args = ap.parse_args(argv)
    wanted = set(args.models.split(","))

    with h.bench_lock():
        if "silva" in wanted:
            ok, msg = h.importable("silva", "AdaBoostClassifier")
            if not ok:
                print(f"silva not importable ({msg}); skipping silva.")
                wanted.discard("silva")
        h.warn_if_busy()
        data = h.ensure_data(args.rows, args.features, args.holdout, args.seed)
        specs = [dict(name=f"{m}/stumps", model=m, shape="stumps", cls=c, kwargs=kw, warmup_kwargs=wk,
                      warmup_rows=5000, data=data, rows=args.rows, features=args.features)
                 for m, c, kw, wk in model_specs(args.trees, args.threads, args.seed) if m in wanted]
        if not specs:
            sys.exit("nothing to run")
        print(f"{args.rows:,} train / {args.holdout:,} holdout rows x {args.features} features, "
              f"{args.trees} stumps, {args.threads} threads, {args.repeats} repeats "
              "(fresh process per fit)", flush=True)
        summ = h.run_all(specs, args.repeats, args.threads, args.timeout)

    print()
    h.print_table(summ)
    by = {s["model"]: s for s in summ if s["n_ok"]}
    if "silva" in by and "sklearn" in by:
        speedup = by["sklearn"]["fit_s"] / by["silva"]["fit_s"]
        print(f"\nsilva fit is {speedup:.1f}x faster than scikit-learn's "
              f"({by['silva']['fit_s']:.2f}s vs {by['sklearn']['fit_s']:.2f}s; target >= 10x: "
              f"{'met' if speedup >= 10 else 'NOT met'}); predict "
              f"{by['sklearn']['predict_s'] / by['silva']['predict_s']:.1f}x; "
              f"AUC silva - sklearn {by['silva']['auc'] - by['sklearn']['auc']:+.4f}")
    path = h.save_results("adaboost", {"args": vars(args), "host": h.host_info(), "results": summ})
    print(f"results: {path.relative_to(h.ROOT)}")


if __name__ == "__main__":
    main()
