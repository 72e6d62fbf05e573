"""Tree storage: one flat node table per tree, concatenated into a forest for prediction.

Children always come after their parent (index grows), which the loader checks: a table that passes
``validate_forest`` can never send the predictor out of bounds or into a cycle.
"""
import numpy as np

# Node fields, in a fixed order shared by the grower, the predictors and the model file.
NODE_FIELDS = {
    "feature": np.int32,        # split feature (-1 at a leaf)
    "threshold": np.float64,    # raw value: x <= threshold goes left
    "bin_threshold": np.int32,  # same split in bin space: bin <= bin_threshold goes left
    "missing_left": np.uint8,   # 1: NaN (and unseen categories) go left
    "left": np.int32,           # child index within the tree, -1 at a leaf
    "right": np.int32,
    "value": np.float64,        # leaf output (shrunk); internal nodes keep theirs for inspection
    "gain": np.float64,         # split gain (0 at a leaf)
    "cover": np.float64,        # sum of hessians of the node's training rows
    "count": np.float64,        # number of training rows in the node
}


class TreeBuilder:
    """Append-only node table used while growing one tree."""

    def __init__(self):
        self.columns = {name: [] for name in NODE_FIELDS}

    def add_node(self, value, cover, count):
        cols = self.columns
        for name, v in (("feature", -1), ("threshold", np.nan), ("bin_threshold", -1),
                        ("missing_left", 0), ("left", -1), ("right", -1), ("value", value),
                        ("gain", 0.0), ("cover", cover), ("count", count)):
            cols[name].append(v)
        return len(cols["value"]) - 1

    def set_split(self, node, feature, threshold, bin_threshold, missing_left, left, right, gain):
        cols = self.columns
        cols["feature"][node] = feature
        cols["threshold"][node] = threshold
        cols["bin_threshold"][node] = bin_threshold
        cols["missing_left"][node] = missing_left
        cols["left"][node] = left
        cols["right"][node] = right
        cols["gain"][node] = gain

    def set_value(self, node, value):
        self.columns["value"][node] = value

    def finish(self):
        return {name: np.asarray(vals, dtype=dt) for (name, dt), vals in
                zip(NODE_FIELDS.items(), self.columns.values())}


class Forest:
    """All trees of a model as concatenated node tables.

    ``tree_offsets[t]:tree_offsets[t+1]`` are tree t's nodes; ``tree_output[t]`` is the column of the raw
    score it adds to (the class for multiclass boosting, 0 otherwise).
    """

    def __init__(self, nodes, tree_offsets, tree_output):
        self.nodes = nodes
        self.tree_offsets = np.ascontiguousarray(tree_offsets, dtype=np.int64)
        self.tree_output = np.ascontiguousarray(tree_output, dtype=np.int32)

    @classmethod
    def from_trees(cls, trees, outputs):
        offsets = np.zeros(len(trees) + 1, dtype=np.int64)
        np.cumsum([t["value"].size for t in trees], out=offsets[1:])
        nodes = {}
        for name, dt in NODE_FIELDS.items():
            parts = [t[name] for t in trees]
            nodes[name] = np.ascontiguousarray(np.concatenate(parts) if parts else np.empty(0), dtype=dt)
        return cls(nodes, offsets, outputs)

    @property
    def n_trees(self):
        return self.tree_output.size

    def truncate(self, n_trees):
        """The first ``n_trees`` trees (early stopping keeps the best iteration)."""
        end = self.tree_offsets[n_trees]
        nodes = {k: v[:end].copy() for k, v in self.nodes.items()}
        return Forest(nodes, self.tree_offsets[:n_trees + 1].copy(), self.tree_output[:n_trees].copy())

    def feature_gains(self, n_features):
        gains = np.zeros(n_features)
        split = self.nodes["left"] >= 0
        np.add.at(gains, self.nodes["feature"][split], self.nodes["gain"][split])
        return gains

    def to_state(self):
        return {"nodes": dict(self.nodes), "tree_offsets": self.tree_offsets,
                "tree_output": self.tree_output}

    @classmethod
    def from_state(cls, state, n_features, n_outputs):
        if set(state) != {"nodes", "tree_offsets", "tree_output"} or set(state["nodes"]) != set(NODE_FIELDS):
            raise ValueError("forest state has missing or unexpected fields")
        nodes = {name: _checked_cast(state["nodes"][name], dt, name) for name, dt in NODE_FIELDS.items()}
        forest = cls(nodes, _checked_cast(state["tree_offsets"], np.int64, "tree_offsets"),
                     _checked_cast(state["tree_output"], np.int32, "tree_output"))
        validate_forest(forest, n_features, n_outputs)
        return forest


def _checked_cast(values, dtype, name):
    """1-D array of ``dtype``; integers must be integers already and fit, never wrap around."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        if arr.size and arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integers, got {arr.dtype}")
        info = np.iinfo(dtype)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise ValueError(f"{name} holds values outside the {dtype} range")
    elif arr.size and arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold numbers, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=dtype)


def validate_forest(forest, n_features, n_outputs):
    """Raise ValueError unless every tree is a well-formed binary tree the predictors can walk."""
    nodes, offsets, outputs = forest.nodes, forest.tree_offsets, forest.tree_output
    n_nodes = nodes["value"].size
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
    if not np.all(np.isfinite(nodes["value"][leaf])):
        raise ValueError("leaf value is not finite")
    if not np.all(nodes["gain"][internal] >= 0) or not np.all(np.isfinite(nodes["gain"])):
        raise ValueError("split gains must be finite and non-negative")
    if np.any(nodes["missing_left"] > 1):
        raise ValueError("missing_left must be 0 or 1")
    # every node but the roots must be reached exactly once, or a table could hide unreachable junk
    children = np.concatenate([left[internal] + (np.arange(n_nodes) - local)[internal],
                               right[internal] + (np.arange(n_nodes) - local)[internal]])
    if children.size != np.unique(children).size or children.size != n_nodes - outputs.size:
        raise ValueError("tree structure is not a binary tree")
