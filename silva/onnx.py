"""Export to ONNX: every model of the family as ONNX-ML's ``TreeEnsemble`` operator (ai.onnx.ml opset
5) plus standard operators for the start score, the link and the class choice. ``pip install
silva[onnx]``; checked against onnxruntime in tests/test_onnx.py.

The graph reads one float32 matrix ``X`` (``input_matrix(model, X)`` makes it from anything the model
predicts on: numeric columns as given, categorical columns as the codes of the model's levels, NaN
for missing and unseen levels) and gives, like the model:

- regressors: ``variable`` (n, n_outputs) -- predictions through the objective's link; a list of
  quantiles sorted per row; AdaBoost's weighted median of its learners;
- classifiers: ``label`` (n,) and ``probabilities`` (n, n_classes).

Every split keeps silva's routing. A numeric split x <= t becomes BRANCH_LEQ on the largest float32
not above t, so a float32 input takes the branch silva takes. A category-set split becomes
BRANCH_MEMBER over the codes of the levels that go to the side opposite missing values, with that
side as the true branch: NaN, levels unseen at fit and codes that are not levels then go the missing
side, as in silva. Features encoded as target statistics are not exported (a clear error).
"""
import numpy as np

from ._validation import check_predict_X
from .trees import tree_forests

__all__ = ["to_onnx", "input_matrix"]

OPSET, ML_OPSET = 21, 5
_LEQ, _EQ, _MEMBER = 0, 4, 6  # TreeEnsemble's node modes
_SUM = 1  # aggregate_function


def _onnx():
    try:
        import onnx
        return onnx
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise ImportError("to_onnx needs the onnx package: pip install silva[onnx]") from exc


def input_matrix(model, X):
    """The float32 matrix the exported graph reads for ``X`` (as ``model.predict`` would read it)."""
    return np.ascontiguousarray(check_predict_X(model, X), dtype=np.float32)


def _split32(t):
    """The largest float32 not above t: for a float32 x, x <= t exactly when x <= this."""
    with np.errstate(over="ignore"):  # beyond float32's range: +-inf, which keeps the branches
        s = np.float32(t)
    if np.isfinite(t) and float(s) > t:
        s = np.nextafter(s, np.float32(-np.inf))
    return s


class _Ensemble:
    """The attribute arrays of one TreeEnsemble node, tree by tree."""

    def __init__(self):
        self.nodes = {k: [] for k in ("feature", "mode", "split", "true", "true_leaf", "false", "false_leaf",
                                      "missing_true")}
        self.members = []
        self.roots, self.leaf_target, self.leaf_weight = [], [], []

    def add_tree(self, forest, t, target, values):
        """Tree t of ``forest``; ``values``: each node's output for ``target`` (absolute node index)."""
        nd = forest.nodes
        lo, hi = int(forest.tree_offsets[t]), int(forest.tree_offsets[t + 1])
        is_leaf = nd["left"][lo:hi] < 0
        first_node = len(self.nodes["feature"])
        first_leaf = len(self.leaf_target)
        node_id = np.cumsum(~is_leaf) - 1 + first_node
        leaf_id = np.cumsum(is_leaf) - 1 + first_leaf
        for i in np.flatnonzero(is_leaf):
            self.leaf_target.append(target)
            self.leaf_weight.append(values[lo + i])
        self.roots.append(len(self.nodes["feature"]))
        if is_leaf[0]:  # a tree without a split: one node whose both branches reach the leaf
            self._node(0, _LEQ, 0.0, int(leaf_id[0]), True, int(leaf_id[0]), True, False)
            return

        def child(i):
            return (int(leaf_id[i]), True) if is_leaf[i] else (int(node_id[i]), False)

        for i in np.flatnonzero(~is_leaf):
            a = lo + i
            f = int(nd["feature"][a])
            left, right = child(int(nd["left"][a])), child(int(nd["right"][a]))
            missing_left = bool(nd["missing_left"][a])
            if nd["cat_index"][a] < 0:
                self._node(f, _LEQ, _split32(nd["threshold"][a]), *left, *right, missing_left)
                continue
            goes_left, known = _category_sides(forest, a, f)
            # test membership of the side away from missing values; NaN and unknown codes fail the test
            away = known & (goes_left != missing_left)
            codes = np.flatnonzero(away).astype(np.float32)
            near, far = (left, right) if missing_left else (right, left)
            if codes.size == 0:  # every known level goes the missing side: a test that always fails
                self._node(f, _EQ, np.float32(np.nan), *far, *near, False)
            else:
                self._node(f, _MEMBER, np.float32(np.nan), *far, *near, False)
                self.members.append(codes)

    def _node(self, f, mode, split, true, true_leaf, false, false_leaf, missing_true):
        for k, v in zip(self.nodes, (f, mode, split, true, int(true_leaf), false, int(false_leaf),
                                     int(missing_true))):
            self.nodes[k].append(v)

    def make(self, onnx, n_targets, input_name, output_name):
        from onnx import helper, numpy_helper
        members = []
        for codes in self.members:
            members.extend(codes.tolist() + [np.nan])
        nd = self.nodes
        return helper.make_node(
            "TreeEnsemble", [input_name], [output_name], domain="ai.onnx.ml",
            aggregate_function=_SUM, post_transform=0, n_targets=int(n_targets),
            nodes_featureids=nd["feature"],
            nodes_modes=numpy_helper.from_array(np.asarray(nd["mode"], dtype=np.uint8)),
            nodes_splits=numpy_helper.from_array(np.asarray(nd["split"], dtype=np.float32)),
            nodes_truenodeids=nd["true"], nodes_trueleafs=nd["true_leaf"],
            nodes_falsenodeids=nd["false"], nodes_falseleafs=nd["false_leaf"],
            nodes_missing_value_tracks_true=nd["missing_true"],
            membership_values=numpy_helper.from_array(np.asarray(members, dtype=np.float32)),
            tree_roots=self.roots, leaf_targetids=self.leaf_target,
            leaf_weights=numpy_helper.from_array(np.asarray(self.leaf_weight, dtype=np.float32)))


def _category_sides(forest, node, feature):
    """(goes_left, known) over the feature's codes 0..n-1: the codes with a training bin, and which of
    them the node's category set sends left (silva/_engine/routing.py's raw_goes_left)."""
    from ._engine.routing import bitset_members
    cats = forest.categories
    mapping = cats.map_flat[cats.map_offsets[feature]:cats.map_offsets[feature + 1]].astype(np.int64)
    known = (mapping >= 0) & (mapping != cats.missing_bin)
    goes_left = np.zeros(mapping.size, dtype=bool)
    goes_left[known] = bitset_members(forest.cat_bins[int(forest.nodes["cat_index"][node])], mapping[known])
    return goes_left, known


def _const(onnx, name, array):
    from onnx import numpy_helper
    return onnx.helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(array), name))


def _check_exportable(model):
    stats = getattr(getattr(model, "_schema", None), "target_stats", None)
    if stats is not None:
        names = getattr(model, "feature_names_in_", None)
        shown = [str(names[f]) if names is not None else int(f) for f in stats.features[:5]]
        raise ValueError(f"to_onnx: features {shown} are encoded as target statistics, which the export does "
                         "not carry; refit with cat_encoding='set' for them to export the model")


def to_onnx(model):
    """The fitted model as an ``onnx.ModelProto`` (see the module docstring for inputs and outputs)."""
    onnx = _onnx()
    from onnx import TensorProto, helper
    _check_exportable(model)
    forests = tree_forests(model)
    nodes, ens = [], _Ensemble()
    kind = type(model).__name__
    classifier = hasattr(model, "classes_")
    if hasattr(model, "_baseline"):  # boosters and GBDT: raw scores, one tree per output per round
        forest = forests[0][0]
        K = int(model._n_outputs)
        for t in range(forest.n_trees):
            ens.add_tree(forest, t, int(forest.tree_output[t]), forest.values[:, 0])
        nodes += [ens.make(onnx, K, "X", "trees"), _const(onnx, "baseline", model._baseline.astype(np.float32)[None]),
                  helper.make_node("Add", ["trees", "baseline"], ["raw"])]
        nodes += _link(onnx, model, "raw", K)
    elif forests[0][1] is None:  # the CART family: the mean of the trees' values
        forest = forests[0][0]
        K = forest.values.shape[1]
        for t in range(forest.n_trees):
            for k in range(K):
                ens.add_tree(forest, t, k, forest.values[:, k] / forest.n_trees)
        nodes += [ens.make(onnx, K, "X", "mean")]
        nodes += [helper.make_node("Identity", ["mean"], ["probabilities" if classifier else "variable"])]
    elif classifier:  # AdaBoost SAMME: the weighted vote of each learner's leaf class, softmax over K - 1
        K = model.n_classes_
        total = float(model.estimator_weights_.sum())
        for m, (forest, w) in enumerate(forests):
            vote = np.argmax(forest.values, axis=1)
            for k in range(K):
                values = np.where(vote == k, w, -w / (K - 1)) / total / (K - 1)
                ens.add_tree(forest, 0, k, values)
        nodes += [ens.make(onnx, K, "X", "votes"), helper.make_node("Softmax", ["votes"], ["probabilities"], axis=1)]
    else:  # AdaBoost.R2: the weighted median of the learners' predictions
        M = len(forests)
        for m, (forest, _) in enumerate(forests):
            ens.add_tree(forest, 0, m, forest.values[:, 0])
        nodes += [ens.make(onnx, M, "X", "learners")]
        nodes += _weighted_median(onnx, model.estimator_weights_[:M], "learners", "variable")
    if classifier:
        nodes += [helper.make_node("ArgMax", ["probabilities"], ["best"], axis=1, keepdims=0),
                  _const(onnx, "classes", _class_array(model.classes_)),
                  helper.make_node("Gather", ["classes", "best"], ["label"], axis=0)]
        label_type = TensorProto.STRING if model.classes_.dtype.kind in "OU" else TensorProto.INT64 \
            if model.classes_.dtype.kind in "iub" else TensorProto.FLOAT
        outputs = [helper.make_tensor_value_info("label", label_type, [None]),
                   helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, model.n_classes_])]
    else:
        outputs = [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, None])]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, int(model.n_features_in_)])]
    graph = helper.make_graph(nodes, f"silva_{kind}", inputs, outputs)
    proto = helper.make_model(graph, producer_name="silva",
                              opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
    proto.ir_version = 10
    onnx.checker.check_model(proto)
    return proto


def _class_array(classes):
    if classes.dtype.kind in "OU":
        return np.asarray([str(c) for c in classes], dtype=object)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64)
    return classes.astype(np.float32)


def _link(onnx, model, raw, K):
    """Nodes from raw scores to the model's outputs (probabilities, or values through the link)."""
    from onnx import helper
    loss = model._make_loss()
    if hasattr(model, "classes_"):
        if K == 1:  # two classes: sigmoid of the margin, [1 - p, p]
            return [helper.make_node("Sigmoid", [raw], ["p1"]), _const(onnx, "one", np.float32(1.0)),
                    helper.make_node("Sub", ["one", "p1"], ["p0"]),
                    helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1)]
        return [helper.make_node("Softmax", [raw], ["probabilities"], axis=1)]
    name = getattr(loss, "name", "")
    if name in ("poisson", "tweedie", "gamma"):
        return [helper.make_node("Exp", [raw], ["variable"])]
    if name == "cross_entropy":
        return [helper.make_node("Sigmoid", [raw], ["variable"])]
    if name == "quantile" and K > 1:  # sort each row, then back into the alphas' order
        order = np.argsort(loss.alphas)
        rank = np.empty(K, dtype=np.int64)
        rank[order] = np.arange(K)
        return [_const(onnx, "k", np.array([K], dtype=np.int64)),
                helper.make_node("TopK", [raw, "k"], ["sorted", "sorted_at"], axis=1, largest=0, sorted=1),
                _const(onnx, "rank", rank), helper.make_node("Gather", ["sorted", "rank"], ["variable"], axis=1)]
    return [helper.make_node("Identity", [raw], ["variable"])]


def _weighted_median(onnx, weights, preds, out):
    """Per row, the smallest prediction whose cumulative weight (in sorted order) reaches half the
    total (silva/_engine/votes.py's weighted_median)."""
    from onnx import helper
    M = weights.size
    return [_const(onnx, "m", np.array([M], dtype=np.int64)),
            helper.make_node("TopK", [preds, "m"], ["sorted", "order"], axis=1, largest=0, sorted=1),
            _const(onnx, "weights", weights.astype(np.float32)),
            helper.make_node("Gather", ["weights", "order"], ["w_sorted"], axis=0),
            _const(onnx, "axis1", np.array(1, dtype=np.int64)),
            helper.make_node("CumSum", ["w_sorted", "axis1"], ["cdf"]),
            _const(onnx, "last", np.array([M - 1], dtype=np.int64)),
            helper.make_node("Gather", ["cdf", "last"], ["total"], axis=1),
            _const(onnx, "half", np.float32(0.5)),
            helper.make_node("Mul", ["total", "half"], ["half_total"]),
            helper.make_node("GreaterOrEqual", ["cdf", "half_total"], ["reached"]),
            helper.make_node("Cast", ["reached"], ["reached_i"], to=onnx.TensorProto.INT32),
            helper.make_node("ArgMax", ["reached_i"], ["at"], axis=1, keepdims=1, select_last_index=0),
            helper.make_node("GatherElements", ["sorted", "at"], [out], axis=1)]
