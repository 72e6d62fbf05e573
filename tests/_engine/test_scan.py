"""The ordered scan (``_engine.scan``), the one both drivers use: it finds the cut brute force finds, for
every criterion, and gives the same cut whatever form its entries take (a dense histogram, the non-empty
bins, or single rows sorted by bin), and its class-channel form agrees with its two-channel one."""
import numpy as np
from hypothesis import given, settings, strategies as st

from silva._engine import _reference as ref
from silva._engine.criterion import CRITERIA
from silva._engine.scan import ENTROPY, GINI, SQUARED_ERROR, NewtonRules, scan_channels, scan_ordered

MISSING = 9  # bins 0..8 hold values, 9 the missing ones


def _rows(seed, n, kind):
    rng = np.random.RandomState(seed)
    bins = rng.randint(0, MISSING + 1, size=n)
    bins[rng.rand(n) < 0.5] = rng.randint(0, 3)  # repeated bins, and often a few empty ones
    if kind == "newton":
        a, b = rng.normal(size=n), rng.uniform(0.1, 2.0, size=n)  # gradients, hessians
    else:
        w = rng.randint(1, 4, size=n).astype(np.float64)
        y = rng.randint(0, 2, size=n).astype(np.float64) if kind != SQUARED_ERROR else rng.normal(size=n)
        a, b = w * y, w
    return bins, a, b


def _score(kind, lam=1.0, alpha=0.3):
    if kind == "newton":
        return lambda G, H: max(abs(G) - alpha, 0.0) ** 2 / (H + lam)
    if kind == SQUARED_ERROR:
        return lambda y, w: y * y / w if w > 0 else 0.0

    def classes(y, w):  # (class-1 weight, weight) -> gini or entropy score
        p = np.array([w - y, y])
        if w <= 0:
            return 0.0
        return float((p * p).sum() / w) if kind == GINI else float(sum(q * np.log(q / w) for q in p if q > 0))
    return classes


def _scan(kind, ent, bins, n_val, miss, total, parent, limits):
    best = np.full(6, -np.inf)
    if kind == "newton":
        scan_ordered(ent, bins, n_val, miss, total, parent, limits, NewtonRules(1.0, 0.3, 0.05), 0, None, None,
                     best)
    else:
        scan_ordered(ent, bins, n_val, miss, total, parent, limits, None, kind, None, None, best)
    return best


def _forms(bins, a, b):
    """The same rows as the three entry forms: single rows sorted by bin, the non-empty bins, and the
    dense histogram (entry j = bin j); each with its missing rows' sums."""
    order = np.argsort(bins, kind="mergesort")
    vals = order[bins[order] != MISSING]
    rows = (np.column_stack([a[vals], b[vals], np.ones(vals.size)]), bins[vals].astype(np.int64), vals.size)
    hist = np.zeros((MISSING + 1, 3))
    np.add.at(hist, bins, np.column_stack([a, b, np.ones(bins.size)]))
    present = np.flatnonzero(hist[:MISSING, 2] > 0)
    sparse = (np.ascontiguousarray(hist[present]), present.astype(np.int64), present.size)
    dense = (hist, None, MISSING)
    return (rows, sparse, dense), tuple(hist[MISSING])


KINDS = ["newton", SQUARED_ERROR, GINI, ENTROPY]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 60), kind=st.sampled_from(KINDS),
       min_count=st.integers(1, 4), min_weight=st.sampled_from([0.0, 1.5]))
def test_scan_finds_the_brute_force_cut_in_every_entry_form(seed, n, kind, min_count, min_weight):
    bins, a, b = _rows(seed, n, kind)
    score = _score(kind)
    newton = kind == "newton"
    want = ref.ordered_scan_ref(bins, a, b, MISSING, score, min_weight, min_count, 0.5 if newton else 1.0,
                                0.05 if newton else 0.0)
    forms, miss = _forms(bins, a, b)
    total = (a.sum(), b.sum(), float(n))
    parent = score(total[0], total[1])
    found = [_scan(kind, ent, bs, n_val, miss, total, parent, (min_weight, min_count))
             for ent, bs, n_val in forms]
    for best in found:
        if want[0] == -np.inf or (newton and want[0] <= 1e-11 * abs(parent)):
            assert best[0] == -np.inf or newton  # nothing valid (the boosters also drop noise-level gains)
            continue
        assert best[0] == np.float64(want[0]) or abs(best[0] - want[0]) <= 1e-9 * max(1.0, abs(parent))
        # the cut found reaches the best gain (near-ties may pick another cut of equal gain)
        left = ((bins <= best[1]) & (bins != MISSING)) | ((bins == MISSING) & bool(best[2]))
        assert int(left.sum()) == best[5]
    # one scan: each form finds the same cut
    assert len({(f[1], f[2]) for f in found if f[0] > -np.inf}) <= 1


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 60), criterion=st.sampled_from(["gini", "entropy"]))
def test_class_channel_scan_agrees_with_the_two_channel_scan(seed, n, criterion):
    kind = GINI if criterion == "gini" else ENTROPY
    bins, a, b = _rows(seed, n, kind)
    (rows, _, _), miss = _forms(bins, a, b)
    total = (a.sum(), b.sum(), float(n))
    parent = _score(kind)(total[0], total[1])
    pair = _scan(kind, rows[0], rows[1], rows[2], miss, total, parent, (0.0, 1))
    # the same rows as K = 2 class channels: (class-0 weight, class-1 weight, weight), missing rows last
    order = np.argsort(bins, kind="mergesort")
    stat = np.column_stack([b[order] - a[order], a[order], b[order]])
    best = np.full(6, -np.inf)
    n_val = int(np.sum(bins != MISSING))
    scan_channels(bins[order].astype(np.int64), stat, np.ones(n, dtype=np.int64), n_val, n, n, 2, parent,
                  stat.sum(axis=0), CRITERIA[criterion], (0.0, 1), np.empty(3), np.empty(9), best, None)
    assert (pair[0] == -np.inf) == (best[0] == -np.inf)
    if pair[0] > -np.inf:
        assert abs(pair[0] - best[0]) <= 1e-9 * max(1.0, abs(parent))
        assert (pair[1], pair[2], pair[5]) == (best[1], best[2], best[5])
