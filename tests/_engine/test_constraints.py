"""The monotone-constraint kernels against naive references on random trees.

A random tree (numeric splits on bins, learned missing sides, a few category-set splits) with random
leaf values is checked three ways: ``leaf_bounds`` equals bounds computed from every pair of leaves by
explicit boxes; after ``enforce_monotone`` the tree is monotone when walked on random points that
differ in one constrained feature only (missing values included); and ``monotone_violation`` is zero
exactly when such walks find no violation.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from silva._engine.constraints import enforce_monotone, leaf_bounds, monotone_violation

N_FEATURES = 4
TOP_BIN = 7           # value bins 0..7
MISSING = TOP_BIN + 1  # the missing bin


def _random_tree(rng, n_splits):
    """A random tree as a grower makes them: a numeric split's threshold lies inside the node's range
    of bins (both children hold some values), so no leaf has an empty region."""
    left, right, feature, thr, miss, cat = [-1], [-1], [-1], [-1], [0], [False]
    cat_sets = {}
    ranges = {0: {f: (0, TOP_BIN) for f in range(N_FEATURES)}}
    leaves = [0]
    for _ in range(n_splits):
        u = leaves.pop(rng.randint(len(leaves)))
        f = rng.randint(N_FEATURES)
        lo, hi = ranges[u][f]
        categorical = f == N_FEATURES - 1 and rng.rand() < 0.5  # the last feature is sometimes a set
        if not categorical and lo == hi:
            leaves.append(u)
            continue
        left[u], right[u] = len(left), len(left) + 1
        feature[u], miss[u] = f, rng.randint(2)
        ranges[left[u]], ranges[right[u]] = dict(ranges[u]), dict(ranges[u])
        if categorical:
            cat[u] = True
            cat_sets[u] = rng.rand(TOP_BIN + 1) < 0.5
        else:
            thr[u] = rng.randint(lo, hi)
            ranges[left[u]][f] = (lo, thr[u])
            ranges[right[u]][f] = (thr[u] + 1, hi)
        for _ in range(2):
            left.append(-1), right.append(-1), feature.append(-1), thr.append(-1), miss.append(0)
            cat.append(False)
        leaves += [left[u], right[u]]
    arr = lambda a, dt=np.int64: np.array(a, dtype=dt)  # noqa: E731
    return (arr(left), arr(right), arr(feature), arr(thr), arr(miss), arr(cat, np.bool_)), cat_sets


def _walk(tree, cat_sets, x):
    left, right, feature, thr, miss, cat = tree
    u = 0
    while left[u] >= 0:
        b = x[feature[u]]
        if b == MISSING:
            go_left = miss[u] == 1
        elif cat[u]:
            go_left = cat_sets[u][b]
        else:
            go_left = b <= thr[u]
        u = left[u] if go_left else right[u]
    return u


def _box(tree, u):
    """Per feature: (lowest bin, highest bin, missing reaches it); category sets leave it whole."""
    left, right, feature, thr, miss, cat = tree
    parent = {int(c): p for p in range(left.size) if left[p] >= 0 for c in (left[p], right[p])}
    box = {f: [0, TOP_BIN, True] for f in range(N_FEATURES)}
    path = []
    while u in parent:
        path.append((parent[u], u))
        u = parent[u]
    for p, c in reversed(path):
        if cat[p]:
            continue
        lo, hi, m = box[feature[p]]
        if c == left[p]:
            box[feature[p]] = [lo, min(hi, thr[p]), m and miss[p] == 1]
        else:
            box[feature[p]] = [max(lo, thr[p] + 1), hi, m and miss[p] == 0]
    return box, [p for p, _ in path]


def _naive_bounds(tree, value, mono, t):
    """Bounds on leaf t from every other leaf: an ancestor splits on a constrained feature f with t and
    the leaf on opposite sides, and their boxes overlap in every other feature."""
    left, right, feature, _, _, cat = tree
    box_t, anc_t = _box(tree, t)
    lo, hi = -np.inf, np.inf
    for u in np.flatnonzero(left < 0):
        if u == t:
            continue
        box_u, anc_u = _box(tree, u)
        lca = next(a for a in anc_t if a in anc_u)
        f = feature[lca]
        if cat[lca] or mono[f] == 0:
            continue
        overlap = all(max(box_t[g][0], box_u[g][0]) <= min(box_t[g][1], box_u[g][1])
                      or (box_t[g][2] and box_u[g][2]) for g in range(N_FEATURES) if g != f)
        if not overlap:
            continue
        t_left = _in_subtree(tree, left[lca], t)
        if t_left == (mono[f] > 0):
            hi = min(hi, value[u])
        else:
            lo = max(lo, value[u])
    return lo, hi


def _in_subtree(tree, root, u):
    left, right = tree[0], tree[1]
    stack = [root]
    while stack:
        v = stack.pop()
        if v == u:
            return True
        if left[v] >= 0:
            stack += [left[v], right[v]]
    return False


def _walk_violation(tree, cat_sets, value, mono, rng, n_pairs=400):
    """The largest decrease along a constrained direction over random pairs of points."""
    worst = 0.0
    for _ in range(n_pairs):
        x = rng.randint(0, MISSING + 1, N_FEATURES)
        f = rng.choice(np.flatnonzero(mono))
        a, b = np.sort(rng.randint(0, TOP_BIN + 1, 2))
        x1, x2 = x.copy(), x.copy()
        x1[f], x2[f] = a, b
        d = (value[_walk(tree, cat_sets, x2)] - value[_walk(tree, cat_sets, x1)]) * mono[f]
        worst = max(worst, -d)
    return worst


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 100_000), n_splits=st.integers(1, 14))
def test_leaf_bounds_match_naive_pairs(seed, n_splits):
    rng = np.random.RandomState(seed)
    tree, _ = _random_tree(rng, n_splits)
    value = rng.randn(tree[0].size)
    mono = rng.randint(-1, 2, N_FEATURES).astype(np.int8)
    mono[-1] = 0  # the categorical feature is never constrained
    targets = np.flatnonzero(tree[0] < 0)
    lo, hi = np.empty(targets.size), np.empty(targets.size)
    leaf_bounds(*tree, value, mono, TOP_BIN, targets, tree[0] < 0, lo, hi)
    for k, t in enumerate(targets):
        assert (lo[k], hi[k]) == _naive_bounds(tree, value, mono, t)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 100_000), n_splits=st.integers(1, 14))
def test_enforced_trees_are_monotone_when_walked(seed, n_splits):
    rng = np.random.RandomState(seed)
    tree, cat_sets = _random_tree(rng, n_splits)
    mono = np.array([1, -1, 0, 0], dtype=np.int8)
    value = rng.randn(tree[0].size)
    before_walk = _walk_violation(tree, cat_sets, value, mono, np.random.RandomState(seed))
    before_proof = monotone_violation(*tree, value, mono, TOP_BIN)
    # the proof finds a violation whenever a walk does (it may find one the walks missed)
    assert before_proof >= before_walk - 1e-12
    enforce_monotone(*tree, value, mono, TOP_BIN)
    assert monotone_violation(*tree, value, mono, TOP_BIN) == 0.0
    assert _walk_violation(tree, cat_sets, value, mono, np.random.RandomState(seed + 1)) == 0.0


def test_a_monotone_tree_is_left_alone():
    # x0 <= 3 -> 1.0, else (x1 <= 2 -> 2.0, else 3.0): increasing in x0 whatever x1 is
    tree = (np.array([1, -1, 3, -1, -1]), np.array([2, -1, 4, -1, -1]), np.array([0, -1, 1, -1, -1]),
            np.array([3, -1, 2, -1, -1]), np.array([0, 0, 0, 0, 0]), np.zeros(5, dtype=np.bool_))
    value = np.array([0.0, 1.0, 0.0, 2.0, 3.0])
    mono = np.array([1, 0, 0, 0], dtype=np.int8)
    assert monotone_violation(*tree, value, mono, TOP_BIN) == 0.0
    enforce_monotone(*tree, value, mono, TOP_BIN)
    np.testing.assert_array_equal(value, [0.0, 1.0, 0.0, 2.0, 3.0])
    value[1] = 2.5  # now the x0 <= 3 side exceeds the x1 <= 2 leaf of the other side
    assert monotone_violation(*tree, value, mono, TOP_BIN) == 0.5
