"""Grow one tree from per-row gradients: the loop every model of the family shares.

Depth-wise growth splits a whole level at once (one histogram kernel call for the level); leaf-wise
growth always splits the open leaf of highest gain (LightGBM's best-first). Both build only the smaller
child's histogram and get the larger by subtraction, and keep rows as slices of one index array.
"""
import heapq
import time

import numpy as np
from numba import get_num_threads

from .._dtypes import G_H_DTYPE, HIST_DTYPE, INDEX_DTYPE, TILE
from .children import SiblingPairs, grow_children
from .constraints import leaf_bounds
from .criterion import bounded_weight, leaf_weight
from .histogram import build_histograms, build_root_histogram, subtract_histograms
from .partition import partition_nodes
from .splitting import SplitRules, find_best_splits
from .routing import bitset_words, to_bitset
from .tree import TreeBuilder


def identity_reducer(hists, slots):
    """The histogram reduction of one process holding all the rows: nothing to add."""


class HistogramPool:
    """Reusable histogram slots (n_features x n_bins x n_channels each); grows by doubling when short."""

    def __init__(self, n_features, n_bins, n_channels, capacity=4):
        self.hists = np.zeros((capacity, n_features, n_bins, n_channels), dtype=HIST_DTYPE)
        self.free = list(range(capacity - 1, -1, -1))

    def acquire(self):
        if not self.free:
            cap = self.hists.shape[0]
            grown = np.zeros((2 * cap,) + self.hists.shape[1:], dtype=HIST_DTYPE)
            grown[:cap] = self.hists
            self.hists = grown
            self.free = list(range(2 * cap - 1, cap - 1, -1))
        return self.free.pop()

    def release(self, slot):
        if slot >= 0:
            self.free.append(slot)


class _Node:
    __slots__ = ("id", "start", "stop", "G", "H", "N", "depth", "slot", "best", "cat_set", "side", "lo", "hi",
                 "scanned", "path", "version")

    def __init__(self, node_id, start, stop, G, H, N, depth):
        self.id, self.start, self.stop = node_id, start, stop
        self.G, self.H, self.N, self.depth = G, H, N, depth
        self.slot = -1
        self.best = None
        self.cat_set = None
        self.side = 0  # which buffer set holds the node's rows
        self.lo, self.hi = -np.inf, np.inf  # monotone bounds on the node's (unshrunk) value
        self.scanned = (-np.inf, np.inf)  # the bounds its best split was searched under
        self.path = None  # interaction constraints: the features split on above the node
        self.version = 0  # leaf-wise heap entries of an older version are stale


class TreeGrower:
    """Grows trees on one binned dataset; buffers are allocated once per fit and reused.

    Parameters
    ----------
    X_tiles : (n_tiles, n_samples, TILE) bins from ``BinMapper.transform``.
    n_value_bins, missing_bin, thresholds : from the fitted ``BinMapper``.
    max_depth, max_leaves : None means unlimited (at least one must be set for leaf-wise growth).
    grow_policy : "depthwise" or "leafwise".
    reg_lambda, reg_alpha, gamma, min_child_weight, min_samples_leaf : split and leaf regularisation.
    min_samples_split : least number of rows a node needs to be split.
    learning_rate : shrinkage applied to leaf values.
    colsample_bynode : fraction of the tree's features drawn for each node.
    is_categorical : flags of the features split by category sets, with ``cat_smooth``, ``cat_l2``,
        ``min_data_per_group`` and ``max_cat_threshold`` as in LightGBM.
    cat_code_order : also try thresholds in code order on categorical features, and lower the gain of
        category-set splits by their expected optimism (``splitting._scan_categorical``), the noise
        scale being the tree's sum g^2 / sum h (1 in expectation for log-loss: scale-free).
    monotonic_cst : int8 array of -1/0/+1 per feature, or None (see ``constraints``): leaf values are
        clamped into the bounds the tree's other leaves set, and splits are scored on clamped values.
        Nodes are then split one at a time (a level's splits each see the leaves made before them), and
        an open leaf whose bounds moved is searched again.
    interaction_cst : a ``constraints.InteractionConstraints`` or None.
    max_delta_step : None/0, or the largest absolute (unshrunk) node value (XGBoost's).
    histogram_reducer : None, or a callable ``reducer(hists, slots)`` that sums ``hists[slots]`` in place
        over the data's partitions (each process builds its histograms from its own rows). None runs
        the fused single-machine path (``children.grow_children``: build, subtract and scan in one
        pass); a reducer runs the same stages apart -- build the smaller children's histograms from
        rows, reduce them, subtract the larger siblings, scan -- so that sums from several partitions
        meet before any split is chosen. ``identity_reducer`` gives the staged path on one machine,
        bit-identical to the fused one.
    """

    def __init__(self, X_tiles, n_value_bins, missing_bin, thresholds, *, max_depth=6, max_leaves=None,
                 grow_policy="depthwise", reg_lambda=1.0, reg_alpha=0.0, gamma=0.0,
                 min_child_weight=1.0, min_samples_leaf=1, min_samples_split=2, learning_rate=1.0,
                 colsample_bynode=1.0, is_categorical=None, cat_smooth=10.0, cat_l2=10.0,
                 min_data_per_group=100, max_cat_threshold=32, cat_code_order=False, monotonic_cst=None,
                 interaction_cst=None, histogram_reducer=None, max_delta_step=None):
        self.X_tiles = X_tiles
        self.n_value_bins = np.ascontiguousarray(n_value_bins, dtype=np.int64)
        self.missing_bin = missing_bin
        self.thresholds = thresholds
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.grow_policy = grow_policy
        self.reg_lambda, self.reg_alpha = float(reg_lambda), float(reg_alpha)
        self.min_child_weight = float(min_child_weight)
        self.min_samples_leaf = max(1, int(min_samples_leaf))
        self.min_samples_split = max(2, int(min_samples_split), 2 * self.min_samples_leaf)
        self.learning_rate = float(learning_rate)
        self.colsample_bynode = float(colsample_bynode)
        self.split_params = np.array([self.reg_lambda, self.reg_alpha, float(gamma), self.min_child_weight,
                                      float(self.min_samples_leaf)])
        n_tiles, n_samples, _ = X_tiles.shape
        self.n_features = self.n_value_bins.size
        self.is_categorical = (np.zeros(self.n_features, dtype=np.bool_) if is_categorical is None
                               else np.ascontiguousarray(is_categorical, dtype=np.bool_))
        # (..., phi, code_order): phi, the noise scale of the set-split gain correction, is set per tree
        self.cat_code_order = bool(cat_code_order)
        self.cat_params = np.array([cat_smooth, cat_l2, min_data_per_group, max_cat_threshold, 0.0,
                                    float(self.cat_code_order)], dtype=np.float64)
        self.n_bins = missing_bin + 1
        self.monotonic = (np.zeros(self.n_features, dtype=np.int8) if monotonic_cst is None
                          else np.ascontiguousarray(monotonic_cst, dtype=np.int8))
        self.constrained = bool(self.monotonic.any())
        # XGBoost's max_delta_step: every node's value held within +-max_delta_step, splits scored on
        # the held values -- the monotone bounds' machinery with the same bounds everywhere
        self.max_delta_step = float(max_delta_step) if max_delta_step else np.inf
        self.clamped = bool(max_delta_step)
        # the kernels compile without the bound checks for unconstrained models
        self.kernel_monotonic = self.monotonic if self.constrained or self.clamped else None
        self.rules = SplitRules(self.n_value_bins, missing_bin, self.split_params, self.is_categorical,
                                self.cat_params)
        self.interaction = interaction_cst
        self.reducer = histogram_reducer
        # two sets of (row indices, g, h) in node order: a partition reads one side and writes the other
        self.sides = [(np.empty(n_samples, dtype=INDEX_DTYPE), np.empty(n_samples, dtype=G_H_DTYPE),
                       np.empty(n_samples, dtype=G_H_DTYPE)) for _ in range(2)]
        # row counts are needed for min_samples_leaf, for categories' min_data_per_group, and when the
        # rows are partitioned (a node's row count is then a sum over partitions, like g and h)
        counted = self.min_samples_leaf > 1 or self.is_categorical.any() or histogram_reducer is not None
        n_channels = 3 if counted else 2
        self.pool = HistogramPool(n_tiles * TILE, missing_bin + 1, n_channels)
        self.timers = {"histogram": 0.0, "split": 0.0, "partition": 0.0}

    # ------------------------------------------------------------------ public
    def grow(self, g, h, sample_indices, n_rows, features, rng):
        """Grow one tree on rows ``sample_indices[:n_rows]`` (reordered in place).

        ``n_rows == len(g)`` with ``sample_indices`` the identity means all rows in natural order.
        Returns the node table and the leaves' node ids, (start, stop) slices of ``sample_indices``
        (after growth, ``self.si``) and values, sorted by start.
        """
        self.g, self.h = g, h
        if self.cat_code_order and self.is_categorical.any():
            rows = slice(None) if sample_indices is None else sample_indices[:n_rows]
            gs, hs = g[rows], h[rows]
            H = float(hs.sum())
            self.cat_params[4] = float(gs @ gs) / H if H > 0 else 0.0
        self.features = np.ascontiguousarray(features, dtype=np.int64)
        self.tiles = np.unique(self.features // TILE)
        self.rng = rng
        self.builder = TreeBuilder()
        self.nodes = []
        self.weights = []  # unshrunk node values, which monotone bounds compare (constrained trees only)
        root = self._root(n_rows, sample_indices)
        if self.grow_policy == "leafwise":
            self._grow_leafwise(root)
        else:
            self._grow_depthwise(root)
        for node in self.nodes:
            self.pool.release(node.slot)
            node.slot = -1
        leaves = sorted((n for n in self.nodes if self.builder.columns["left"][n.id] == -1),
                        key=lambda n: n.start)
        self.si = self.sides[0][0]
        for leaf in leaves:  # gather every leaf's row indices on side 0 (indices only, once per tree)
            if leaf.side == 1:
                self.si[leaf.start:leaf.stop] = self.sides[1][0][leaf.start:leaf.stop]
        ids = np.array([n.id for n in leaves], dtype=np.int64)
        starts = np.array([n.start for n in leaves], dtype=np.int64)
        stops = np.array([n.stop for n in leaves], dtype=np.int64)
        values = np.array([self.builder.values[n.id] for n in leaves], dtype=np.float64)
        return self.builder.finish(bitset_words(self.n_bins)), ids, starts, stops, values

    # ------------------------------------------------------------------ nodes
    def _new_node(self, start, stop, G, H, N, depth, lo=None, hi=None):
        """A node whose value is Newton's step, clamped into bounds [lo, hi] (its parent's; the root's
        are +-max_delta_step or none)."""
        if lo is None:
            lo, hi = -self.max_delta_step, self.max_delta_step
        if self.constrained or self.clamped:
            w = bounded_weight(G, H, self.reg_lambda, self.reg_alpha, lo, hi)
        else:
            w = leaf_weight(G, H, self.reg_lambda, self.reg_alpha)
        node = _Node(self.builder.add_node(self.learning_rate * w, H, N), start, stop, G, H, N, depth)
        if self.clamped:
            node.lo, node.hi = lo, hi
        self.nodes.append(node)
        if self.constrained:
            self.weights.append(w)
        return node

    def _splittable(self, node):
        return ((self.max_depth is None or node.depth < self.max_depth)
                and node.N >= self.min_samples_split and node.H >= 2 * self.min_child_weight)

    def _root(self, n_rows, sample_indices):
        t0 = time.perf_counter()
        slot = self.pool.acquire()
        hists = self.pool.hists
        si, og, oh = self.sides[0]
        if sample_indices is None:
            si[:n_rows] = np.arange(n_rows, dtype=INDEX_DTYPE)
            og[:n_rows] = self.g
            oh[:n_rows] = self.h
            build_root_histogram(self.X_tiles, self.g, self.h, self.tiles, hists[slot], self.n_features,
                                 get_num_threads())
        else:
            si[:n_rows] = sample_indices[:n_rows]
            og[:n_rows] = self.g[si[:n_rows]]
            oh[:n_rows] = self.h[si[:n_rows]]
            build_histograms(self.X_tiles, si, og, oh, np.array([0], dtype=np.int64),
                             np.array([n_rows], dtype=np.int64), self.tiles,
                             np.array([slot], dtype=np.int64), hists, self.n_features, get_num_threads())
        if self.reducer is not None:
            self.reducer(hists, np.array([slot], dtype=np.int64))
        G, H = hists[slot, self.features[0], :, :2].sum(axis=0)
        N = n_rows if self.reducer is None else int(round(hists[slot, self.features[0], :, 2].sum()))
        self.timers["histogram"] += time.perf_counter() - t0
        root = self._new_node(0, n_rows, G, H, N, 0)
        if self.interaction is not None:
            root.path = self.interaction.root()
        root.slot = slot
        if self._splittable(root):
            self._find_splits([root])
        return root

    # ------------------------------------------------------------------ kernels
    def _find_splits(self, nodes):
        t0 = time.perf_counter()
        candidates = np.zeros((len(nodes), self.n_features), dtype=np.bool_)
        for j, node in enumerate(nodes):
            candidates[j, self._candidates(node)] = True
        slots = np.array([n.slot for n in nodes], dtype=np.int64)
        sums = np.array([[n.G, n.H, n.N, n.lo, n.hi] for n in nodes], dtype=np.float64)
        best = np.empty((len(nodes), 7), dtype=np.float64)
        sets = np.zeros((len(nodes), self.n_bins), dtype=np.uint8)
        find_best_splits(self.pool.hists, slots, sums, candidates, self.rules, self.kernel_monotonic, best, sets)
        for j, node in enumerate(nodes):
            node.best = best[j] if best[j, 0] > -np.inf else None
            node.cat_set = None
            if node.best is not None and self.is_categorical[int(node.best[1])]:
                node.cat_set = sets[j]
            node.scanned = (node.lo, node.hi)
        self.timers["split"] += time.perf_counter() - t0

    def _split(self, nodes):
        """Partition the nodes' rows (one kernel call) and create their children; returns the
        (parent, left, right) triples. Children's sums come from the split records."""
        t0 = time.perf_counter()
        best = np.array([n.best for n in nodes])
        features = best[:, 1].astype(np.int64)
        bins = best[:, 2].astype(np.int64)
        miss_left = best[:, 3].astype(np.bool_)
        starts = np.array([n.start for n in nodes], dtype=np.int64)
        stops = np.array([n.stop for n in nodes], dtype=np.int64)
        n_left = np.empty(len(nodes), dtype=np.int64)
        is_cat = np.array([n.cat_set is not None for n in nodes], dtype=np.bool_)
        cat_sets = np.zeros((len(nodes), self.n_bins), dtype=np.uint8)
        for j, n in enumerate(nodes):
            if n.cat_set is not None:
                cat_sets[j] = n.cat_set
        side = nodes[0].side  # nodes split together are siblings' descendants at one depth: one side
        partition_nodes(self.X_tiles, *self.sides[side], *self.sides[1 - side], starts, stops, features, bins,
                        miss_left, self.missing_bin, is_cat, cat_sets, n_left)
        self.timers["partition"] += time.perf_counter() - t0
        pairs = []
        for j, node in enumerate(nodes):
            gain, f, b, ml, GL, HL, NL = node.best
            f, b = int(f), int(b)
            mid = node.start + int(n_left[j])
            # row counts: this process's rows, or with partitioned rows the reduced count of the split
            n_l = mid - node.start if self.reducer is None else int(NL)
            left = self._new_node(node.start, mid, GL, HL, n_l, node.depth + 1, node.lo, node.hi)
            right = self._new_node(mid, node.stop, node.G - GL, node.H - HL, node.N - n_l, node.depth + 1,
                                   node.lo, node.hi)
            left.side = right.side = 1 - side
            if self.interaction is not None:
                left.path = right.path = self.interaction.child(node.path, f)
            if node.cat_set is not None:
                self.builder.set_split(node.id, f, 0.0, -1, int(ml), left.id, right.id, gain,
                                       to_bitset(node.cat_set, self.n_bins))
            else:
                t = self.thresholds[f]
                threshold = t[b] if b < t.size else np.inf
                self.builder.set_split(node.id, f, threshold, b, int(ml), left.id, right.id, gain)
            pairs.append((node, left, right))
        return pairs

    def _candidates(self, node):
        """The features one node may split on (all the tree's, or a colsample_bynode draw), less those
        its path's interaction constraints exclude."""
        features = self.features
        if self.interaction is not None:
            features = features[self.interaction.allowed(node.path)[features]]
            if features.size == 0:
                return features
        if self.colsample_bynode < 1.0:
            n_cand = max(1, int(self.colsample_bynode * features.size))
            return np.sort(self.rng.choice(features, n_cand, replace=False))
        return features

    def _children_histograms(self, pairs):
        """Histograms and best splits of the splittable children of freshly split parents: one
        ``grow_children`` call builds each smaller child, subtracts the larger and scans both."""
        t0 = time.perf_counter()
        work = []
        for parent, left, right in pairs:
            need_l, need_r = self._splittable(left), self._splittable(right)
            if need_l or need_r:
                work.append((parent, left, right, need_l, need_r))
        n = len(work)
        if n:
            starts = np.empty(n, dtype=np.int64)
            stops = np.empty(n, dtype=np.int64)
            small_slots = np.empty(n, dtype=np.int64)
            parent_slots = np.empty(n, dtype=np.int64)
            large_slots = np.full(n, -1, dtype=np.int64)
            sums = np.empty((n, 2, 5), dtype=np.float64)
            scan = np.zeros((n, 2), dtype=np.bool_)
            cand = np.zeros((n, 2, self.pool.hists.shape[1]), dtype=np.bool_)
            children = []
            for j, (parent, left, right, need_l, need_r) in enumerate(work):
                small, large = (left, right) if left.N <= right.N else (right, left)
                need_small, need_large = (need_l, need_r) if small is left else (need_r, need_l)
                small.slot = self.pool.acquire()
                if need_large:
                    large.slot = self.pool.acquire()
                    large_slots[j] = large.slot
                starts[j], stops[j] = small.start, small.stop
                small_slots[j], parent_slots[j] = small.slot, parent.slot
                # candidates are drawn left child first, as the nodes were numbered
                for child, need in ((left, need_l), (right, need_r)):
                    if need:
                        c = 0 if child is small else 1
                        scan[j, c] = True
                        sums[j, c] = (child.G, child.H, child.N, child.lo, child.hi)
                        cand[j, c, self._candidates(child)] = True
                        child.scanned = (child.lo, child.hi)
                children.append((small, large, need_small, need_large))
            best = np.empty((2 * n, 7), dtype=np.float64)
            sets = np.zeros((2 * n, self.n_bins), dtype=np.uint8)
            side = self.sides[work[0][1].side]
            pairs_ = SiblingPairs(starts, stops, small_slots, parent_slots, large_slots, sums, scan, cand)
            if self.reducer is None:
                grow_children(self.X_tiles, side, pairs_, self.tiles, self.pool.hists, self.n_features,
                              self.rules, self.kernel_monotonic, best, sets, get_num_threads())
            else:
                self._children_staged(side, pairs_, best, sets)
            for j, (small, large, need_small, need_large) in enumerate(children):
                for c, (node, need) in enumerate(((small, need_small), (large, need_large))):
                    if not need:
                        continue
                    rec = best[2 * j + c]
                    node.best = rec if rec[0] > -np.inf else None
                    node.cat_set = None
                    if node.best is not None and self.is_categorical[int(rec[1])]:
                        node.cat_set = sets[2 * j + c]
                if not need_small:
                    self.pool.release(small.slot)
                    small.slot = -1
        for parent, _, _ in pairs:
            self.pool.release(parent.slot)
            parent.slot = -1
        self.timers["histogram"] += time.perf_counter() - t0

    def _children_staged(self, side, pairs, best, sets):
        """``grow_children``'s work as separate stages: build the smaller children from rows -> reduce
        -> subtract the larger -> scan. Same arguments and results (best[2 j + c], c = 0 small, 1 large)."""
        starts, stops, small_slots, parent_slots, large_slots, sums, scan, cand = pairs
        hists = self.pool.hists
        build_histograms(self.X_tiles, *side, starts, stops, self.tiles, small_slots, hists, self.n_features,
                         get_num_threads())
        self.reducer(hists, small_slots)
        paired = large_slots >= 0
        if paired.any():
            subtract_histograms(hists, parent_slots[paired], small_slots[paired], large_slots[paired], self.tiles,
                                self.n_features)
        rows = np.flatnonzero(scan.ravel())  # 2 j + c, in the fused kernel's order
        best[:, 0] = -np.inf
        if rows.size == 0:
            return
        j, c = rows // 2, rows % 2
        slots = np.where(c == 0, small_slots[j], large_slots[j])
        found = np.empty((rows.size, 7), dtype=np.float64)
        found_sets = np.zeros((rows.size, self.n_bins), dtype=np.uint8)
        find_best_splits(hists, slots, np.ascontiguousarray(sums[j, c]),
                         np.ascontiguousarray(cand[j, c, :self.n_features]), self.rules, self.kernel_monotonic,
                         found, found_sets)
        best[rows] = found
        sets[rows] = found_sets

    # ------------------------------------------------------------------ policies
    def _grow_depthwise(self, root):
        frontier = [root]
        n_leaves = 1
        while frontier:
            to_split = [n for n in frontier if n.best is not None]
            if self.max_leaves is not None:
                room = self.max_leaves - n_leaves
                to_split = sorted(to_split, key=lambda n: (-n.best[0], n.id))[:max(room, 0)]
                to_split.sort(key=lambda n: n.id)
            if not to_split:
                break
            if self.constrained:
                pairs = self._split_constrained(to_split)
            else:
                pairs = self._split(to_split)
            n_leaves += len(pairs)
            self._children_histograms(pairs)
            frontier = [c for _, l, r in pairs for c in (l, r)]

    def _grow_leafwise(self, root):
        heap = []
        if root.best is not None:
            heapq.heappush(heap, (-root.best[0], root.id, 0, root))
        n_leaves = 1
        while heap and (self.max_leaves is None or n_leaves < self.max_leaves):
            _, _, version, node = heapq.heappop(heap)
            if version != node.version:
                continue  # searched again since (its monotone bounds moved)
            (_, left, right), = self._split([node])
            n_leaves += 1
            if self.constrained:
                self._update_bounds([left, right])
            self._children_histograms([(node, left, right)])
            for child in (left, right):
                if child.best is not None:
                    heapq.heappush(heap, (-child.best[0], child.id, child.version, child))
            if self.constrained:
                # the new leaves may move the bounds of open leaves: search those again
                open_leaves = [entry[3] for entry in heap if entry[2] == entry[3].version]
                for node in self._rescan(open_leaves):
                    node.version += 1
                    if node.best is not None:
                        heapq.heappush(heap, (-node.best[0], node.id, node.version, node))

    # ------------------------------------------------------------------ monotone constraints
    def _update_bounds(self, nodes):
        """Set each node's monotone bounds from the tree's current leaves (``constraints.leaf_bounds``)."""
        if not nodes:
            return
        cols = self.builder.columns
        left = np.asarray(cols["left"], dtype=np.int64)
        targets = np.array([n.id for n in nodes], dtype=np.int64)
        lo = np.empty(targets.size)
        hi = np.empty(targets.size)
        leaf_bounds(left, np.asarray(cols["right"], dtype=np.int64), np.asarray(cols["feature"], dtype=np.int64),
                    np.asarray(cols["bin_threshold"], dtype=np.int64), np.asarray(cols["missing_left"], dtype=np.int64),
                    np.asarray(cols["cat_index"]) >= 0, np.asarray(self.weights, dtype=np.float64), self.monotonic,
                    self.missing_bin - 1, targets, left < 0, lo, hi)
        for node, a, b in zip(nodes, lo, hi):
            node.lo, node.hi = max(float(a), -self.max_delta_step), min(float(b), self.max_delta_step)

    def _rescan(self, nodes):
        """Search again the open nodes whose bounds moved since their split was found; returns them."""
        self._update_bounds(nodes)
        moved = [n for n in nodes if n.slot >= 0 and (n.lo, n.hi) != n.scanned]
        if moved:
            self._find_splits(moved)
        return moved

    def _split_constrained(self, nodes):
        """Split a level's nodes one after another: each is bounded by the leaves split before it (so
        two nodes split together can never both move towards each other), searched again when that
        moved its bounds. The children's bounds are set once the whole level is split."""
        pairs = []
        for node in nodes:
            self._rescan([node])
            if node.best is not None:
                pairs.extend(self._split([node]))
        self._update_bounds([c for _, l, r in pairs for c in (l, r)])
        return pairs
