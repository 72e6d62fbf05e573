"""Histograms of (sum g, sum h, count) per node x feature x bin.

Kernels are feature-parallel: each (node, feature) pair is summed by one thread in row order, so the
float64 sums do not depend on the thread count. Only the smaller child of a split is built from rows;
the larger is the parent minus the smaller (``subtract_histograms``).
"""
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def build_histograms(X_binned, sample_indices, ordered_g, ordered_h, starts, stops, features,
                     hist_slots, hists):
    """Fill ``hists[hist_slots[j], f]`` for node j (rows ``sample_indices[starts[j]:stops[j]]``).

    ``ordered_g``/``ordered_h`` are aligned with ``sample_indices`` (the partition moves them along).
    Only the listed ``features`` are built (column sampling skips the rest).
    """
    n_nodes = starts.size
    n_feat = features.size
    n_bins = hists.shape[2]
    for task in prange(n_nodes * n_feat):
        j = task // n_feat
        f = features[task % n_feat]
        hist = hists[hist_slots[j], f]
        for b in range(n_bins):
            hist[b, 0] = 0.0
            hist[b, 1] = 0.0
            hist[b, 2] = 0.0
        col = X_binned[:, f]
        for pos in range(starts[j], stops[j]):
            b = col[sample_indices[pos]]
            hist[b, 0] += ordered_g[pos]
            hist[b, 1] += ordered_h[pos]
            hist[b, 2] += 1.0


@njit(parallel=True, cache=True)
def build_root_histogram(X_binned, g, h, features, hist):
    """Root over all rows in their natural order: no index indirection, no gather."""
    n_samples = X_binned.shape[0]
    n_bins = hist.shape[1]
    for k in prange(features.size):
        f = features[k]
        hf = hist[f]
        for b in range(n_bins):
            hf[b, 0] = 0.0
            hf[b, 1] = 0.0
            hf[b, 2] = 0.0
        col = X_binned[:, f]
        for i in range(n_samples):
            b = col[i]
            hf[b, 0] += g[i]
            hf[b, 1] += h[i]
            hf[b, 2] += 1.0


@njit(parallel=True, cache=True)
def subtract_histograms(hists, parent_slots, small_slots, large_slots, features):
    """hists[large] = hists[parent] - hists[small] for each sibling pair, on the listed features."""
    n_feat = features.size
    n_bins = hists.shape[2]
    for task in prange(parent_slots.size * n_feat):
        j = task // n_feat
        f = features[task % n_feat]
        p = hists[parent_slots[j], f]
        s = hists[small_slots[j], f]
        out = hists[large_slots[j], f]
        for b in range(n_bins):
            out[b, 0] = p[b, 0] - s[b, 0]
            out[b, 1] = p[b, 1] - s[b, 1]
            out[b, 2] = p[b, 2] - s[b, 2]
