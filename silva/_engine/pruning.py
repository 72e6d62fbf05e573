"""Pruning of grown CART trees: best-first selection (``max_leaf_nodes``) and minimal cost-complexity
(weakest-link) pruning (``ccp_alpha``), both as rewrites of a tree's node table.

* ``max_leaf_nodes``: best-first growth with a leaf budget keeps, of the fully grown tree (same
  constraints), the splits chosen greedily by gain from the root -- each node's best split depends only
  on its own rows, so growing everything and then selecting gives scikit-learn's best-first tree;
* ``ccp_alpha``: for a subtree T_t, R(t) - R(T_t) is the sum of its splits' gains divided by the total
  weight (a gain is a weighted impurity decrease), so pruning needs only the gains and the leaf counts.

A tree here is one dict of the depth-first grower's per-tree fields (``tree.unpack_trees``): the node
fields, ``values`` and ``cat_sets``; children always follow their parents.
"""
import heapq

import numpy as np
from numba import njit

from .constraints import enforce_tree_monotone
from .tree import NODE_FIELDS, unpack_trees

_TREE_FIELDS = tuple(NODE_FIELDS) + ("values",)


def keep_splits(tree, keep_split):
    """The tree with only the splits in ``keep_split`` (nodes below the others removed), compacted so
    that children still follow their parents."""
    left, right = tree["left"], tree["right"]
    kept = np.zeros(left.size, dtype=bool)
    kept[0] = True
    ks = np.flatnonzero(keep_split)
    kept[left[ks]] = True
    kept[right[ks]] = True
    new_id = (np.cumsum(kept) - 1).astype(np.int32)
    out = {name: tree[name][kept].copy() for name in _TREE_FIELDS}
    out["cat_sets"] = tree["cat_sets"]
    split = keep_split[kept]
    leaf = ~split
    out["feature"][leaf] = -1
    out["threshold"][leaf] = np.nan
    out["bin_threshold"][leaf] = -1
    out["missing_left"][leaf] = 0
    out["gain"][leaf] = 0.0
    out["cat_index"][leaf] = -1
    out["left"] = np.where(split, new_id[np.maximum(out["left"], 0)], -1).astype(np.int32)
    out["right"] = np.where(split, new_id[np.maximum(out["right"], 0)], -1).astype(np.int32)
    return out


def best_first(tree, max_leaf_nodes):
    """The splits a best-first grower with ``max_leaf_nodes`` leaves takes: greedily the open node of
    largest gain (ties: lowest index) until the budget is spent."""
    left, right, gain = tree["left"], tree["right"], tree["gain"]
    n_splits = int(np.count_nonzero(left >= 0))
    if n_splits + 1 <= max_leaf_nodes:
        return tree
    keep = np.zeros(left.size, dtype=bool)
    heap = [(-gain[0], 0)] if left[0] >= 0 else []
    budget = max_leaf_nodes - 1
    while heap and budget > 0:
        _, node = heapq.heappop(heap)
        keep[node] = True
        budget -= 1
        for child in (left[node], right[node]):
            if left[child] >= 0:
                heapq.heappush(heap, (-gain[child], int(child)))
    return keep_splits(tree, keep)


@njit(cache=True)
def ccp_prune(left, right, alpha_gain, ccp_alpha, path_alphas, path_gains):
    """Minimal cost-complexity pruning (weakest link) of one tree.

    ``alpha_gain[i]``: node i's split gain in units of R (impurity x weight share). Repeatedly prunes the
    internal node of least effective alpha ``sum of its subtree's gains / (its leaves - 1)`` (ties: the
    lowest index, as scikit-learn) while that alpha is <= ccp_alpha. Returns the mask of the splits
    kept; records each prune's alpha and the remaining total gain in path_* (the count is returned too).
    """
    n = left.size
    parent = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if left[i] >= 0:
            parent[left[i]] = i
            parent[right[i]] = i
    n_leaves = np.ones(n, dtype=np.int64)
    sub_gain = np.zeros(n)
    for i in range(n - 1, -1, -1):  # children follow parents: bottom-up by reversed index
        if left[i] >= 0:
            n_leaves[i] = n_leaves[left[i]] + n_leaves[right[i]]
            sub_gain[i] = alpha_gain[i] + sub_gain[left[i]] + sub_gain[right[i]]
    split = left >= 0
    version = np.zeros(n, dtype=np.int64)
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    for i in range(n):
        if split[i]:
            heapq.heappush(heap, (sub_gain[i] / (n_leaves[i] - 1), np.int64(i), np.int64(0)))
    n_rec = 0
    stack = np.empty(n, dtype=np.int64)
    held = [(0.0, np.int64(0), np.int64(0))]
    while len(heap) > 0:
        a, node, ver = heapq.heappop(heap)
        if not split[node] or ver != version[node]:
            continue  # stale entry: the node was pruned or its subtree changed
        if a > ccp_alpha:
            break
        # alphas equal but for rounding (a parent whose split gains as much as its child's) are ties:
        # the lowest index goes first, as scikit-learn's scan, so the path has the same steps
        held.clear()
        tol = a + 1e-9 * abs(a) + 1e-300
        while len(heap) > 0 and heap[0][0] <= tol:
            b, other, over = heapq.heappop(heap)
            if split[other] and over == version[other]:
                if other < node:
                    held.append((a, node, ver))
                    a, node, ver = b, other, over
                else:
                    held.append((b, other, over))
        for item in held:
            heapq.heappush(heap, item)
        d_leaves = n_leaves[node] - 1
        d_gain = sub_gain[node]
        # the subtree's splits go; the node becomes a leaf
        sp = 0
        stack[0] = node
        while sp >= 0:
            m = stack[sp]
            sp -= 1
            if split[m]:
                split[m] = False
                sp += 1
                stack[sp] = left[m]
                sp += 1
                stack[sp] = right[m]
        n_leaves[node] = 1
        sub_gain[node] = 0.0
        p = parent[node]
        while p >= 0:
            n_leaves[p] -= d_leaves
            sub_gain[p] -= d_gain
            version[p] += 1
            heapq.heappush(heap, (max(sub_gain[p], 0.0) / (n_leaves[p] - 1), p, version[p]))
            p = parent[p]
        if n_rec < path_alphas.size:
            path_alphas[n_rec] = a
            path_gains[n_rec] = sub_gain[0]
            n_rec += 1
    return split, n_rec


def cost_complexity(tree, alpha_scale, ccp_alpha, record=False):
    """(pruned tree, path alphas, remaining gains) for ``ccp_alpha``; gains * alpha_scale are R units."""
    left = tree["left"].astype(np.int64)
    n_internal = int(np.count_nonzero(left >= 0))
    size = n_internal if record else 0
    alphas, gains = np.empty(size), np.empty(size)
    split, n_rec = ccp_prune(left, tree["right"].astype(np.int64), tree["gain"] * alpha_scale,
                             float(ccp_alpha), alphas, gains)
    if np.array_equal(split, left >= 0):
        return tree, alphas[:n_rec], gains[:n_rec]
    return keep_splits(tree, split), alphas[:n_rec], gains[:n_rec]


def pruning_path(tree, impurity_per_gain, root_impurity):
    """scikit-learn's cost-complexity pruning path of an unpruned tree: (ccp_alphas, impurities), the
    effective alphas (from 0, increasing) and the total leaf impurity of the tree pruned at each.
    ``impurity_per_gain``: R units per unit of gain x total weight (1 / ln 2 for entropy: scikit-learn
    counts bits); ``root_impurity``: the root node's impurity."""
    # R(t) is a share of the total weight the tree was grown with: its root's cover
    w_total = float(tree["cover"][0])
    scale = impurity_per_gain / w_total
    _, alphas, gains = cost_complexity(tree, scale, np.inf, record=True)
    total_gain = float(tree["gain"].sum()) * scale
    impurities = np.concatenate([[root_impurity - total_gain], root_impurity - gains])
    return np.concatenate([[0.0], alphas]), impurities


def prune_trees(packed, *, max_leaf_nodes, ccp_alpha, impurity_per_gain, monotonic=None, top_bin=0):
    """The packed trees of a fit (``dfs_grower.grow_forest_packed``) after the post-passes its parameters
    ask for: ``packed`` itself when none does, else the list of per-tree tables with the best-first
    selection (``max_leaf_nodes`` not None) and then cost-complexity pruning (``ccp_alpha`` > 0).
    ``monotonic`` (int8 per feature or None) re-clips the values of the nodes that became leaves."""
    if max_leaf_nodes is None and ccp_alpha <= 0:
        return packed  # no per-tree pass: the packed node table becomes the forest as it is
    trees = unpack_trees(packed)
    if max_leaf_nodes is not None:
        trees = [best_first(t, max_leaf_nodes) for t in trees]
    if ccp_alpha > 0:
        # R(t) is a share of the tree's own total weight (its root's cover)
        trees = [cost_complexity(t, impurity_per_gain / max(t["cover"][0], 1e-300), ccp_alpha)[0]
                 for t in trees]
    if monotonic is not None:
        # pruned inner nodes became leaves with values the grower's bounds did not hold
        for t in trees:
            enforce_tree_monotone(t, monotonic, top_bin)
    return trees
