"""The children of freshly split nodes in one parallel pass: histogram, subtraction and best split.

A task is one (split node, feature tile): it builds the smaller child's histogram on the tile from its
rows, derives the larger child's as parent minus smaller, and scans both children's features of the
tile while those histograms are still in cache. One parallel region per growth step instead of three
(build, subtract, split search), which matters most for leaf-wise growth: it splits one node at a time.

Per-feature results are reduced per child in feature order with the tie rule of
``splitting.find_best_splits``, so the chosen splits are the same as with the separate kernels and
never depend on the thread count.
"""
from collections import namedtuple

import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from .histogram import _accumulate
from .scan import beats
from .splitting import _scan_categorical, _scan_feature, _take, parent_score


# The split nodes whose children ``grow_children`` makes, one entry per node j: its rows' slice
# [starts[j], stops[j]) of the node-ordered rows, the histogram slots of its smaller child, of itself
# and of its larger child (-1: not needed), the children's sums, whether to scan each child, and their
# candidate features (see ``grow_children``).
SiblingPairs = namedtuple("SiblingPairs", "starts stops small_slots parent_slots large_slots child_sums scan "
                                          "candidates")


@njit(cache=True)
def _tile_task(X, f0, j, rows, pairs, hists, n_features, rules, monotonic, per_feature, feature_sets):
    """One (split node j, tile starting at feature f0) task of ``grow_children``."""
    sample_indices, ordered_g, ordered_h = rows
    starts, stops, small_slots, parent_slots, large_slots, child_sums, scan, candidates = pairs
    n_value_bins, missing_bin, params, is_categorical, cat_params = rules
    small = hists[small_slots[j]]
    _accumulate(X, sample_indices, ordered_g, ordered_h, starts[j], stops[j], small, f0, False, n_features)
    f1 = min(f0 + TILE, n_features)
    if large_slots[j] >= 0:
        parent = hists[parent_slots[j]]
        large = hists[large_slots[j]]
        for f in range(f0, f1):
            for b in range(small.shape[1]):
                for c in range(small.shape[2]):
                    large[f, b, c] = parent[f, b, c] - small[f, b, c]
    n_feat_pad = hists.shape[1]
    for c in range(2):
        if not scan[j, c]:
            continue
        hist = hists[small_slots[j]] if c == 0 else hists[large_slots[j]]
        G, H, N = child_sums[j, c, 0], child_sums[j, c, 1], child_sums[j, c, 2]
        lo, hi = child_sums[j, c, 3], child_sums[j, c, 4]
        parent = parent_score(G, H, params[0], params[1], lo, hi)
        row = 2 * j + c
        for f in range(f0, f1):
            per_feature[row, f, 0] = -np.inf
            if not candidates[j, c, f]:
                continue
            if is_categorical[f]:
                _scan_categorical(hist[f], n_value_bins[f], missing_bin, G, H, N, params, cat_params,
                                  per_feature[row, f], feature_sets[row * n_feat_pad + f], lo, hi)
            elif monotonic is None:
                _scan_feature(hist[f], n_value_bins[f], missing_bin, G, H, N, parent, params,
                              per_feature[row, f], lo, hi, None)
            else:
                _scan_feature(hist[f], n_value_bins[f], missing_bin, G, H, N, parent, params,
                              per_feature[row, f], lo, hi, monotonic[f])


@njit(parallel=True, cache=True)
def grow_children(X_tiles, rows, pairs, tiles, hists, n_features, rules, monotonic, best_out, best_sets,
                  n_threads):
    """For each split node j of ``pairs`` (``SiblingPairs``): hists[small_slots[j]] from rows
    ``sample_indices[starts[j]:stops[j]]`` (``rows`` = (sample_indices, ordered_g, ordered_h), in node
    order), hists[large_slots[j]] = hists[parent_slots[j]] - hists[small_slots[j]] (skipped when
    large_slots[j] < 0), then the best split of child c (0: small, 1: large) when ``scan[j, c]``, over the
    features with ``candidates[j, c, f]``, given its sums and monotone bounds ``child_sums[j, c] =
    (G, H, N, lo, hi)``, the ``rules`` (``splitting.SplitRules``) and the features' constraints
    ``monotonic`` (-1/0/+1, or None for an unconstrained model).

    best_out[2 j + c] = (gain, feature, bin, missing_left, GL, HL, NL) as in ``find_best_splits`` (gain
    -inf: no valid split); best_sets[2 j + c] holds the left bins of a categorical split.
    ``n_threads``: numba.get_num_threads() (a global inside a kernel would stop it being cached).
    """
    starts, scan, candidates = pairs.starts, pairs.scan, pairs.candidates
    is_categorical = rules.is_categorical
    n_pairs = starts.size
    n_tiles = tiles.size
    n_feat_pad = hists.shape[1]
    per_feature = np.empty((n_pairs * 2, n_feat_pad, 6))
    any_cat = False
    for f in range(is_categorical.size):
        any_cat = any_cat or is_categorical[f]
    feature_sets = np.zeros((n_pairs * 2 * n_feat_pad if any_cat else 1, best_sets.shape[1]), dtype=np.uint8)
    # tasks dealt round-robin to one loop per thread: numba's chunksize-1 scheduling invokes the kernel
    # body once per task, which costs more than a small node's whole histogram
    n_tasks = n_pairs * n_tiles
    n_workers = max(1, min(n_tasks, n_threads))
    for w in prange(n_workers):
        for task in range(w, n_tasks, n_workers):
            j = task // n_tiles
            _tile_task(X_tiles[tiles[task % n_tiles]], tiles[task % n_tiles] * TILE, j, rows, pairs, hists,
                       n_features, rules, monotonic, per_feature, feature_sets)
    for j in range(n_pairs):
        for c in range(2):
            row = 2 * j + c
            best_out[row, 0] = -np.inf
            if not scan[j, c]:
                continue
            for t_i in range(n_tiles):
                f0 = tiles[t_i] * TILE
                for f in range(f0, min(f0 + TILE, n_features)):
                    r = per_feature[row, f]
                    if not candidates[j, c, f] or r[0] == -np.inf:
                        continue
                    # features ascend (tiles are sorted), so near-ties go to the lower feature index
                    if beats(r[0], best_out[row, 0]):
                        _take(best_out, row, f, r)
                        if is_categorical[f]:
                            best_sets[row, :] = feature_sets[row * n_feat_pad + f]
