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


def predict_tree_ref(x, nodes, base=0):
    node = base
    while nodes["left"][node] != -1:
        v = x[nodes["feature"][node]]
        go_left = bool(nodes["missing_left"][node]) if np.isnan(v) else v <= nodes["threshold"][node]
        node = base + (nodes["left"][node] if go_left else nodes["right"][node])
    return nodes["value"][node]


def predict_forest_ref(forest, X, n_outputs, baseline):
    out = np.tile(np.asarray(baseline, dtype=np.float64), (X.shape[0], 1))
    for t in range(forest.n_trees):
        base = forest.tree_offsets[t]
        for i in range(X.shape[0]):
            out[i, forest.tree_output[t]] += predict_tree_ref(X[i], forest.nodes, base)
    return out
