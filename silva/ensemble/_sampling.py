"""The boosting loop's sampling variants: GOSS row sampling (LightGBM) and DART tree dropout (Rashmi &
Gilad-Bachrach 2015, XGBoost's and LightGBM's ``dart``).

GOSS keeps the ``top_rate`` share of rows with the largest |g h| (summed over outputs), draws an
``other_rate`` share of the rest at random and multiplies their g and h by (1 - top_rate) / other_rate,
so the histograms stay unbiased; as LightGBM, the first 1 / learning_rate rounds use every row.

DART drops each fitted round with probability ``rate_drop`` (or in proportion to its weight,
``sample_type="weighted"``; at least one when ``one_drop``; none at all with probability
``skip_drop``), fits the new round to the gradients of the model without them, then rescales, in
XGBoost's words, with k dropped rounds and learning rate eta:
``normalize_type="tree"``: the dropped rounds by k / (k + eta), the new one by 1 / (k + eta);
``"forest"``: both by 1 / (1 + eta). Rounds (all K trees of a multiclass round together) are the unit
of dropout. A round's weight is kept in its trees' values, so prediction is unchanged.
"""
import numpy as np

from .._dtypes import INDEX_DTYPE
from .._engine.predict import forest_add_binned
from .._engine.tree import Forest


def goss_rows(g, h, top_rate, other_rate, rng):
    """Row indices (sorted) GOSS keeps this round; scales g and h of the sampled rest in place."""
    n = g.shape[1]
    score = np.abs(g * h).sum(axis=0)
    n_top = int(top_rate * n)
    n_other = int(other_rate * n)
    if n_top + n_other >= n:
        return None
    order = np.argsort(-score, kind="stable")
    rest = order[n_top:]
    sampled = rest[rng.choice(rest.size, n_other, replace=False)]
    scale = (1.0 - top_rate) / other_rate
    g[:, sampled] *= scale
    h[:, sampled] *= scale
    return np.sort(np.concatenate([order[:n_top], sampled])).astype(INDEX_DTYPE)


class Dart:
    """Tree dropout over the rounds of one fit: which rounds to drop, their scores, the rescaling."""

    def __init__(self, est, n_outputs, categories, missing_bin, trees):
        self.rate_drop, self.skip_drop = float(est.rate_drop), float(est.skip_drop)
        self.one_drop = bool(est.one_drop)
        self.weighted = est.sample_type == "weighted"
        self.forest_norm = est.normalize_type == "forest"
        self.eta = float(est.learning_rate)
        self.K, self.categories, self.missing_bin = n_outputs, categories, missing_bin
        self.trees = trees  # the fit's list of node tables, K per round, rescaled in place
        self.weights = [1.0] * (len(trees) // n_outputs)  # rounds already there (a continued fit): weight 1

    def drop(self, rng):
        """The rounds dropped this round (sorted); every random draw is made whatever the outcome, so
        the stream does not depend on the model."""
        n = len(self.weights)
        skip = rng.rand() < self.skip_drop
        u = rng.rand(n)
        pick = rng.randint(n) if n else 0
        if skip or n == 0:
            return np.zeros(0, dtype=np.int64)
        if self.weighted:
            w = np.asarray(self.weights)
            p = np.minimum(self.rate_drop * n * w / w.sum(), 1.0)
        else:
            p = np.full(n, self.rate_drop)
        dropped = np.flatnonzero(u < p)
        if dropped.size == 0 and self.one_drop:
            dropped = np.array([pick])
        return dropped

    def scores(self, rounds, X_tiles):
        """Raw scores (n, K) of the given rounds on binned rows, or None when there are none."""
        if rounds.size == 0:
            return None
        trees = [self.trees[r * self.K + k] for r in rounds for k in range(self.K)]
        forest = Forest.from_trees(trees, np.tile(np.arange(self.K), rounds.size), self.categories)
        out = np.zeros((X_tiles.shape[1], self.K))
        forest_add_binned(forest, X_tiles, self.missing_bin, out, 0, forest.n_trees)
        return out

    def rescale(self, dropped, new_trees):
        """Rescale the dropped rounds and the new one (its trees' values, in place); returns (factor of
        the dropped rounds, weight of the new round)."""
        k = dropped.size
        if k == 0:
            factor, new = 1.0, 1.0
        elif self.forest_norm:
            factor = new = 1.0 / (1.0 + self.eta)
        else:
            factor, new = k / (k + self.eta), 1.0 / (k + self.eta)
        for r in dropped:
            self.weights[r] *= factor
            for t in range(self.K):
                self.trees[r * self.K + t]["values"] *= factor
        for tree in new_trees:
            tree["values"] *= new
        self.weights.append(new)
        return factor, new
