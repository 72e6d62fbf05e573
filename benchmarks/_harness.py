"""Shared benchmark helpers: cached synthetic data, one fit per fresh process, reporting.

Every measured fit runs in its own interpreter (``python _harness.py --child spec.json``)
so memory high-water marks, JIT state and thread pools never carry over between runs.
The parent only orchestrates; it never holds the data itself.
"""
from __future__ import annotations

import fcntl
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
THREAD_VARS = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "MKL_NUM_THREADS",
               "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
METRICS = ("warm_s", "fit_s", "predict_s", "peak_mb", "peak_fit_mb", "auc", "fit_cpu_util",
           "other_cpu_frac")


# ------------------------------------------------------------------ data
def data_paths(rows, features, holdout, seed=0):
    stem = f"clf_{rows}x{features}_h{holdout}_s{seed}"
    return {k: str(CACHE / f"{stem}_{k}.npy") for k in ("X_train", "y_train", "X_test", "y_test")}


def ensure_data(rows, features, holdout, seed=0):
    """Generate (in a subprocess, so this process stays small) and cache the data set once."""
    paths = data_paths(rows, features, holdout, seed)
    if not all(Path(p).exists() for p in paths.values()):
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"generating {rows:,}+{holdout:,} x {features} synthetic rows into {CACHE} ...", flush=True)
        subprocess.run([sys.executable, __file__, "--make-data",
                        json.dumps([rows, features, holdout, seed])], check=True)
    return paths


def _make_data(rows, features, holdout, seed):
    from sklearn.datasets import make_classification
    X, y = make_classification(
        n_samples=rows + holdout, n_features=features,
        n_informative=max(2, features // 5), n_redundant=features // 10,
        n_clusters_per_class=2, flip_y=0.01, shuffle=True, random_state=seed)
    parts = {"X_train": X[:rows], "y_train": y[:rows], "X_test": X[rows:], "y_test": y[rows:]}
    for key, path in data_paths(rows, features, holdout, seed).items():
        tmp = path[:-4] + ".tmp.npy"
        np.save(tmp, np.ascontiguousarray(parts[key]))  # float64 X, int64 y
        os.replace(tmp, path)  # atomic: readers never see a half-written file


# ------------------------------------------------------------------ child side
def _status_kb(field):
    """VmRSS / VmHWM of this process in KiB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak():
    """Reset this process's RSS high-water mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(spec_path):
    spec = json.loads(Path(spec_path).read_text())
    mod_name, cls_name = spec["cls"].rsplit(".", 1)
    est_cls = getattr(importlib.import_module(mod_name), cls_name)
    from sklearn.metrics import roc_auc_score

    d = {k: np.load(p, mmap_mode=None) for k, p in spec["data"].items()}
    X, y, Xt, yt = d["X_train"], d["y_train"], d["X_test"], d["y_test"]

    # Warm-up on a small slice: JIT compilation (or cache load) and thread-pool start-up,
    # timed apart and kept out of both the fit time and the memory baseline.
    n = min(spec["warmup_rows"], len(y))
    t0 = time.perf_counter()
    warm = est_cls(**{**spec["kwargs"], **spec["warmup_kwargs"]}).fit(X[:n], y[:n])
    warm.predict_proba(X[:n])
    warm_s = time.perf_counter() - t0
    del warm
    gc.collect()

    base_kb = _status_kb("VmRSS")
    reset = _reset_peak()
    model = est_cls(**spec["kwargs"])
    c0, t0 = _cpu_s(), time.perf_counter()
    model.fit(X, y)
    fit_s, fit_cpu = time.perf_counter() - t0, _cpu_s() - c0
    peak_fit_kb = _status_kb("VmHWM")
    t0 = time.perf_counter()
    proba = model.predict_proba(Xt)
    predict_s = time.perf_counter() - t0
    peak_kb = _status_kb("VmHWM")
    ru_maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    top = sys.modules[mod_name.split(".")[0]]
    result = {
        "warm_s": warm_s, "fit_s": fit_s, "predict_s": predict_s,
        "fit_cpu_util": fit_cpu / fit_s,  # ~threads when pinning works
        "peak_fit_mb": (peak_fit_kb - base_kb) / 1024, "peak_mb": (peak_kb - base_kb) / 1024,
        "peak_mb_ru_maxrss": (ru_maxrss_kb - base_kb) / 1024, "peak_reset": reset,
        "baseline_mb": base_kb / 1024, "auc": float(roc_auc_score(yt, proba[:, 1])),
        "version": getattr(top, "__version__", "?"),
    }
    Path(spec["out"]).write_text(json.dumps(result))


# ------------------------------------------------------------------ parent side
def child_env(threads):
    env = dict(os.environ)
    env.update({v: str(threads) for v in THREAD_VARS})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def importable(module, attr=None):
    """(ok, message): can a fresh interpreter import `module` (and get `attr`)?"""
    code = f"import {module}" + (f"; {module}.{attr}" if attr else "")
    p = subprocess.run([sys.executable, "-c", code], env=child_env(1), cwd=ROOT,
                       capture_output=True, text=True)
    msg = (p.stderr.strip().splitlines() or ["ok"])[-1]
    return p.returncode == 0, msg


def run_once(spec, threads, timeout=3600):
    """Run one fit/predict in a fresh interpreter; returns the child's metrics or {'error': ...}."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = {**spec, "out": str(Path(tmp) / "result.json")}
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        busy0, kids0, t0 = _system_busy_s(), _children_cpu_s(), time.perf_counter()
        try:
            p = subprocess.run([sys.executable, __file__, "--child", str(spec_path)],
                               env=child_env(threads), cwd=ROOT, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout}s"}
        out = Path(spec["out"])
        if p.returncode != 0 or not out.exists():
            return {"error": (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]}
        res = json.loads(out.read_text())
        # CPU the rest of the machine (other processes, hypervisor steal) used meanwhile.
        res["other_cpu_s"] = max(0.0, (_system_busy_s() - busy0) - (_children_cpu_s() - kids0))
        res["other_cpu_frac"] = res["other_cpu_s"] / ((time.perf_counter() - t0) * os.cpu_count())
        return res


def run_script(script, argv, threads, timeout=3600):
    """Run ``script argv`` (a benchmark's own child mode) in a fresh interpreter; returns the JSON of its
    last stdout line, flagged ``noisy`` when other processes used more than 5% of the CPUs meanwhile,
    or {'error': ...}."""
    busy0, kids0, t0 = _system_busy_s(), _children_cpu_s(), time.perf_counter()
    try:
        p = subprocess.run([sys.executable, str(script), *argv], env=child_env(threads), cwd=ROOT,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout}s"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]}
    res = json.loads(p.stdout.strip().splitlines()[-1])
    other = max(0.0, (_system_busy_s() - busy0) - (_children_cpu_s() - kids0))
    res["noisy"] = other / ((time.perf_counter() - t0) * os.cpu_count()) > 0.05
    return res


def _noise_note(res):
    f = res.get("other_cpu_frac", 0.0)
    return f"  NOISY: other processes used {f:.0%} of the CPUs" if f > 0.05 else ""


def run_all(specs, repeats, threads, timeout=3600):
    """Run every spec `repeats` times, round-robin (drift hits all models alike); medians."""
    runs = {s["name"]: [] for s in specs}
    for r in range(repeats):
        for s in specs:
            res = run_once(s, threads, timeout)
            runs[s["name"]].append(res)
            if "error" in res:
                print(f"  [{r + 1}/{repeats}] {s['name']:<22} ERROR {res['error']}", flush=True)
            else:
                print(f"  [{r + 1}/{repeats}] {s['name']:<22} fit {res['fit_s']:8.2f}s  "
                      f"predict {res['predict_s']:6.2f}s  peak {res['peak_mb']:7.0f} MB  "
                      f"auc {res['auc']:.4f}" + _noise_note(res), flush=True)
    summaries = []
    for s in specs:
        ok = [r for r in runs[s["name"]] if "error" not in r]
        summ = {k: s[k] for k in ("name", "model", "shape", "cls", "kwargs")}
        summ.update(rows=s["rows"], features=s["features"], n_ok=len(ok), runs=runs[s["name"]])
        if ok:
            summ.update({m: statistics.median(r[m] for r in ok) for m in METRICS})
            summ["version"] = ok[0]["version"]
        summaries.append(summ)
    return summaries


# ------------------------------------------------------------------ reporting
def _fmt(x, spec):
    return format(x, spec) if x is not None else "-"


def print_table(summaries, ref="silva"):
    """Medians per model; ratio columns are ref/peer within the same shape (lower = ref better)."""
    hdr = (f"{'model':<10} {'shape':<10} {'rows x feat':>14} {'warm s':>7} {'fit s':>8} "
           f"{'pred s':>7} {'peak MB':>8} {'AUC':>7} {'cpu':>4} | {'fit x':>6} {'pred x':>6} "
           f"{'mem x':>6} {'dAUC':>8}")
    print(hdr)
    print("-" * len(hdr))
    for s in summaries:
        base = next((r for r in summaries if r["model"] == ref and r["shape"] == s["shape"]
                     and r["n_ok"]), None)
        shape = f"{s['rows']:,}x{s['features']}"
        if not s["n_ok"]:
            print(f"{s['model']:<10} {s['shape']:<10} {shape:>14}  all runs failed")
            continue
        ratio = lambda k: base[k] / s[k] if base and s is not base and s[k] > 0 else None  # noqa: E731
        dauc = base["auc"] - s["auc"] if base and s is not base else None
        print(f"{s['model']:<10} {s['shape']:<10} {shape:>14} {s['warm_s']:7.2f} {s['fit_s']:8.2f} "
              f"{s['predict_s']:7.3f} {s['peak_mb']:8.0f} {s['auc']:7.4f} {s['fit_cpu_util']:4.1f} | "
              f"{_fmt(ratio('fit_s'), '6.2f'):>6} {_fmt(ratio('predict_s'), '6.2f'):>6} "
              f"{_fmt(ratio('peak_mb'), '6.2f'):>6} {_fmt(dauc, '+8.4f'):>8}")
    print(f"(medians; 'x' columns = {ref}/peer, dAUC = {ref} - peer; cpu = fit CPU time / wall time)")
    noisy = [s["name"] for s in summaries if s["n_ok"] and s["other_cpu_frac"] > 0.05]
    if noisy:
        print(f"WARNING: other processes competed for the CPUs during {', '.join(noisy)}; "
              "rerun on an idle machine.")


def host_info():
    info = {"python": sys.version.split()[0], "platform": platform.platform(),
            "logical_cpus": os.cpu_count(), "loadavg": os.getloadavg()}
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                           if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return info


def save_results(tag, payload):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{tag}_{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(payload, indent=1, default=str))
    return path


def _system_busy_s():
    """Non-idle CPU seconds of the whole machine since boot (all cores, incl. steal)."""
    vals = [int(v) for v in open("/proc/stat").readline().split()[1:8]]
    return (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def warn_if_busy(interval=1.0):
    """Timings on a small machine are meaningless if anything else is running."""
    try:
        b0 = _system_busy_s()
        time.sleep(interval)
        busy = (_system_busy_s() - b0) / (interval * os.cpu_count())
    except OSError:
        return
    if busy > 0.05:
        print(f"WARNING: machine not idle ({busy:.0%} CPU busy before starting); "
              "timings will be unreliable.", flush=True)


@contextmanager
def bench_lock():
    """Refuse to run two benchmarks at once (they would corrupt each other's timings)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "bench.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit("another benchmark is running (benchmarks/.cache/bench.lock); wait for it.")
        yield


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        _child(sys.argv[2])
    elif sys.argv[1] == "--make-data":
        _make_data(*json.loads(sys.argv[2]))
