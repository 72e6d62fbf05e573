"""Pruning of grown trees (silva/_engine/pruning.py) against naive pure-Python references on small
random trees: weakest-link (cost-complexity) pruning and best-first selection."""
import numpy as np
import pytest

from silva._engine.pruning import (best_first, ccp_prune, cost_complexity, keep_splits, prune_trees,
                                   pruning_path)
from silva._engine.tree import Categories, Forest, NODE_FIELDS, validate_forest


def random_tree(rng, n_splits, integer_gains=True, K=2):
    """A random binary tree with every node field: a random leaf splits each step, children numbered
    after their parent. Integer gains make equal alphas exact (ties)."""
    left, right, leaves = [-1], [-1], [0]
    for _ in range(n_splits):
        node = leaves.pop(rng.randint(len(leaves)))
        left[node], right[node] = len(left), len(left) + 1
        leaves += [len(left), len(left) + 1]
        left += [-1, -1]
        right += [-1, -1]
    left, right = np.array(left, np.int32), np.array(right, np.int32)
    n = left.size
    split = left >= 0
    gain = rng.randint(0, 6, n).astype(float) if integer_gains else rng.exponential(size=n)
    tree = {"feature": np.where(split, rng.randint(0, 3, n), -1).astype(np.int32),
            "threshold": np.where(split, rng.rand(n), np.nan),
            "bin_threshold": np.where(split, rng.randint(0, 10, n), -1).astype(np.int32),
            "missing_left": np.where(split, rng.randint(0, 2, n), 0).astype(np.uint8),
            "left": left, "right": right, "gain": np.where(split, gain, 0.0),
            "cover": rng.uniform(1, 10, n), "count": rng.randint(1, 50, n).astype(float),
            "cat_index": np.full(n, -1, np.int32), "values": rng.rand(n, K),
            "cat_sets": np.zeros((0, 1), np.uint32)}
    return tree


def _subtree(node, left, right, split):
    """(split nodes, number of leaves) of the current subtree at ``node``."""
    if not split[node]:
        return [], 1
    a, la = _subtree(left[node], left, right, split)
    b, lb = _subtree(right[node], left, right, split)
    return [node] + a + b, la + lb


def ccp_reference(left, right, alpha_gain, ccp_alpha):
    """Weakest-link pruning, naively: recompute every live internal node's effective alpha
    ``sum of its subtree's gains / (its leaves - 1)`` each step and prune the smallest (ties: the lowest
    index) while it is <= ccp_alpha. Returns (splits kept, path alphas, remaining total gains)."""
    split = left >= 0
    alphas, remaining = [], []
    while True:
        live, _ = _subtree(0, left, right, split)
        best = None
        for node in sorted(live):
            nodes, leaves = _subtree(node, left, right, split)
            a = sum(alpha_gain[m] for m in nodes) / (leaves - 1)
            if best is None or a < best[0]:
                best = (a, node)
        if best is None or best[0] > ccp_alpha:
            break
        a, node = best
        for m in _subtree(node, left, right, split)[0]:
            split[m] = False
        alphas.append(a)
        live, _ = _subtree(0, left, right, split)
        remaining.append(sum(alpha_gain[m] for m in live))
    return split, np.array(alphas), np.array(remaining)


@pytest.mark.parametrize("integer_gains", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_ccp_prune_matches_naive_weakest_link(seed, integer_gains):
    rng = np.random.RandomState(seed)
    tree = random_tree(rng, rng.randint(0, 25), integer_gains)
    left, right = tree["left"].astype(np.int64), tree["right"].astype(np.int64)
    n_internal = int(np.count_nonzero(left >= 0))
    # the whole path (alpha = inf), then cuts between its steps; integer gains make the alphas exact,
    # so a cut may fall on a step there (float gains: the two sums may differ in the last bit)
    _, path_alphas, _ = ccp_reference(left, right, tree["gain"], np.inf)
    steps = np.concatenate([[0.0], path_alphas, [path_alphas.max(initial=0.0) + 1]])
    cuts = [np.inf, *((steps[:-1] + steps[1:]) / 2)] + (list(path_alphas) if integer_gains else [])
    for ccp_alpha in cuts:
        alphas, gains = np.empty(n_internal), np.empty(n_internal)
        split, n_rec = ccp_prune(left, right, tree["gain"], float(ccp_alpha), alphas, gains)
        ref_split, ref_alphas, ref_gains = ccp_reference(left, right, tree["gain"], ccp_alpha)
        np.testing.assert_array_equal(split, ref_split)
        np.testing.assert_allclose(alphas[:n_rec], ref_alphas, rtol=1e-12)
        np.testing.assert_allclose(gains[:n_rec], ref_gains, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_cost_complexity_tree_and_pruning_path(seed):
    rng = np.random.RandomState(seed)
    tree = random_tree(rng, 15, integer_gains=False)
    scale = 0.5
    left, right = tree["left"].astype(np.int64), tree["right"].astype(np.int64)
    ref_split, ref_alphas, ref_gains = ccp_reference(left, right, tree["gain"] * scale, np.inf)
    pruned, alphas, gains = cost_complexity(tree, scale, np.inf, record=True)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    np.testing.assert_allclose(gains, ref_gains, rtol=1e-12, atol=1e-12)
    assert pruned["left"].size == 1  # pruned to the root
    # an alpha between two steps keeps the splits the reference keeps, as a compacted tree
    cut = (ref_alphas[3] + ref_alphas[4]) / 2
    ref_keep, _, _ = ccp_reference(left, right, tree["gain"] * scale, cut)
    pruned, _, _ = cost_complexity(tree, scale, cut)
    expected = keep_splits(tree, ref_keep)
    for name in (*NODE_FIELDS, "values"):
        np.testing.assert_array_equal(pruned[name], expected[name])
    # the path in scikit-learn's terms: alphas from 0, impurity of the pruned tree at each
    w_total = tree["cover"][0]
    ccp_alphas, impurities = pruning_path(tree, 2.0, 1.5)
    s = 2.0 / w_total
    _, ref_alphas, ref_gains = ccp_reference(left, right, tree["gain"] * s, np.inf)
    np.testing.assert_allclose(ccp_alphas, np.concatenate([[0.0], ref_alphas]), rtol=1e-12)
    np.testing.assert_allclose(impurities, 1.5 - np.concatenate([[tree["gain"].sum() * s], ref_gains]),
                               rtol=1e-12)


def best_first_reference(tree, max_leaf_nodes):
    """The splits a best-first grower takes: the open split of largest gain (ties: lowest index)."""
    left, gain = tree["left"], tree["gain"]
    keep = np.zeros(left.size, dtype=bool)
    open_nodes = [0] if left[0] >= 0 else []
    while open_nodes and keep.sum() + 1 < max_leaf_nodes:
        node = min(open_nodes, key=lambda m: (-gain[m], m))
        open_nodes.remove(node)
        keep[node] = True
        open_nodes += [c for c in (left[node], tree["right"][node]) if left[c] >= 0]
    return keep


@pytest.mark.parametrize("seed", range(8))
def test_best_first_matches_naive_selection(seed):
    rng = np.random.RandomState(seed)
    tree = random_tree(rng, 20)  # integer gains: many ties
    for max_leaf_nodes in (2, 3, 5, 9, 21, 40):
        got = best_first(tree, max_leaf_nodes)
        if max_leaf_nodes >= 21:
            assert got is tree  # the budget holds the whole tree
            continue
        expected = keep_splits(tree, best_first_reference(tree, max_leaf_nodes))
        assert np.count_nonzero(got["left"] >= 0) == max_leaf_nodes - 1
        for name in (*NODE_FIELDS, "values"):
            np.testing.assert_array_equal(got[name], expected[name])


@pytest.mark.parametrize("seed", range(5))
def test_keep_splits_gives_a_valid_compacted_tree(seed):
    rng = np.random.RandomState(seed)
    tree = random_tree(rng, 15)
    keep = (tree["left"] >= 0) & (rng.rand(tree["left"].size) < 0.7)
    keep[0] = True
    # the passes keep a split only with its ancestors' (a split under a removed one goes too)
    reach = np.zeros(keep.size, dtype=bool)
    reach[0] = True
    for i in range(keep.size):  # children follow parents
        if reach[i] and keep[i]:
            reach[tree["left"][i]] = reach[tree["right"][i]] = True
    keep &= reach
    out = keep_splits(tree, keep)
    assert out["left"].size == np.count_nonzero(reach)
    assert np.count_nonzero(out["left"] >= 0) == np.count_nonzero(keep)
    leaf = out["left"] < 0
    assert np.all(out["feature"][leaf] == -1) and np.all(out["gain"][leaf] == 0)
    assert np.all(np.isnan(out["threshold"][leaf]))
    forest = Forest.from_trees([out], np.zeros(1, np.int32),
                               Categories(np.zeros(3, bool), np.empty(0, np.int32), np.zeros(4, np.int64), 11))
    validate_forest(forest, 3, 1)  # children follow parents, every node reached once
    # the kept nodes keep their values, in the original order
    np.testing.assert_array_equal(out["values"], tree["values"][reach])


def test_prune_trees_passes_and_no_pass():
    rng = np.random.RandomState(0)
    trees = [random_tree(rng, 10) for _ in range(3)]
    offsets = np.cumsum([0] + [t["left"].size for t in trees])
    packed = {name: np.concatenate([t[name] for t in trees]) for name in (*NODE_FIELDS, "values")}
    packed.update(tree_offsets=offsets, cat_bins=np.zeros((0, 1), np.uint32))
    assert prune_trees(packed, max_leaf_nodes=None, ccp_alpha=0.0, impurity_per_gain=1.0) is packed
    out = prune_trees(packed, max_leaf_nodes=4, ccp_alpha=0.0, impurity_per_gain=1.0)
    assert [np.count_nonzero(t["left"] >= 0) for t in out] == [3, 3, 3]
    out = prune_trees(packed, max_leaf_nodes=None, ccp_alpha=np.inf, impurity_per_gain=1.0)
    assert [t["left"].size for t in out] == [1, 1, 1]
