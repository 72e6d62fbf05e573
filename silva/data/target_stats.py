"""Ordered target statistics: a high-cardinality categorical feature as one numeric feature.

A set split over thousands of levels fits noise (each level holds few rows, and the search picks the
sets whose few rows happen to agree). CatBoost's remedy, used here: replace a level by the mean target
of its rows, shrunk towards the overall mean (the prior) by ``prior_weight`` pseudo-rows,

    stat(level) = (sum of w * y over the level's rows + prior_weight * prior) / (sum of w + prior_weight)

and, for the training rows, computed *in order*: the rows are visited in one random permutation and a
row's statistic uses only the rows of its level visited before it. A row's own target never enters its
own value, so the trees cannot split on a statistic that already knows the answer (a plain mean lets a
level seen once predict its row perfectly; a leave-one-out mean is a decreasing function of the row's
own target).

At predict a level's statistic is the one from all its training rows (a table lookup); the tables are
stored in the model file. A level without a statistic reads as missing (NaN: the tree's missing-value
direction), whatever the input: a level unseen at fit (an unknown code or text level, or a level of a
frame's category dtype that no training row holds), and, in training, the first row of each level in
the permutation (no earlier rows). So the trees learn where rows of a new level go from the rows that
were new when they were met. Missing values stay missing. The permutation comes from the fit's seed, so
the statistics do not depend on the thread count.
"""
import numpy as np
from numba import njit

__all__ = ["TargetStats", "MAX_LEVELS"]

# Past this many distinct codes a table would cost too much memory (8 bytes per level per feature).
MAX_LEVELS = 1 << 26

PRIOR_WEIGHT = 1.0  # CatBoost's default prior weight: one pseudo-row at the overall mean


@njit(cache=True)
def _ordered_stats(codes, y, w, perm, prior, prior_weight, n_levels, out):
    """out[i]: statistic of row i's level from the rows before i in ``perm``; returns the level sums
    (sum w*y, sum w) over all rows, from which the predict table is made. NaN codes stay NaN."""
    s = np.zeros(n_levels)
    c = np.zeros(n_levels)
    n = np.zeros(n_levels, dtype=np.int64)
    for j in range(perm.size):
        i = perm[j]
        x = codes[i]
        if np.isnan(x):
            out[i] = np.nan
            continue
        level = int(x)
        # no earlier row of the level: no statistic, as for a level unseen at fit
        out[i] = (s[level] + prior_weight * prior) / (c[level] + prior_weight) if n[level] else np.nan
        n[level] += 1
        s[level] += w[i] * y[i]
        c[level] += w[i]
    return s, c, n


@njit(cache=True)
def _lookup(codes, table, out):
    """out[i]: the table's statistic of code i (NaN for a level without training rows); NaN and codes
    outside the table give NaN."""
    for i in range(codes.size):
        x = codes[i]
        if np.isnan(x) or x < 0 or x >= table.size or x != np.floor(x):
            out[i] = np.nan
        else:
            out[i] = table[int(x)]


def _check_codes(codes, feature):
    present = codes[~np.isnan(codes)]
    if present.size and (present.min() < 0 or np.any(present != np.floor(present))):
        raise ValueError(f"categorical feature {feature} must hold non-negative integer codes (NaN for "
                         "missing)")
    top = int(present.max()) + 1 if present.size else 0
    if top > MAX_LEVELS:
        raise ValueError(f"categorical feature {feature} has codes up to {top - 1}; at most {MAX_LEVELS} "
                         "levels are supported")
    return top


class TargetStats:
    """Ordered target statistics of some categorical features (see the module notes).

    Parameters
    ----------
    features : sequence of int
        The features encoded (columns of the float matrix the engine reads).
    prior_weight : float, default=1.0
        Pseudo-rows at the prior (the weighted training mean) in each level's statistic.

    Attributes (after ``fit_transform``)
    ------------------------------------
    prior_ : float
    seed_ : int, the seed of the permutation (a warm start encodes its rows again with it)
    tables_ : list of float arrays, the statistic of each code (``features[k]``'s in ``tables_[k]``).

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.0], [1.0], [np.nan]])
    >>> ts = TargetStats([0])
    >>> _ = ts.fit_transform(X, np.array([1.0, 0.0, 1.0, 0.0]), None, seed=0)
    >>> ts.transform(np.array([[0.0], [1.0], [7.0]]))[:, 0].tolist()
    [0.5, 0.75, nan]
    """

    def __init__(self, features, prior_weight=PRIOR_WEIGHT):
        self.features = np.asarray(features, dtype=np.int64)
        self.prior_weight = float(prior_weight)

    def fit_transform(self, X, y, sample_weight, seed, n_levels=None):
        """Learn the tables from (X, y) and return a copy of X with the features replaced by their
        ordered statistics (training rows only ever see earlier rows of the permutation).
        ``n_levels``: {feature: number of levels} of the frame's columns; their tables get one entry per
        level (NaN for levels without rows), so a model file's table and levels must agree exactly."""
        n = X.shape[0]
        y = np.ascontiguousarray(y, dtype=np.float64)
        w = np.ones(n) if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
        self.prior_ = float(np.average(y, weights=w)) if w.sum() > 0 else float(y.mean())
        self.seed_ = int(seed)
        perm = np.random.RandomState(self.seed_).permutation(n).astype(np.int64)
        out = np.array(X, dtype=np.float64, order="F", copy=True)
        self.tables_ = []
        for f in self.features:
            codes = np.ascontiguousarray(X[:, f], dtype=np.float64)
            size = max(_check_codes(codes, int(f)), (n_levels or {}).get(int(f), 0), 1)
            col = np.empty(n)
            s, c, rows = _ordered_stats(codes, y, w, perm, self.prior_, self.prior_weight, size, col)
            out[:, f] = col
            table = (s + self.prior_weight * self.prior_) / (c + self.prior_weight)
            table[rows == 0] = np.nan
            self.tables_.append(table)
        return out

    def transform(self, X):
        """X with the encoded features replaced by their levels' statistics from the training rows."""
        out = np.array(X, dtype=np.float64, copy=True)
        col = np.empty(X.shape[0])
        for f, table in zip(self.features, self.tables_):
            _lookup(np.ascontiguousarray(X[:, f], dtype=np.float64), table, col)
            out[:, f] = col
        return out

    # ------------------------------------------------------------------ model file
    def to_state(self):
        return {"features": self.features.copy(), "prior_weight": self.prior_weight, "prior": self.prior_,
                "seed": self.seed_, "tables": [t.copy() for t in self.tables_]}

    @classmethod
    def from_state(cls, state, n_features):
        """Rebuild from ``to_state()``; ValueError on anything a fit could not have written."""
        if not isinstance(state, dict) or set(state) != {"features", "prior_weight", "prior", "seed", "tables"}:
            raise ValueError("target statistics state has missing or unexpected fields")
        features, tables = state["features"], state["tables"]
        if not isinstance(features, np.ndarray) or features.ndim != 1 or features.dtype.kind not in "iu" \
                or features.size == 0 or np.unique(features).size != features.size \
                or features.min() < 0 or features.max() >= n_features:
            raise ValueError("target statistics features must be distinct feature indices")
        for name in ("prior_weight", "prior"):
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, float) or not np.isfinite(v):
                raise ValueError(f"target statistics {name} must be a finite float")
        seed = state["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise ValueError("target statistics seed must be an integer in [0, 2**32)")
        if state["prior_weight"] <= 0:
            raise ValueError("target statistics prior_weight must be positive")
        if not isinstance(tables, list) or len(tables) != features.size or not all(
                isinstance(t, np.ndarray) and t.ndim == 1 and t.dtype == np.float64 and t.size <= MAX_LEVELS
                and not np.any(np.isinf(t)) for t in tables):
            raise ValueError("target statistics tables must be float64 arrays without infinities (NaN: a "
                             "level without training rows), one per feature")
        ts = cls(features, state["prior_weight"])
        ts.prior_ = state["prior"]
        ts.seed_ = seed
        ts.tables_ = list(tables)
        return ts
