"""Fit/predict benchmark of the classic family against scikit-learn's own estimators.

Synthetic binary data (``make_classification``, 50 features, cached by ``_harness.py``), 2 threads,
one fresh process per fit, medians over ``--repeats``. Cases:

  gbdt: silva.GBDTClassifier vs sklearn.ensemble.GradientBoostingClassifier
        100 trees, max_depth=3, learning_rate=0.1, log-loss, no subsampling, no early stopping.
        silva searches splits on 255 bins, scikit-learn on every distinct value (its only mode).
        Target: silva at least 10x faster to fit on 100,000 x 50.

scikit-learn's GradientBoosting fits single-threaded whatever the thread count; silva gets
``n_jobs=threads`` (and the harness sets NUMBA_NUM_THREADS/OMP_NUM_THREADS for every child).

Quick run:  python benchmarks/bench_family.py --rows 100000 --repeats 1
"""
import argparse
import sys

import _harness as h

# case -> [(model, class path, kwargs(trees, threads, seed), warm-up overrides)]
CASES = {
    "gbdt": [
        ("silva", "silva.GBDTClassifier",
         lambda trees, threads, seed: dict(n_estimators=trees, learning_rate=0.1, max_depth=3,
                                           max_bin=255, n_jobs=threads, random_state=seed),
         {"n_estimators": 2}),
        ("sklearn", "sklearn.ensemble.GradientBoostingClassifier",
         lambda trees, threads, seed: dict(n_estimators=trees, learning_rate=0.1, max_depth=3,
                                           random_state=seed),
         {"n_estimators": 2}),
    ],
}
TARGET_SPEEDUP = {"gbdt": 10.0}  # sklearn fit time / silva fit time


def case_summary(case, summ):
    by = {s["model"]: s for s in summ if s["shape"] == case and s["n_ok"]}
    if "silva" not in by or "sklearn" not in by:
        return
    sv, sk = by["silva"], by["sklearn"]
    speedup = sk["fit_s"] / sv["fit_s"]
    target = TARGET_SPEEDUP.get(case)
    verdict = "" if target is None else f" (target >= {target:g}x: {'met' if speedup >= target else 'NOT met'})"
    print(f"{case}: silva fit {sv['fit_s']:.2f}s vs sklearn {sk['fit_s']:.2f}s -> {speedup:.1f}x faster"
          f"{verdict}; predict {sk['predict_s'] / sv['predict_s']:.1f}x; "
          f"AUC silva {sv['auc']:.4f} vs sklearn {sk['auc']:.4f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--holdout", type=int, default=20_000)
    ap.add_argument("--features", type=int, default=50)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    ap.add_argument("--models", default="silva,sklearn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per fit process")
    args = ap.parse_args(argv)
    wanted = set(args.models.split(","))
    cases = args.cases.split(",")
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; choose from {sorted(CASES)}")

    with h.bench_lock():
        if "silva" in wanted:
            for case in cases:
                for model, cls, _, _ in CASES[case]:
                    if model == "silva":
                        ok, msg = h.importable(*cls.rsplit(".", 1))
                        if not ok:
                            print(f"{cls} not importable ({msg}); skipping silva.")
                            wanted.discard("silva")
        h.warn_if_busy()
        data = h.ensure_data(args.rows, args.features, args.holdout, args.seed)
        specs = [dict(name=f"{m}/{case}", model=m, shape=case, cls=cls,
                      kwargs=kw(args.trees, args.threads, args.seed), warmup_kwargs=wk, warmup_rows=5000,
                      data=data, rows=args.rows, features=args.features)
                 for case in cases for m, cls, kw, wk in CASES[case] if m in wanted]
        if not specs:
            sys.exit("nothing to run")
        print(f"{args.rows:,} train / {args.holdout:,} holdout rows x {args.features} features, "
              f"{args.trees} trees, {args.threads} threads, {args.repeats} repeats "
              "(fresh process per fit)", flush=True)
        summ = h.run_all(specs, args.repeats, args.threads, args.timeout)

    print()
    h.print_table(summ)
    print()
    for case in cases:
        case_summary(case, summ)
    path = h.save_results("family", {"args": vars(args), "host": h.host_info(), "results": summ})
    print(f"results: {path.relative_to(h.ROOT)}")


if __name__ == "__main__":
    main()
