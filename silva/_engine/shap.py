"""Exact TreeSHAP (Lundberg et al. 2018, Algorithm 2: the path-dependent value function weighted by node
covers) over a forest's node table, parallel over rows, taking the very decisions prediction takes
(``routing.raw_goes_left``: NaN and unseen categories follow the missing side), so a row's
contributions plus the bias add up to its raw output.

A tree adds its leaf vector ``values[leaf, 0:V]`` to outputs ``tree_col[t] .. tree_col[t] + V - 1``:
boosters have V = 1 and ``tree_col`` = the tree's output, the CART family and AdaBoost V = K outputs
from column 0. Contributions come out as (n, n_outputs, n_features + 1) with the bias last (XGBoost's
layout); interactions as (n, n_outputs, n_features + 1, n_features + 1).

The path of unique features is kept in four flat arrays; each recursion level copies its parent's path
into the next segment (the reference implementation's layout; slot 0 is the root's unused parent), so a
row needs O(depth^2) scratch.
``_reference.tree_shap_ref`` enumerates feature subsets by brute force; tests check both agree.
"""
import numpy as np
from numba import njit, prange

from .routing import raw_goes_left

_BLOCK = 32  # rows per task; one scratch path per task


@njit(cache=True, inline="always")
def _extend(pf, pz, po, pw, off, depth, zero, one, feat):
    pf[off + depth] = feat
    pz[off + depth] = zero
    po[off + depth] = one
    pw[off + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        pw[off + i + 1] += one * pw[off + i] * (i + 1) / (depth + 1)
        pw[off + i] = zero * pw[off + i] * (depth - i) / (depth + 1)


@njit(cache=True, inline="always")
def _unwind(pf, pz, po, pw, off, depth, idx):
    one = po[off + idx]
    zero = pz[off + idx]
    nxt = pw[off + depth]
    for i in range(depth - 1, -1, -1):
        if one != 0.0:
            tmp = pw[off + i]
            pw[off + i] = nxt * (depth + 1) / ((i + 1) * one)
            nxt = tmp - pw[off + i] * zero * (depth - i) / (depth + 1)
        else:
            pw[off + i] = pw[off + i] * (depth + 1) / (zero * (depth - i))
    for i in range(idx, depth):
        pf[off + i] = pf[off + i + 1]
        pz[off + i] = pz[off + i + 1]
        po[off + i] = po[off + i + 1]


@njit(cache=True, inline="always")
def _unwound_sum(pz, po, pw, off, depth, idx):
    """Total weight of the path with element ``idx`` taken out (without modifying the path)."""
    one = po[off + idx]
    zero = pz[off + idx]
    nxt = pw[off + depth]
    total = 0.0
    if one != 0.0:
        for i in range(depth - 1, -1, -1):
            tmp = nxt / ((i + 1) * one)
            total += tmp
            nxt = pw[off + i] - tmp * zero * (depth - i)
    elif zero != 0.0:
        for i in range(depth - 1, -1, -1):
            total += pw[off + i] / ((depth - i) * zero)
    return total * (depth + 1)


@njit(cache=True)
def _shap_tree(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map,
               cat_offsets, missing_bin, cover, values, col, path, pf, frames, stack, cond, cond_feat, phi):
    """Adds row i's contributions from the tree at ``base`` to phi (n_outputs, n_features + 1). ``cond``:
    0 plain; +1 / -1 with feature ``cond_feat`` held present / absent (the interaction terms).

    Algorithm 2's recursion run on an explicit stack (Numba's cache breaks recursive functions,
    numba#6061): a frame is (node, parent segment, depth, zero, one, feature, condition fraction); the
    hot child is popped first and its whole subtree only writes segments past its parent's, so the cold
    child still finds the parent's path intact. ``path`` holds the path's (zero, one, weight) rows,
    ``pf`` its features; ``frames`` / ``stack`` the frames' float and integer fields."""
    pz = path[0]
    po = path[1]
    pw = path[2]
    top = 0
    stack[0, 0] = base
    stack[0, 1] = 0
    stack[0, 2] = 0
    stack[0, 3] = -1
    frames[0, 0] = 1.0
    frames[0, 1] = 1.0
    frames[0, 2] = 1.0
    while top >= 0:
        node = stack[top, 0]
        parent_off = stack[top, 1]
        depth = stack[top, 2]
        feat = stack[top, 3]
        zero = frames[top, 0]
        one = frames[top, 1]
        cond_frac = frames[top, 2]
        top -= 1
        if cond_frac == 0.0:
            continue
        off = parent_off + depth + 1
        for k in range(depth + 1):
            pf[off + k] = pf[parent_off + k]
            pz[off + k] = pz[parent_off + k]
            po[off + k] = po[parent_off + k]
            pw[off + k] = pw[parent_off + k]
        if cond == 0 or cond_feat != feat:
            _extend(pf, pz, po, pw, off, depth, zero, one, feat)
        if left[node] == -1:
            for k in range(1, depth + 1):
                w = _unwound_sum(pz, po, pw, off, depth, k) * (po[off + k] - pz[off + k]) * cond_frac
                f = pf[off + k]
                for c in range(values.shape[1]):
                    phi[col + c, f] += w * values[node, c]
            continue
        f = feature[node]
        go_left = raw_goes_left(X[i, f], node, feature, threshold, missing_left, cat_index, cat_bins, cat_map,
                                cat_offsets, missing_bin)
        hot = base + (left[node] if go_left else right[node])
        cold = base + (right[node] if go_left else left[node])
        hot_zero = cover[hot] / cover[node]
        cold_zero = cover[cold] / cover[node]
        in_zero = 1.0
        in_one = 1.0
        # a feature met again on the path: undo its earlier split and redo it here
        k = 0
        while k <= depth and pf[off + k] != f:
            k += 1
        if k <= depth:
            in_zero = pz[off + k]
            in_one = po[off + k]
            _unwind(pf, pz, po, pw, off, depth, k)
            depth -= 1
        hot_frac = cond_frac
        cold_frac = cond_frac
        if cond > 0 and f == cond_feat:
            cold_frac = 0.0
            depth -= 1
        elif cond < 0 and f == cond_feat:
            hot_frac *= hot_zero
            cold_frac *= cold_zero
            depth -= 1
        # cold below hot: hot is taken first
        top += 1
        _push(stack, frames, top, cold, off, depth + 1, f, cold_zero * in_zero, 0.0, cold_frac)
        top += 1
        _push(stack, frames, top, hot, off, depth + 1, f, hot_zero * in_zero, in_one, hot_frac)


@njit(cache=True, inline="always")
def _push(stack, frames, top, node, parent_off, depth, feat, zero, one, frac):
    stack[top, 0] = node
    stack[top, 1] = parent_off
    stack[top, 2] = depth
    stack[top, 3] = feat
    frames[top, 0] = zero
    frames[top, 1] = one
    frames[top, 2] = frac


@njit(parallel=True, cache=True)
def tree_shap(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map, cat_offsets,
              missing_bin, cover, values, tree_offsets, tree_col, t_begin, t_end, path_size, out):
    """out[i, o, f] += contribution of feature f to output o of row i, trees t_begin..t_end-1."""
    n = X.shape[0]
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        path = np.empty((3, path_size))
        pf = np.empty(path_size, dtype=np.int64)
        frames = np.empty((path_size, 3))
        stack = np.empty((path_size, 4), dtype=np.int64)
        for i in range(blk * _BLOCK, min(n, (blk + 1) * _BLOCK)):
            for t in range(t_begin, t_end):
                base = tree_offsets[t]
                _shap_tree(X, i, base, feature, threshold, missing_left, left, right, cat_index, cat_bins,
                           cat_map, cat_offsets, missing_bin, cover, values, tree_col[t], path, pf, frames, stack, 0,
                           -1, out[i])


@njit(parallel=True, cache=True)
def tree_shap_interactions(X, feature, threshold, missing_left, left, right, cat_index, cat_bins, cat_map,
                           cat_offsets, missing_bin, cover, values, tree_offsets, tree_col, tree_feats,
                           tree_feat_offsets, t_begin, t_end, path_size, out):
    """out[i, o, j, k] += interaction of features j != k (half of phi_k with j present minus phi_k with j
    absent, shap's construction); the diagonal and bias are the caller's (see ``forest_interactions``)."""
    n = X.shape[0]
    n_outputs = out.shape[1]
    n_cols = out.shape[3]
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        path = np.empty((3, path_size))
        pf = np.empty(path_size, dtype=np.int64)
        frames = np.empty((path_size, 3))
        stack = np.empty((path_size, 4), dtype=np.int64)
        on = np.zeros((n_outputs, n_cols))
        off = np.zeros((n_outputs, n_cols))
        for i in range(blk * _BLOCK, min(n, (blk + 1) * _BLOCK)):
            for t in range(t_begin, t_end):
                base = tree_offsets[t]
                col = tree_col[t]
                for q in range(tree_feat_offsets[t], tree_feat_offsets[t + 1]):
                    j = tree_feats[q]
                    on[:] = 0.0
                    off[:] = 0.0
                    _shap_tree(X, i, base, feature, threshold, missing_left, left, right, cat_index,
                               cat_bins, cat_map, cat_offsets, missing_bin, cover, values, col, path, pf,
                               frames, stack, 1, j, on)
                    _shap_tree(X, i, base, feature, threshold, missing_left, left, right, cat_index,
                               cat_bins, cat_map, cat_offsets, missing_bin, cover, values, col, path, pf,
                               frames, stack, -1, j, off)
                    for c in range(col, col + values.shape[1]):
                        for r in range(tree_feat_offsets[t], tree_feat_offsets[t + 1]):
                            k = tree_feats[r]
                            if k != j:
                                out[i, c, j, k] += 0.5 * (on[c, k] - off[c, k])


@njit(cache=True)
def expected_values(left, right, cover, values, tree_offsets):
    """(n_trees, V): each tree's output under the path-dependent value function with no feature known
    (leaves weighted by the products of cover fractions down to them, as TreeSHAP weighs them)."""
    n_trees = tree_offsets.size - 1
    V = values.shape[1]
    out = np.zeros((n_trees, V))
    for t in range(n_trees):
        base = tree_offsets[t]
        weight = np.zeros(tree_offsets[t + 1] - base)
        weight[0] = 1.0
        for node in range(base, tree_offsets[t + 1]):  # children come after their parent
            w = weight[node - base]
            if left[node] == -1:
                for c in range(V):
                    out[t, c] += w * values[node, c]
            else:
                weight[left[node]] = w * cover[base + left[node]] / cover[node]
                weight[right[node]] = w * cover[base + right[node]] / cover[node]
    return out


@njit(cache=True)
def tree_depths(left, right, tree_offsets):
    """Deepest leaf's depth over all trees."""
    deepest = 0
    depth = np.zeros(left.size, dtype=np.int64)
    for t in range(tree_offsets.size - 1):
        base = tree_offsets[t]
        depth[base] = 0
        for node in range(base, tree_offsets[t + 1]):
            if left[node] != -1:
                depth[base + left[node]] = depth[node] + 1
                depth[base + right[node]] = depth[node] + 1
            elif depth[node] > deepest:
                deepest = depth[node]
    return deepest


# ---------------------------------------------------------------------------------------------- drivers

class Explained:
    """What the kernels explain: a forest's node table with the leaf values, the output each tree adds
    to, the covers weighing the branches and the baseline (bias before the trees)."""

    def __init__(self, forest, values, tree_col, n_outputs, baseline, scale=1.0, t_begin=0, t_end=None):
        self.forest = forest
        self.values = np.ascontiguousarray(values, dtype=np.float64)
        self.tree_col = np.ascontiguousarray(tree_col, dtype=np.int64)
        self.n_outputs = int(n_outputs)
        self.baseline = np.broadcast_to(np.asarray(baseline, dtype=np.float64), (self.n_outputs,))
        self.scale = float(scale)
        self.t_begin = int(t_begin)
        self.t_end = forest.n_trees if t_end is None else int(t_end)
        self.cover = node_covers(forest)

    def _args(self):
        f, nd, cats = self.forest, self.forest.nodes, self.forest.categories
        return (nd["feature"], nd["threshold"], nd["missing_left"], nd["left"], nd["right"], nd["cat_index"],
                f.cat_bins, cats.map_flat, cats.map_offsets, cats.missing_bin, self.cover, self.values,
                f.tree_offsets, self.tree_col)

    def path_size(self):
        nd = self.forest.nodes
        d = tree_depths(nd["left"], nd["right"], self.forest.tree_offsets) + 2
        return (d + 1) * (d + 2) // 2 + d + 2  # segments of 1, 2, .. d + 1 slots after a root slot

    def bias(self):
        """(n_outputs,): the baseline plus every tree's expected value."""
        f = self.forest
        ev = expected_values(f.nodes["left"], f.nodes["right"], self.cover, self.values, f.tree_offsets)
        bias = self.baseline.copy()
        V = self.values.shape[1]
        for t in range(self.t_begin, self.t_end):
            c = self.tree_col[t]
            bias[c:c + V] += self.scale * ev[t]
        return bias


def node_covers(forest):
    """The weights splitting a node's rows between its children: the covers (hessian sums for the
    boosters, weighted row counts for the CART family); the plain row counts when some cover is not
    positive (a custom objective's zero hessians), so no fraction divides by zero."""
    cover = forest.nodes["cover"]
    if cover.size and not np.all(cover > 0):
        return np.ascontiguousarray(forest.nodes["count"], dtype=np.float64)
    return np.ascontiguousarray(cover, dtype=np.float64)


def forest_contributions(explained, X):
    """(n, n_outputs, n_features + 1): SHAP values with the bias last; they add up to the raw output."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    n, m = X.shape
    out = np.zeros((n, explained.n_outputs, m + 1))
    tree_shap(X, *explained._args(), explained.t_begin, explained.t_end, explained.path_size(), out)
    if explained.scale != 1.0:
        out *= explained.scale
    out[:, :, m] = explained.bias()
    return out


def _tree_features(forest, t_begin, t_end):
    """(flat, offsets): the distinct split features of each tree."""
    nd = forest.nodes
    offsets = np.zeros(forest.n_trees + 1, dtype=np.int64)
    parts = []
    for t in range(forest.n_trees):
        lo, hi = forest.tree_offsets[t], forest.tree_offsets[t + 1]
        feats = np.unique(nd["feature"][lo:hi][nd["left"][lo:hi] != -1]) if t_begin <= t < t_end \
            else np.empty(0, dtype=np.int64)
        parts.append(feats.astype(np.int64))
        offsets[t + 1] = offsets[t] + feats.size
    return (np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)), offsets


def forest_interactions(explained, X):
    """(n, n_outputs, n_features + 1, n_features + 1): SHAP interaction values, bias at [m, m]. Each row
    (and column) sums to the feature's contribution: the diagonal is the contribution less the row's
    off-diagonal terms."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    n, m = X.shape
    phi = forest_contributions(explained, X)
    out = np.zeros((n, explained.n_outputs, m + 1, m + 1))
    flat, offsets = _tree_features(explained.forest, explained.t_begin, explained.t_end)
    tree_shap_interactions(X, *explained._args(), flat, offsets, explained.t_begin, explained.t_end,
                           explained.path_size(), out)
    if explained.scale != 1.0:
        out *= explained.scale
    diag = np.arange(m)
    out[:, :, diag, diag] = phi[:, :, :m] - out[:, :, :m, :m].sum(axis=3)
    out[:, :, m, m] = phi[:, :, m]
    return out
