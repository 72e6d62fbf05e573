"""Thread count: physical cores by default, never more than Numba's pool."""
import os
from contextlib import contextmanager

import numba


def physical_cores():
    try:
        from joblib import cpu_count
        return max(1, cpu_count(only_physical_cores=True))
    except Exception:  # pragma: no cover - joblib always ships with scikit-learn
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs):
    """None -> physical cores; -1 -> all logical cores; -k -> all but k-1; k -> k."""
    logical = os.cpu_count() or 1
    if n_jobs is None:
        n = physical_cores()
    elif isinstance(n_jobs, (int,)) and not isinstance(n_jobs, bool) and n_jobs != 0:
        n = n_jobs if n_jobs > 0 else max(1, logical + 1 + n_jobs)
    else:
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}")
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


@contextmanager
def numba_threads(n_jobs):
    """Run the enclosed kernels on `n_jobs` threads, restoring the previous count after."""
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
