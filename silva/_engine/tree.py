"""Tree storage: one flat node table per tree, concatenated into a forest for prediction.

A node's output is a row of the leaf-value matrix ``values`` (n_nodes x outputs): one column for the
boosters' and GBDT's raw scores, a class distribution or mean target for the CART family. Inner nodes
keep theirs too (pruning, inspection, explanations).

Children always come after their parent (index grows), which the loader checks: a table that passes
``validate_forest`` can never send the predictor out of bounds or into a cycle.
"""
import numpy as np

from .routing import bitset_words

_MAX_SUM = 1e300  # largest total of leaf values a loaded model may produce
_MAX_MISSING_BIN = 65535  # the model file's bound on a forest's bin count

# Node fields, in a fixed order shared by the grower, the predictors and the model file.
NODE_FIELDS = {
    "feature": np.int32,        # split feature (-1 at a leaf)
    "threshold": np.float64,    # raw value: x <= threshold goes left
    "bin_threshold": np.int32,  # same split in bin space: bin <= bin_threshold goes left
    "missing_left": np.uint8,   # 1: NaN (and unseen categories) go left
    "left": np.int32,           # child index within the tree, -1 at a leaf
    "right": np.int32,
    "gain": np.float64,         # split gain (0 at a leaf)
    "cover": np.float64,        # sum of hessians of the node's training rows
    "count": np.float64,        # number of training rows in the node
    "cat_index": np.int32,      # categorical split: row of the forest's cat_bins bitsets, else -1
}


class TreeBuilder:
    """Append-only node table used while growing one tree (one output: the value of a node is a scalar)."""

    def __init__(self):
        self.columns = {name: [] for name in NODE_FIELDS}
        self.values = []
        self.cat_sets = []

    def add_node(self, value, cover, count):
        cols = self.columns
        for name, v in (("feature", -1), ("threshold", np.nan), ("bin_threshold", -1),
                        ("missing_left", 0), ("left", -1), ("right", -1),
                        ("gain", 0.0), ("cover", cover), ("count", count), ("cat_index", -1)):
            cols[name].append(v)
        self.values.append(value)
        return len(self.values) - 1

    def set_split(self, node, feature, threshold, bin_threshold, missing_left, left, right, gain,
                  cat_words=None):
        cols = self.columns
        if cat_words is not None:
            cols["cat_index"][node] = len(self.cat_sets)
            self.cat_sets.append(cat_words)
        cols["feature"][node] = feature
        cols["threshold"][node] = threshold
        cols["bin_threshold"][node] = bin_threshold
        cols["missing_left"][node] = missing_left
        cols["left"][node] = left
        cols["right"][node] = right
        cols["gain"][node] = gain

    def finish(self, n_words):
        tree = {name: np.asarray(vals, dtype=dt) for (name, dt), vals in
                zip(NODE_FIELDS.items(), self.columns.values())}
        tree["values"] = np.asarray(self.values, dtype=np.float64).reshape(-1, 1)
        tree["cat_sets"] = (np.array(self.cat_sets, dtype=np.uint32) if self.cat_sets
                            else np.zeros((0, n_words), dtype=np.uint32))
        return tree


class Categories:
    """How raw category codes map to bins (from the BinMapper), so the raw-data predictor tests a
    categorical split on the same bins training used; unseen codes land in the missing bin."""

    def __init__(self, is_categorical, map_flat, map_offsets, missing_bin):
        self.is_categorical = np.ascontiguousarray(is_categorical, dtype=np.bool_)
        self.map_flat = np.ascontiguousarray(map_flat, dtype=np.int32)
        self.map_offsets = np.ascontiguousarray(map_offsets, dtype=np.int64)
        self.missing_bin = int(missing_bin)

    @classmethod
    def from_mapper(cls, mapper):
        return cls(mapper.is_categorical_, mapper.cat_map_flat_, mapper.cat_map_offsets_, mapper.missing_bin_)

    @classmethod
    def for_cart(cls, mapper):
        """A CART-family forest's maps. Without categorical features there are no maps; the bin count
        then only sizes the (empty) bitset table and is capped to what the model file accepts (exact
        mode may bin wider) -- predictions never use it."""
        if np.any(mapper.is_categorical_):
            return cls.from_mapper(mapper)
        n_features = mapper.n_value_bins_.size
        return cls(np.zeros(n_features, dtype=np.bool_), np.empty(0, dtype=np.int32),
                   np.zeros(n_features + 1, dtype=np.int64), min(int(mapper.missing_bin_), _MAX_MISSING_BIN))

    def to_state(self):
        return {"is_categorical": self.is_categorical, "map_flat": self.map_flat,
                "map_offsets": self.map_offsets, "missing_bin": self.missing_bin}

    @classmethod
    def from_state(cls, state, n_features):
        if set(state) != {"is_categorical", "map_flat", "map_offsets", "missing_bin"}:
            raise ValueError("category state has missing or unexpected fields")
        mb = state["missing_bin"]
        if isinstance(mb, bool) or not isinstance(mb, int) or not 1 <= mb <= _MAX_MISSING_BIN:
            raise ValueError("missing_bin must be an integer in [1, 65535]")
        is_cat = _checked_cast(state["is_categorical"], np.bool_, "is_categorical")
        flat = _checked_cast(state["map_flat"], np.int32, "map_flat")
        offsets = _checked_cast(state["map_offsets"], np.int64, "map_offsets")
        if is_cat.size != n_features or offsets.size != n_features + 1 or offsets[0] != 0 \
                or offsets[-1] != flat.size or np.any(np.diff(offsets) < 0):
            raise ValueError("category maps do not match the features")
        if np.any(np.diff(offsets)[~is_cat] != 0) or np.any((flat < -1) | (flat >= mb)):
            raise ValueError("category maps hold bins out of range")
        return cls(is_cat, flat, offsets, mb)


class Forest:
    """All trees of a model as concatenated node tables.

    ``tree_offsets[t]:tree_offsets[t+1]`` are tree t's nodes; ``tree_output[t]`` is the column of the raw
    score it adds to (the class for multiclass boosting, 0 otherwise). Categorical splits send bin b
    left when bit b of ``cat_bins[cat_index]`` is set; ``categories`` maps raw codes to bins.
    ``values``: the leaf-value matrix (n_nodes x outputs; see the module).
    """

    def __init__(self, nodes, tree_offsets, tree_output, cat_bins, categories, values):
        self.nodes = nodes
        self.tree_offsets = np.ascontiguousarray(tree_offsets, dtype=np.int64)
        self.tree_output = np.ascontiguousarray(tree_output, dtype=np.int32)
        self.cat_bins = np.ascontiguousarray(cat_bins, dtype=np.uint32)
        self.categories = categories
        self.values = np.ascontiguousarray(values, dtype=np.float64)

    @property
    def n_nodes(self):
        return self.values.shape[0]

    def value_column(self, c=0):
        """Column c of the leaf-value matrix, contiguous (a view for one-output forests)."""
        return np.ascontiguousarray(self.values[:, c])

    @classmethod
    def from_trees(cls, trees, outputs, categories):
        offsets = np.zeros(len(trees) + 1, dtype=np.int64)
        np.cumsum([t["values"].shape[0] for t in trees], out=offsets[1:])
        nodes = {}
        for name, dt in NODE_FIELDS.items():
            parts = [t[name] for t in trees]
            nodes[name] = np.ascontiguousarray(np.concatenate(parts) if parts else np.empty(0), dtype=dt)
        # each tree numbers its categorical splits from 0: shift them into the forest's table
        shifts = np.cumsum([0] + [t["cat_sets"].shape[0] for t in trees])[:-1]
        shift = np.repeat(shifts, np.diff(offsets)).astype(np.int32)
        nodes["cat_index"] = np.where(nodes["cat_index"] >= 0, nodes["cat_index"] + shift, -1).astype(np.int32)
        n_words = bitset_words(categories.missing_bin + 1)
        cat_bins = (np.concatenate([t["cat_sets"] for t in trees]) if trees
                    else np.zeros((0, n_words), dtype=np.uint32))
        values = np.concatenate([t["values"] for t in trees]) if trees else np.zeros((0, 1))
        return cls(nodes, offsets, outputs, cat_bins.reshape(-1, n_words), categories, values)

    @property
    def n_trees(self):
        return self.tree_output.size

    def truncate(self, n_trees):
        """The first ``n_trees`` trees (early stopping keeps the best iteration)."""
        end = self.tree_offsets[n_trees]
        nodes = {k: v[:end].copy() for k, v in self.nodes.items()}
        used = nodes["cat_index"][nodes["cat_index"] >= 0]
        n_cat = int(used.max()) + 1 if used.size else 0  # categorical splits are numbered in tree order
        return Forest(nodes, self.tree_offsets[:n_trees + 1].copy(), self.tree_output[:n_trees].copy(),
                      self.cat_bins[:n_cat].copy(), self.categories, self.values[:end].copy())

    def trees(self):
        """The trees as per-tree node tables (``unpack_trees``: views, each with its own categorical
        sets), to extend a forest (warm start) or stack the trees of several."""
        nodes = {name: self.nodes[name] for name in NODE_FIELDS}
        return unpack_trees(dict(nodes, values=self.values, tree_offsets=self.tree_offsets,
                                 cat_bins=self.cat_bins))

    def feature_gains(self, n_features):
        gains = np.zeros(n_features)
        split = self.nodes["left"] >= 0
        np.add.at(gains, self.nodes["feature"][split], self.nodes["gain"][split])
        return gains

    def to_state(self):
        return {"nodes": dict(self.nodes), "values": self.values, "tree_offsets": self.tree_offsets,
                "tree_output": self.tree_output, "cat_bins": self.cat_bins,
                "categories": self.categories.to_state()}

    @classmethod
    def from_state(cls, state, n_features, n_outputs):
        keys = {"nodes", "tree_offsets", "tree_output", "cat_bins", "categories"}
        if not keys <= set(state) <= keys | {"values"} or not isinstance(state["nodes"], dict):
            raise ValueError("forest state has missing or unexpected fields")
        state = _migrated(state)
        if set(state["nodes"]) != set(NODE_FIELDS) or "values" not in state:
            raise ValueError("forest state has missing or unexpected fields")
        nodes = {name: _checked_cast(state["nodes"][name], dt, name) for name, dt in NODE_FIELDS.items()}
        categories = Categories.from_state(state["categories"], n_features)
        cat_bins = np.asarray(state["cat_bins"])
        if cat_bins.ndim != 2 or cat_bins.dtype != np.uint32 \
                or cat_bins.shape[1] != bitset_words(categories.missing_bin + 1):
            raise ValueError("cat_bins must be a 2-D uint32 bitset table")
        values = state["values"]
        if not isinstance(values, np.ndarray) or values.dtype != np.float64 or values.ndim != 2 \
                or values.shape[0] != nodes["feature"].size or values.shape[1] < 1 or not np.all(np.isfinite(values)):
            raise ValueError("node values must be a finite float64 table with one row per node")
        forest = cls(nodes, _checked_cast(state["tree_offsets"], np.int64, "tree_offsets"),
                     _checked_cast(state["tree_output"], np.int32, "tree_output"), cat_bins, categories,
                     values)
        validate_forest(forest, n_features, n_outputs)
        # a prediction sums one leaf per tree: values that could overflow to inf describe no fitted model
        bound = _MAX_SUM / max(forest.n_trees, 1)
        if values.size and np.abs(values).max() > bound:
            raise ValueError("leaf values are so large that their sum over the trees would overflow")
        return forest


def _migrated(state):
    """A forest state of silva 0.1.0 in today's layout: the node table's scalar ``value`` column (boosters,
    GBDT) becomes the one-column leaf-value matrix; a CART forest's ``value`` was the first column of its
    ``values`` already and goes."""
    if "value" not in state["nodes"]:
        return state
    nodes = dict(state["nodes"])
    value = _checked_cast(nodes.pop("value"), np.float64, "value")
    state = dict(state, nodes=nodes)
    if "values" not in state:
        state["values"] = value.reshape(-1, 1)
    return state


def unpack_trees(packed):
    """Packed trees (node fields concatenated over the trees, ``values``, ``tree_offsets``, ``cat_bins``:
    the depth-first grower's output) as a list of per-tree node tables (views): the node fields,
    ``values`` and the tree's own ``cat_sets`` (its ``cat_index`` counts from 0)."""
    offsets = packed["tree_offsets"]
    cat_bins = packed["cat_bins"]
    trees = []
    for t in range(offsets.size - 1):
        a, b = offsets[t], offsets[t + 1]
        tree = {name: packed[name][a:b] for name in NODE_FIELDS}
        tree["values"] = packed["values"][a:b]
        used = tree["cat_index"][tree["cat_index"] >= 0]
        if used.size:  # a tree's categorical splits are numbered consecutively, in node order
            first = int(used.min())
            tree["cat_index"] = np.where(tree["cat_index"] >= 0, tree["cat_index"] - first, -1).astype(np.int32)
            tree["cat_sets"] = cat_bins[first:first + used.size]
        else:
            tree["cat_sets"] = cat_bins[:0]
        trees.append(tree)
    return trees


def _checked_cast(values, dtype, name):
    """1-D array of ``dtype``; integers must be integers already and fit, never wrap around."""
    if not isinstance(values, np.ndarray):
        raise ValueError(f"{name} must be an array, got {type(values).__name__}")
    arr = values
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        if arr.size and arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integers, got {arr.dtype}")
        info = np.iinfo(dtype)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise ValueError(f"{name} holds values outside the {dtype} range")
    elif dtype.kind == "b":
        if arr.dtype.kind != "b":
            raise ValueError(f"{name} must hold booleans, got {arr.dtype}")
    elif arr.size and arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold numbers, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=dtype)


def validate_forest(forest, n_features, n_outputs):
    """Raise ValueError unless every tree is a well-formed binary tree the predictors can walk."""
    nodes, offsets, outputs = forest.nodes, forest.tree_offsets, forest.tree_output
    n_nodes = forest.values.shape[0]
    if any(v.size != n_nodes for v in nodes.values()):
        raise ValueError("node fields have different lengths")
    if offsets.ndim != 1 or offsets.size != outputs.size + 1 or offsets[0] != 0 or offsets[-1] != n_nodes:
        raise ValueError("tree offsets do not match the node table")
    if np.any(np.diff(offsets) < 1):
        raise ValueError("every tree needs at least one node")
    if outputs.size and (outputs.min() < 0 or outputs.max() >= n_outputs):
        raise ValueError("tree output column out of range")
    local = np.arange(n_nodes) - np.repeat(offsets[:-1], np.diff(offsets))
    size = np.repeat(np.diff(offsets), np.diff(offsets))
    left, right, feature = nodes["left"], nodes["right"], nodes["feature"]
    leaf = left == -1
    if np.any(leaf != (right == -1)):
        raise ValueError("a node has exactly one child")
    internal = ~leaf
    if np.any((left[internal] <= local[internal]) | (right[internal] <= local[internal])
              | (left[internal] >= size[internal]) | (right[internal] >= size[internal])):
        raise ValueError("child index out of range (children must follow their parent)")
    if np.any((feature[internal] < 0) | (feature[internal] >= n_features)):
        raise ValueError("split feature index out of range")
    if np.any(np.isnan(nodes["threshold"][internal])):
        raise ValueError("split threshold is NaN")
    if not np.all(np.isfinite(forest.values[leaf])):
        raise ValueError("leaf value is not finite")
    if not np.all(nodes["gain"][internal] >= 0) or not np.all(np.isfinite(nodes["gain"])):
        raise ValueError("split gains must be finite and non-negative")
    if np.any(nodes["missing_left"] > 1):
        raise ValueError("missing_left must be 0 or 1")
    cat = nodes["cat_index"]
    is_cat_feature = forest.categories.is_categorical
    if np.any((cat < -1) | (cat >= forest.cat_bins.shape[0])) or np.any(cat[leaf] != -1):
        raise ValueError("categorical split index out of range")
    if np.any(is_cat_feature[feature[internal]] != (cat[internal] >= 0)):
        raise ValueError("categorical splits must be on categorical features and only there")
    # every node but the roots must be reached exactly once, or a table could hide unreachable junk
    children = np.concatenate([left[internal] + (np.arange(n_nodes) - local)[internal],
                               right[internal] + (np.arange(n_nodes) - local)[internal]])
    if children.size != np.unique(children).size or children.size != n_nodes - outputs.size:
        raise ValueError("tree structure is not a binary tree")
