"""Where a row goes at a split, written once for growth, partition, prediction and inspection.

A split sends a row left when its bin is at most the split's bin (numeric), or when its bin is in the
split's category set; the missing bin (NaN, and categories unseen in training) follows the learned side.
Growth holds a category set as one byte per bin; trees store it as a bitset of uint32 words (bit b of
word b >> 5), one row of the forest's ``cat_bins`` per categorical split.
"""
import numpy as np
from numba import njit

from ..data.binning import category_bin


def bitset_words(n_bins):
    """uint32 words of a bitset over ``n_bins`` bins."""
    return (n_bins + 31) // 32


def to_bitset(members, n_bins):
    """uint32 words with bit b set for each b where ``members[b]`` is true."""
    words = np.zeros(bitset_words(n_bins), dtype=np.uint32)
    for b in np.flatnonzero(members):
        words[b >> 5] |= np.uint32(1) << np.uint32(b & 31)
    return words


def bitset_members(words, bins):
    """Whether each of ``bins`` (a non-negative int array) is in the bitset ``words``."""
    bins = np.asarray(bins, dtype=np.int64)
    return (words[bins >> 5] >> (bins & 31).astype(np.uint32)) & 1 == 1


@njit(cache=True, inline="always")
def set_bit(words, b):
    words[b >> 5] |= np.uint32(1) << np.uint32(b & 31)


@njit(cache=True, inline="always")
def in_bitset(words, b):
    return (words[b >> 5] >> (b & 31)) & 1 == 1


@njit(cache=True, inline="always")
def bin_goes_left(b, bin_threshold, missing_left, missing_bin):
    """Numeric split in bin space: bin <= threshold; the missing bin follows ``missing_left``."""
    return (b <= bin_threshold) if b != missing_bin else missing_left


@njit(cache=True, inline="always")
def table_goes_left(b, table, missing_left, missing_bin):
    """Category-set split during growth: ``table[b] == 1`` for the bins going left."""
    return (table[b] == 1) if b != missing_bin else missing_left


@njit(cache=True, inline="always")
def goes_left(b, bin_threshold, missing_left, missing_bin, is_cat, cat_set):
    """Either split during growth: a category set (``cat_set``, one byte per bin) or a bin threshold."""
    if is_cat:
        return table_goes_left(b, cat_set, missing_left, missing_bin)
    return bin_goes_left(b, bin_threshold, missing_left, missing_bin)


@njit(cache=True, inline="always")
def stored_goes_left(b, node, bin_threshold, missing_left, cat_index, cat_bins, missing_bin):
    """A stored tree's split (node fields) on a binned row: categorical splits test their bitset."""
    if b == missing_bin:
        return missing_left[node] == 1
    k = cat_index[node]
    if k >= 0:
        return in_bitset(cat_bins[k], b)
    return b <= bin_threshold[node]


@njit(cache=True, inline="always")
def raw_goes_left(x, node, feature, threshold, missing_left, cat_index, cat_bins, cat_map, cat_offsets,
                  missing_bin):
    """Whether raw value x of the node's feature goes left: NaN and categories unseen in training follow
    the missing side; a categorical split tests the category's training bin against its set."""
    if np.isnan(x):
        return missing_left[node] == 1
    k = cat_index[node]
    if k >= 0:
        f = feature[node]
        b = category_bin(x, cat_map[cat_offsets[f]:cat_offsets[f + 1]], missing_bin)
        if b == missing_bin:
            return missing_left[node] == 1
        return in_bitset(cat_bins[k], b)
    return x <= threshold[node]
