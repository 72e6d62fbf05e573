"""Monotone and interaction constraints, written once for both drivers.

Monotone constraints (``monotonic_cst``: -1, 0 or +1 per feature) hold every tree's prediction monotone
along the constrained features. A leaf's value must stay within bounds set by the leaves it can be
compared with: for a split on a constrained feature f, the leaves under its lower side must not exceed
the leaves under its upper side whose regions overlap theirs in every other feature (two leaves whose
boxes are disjoint in another feature are never on one line along f, so they need not be ordered).
``leaf_bounds`` computes those bounds from the tree's current leaves (LightGBM's "intermediate" rule,
with the overlap test done on the leaves' whole boxes); no midpoint is imposed, so a split only gives up
what the leaves already grown require. The boosting driver clamps leaf values into their bounds and
scores splits with the clamped values (``split_gain``); the depth-first driver (CART) keeps leaf values
as means and rejects a split whose children leave the bounds (``values_ok``), as scikit-learn does.

``monotone_violation`` proves a fitted tree monotone from its node table alone: every leaf lies within
the bounds the other leaves set for it.

Interaction constraints (``interaction_cst``) restrict which features may share a path: a node may
split on a feature only if some constraint set contains it and every feature already used on its path
(``InteractionConstraints``).
"""
import numbers

import numpy as np
from numba import njit

from .criterion import bounded_weight, clamp, score_given_weight

_INF = np.inf


# ------------------------------------------------------------------ parameters
def resolve_monotonic_cst(spec, n_features, feature_names=None, is_categorical=None, n_outputs=1):
    """``monotonic_cst`` as an int8 array of -1/0/+1 per feature, or None when nothing is constrained.

    ``spec``: None, a sequence with one entry per feature, or a dict {feature name: direction} (the
    names the model was fitted with; features not named are unconstrained)."""
    if spec is None:
        return None
    if isinstance(spec, dict):
        if feature_names is None:
            raise ValueError("monotonic_cst as a dict needs feature names: fit on a DataFrame, or give a "
                             "list with one entry per feature")
        index = {str(name): i for i, name in enumerate(feature_names)}
        cst = np.zeros(n_features, dtype=np.int8)
        for name, direction in spec.items():
            if str(name) not in index:
                raise ValueError(f"monotonic_cst names feature {name!r}, which is not among the "
                                 f"{n_features} features seen in fit")
            cst[index[str(name)]] = _direction(direction, name)
    else:
        if isinstance(spec, str) or not hasattr(spec, "__len__"):
            raise ValueError(f"monotonic_cst must be None, a list of -1/0/1 per feature or a dict "
                             f"{{feature name: -1/0/1}}, got {spec!r}")
        if len(spec) != n_features:
            raise ValueError(f"monotonic_cst has {len(spec)} entries but the data has {n_features} "
                             f"features")
        cst = np.array([_direction(v, i) for i, v in enumerate(spec)], dtype=np.int8)
    if not cst.any():
        return None
    if is_categorical is not None and np.any(cst[np.asarray(is_categorical, dtype=bool)] != 0):
        bad = [int(i) for i in np.flatnonzero((cst != 0) & np.asarray(is_categorical, dtype=bool))]
        raise ValueError(f"monotonic_cst constrains categorical feature(s) {bad}: categories have no "
                         f"order to be monotone in")
    if n_outputs > 1:
        raise ValueError("monotonic_cst is not supported for multiclass classification (or several "
                         "outputs): a monotone class probability is not defined there")
    return cst


def _direction(value, where):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or int(value) not in (-1, 0, 1):
        raise ValueError(f"monotonic_cst entries must be -1, 0 or 1, got {value!r} for feature {where!r}")
    return int(value)


class InteractionConstraints:
    """Which features a node may split on, given the features used on its path.

    ``spec``: a list of feature sets (indices, or names when ``feature_names`` is given), "pairwise"
    (any two features may interact, never three) or "no_interactions" (each feature alone). Features in
    no set form one more set (scikit-learn's rule). A node's state is the set of features used on its
    path; it may split on the union of the constraint sets that contain that whole set."""

    def __init__(self, spec, n_features, feature_names=None):
        self.n_features = n_features
        self.kind = spec if isinstance(spec, str) else "sets"
        if isinstance(spec, str):
            if spec not in ("pairwise", "no_interactions"):
                raise ValueError(f"interaction_cst must be None, 'pairwise', 'no_interactions' or a list "
                                 f"of feature sets, got {spec!r}")
            return
        if not hasattr(spec, "__iter__"):
            raise ValueError(f"interaction_cst must be None, 'pairwise', 'no_interactions' or a list of "
                             f"feature sets, got {spec!r}")
        index = None if feature_names is None else {str(n): i for i, n in enumerate(feature_names)}
        sets = []
        for group in spec:
            if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__"):
                raise ValueError(f"interaction_cst must be a list of feature sets (lists, tuples or "
                                 f"sets), got the entry {group!r}")
            members = np.zeros(n_features, dtype=np.bool_)
            for f in group:
                members[self._feature_index(f, index)] = True
            sets.append(members)
        listed = np.any(sets, axis=0) if sets else np.zeros(n_features, dtype=np.bool_)
        if not listed.all():
            sets.append(~listed)
        self.sets = np.array(sets, dtype=np.bool_)

    def _feature_index(self, f, index):
        if isinstance(f, (numbers.Integral, np.integer)) and not isinstance(f, (bool, np.bool_)):
            if not 0 <= int(f) < self.n_features:
                raise ValueError(f"interaction_cst names feature index {f}, outside 0..{self.n_features - 1}")
            return int(f)
        if isinstance(f, str):
            if index is None:
                raise ValueError(f"interaction_cst names feature {f!r}, but the data has no feature "
                                 f"names: give indices, or fit on a DataFrame")
            if f not in index:
                raise ValueError(f"interaction_cst names feature {f!r}, which is not among the features "
                                 f"seen in fit")
            return index[f]
        raise ValueError(f"interaction_cst entries must be feature indices or names, got {f!r}")

    def root(self):
        return frozenset()

    def child(self, state, feature):
        return state | {int(feature)}

    def allowed(self, state):
        """Boolean mask of the features a node with path features ``state`` may split on."""
        if not state:
            if self.kind == "sets":
                return self.sets.any(axis=0)
            return np.ones(self.n_features, dtype=np.bool_)
        if self.kind == "no_interactions":
            mask = np.zeros(self.n_features, dtype=np.bool_)
            mask[list(state)] = True
            return mask
        if self.kind == "pairwise":
            if len(state) == 1:
                return np.ones(self.n_features, dtype=np.bool_)
            mask = np.zeros(self.n_features, dtype=np.bool_)
            if len(state) == 2:
                mask[list(state)] = True
            return mask
        used = list(state)
        holding = self.sets[:, used].all(axis=1)
        return self.sets[holding].any(axis=0)


# ------------------------------------------------------------------ split scoring (boosting)
@njit(cache=True, inline="always")
def constrained_scores(GL, HL, GR, HR, reg_lambda, reg_alpha, lo, hi, direction):
    """(score left, score right) of a split whose children's values are clamped into [lo, hi], or
    (-inf, -inf) when the clamped values break the feature's direction (+1: left <= right)."""
    wL = bounded_weight(GL, HL, reg_lambda, reg_alpha, lo, hi)
    wR = bounded_weight(GR, HR, reg_lambda, reg_alpha, lo, hi)
    if (direction > 0 and wL > wR) or (direction < 0 and wL < wR):
        return -_INF, -_INF
    return (score_given_weight(GL, HL, wL, reg_lambda, reg_alpha),
            score_given_weight(GR, HR, wR, reg_lambda, reg_alpha))


# ------------------------------------------------------------------ split checking (CART)
@njit(cache=True, inline="always")
def values_ok(vL, vR, cons):
    """Children's values within the node's bounds and in the feature's direction (scikit-learn's check)."""
    lo, hi, direction = cons[0], cons[1], cons[2]
    if vL < lo or vL > hi or vR < lo or vR > hi:
        return False
    if direction > 0:
        return vL <= vR
    if direction < 0:
        return vL >= vR
    return True


# ------------------------------------------------------------------ bounds from a tree's leaves
@njit(cache=True)
def _boxes(left, right, feature, bin_threshold, missing_left, is_cat, used, n_used, top_bin):
    """Each node's region in bin space on the features that split somewhere in the tree (``used[f]``:
    their column, -1 for the others): lowest and highest value bin, and whether missing values reach it.
    Children always follow their parent in the table, so one pass in node order fills them."""
    n = left.size
    lo = np.zeros((n, n_used), dtype=np.int64)
    hi = np.full((n, n_used), top_bin, dtype=np.int64)
    miss = np.ones((n, n_used), dtype=np.bool_)
    parent = np.full(n, -1, dtype=np.int64)
    for u in range(n):
        if left[u] < 0:
            continue
        parent[left[u]] = u
        parent[right[u]] = u
        for side in range(2):
            c = left[u] if side == 0 else right[u]
            lo[c] = lo[u]
            hi[c] = hi[u]
            miss[c] = miss[u]
            if is_cat[u]:
                continue  # a category set: the region keeps every bin (conservative: more leaves compared)
            g = used[feature[u]]
            if side == 0:
                hi[c, g] = min(hi[u, g], bin_threshold[u])
                miss[c, g] = miss[u, g] and missing_left[u] == 1
            else:
                lo[c, g] = max(lo[u, g], bin_threshold[u] + 1)
                miss[c, g] = miss[u, g] and missing_left[u] == 0
    return lo, hi, miss, parent


@njit(cache=True, inline="always")
def _overlap(lo, hi, miss, a, b, g):
    return max(lo[a, g], lo[b, g]) <= min(hi[a, g], hi[b, g]) or (miss[a, g] and miss[b, g])


@njit(cache=True)
def _bounds_of(t, left, right, feature, is_cat, value, mono, used, counted, lo, hi, miss, parent, stack,
               prune=True):
    """Bounds (low, high) on node t's value from the counted leaves it must be ordered with; without
    ``prune``, from every counted leaf across each constrained split above t (overlapping or not)."""
    b_lo = -_INF
    b_hi = _INF
    child = t
    a = parent[t]
    while a >= 0:
        f = feature[a]
        direction = 0 if is_cat[a] else mono[f]
        if direction != 0:
            t_left = left[a] == child
            opp = right[a] if t_left else left[a]
            # t below its sibling's side (+1 and t left, or -1 and t right): t <= every leaf reached there
            lower = t_left == (direction > 0)
            ext = _INF if lower else -_INF
            sp = 0
            stack[0] = opp
            while sp >= 0:
                u = stack[sp]
                sp -= 1
                if left[u] < 0:
                    if counted[u]:
                        v = value[u]
                        if lower:
                            ext = min(ext, v)
                        else:
                            ext = max(ext, v)
                    continue
                g = feature[u]
                for c in (left[u], right[u]):
                    if not prune or is_cat[u] or g == f or _overlap(lo, hi, miss, t, c, used[g]):
                        sp += 1
                        stack[sp] = c
            if lower:
                b_hi = min(b_hi, ext)
            else:
                b_lo = max(b_lo, ext)
        child = a
        a = parent[a]
    return b_lo, b_hi


@njit(cache=True)
def _prepare(left, feature, mono):
    n_features = mono.size
    used = np.full(n_features, -1, dtype=np.int64)
    n_used = 0
    for u in range(left.size):
        if left[u] >= 0 and used[feature[u]] < 0:
            used[feature[u]] = n_used
            n_used += 1
    return used, max(n_used, 1)


@njit(cache=True)
def leaf_bounds(left, right, feature, bin_threshold, missing_left, is_cat, value, mono, top_bin, targets,
                counted, out_lo, out_hi):
    """Bounds on the values of nodes ``targets`` set by the ``counted`` leaves of one tree (node table
    arrays; ``value``: the nodes' values; ``top_bin``: the highest value bin of any feature)."""
    used, n_used = _prepare(left, feature, mono)
    lo, hi, miss, parent = _boxes(left, right, feature, bin_threshold, missing_left, is_cat, used, n_used,
                                  top_bin)
    stack = np.empty(left.size + 1, dtype=np.int64)
    for k in range(targets.size):
        out_lo[k], out_hi[k] = _bounds_of(targets[k], left, right, feature, is_cat, value, mono, used, counted,
                                          lo, hi, miss, parent, stack)


@njit(cache=True)
def enforce_monotone(left, right, feature, bin_threshold, missing_left, is_cat, value, mono, top_bin):
    """Clamp leaf values, in node order, into the bounds the leaves before them set: afterwards every
    pair of leaves that must be ordered is (the later one was clamped against the earlier). For leaf
    values set after growth (GBDT's line searches, CART's pruned inner nodes), which the grower's bounds
    did not see. Every leaf across a constrained split counts, overlapping or not: among the leaves of
    a finished tree, ordering only the overlapping ones can leave a later leaf with a lower bound above
    its upper one (two leaves that bound it need not be ordered with each other), while with every leaf
    counted its bounds always come from leaves already ordered among themselves."""
    used, n_used = _prepare(left, feature, mono)
    lo, hi, miss, parent = _boxes(left, right, feature, bin_threshold, missing_left, is_cat, used, n_used,
                                  top_bin)
    stack = np.empty(left.size + 1, dtype=np.int64)
    counted = np.zeros(left.size, dtype=np.bool_)
    for t in range(left.size):
        if left[t] >= 0:
            continue
        b_lo, b_hi = _bounds_of(t, left, right, feature, is_cat, value, mono, used, counted, lo, hi, miss,
                                parent, stack, False)
        value[t] = clamp(value[t], b_lo, b_hi)
        counted[t] = True


@njit(cache=True)
def monotone_violation(left, right, feature, bin_threshold, missing_left, is_cat, value, mono, top_bin):
    """The largest amount by which a leaf of the tree leaves the bounds its ordered leaves set (0: the
    tree is monotone along every constrained feature)."""
    used, n_used = _prepare(left, feature, mono)
    lo, hi, miss, parent = _boxes(left, right, feature, bin_threshold, missing_left, is_cat, used, n_used,
                                  top_bin)
    stack = np.empty(left.size + 1, dtype=np.int64)
    counted = left < 0
    worst = 0.0
    for t in range(left.size):
        if left[t] >= 0:
            continue
        b_lo, b_hi = _bounds_of(t, left, right, feature, is_cat, value, mono, used, counted, lo, hi, miss,
                                parent, stack)
        worst = max(worst, b_lo - value[t], value[t] - b_hi)
    return worst


def tree_arrays(tree):
    """The node-table columns the constraint kernels read, from a tree dict or a forest's nodes."""
    return (np.asarray(tree["left"], dtype=np.int64), np.asarray(tree["right"], dtype=np.int64),
            np.asarray(tree["feature"], dtype=np.int64), np.asarray(tree["bin_threshold"], dtype=np.int64),
            np.asarray(tree["missing_left"], dtype=np.int64), np.asarray(tree["cat_index"]) >= 0)


def enforce_tree_monotone(tree, monotonic, top_bin):
    """``enforce_monotone`` on a tree's constrained value: its leaf-value matrix's last column (the raw
    score of a booster or GBDT tree, the mean target, or class 1's share of two classes -- class 0's
    then follows). For leaves whose values the grower's bounds did not hold: GBDT's line searches, or a
    CART post-pass (best-first selection, cost-complexity pruning) that turned inner nodes into leaves."""
    values = np.array(tree["values"], dtype=np.float64)
    ch = values.shape[1] - 1
    column = np.ascontiguousarray(values[:, ch])
    enforce_monotone(*tree_arrays(tree), column, monotonic, top_bin)
    values[:, ch] = column
    if ch == 1:
        values[:, 0] = 1.0 - column
    tree["values"] = values


# ------------------------------------------------------------------ model files
def storable_constraints(params):
    """``params`` with the constraint parameters in the model file's terms: lists of ints or names,
    dicts kept (their keys are feature names)."""
    params = dict(params)
    cst = params.get("monotonic_cst")
    if cst is not None and not isinstance(cst, dict):
        params["monotonic_cst"] = [int(v) for v in cst]
    inter = params.get("interaction_cst")
    if inter is not None and not isinstance(inter, str):
        params["interaction_cst"] = [_plain(group) for group in inter]
    return params


def _plain(group):
    """A feature set as a list: indices ascending, then names in order."""
    members = list(group)
    return (sorted(int(f) for f in members if not isinstance(f, str))
            + sorted(f for f in members if isinstance(f, str)))


# ------------------------------------------------------------------ proof on a fitted forest
def forest_monotone_violation(forest, monotonic, value):
    """The largest violation (``monotone_violation``) over the trees of a ``tree.Forest`` whose nodes'
    constrained values are ``value`` (one per node of the forest)."""
    nodes = forest.nodes
    top_bin = forest.categories.missing_bin - 1
    cols = tree_arrays(nodes)
    value = np.ascontiguousarray(value, dtype=np.float64)
    worst = 0.0
    for t in range(forest.n_trees):
        a, b = int(forest.tree_offsets[t]), int(forest.tree_offsets[t + 1])
        worst = max(worst, monotone_violation(*(np.ascontiguousarray(c[a:b]) for c in cols), value[a:b],
                                              monotonic, top_bin))
    return worst
