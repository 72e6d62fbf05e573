"""Every dtype of the engine in one place, so kernels compile once per layout."""
import numpy as np

X_DTYPE = np.float64            # raw features at predict time (float32 input is kept as is)
X_BINNED_DTYPE = np.uint8       # bin indices while max_bin <= 255 (the NaN bin is max_bin)
X_BINNED_DTYPE_WIDE = np.uint16  # exact / many-bin mode
G_H_DTYPE = np.float64          # per-row gradients and hessians (float64: weight w equals w repeats)
HIST_DTYPE = np.float64         # histogram sums: float64 so subtraction stays accurate
Y_DTYPE = np.float64            # targets, raw scores
INDEX_DTYPE = np.uint32         # row indices (up to 4 billion rows)

# Binned data is stored in tiles of TILE features: (n_tiles, n_samples, TILE), so one row of a tile is
# one small record; a node's histogram task reads one cache line per row and tile instead of one per
# row and feature.
TILE = 4

# Histogram channels: sum of gradients, sum of hessians and, only when min_samples_leaf > 1 needs it,
# the row count (a third read-modify-write per row costs ~30% of histogram time).
CH_G, CH_H, CH_N = 0, 1, 2


def binned_dtype(max_bin):
    """uint8 while the NaN bin (index max_bin) fits in a byte, uint16 beyond."""
    return X_BINNED_DTYPE if max_bin <= 255 else X_BINNED_DTYPE_WIDE
