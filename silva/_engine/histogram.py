"""Histograms of (sum g, sum h[, count]) per node x feature x bin.

Work is split into (node, tile) tasks, dealt round-robin to one loop per thread (tasks differ in
size; numba's chunksize-1 scheduling would invoke the kernel body once per task, which costs more
than a small node's histogram); one thread sums one task in row order, so the float64 sums never
depend on the thread count. Only the smaller child of a split is built from rows; the larger is the
parent minus the smaller.
Histograms are laid out (slot, feature, bin, channel) with features padded to whole tiles; the count
channel exists only when the histogram array has 3 channels.
"""
import numpy as np
from numba import njit, prange

from .._dtypes import TILE
from .prefetch import prefetch_row

# A node holding less than this share of the rows reads them scattered: prefetch PREFETCH_AHEAD rows
# ahead. Measured on 1M rows x 52 features, one thread, ns per bin update without/with: 1/128 of the
# rows 19 -> 1.1, 1/16 2.3 -> 1.3, 1/8 1.22 -> 1.07, but 1/4 0.90 -> 0.99: on denser nodes the
# hardware prefetcher keeps up and the hint only costs.
SPARSE_SHARE = 1.0 / 6.0
PREFETCH_AHEAD = 32


@njit(cache=True, inline="always")
def _accumulate_rows(X, sample_indices, ordered_g, ordered_h, start, stop, hist, f0, identity, width,
                     counted):
    sparse = not identity and (stop - start) < SPARSE_SHARE * X.shape[0]
    for pos in range(start, stop):
        if sparse and pos + PREFETCH_AHEAD < stop:
            prefetch_row(X, sample_indices[pos + PREFETCH_AHEAD])
        i = pos if identity else sample_indices[pos]
        gv = ordered_g[pos]
        hv = ordered_h[pos]
        for k in range(width):
            b = X[i, k]
            hist[f0 + k, b, 0] += gv
            hist[f0 + k, b, 1] += hv
            if counted:
                hist[f0 + k, b, 2] += 1.0


@njit(cache=True)
def _accumulate(X, sample_indices, ordered_g, ordered_h, start, stop, hist, f0, identity, n_features):
    """hist[f0 + k, bin, :] += (g, h[, 1]) over the rows; ``identity``: row i is at position i.

    Full tiles run with the constant width TILE (unrolled); the last tile only over its real features.
    """
    width = min(TILE, n_features - f0)
    for k in range(width):
        for b in range(hist.shape[1]):
            for c in range(hist.shape[2]):
                hist[f0 + k, b, c] = 0.0
    counted = hist.shape[2] == 3
    if width == TILE:
        if counted:
            _accumulate_rows(X, sample_indices, ordered_g, ordered_h, start, stop, hist, f0, identity,
                             TILE, True)
        else:
            _accumulate_rows(X, sample_indices, ordered_g, ordered_h, start, stop, hist, f0, identity,
                             TILE, False)
    else:
        _accumulate_rows(X, sample_indices, ordered_g, ordered_h, start, stop, hist, f0, identity, width,
                         counted)


@njit(parallel=True, cache=True)
def build_histograms(X_tiles, sample_indices, ordered_g, ordered_h, starts, stops, tiles, hist_slots,
                     hists, n_features, n_threads):
    """Fill ``hists[hist_slots[j]]`` on the listed ``tiles`` for node j (rows
    ``sample_indices[starts[j]:stops[j]]``); ``ordered_g``/``ordered_h`` are aligned with
    ``sample_indices`` (the partition moves them along). ``n_threads``: numba.get_num_threads(), an
    argument because a kernel reading it is not cacheable."""
    n_tiles = tiles.size
    n_tasks = starts.size * n_tiles
    n_workers = max(1, min(n_tasks, n_threads))
    for w in prange(n_workers):
        for task in range(w, n_tasks, n_workers):
            j = task // n_tiles
            t = tiles[task % n_tiles]
            _accumulate(X_tiles[t], sample_indices, ordered_g, ordered_h, starts[j], stops[j],
                        hists[hist_slots[j]], t * TILE, False, n_features)


@njit(parallel=True, cache=True)
def build_root_histogram(X_tiles, g, h, tiles, hist, n_features, n_threads):
    """Root over all rows in their natural order: no index indirection, no gather."""
    dummy = np.empty(0, dtype=np.uint32)
    n_workers = max(1, min(tiles.size, n_threads))
    for w in prange(n_workers):
        for task in range(w, tiles.size, n_workers):
            t = tiles[task]
            _accumulate(X_tiles[t], dummy, g, h, 0, X_tiles.shape[1], hist, t * TILE, True, n_features)


@njit(parallel=True, cache=True)
def subtract_histograms(hists, parent_slots, small_slots, large_slots, tiles, n_features):
    """hists[large] = hists[parent] - hists[small] for each sibling pair, on the listed tiles."""
    n_tiles = tiles.size
    for task in prange(parent_slots.size * n_tiles):
        j = task // n_tiles
        lo = tiles[task % n_tiles] * TILE
        p = hists[parent_slots[j]]
        s = hists[small_slots[j]]
        out = hists[large_slots[j]]
        for f in range(lo, min(lo + TILE, n_features)):
            for b in range(p.shape[1]):
                for c in range(p.shape[2]):
                    out[f, b, c] = p[f, b, c] - s[f, b, c]
