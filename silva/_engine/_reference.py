"""Naive NumPy/Python references for the optimised kernels; tests check that both agree."""
import numpy as np


def bin_features_ref(X, thresholds, missing_bin):
    out = np.empty(X.shape, dtype=np.int64)
    for f, t in enumerate(thresholds):
        for i, x in enumerate(X[:, f]):
            out[i, f] = missing_bin if np.isnan(x) else int(np.sum(t < x))
    return out


def histogram_ref(X_binned, rows, g, h, n_bins):
    n_features = X_binned.shape[1]
    hist = np.zeros((n_features, n_bins, 3))
    for f in range(n_features):
        b = X_binned[rows, f].astype(np.int64)
        np.add.at(hist[f, :, 0], b, g[rows].astype(np.float64))
        np.add.at(hist[f, :, 1], b, h[rows].astype(np.float64))
        np.add.at(hist[f, :, 2], b, 1.0)
    return hist


def _score(G, H, lam, alpha):
    t = np.sign(G) * max(abs(G) - alpha, 0.0)
    return t * t / (H + lam) if H + lam > 0 else 0.0


def best_split_ref(X_binned, rows, g, h, n_value_bins, missing_bin, lam, alpha, gamma, mcw, msl):
    """Brute force over every feature, threshold and missing direction: (gain, feature, bin, missing_left)."""
    g = g[rows].astype(np.float64)
    h = h[rows].astype(np.float64)
    G, H = g.sum(), h.sum()
    parent = _score(G, H, lam, alpha)
    best = (-np.inf, -1, -1, -1)
    for f in range(X_binned.shape[1]):
        b_all = X_binned[rows, f].astype(np.int64)
        miss = b_all == missing_bin
        for miss_left in (0, 1):
            if miss_left and not miss.any():
                continue
            for b in range(n_value_bins[f]):
                left = (b_all <= b) & ~miss
                if miss_left:
                    left |= miss
                nl = left.sum()
                nr = rows.size - nl
                hl, hr = h[left].sum(), h[~left].sum()
                if nl < msl or nr < msl or hl < mcw or hr < mcw:
                    continue
                gl = g[left].sum()
                gain = 0.5 * (_score(gl, hl, lam, alpha) + _score(G - gl, hr, lam, alpha) - parent) - gamma
                if gain > best[0] + 1e-9:
                    best = (gain, f, b, miss_left)
    return best


def partition_ref(X_binned, rows, feature, bin_threshold, missing_left, missing_bin):
    b = X_binned[rows, feature]
    left = np.where(b == missing_bin, bool(missing_left), b <= bin_threshold)
    return np.concatenate([rows[left], rows[~left]]), int(left.sum())


def predict_tree_ref(x, nodes, values, base=0):
    node = base
    while nodes["left"][node] != -1:
        v = x[nodes["feature"][node]]
        go_left = bool(nodes["missing_left"][node]) if np.isnan(v) else v <= nodes["threshold"][node]
        node = base + (nodes["left"][node] if go_left else nodes["right"][node])
    return values[node, 0]


def predict_forest_ref(forest, X, n_outputs, baseline):
    out = np.tile(np.asarray(baseline, dtype=np.float64), (X.shape[0], 1))
    for t in range(forest.n_trees):
        base = forest.tree_offsets[t]
        for i in range(X.shape[0]):
            out[i, forest.tree_output[t]] += predict_tree_ref(X[i], forest.nodes, forest.values, base)
    return out


def cart_score_ref(stats, criterion):
    """CART score of a stats vector (per-class weights or sum w y, then the weight): squared error
    (sum w y)^2 / W, gini sum W_k^2 / W, entropy sum W_k log(W_k / W)."""
    W = stats[-1]
    if W <= 0:
        return 0.0
    if criterion == "squared_error":
        return stats[0] ** 2 / W
    if criterion == "gini":
        return float(np.sum(stats[:-1] ** 2)) / W
    k = stats[:-1][stats[:-1] > 0]
    return float(np.sum(k * np.log(k / W)))


def cart_best_split_ref(X_binned, w, y, n_classes, criterion, n_value_bins, missing_bin, is_categorical,
                        min_samples_leaf=1, min_category_rows=1):
    """Brute force over every feature, every threshold (numeric) or every set of the categories present
    (categorical; categories with fewer than ``min_category_rows`` rows move as one group), and both
    sides for the missing bin: the largest impurity decrease of a CART split."""
    n = y.size
    K = max(n_classes, 1)
    stats = np.zeros((n, K + 1))
    if n_classes:
        stats[np.arange(n), y.astype(np.int64)] = w
    else:
        stats[:, 0] = w * y
    stats[:, K] = w
    parent = cart_score_ref(stats.sum(axis=0), criterion)
    best = -np.inf
    for f in range(X_binned.shape[1]):
        b_all = X_binned[:, f].astype(np.int64)
        miss = b_all == missing_bin
        if is_categorical[f]:
            present, counts = np.unique(b_all[~miss], return_counts=True)
            groups = [[c] for c in present[counts >= min_category_rows]]
            if np.any(counts < min_category_rows):
                groups.append(list(present[counts < min_category_rows]))
            # every subset of the groups (the empty set too: then the missing rows go left)
            sides = [np.isin(b_all, [c for i, grp in enumerate(groups) if (m >> i) & 1 for c in grp])
                     for m in range(2 ** len(groups))]
        else:
            sides = [(b_all <= b) & ~miss for b in range(n_value_bins[f])]
        for left_values in sides:
            for miss_left in (False, True):
                left = left_values | (miss & miss_left)
                if left.sum() < min_samples_leaf or n - left.sum() < min_samples_leaf:
                    continue
                gain = (cart_score_ref(stats[left].sum(axis=0), criterion)
                        + cart_score_ref(stats[~left].sum(axis=0), criterion) - parent)
                best = max(best, gain)
    return best


def ordered_scan_ref(bins, a, b, missing_bin, score, min_weight=0.0, min_count=1, half=1.0, gamma=0.0):
    """Brute force over every cut of rows with bins ``bins`` and channels (a, b) (``scan.scan_ordered``):
    each value bin c as "bins <= c go left", the missing rows right then left, children with fewer than
    ``min_count`` rows or ``min_weight`` of b skipped; gain ``half * (score(L) + score(R) - score(all)) -
    gamma``, ``score(a, b)`` a side's score. Returns (gain, cut, missing_left), gain -inf when none is
    valid."""
    miss = bins == missing_bin
    parent = score(a.sum(), b.sum())
    best = (-np.inf, -1, -1)
    for d in (0, 1) if miss.any() else (0,):
        for c in np.unique(bins[~miss]):
            left = ((bins <= c) & ~miss) | (miss & bool(d))
            nl = int(left.sum())
            if nl < min_count or bins.size - nl < min_count:
                continue
            if b[left].sum() < min_weight or b[~left].sum() < min_weight:
                continue
            gain = half * (score(a[left].sum(), b[left].sum()) + score(a[~left].sum(), b[~left].sum())
                           - parent) - gamma
            if gain > best[0]:
                best = (gain, int(c), d)
    return best


def _path_dependent_value(x, known, tree, node):
    """The tree's output at x when only the features in ``known`` are known: a split on an unknown
    feature averages its children weighted by their covers (TreeSHAP's path-dependent value function)."""
    from .routing import raw_goes_left
    left, right, base = tree["left"], tree["right"], tree["base"]
    if left[node] == -1:
        return tree["values"][node]
    f = tree["feature"][node]
    lo, hi = base + left[node], base + right[node]
    if f in known:
        go_left = raw_goes_left(x[f], node, tree["feature"], tree["threshold"], tree["missing_left"],
                                tree["cat_index"], tree["cat_bins"], tree["cat_map"], tree["cat_offsets"],
                                tree["missing_bin"])
        return _path_dependent_value(x, known, tree, lo if go_left else hi)
    cover = tree["cover"]
    return (cover[lo] * _path_dependent_value(x, known, tree, lo)
            + cover[hi] * _path_dependent_value(x, known, tree, hi)) / cover[node]


def tree_shap_ref(x, tree, n_features):
    """(phi (n_features + 1, V), interactions (n_features + 1, n_features + 1, V)) of one tree at one row
    by enumerating every subset of features (Shapley and Shapley-interaction formulas; bias last).
    ``tree``: the node fields (absolute indices of one tree rooted at ``base``), its ``cover``, its
    ``values`` (n_nodes, V) and the category maps."""
    from itertools import combinations
    from math import factorial
    m = n_features
    V = tree["values"].shape[1]
    v = {}

    def value(S):
        if S not in v:
            v[S] = _path_dependent_value(x, S, tree, tree["base"])
        return v[S]

    phi = np.zeros((m + 1, V))
    inter = np.zeros((m + 1, m + 1, V))
    features = range(m)
    for i in features:
        rest = [f for f in features if f != i]
        for size in range(m):
            w = factorial(size) * factorial(m - size - 1) / factorial(m)
            for S in combinations(rest, size):
                phi[i] += w * (value(frozenset(S) | {i}) - value(frozenset(S)))
        for j in rest:
            others = [f for f in rest if f != j]
            for size in range(m - 1):
                w = factorial(size) * factorial(m - size - 2) / (2 * factorial(m - 1))
                for S in combinations(others, size):
                    S = frozenset(S)
                    inter[i, j] += w * (value(S | {i, j}) - value(S | {i}) - value(S | {j}) + value(S))
        inter[i, i] = phi[i] - inter[i, :m].sum(axis=0)
    phi[m] = value(frozenset())
    inter[m, m] = phi[m]
    return phi, inter
