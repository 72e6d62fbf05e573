"""Bootstrap samples of the CART forests, drawn over distinct rows.

Samples are drawn over the *distinct* rows (X, y) of positive weight, ordered by a hash of their
content, with probabilities proportional to their total weight, and ``max(round(sum of weights),
number of weighted rows)`` draws (times ``max_samples``). Without weights this is scikit-learn's
bootstrap (n uniform draws); with integer weights it is exactly the bootstrap of the data with every
row repeated ``weight`` times -- whatever the order of the rows -- so integer weights and repetition
give the same forest. Class weights scale the drawn rows' weights (scikit-learn's semantics:
``class_weight`` reweights, it does not resample).

A sample is a pair (rows, weights): the rows a tree learns from (a drawn row once, in index order) and
their weights (the times drawn, times the class weights). Each draw has its own random stream, seeded
by its tree's seed, so the same tree is drawn alike every time -- out-of-bag prediction draws again.
"""
import numpy as np
from numba import njit, prange

_HASH_CHUNK = 1 << 16  # rows hashed per chunk (bounds the float64 copy)


@njit(cache=True, inline="always")
def _mix64(z):
    """splitmix64's finaliser: a bijective scramble of 64 bits."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(parallel=True, cache=True)
def hash_rows(bits, ybits, out):
    """out[i]: a 64-bit hash of row i's value bits and its target's bits."""
    n, d = bits.shape
    for i in prange(n):
        h = _mix64(ybits[i] ^ np.uint64(0x9E3779B97F4A7C15))
        for j in range(d):
            h = _mix64(h ^ (bits[i, j] + np.uint64(j) * np.uint64(0xD1B54A32D192ED03)))
        out[i] = h


def canonical_bits(values):
    """float64 bit patterns with every NaN alike and -0.0 == 0.0 (equal values, equal bits)."""
    v = np.array(values, dtype=np.float64)
    v[np.isnan(v)] = np.nan
    v += 0.0  # -0.0 + 0.0 is +0.0
    return v.view(np.uint64)


class RowGroups:
    """The distinct rows (X, y) of positive weight, ordered by a hash of their content, with their total
    weights: the units a bootstrap draws (see the module docstring). ``y``: (n,) or (n, n_outputs)."""

    def __init__(self, X, y, weight):
        n = X.shape[0]
        pos = np.arange(n) if weight is None else np.flatnonzero(weight > 0)
        w = np.ones(pos.size) if weight is None else weight[pos]
        hashes = np.empty(pos.size, dtype=np.uint64)
        yf = np.asarray(y, dtype=np.float64)
        ybits = canonical_bits(yf[pos] if yf.ndim == 1 else yf[pos, 0])
        for lo in range(0, pos.size, _HASH_CHUNK):
            rows = pos[lo:lo + _HASH_CHUNK]
            hash_rows(canonical_bits(X[rows]), ybits[lo:lo + rows.size], hashes[lo:lo + rows.size])
        if yf.ndim == 1:
            order = np.argsort(hashes, kind="stable")
        else:
            # the hash reads the first output; the others order the rows of equal hash, so equal rows
            # lie side by side, and a y whose outputs are all alike draws as its 1-D column would
            rest = canonical_bits(yf[pos, 1:])
            order = np.lexsort([rest[:, k] for k in range(rest.shape[1] - 1, -1, -1)] + [hashes])
        first = np.ones(pos.size, dtype=bool)  # True where a new group starts (in hash order)
        same = np.flatnonzero(hashes[order[1:]] == hashes[order[:-1]])
        if same.size:
            a, b = pos[order[same]], pos[order[same + 1]]
            xa, xb = np.asarray(X[a], dtype=np.float64), np.asarray(X[b], dtype=np.float64)
            equal = np.all((xa == xb) | (np.isnan(xa) & np.isnan(xb)), axis=1)
            equal &= (yf[a] == yf[b]) if yf.ndim == 1 else np.all(yf[a] == yf[b], axis=1)
            first[same[equal] + 1] = False
        group_sorted = np.cumsum(first) - 1  # group of the row at each hash-order position
        n_groups = int(group_sorted[-1]) + 1 if pos.size else 0
        self.rep_rows = pos[order[first]].astype(np.int64)  # a representative row per group
        self.weight = np.bincount(group_sorted, weights=w[order], minlength=n_groups)
        self.group_of_row = np.full(n, -1, dtype=np.int64)
        self.group_of_row[pos[order]] = group_sorted
        self.n_groups = n_groups
        self.n_draws = max(int(round(float(self.weight.sum()))), pos.size)
        self.uniform = n_groups > 0 and bool(np.all(self.weight == self.weight[0]))
        self.cdf = self.lookup = None
        if not self.uniform:
            total = float(self.weight.sum())
            if np.all(self.weight == np.round(self.weight)) and total <= 16 * n_groups:
                # integer weights (duplicated rows, integer sample weights): a uniform draw over the
                # weight units, each unit naming its group -- no search per draw (the choice of method
                # depends on the weights only, so repeated rows and integer weights still draw alike)
                self.lookup = np.repeat(np.arange(n_groups), self.weight.astype(np.int64))
            else:
                self.cdf = np.cumsum(self.weight)

    def counts(self, seed, n_draws):
        """Draws per group of the bootstrap with seed ``seed`` (its own stream: not the grower's)."""
        rs = np.random.RandomState([int(seed), 1])
        if self.uniform:
            draws = rs.randint(0, self.n_groups, n_draws)
        elif self.lookup is not None:
            draws = self.lookup[rs.randint(0, self.lookup.size, n_draws)]
        else:
            draws = np.searchsorted(self.cdf, rs.random_sample(n_draws) * self.cdf[-1], side="right")
            np.minimum(draws, self.n_groups - 1, out=draws)
        return np.bincount(draws, minlength=self.n_groups)


class BootstrapSamples:
    """The bootstrap samples of a forest's new trees as a sequence of (rows, weights), each drawn when
    asked (by its tree's seed, so every draw of a tree is the same): the grower takes them a batch at
    a time, and a forest never holds all of them (100 trees x 63k rows would be 100 MB).

    ``groups``: the ``RowGroups`` drawn from; ``n_draws`` draws per sample; ``y`` the encoded targets
    (class indices for ``balanced_subsample``); ``class_factors`` per-row class weights or None;
    ``balanced_subsample``: class weights recomputed on each sample (over ``n_classes`` classes)."""

    def __init__(self, groups, seeds, n_draws, y, class_factors=None, balanced_subsample=False, n_classes=0):
        self._groups = groups
        self._seeds = list(seeds)
        self._n_draws = n_draws
        self._group_y = y[groups.rep_rows]
        self._group_cf = None if class_factors is None else class_factors[groups.rep_rows]
        self._subsample = balanced_subsample
        # rows in index order: a node's rows are then read in increasing memory order (prefetching)
        self._by_row = np.argsort(groups.rep_rows, kind="stable")
        self._n_classes = n_classes

    def draw(self, seed):
        """The sample (rows, weights) of the tree seeded ``seed``."""
        groups, n_draws = self._groups, self._n_draws
        counts = groups.counts(seed, n_draws)
        inbag = self._by_row[counts[self._by_row] > 0]
        weights = counts[inbag].astype(np.float64)
        if self._group_cf is not None:
            weights *= self._group_cf[inbag]
        if self._subsample:
            # scikit-learn's compute_sample_weight("balanced", y, indices=bootstrap): classes absent
            # from the sample get nothing (they have no rows anyway)
            yk = self._group_y[inbag].astype(np.intp)
            per_class = np.bincount(yk, weights=counts[inbag], minlength=self._n_classes)
            present = per_class > 0
            cw = np.zeros(self._n_classes)
            cw[present] = n_draws / (present.sum() * per_class[present])
            weights *= cw[yk]
        return groups.rep_rows[inbag], weights

    def __len__(self):
        return len(self._seeds)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.draw(seed) for seed in self._seeds[index]]
        return self.draw(self._seeds[index])


class Scaled:
    """Samples whose tree t's weights are multiplied by ``factors[t]``, as drawn."""

    def __init__(self, samples, factors):
        self._samples = samples
        self._factors = factors

    def __len__(self):
        return len(self._samples)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [(r, w * f) for (r, w), f in zip(self._samples[index], self._factors[index])]
        rows, weights = self._samples[index]
        return rows, weights * self._factors[index]
