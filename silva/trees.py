"""A fitted model's trees as data: leaf ids per row (``apply``), a table (``trees_to_dataframe``) and a
text dump (``dump_model``), for every model of the family.

Reading follows XGBoost's ``trees_to_dataframe``: one row per node; ``ID`` is "tree-node"; a numeric
row goes to ``Yes`` when its value is < ``Split`` and to ``Missing`` when it is NaN. silva's own rule is
x <= threshold, so ``Split`` is the smallest float above the stored threshold (the same branches for
every float). A categorical split has no ``Split``; rows whose level is in ``Category`` go to ``Yes``,
unseen levels follow ``Missing``. ``Gain`` is the split's gain and, at a leaf, its value (XGBoost's
reading); ``Value`` is every node's value (a list for several outputs: a class distribution, or one
value per target); ``Cover`` the node's hessian sum (boosters, GBDT) or weighted row count (the CART
family). Trees are numbered as the model stores them: round by round, one per output per round for
multiclass boosters; AdaBoost's learner i is tree i (``Weight``: its learner weight).
"""
import numpy as np

from ._engine.predict import forest_leaves
from ._engine.routing import bitset_members
from ._validation import check_predict_X

__all__ = ["apply", "trees_to_dataframe", "dump_model", "tree_forests"]

COLUMNS = ["Tree", "Node", "ID", "Feature", "Split", "Yes", "No", "Missing", "Gain", "Cover", "Value",
           "Category"]


def tree_forests(model):
    """[(forest, learner weight or None)]: the model's node tables (one per AdaBoost learner)."""
    forest = getattr(model, "_forest", None)
    if forest is not None:
        return [(forest, None)]
    learners = getattr(model, "estimators_", None)
    if learners and all(getattr(est, "_forest", None) is not None for est in learners):
        return [(est._forest, float(w)) for est, w in zip(learners, model.estimator_weights_)]
    raise ValueError(f"{type(model).__name__} is not fitted")


def feature_names(model):
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"f{j}" for j in range(model.n_features_in_)]


def apply(model, X):
    """Leaf of every row in every tree, as the tree's ``Node`` number: shape (n_samples, n_trees)."""
    forests = tree_forests(model)
    X = check_predict_X(model, X)
    out = []
    for forest, _ in forests:
        leaves = forest_leaves(forest, X)  # absolute node indices, (n_trees, n)
        out.append((leaves - forest.tree_offsets[:-1, None]).T)
    return np.ascontiguousarray(np.concatenate(out, axis=1))


def left_codes(forest, node, feature, n_levels):
    """Category codes 0..n_levels-1 a split on categorical ``feature`` sends left (set membership for a
    category-set split, codes <= threshold for a split in code order)."""
    codes = np.arange(n_levels)
    cat_index = int(forest.nodes["cat_index"][node])
    if cat_index < 0:
        return codes[codes <= forest.nodes["threshold"][node]]
    cats = forest.categories
    lo, hi = int(cats.map_offsets[feature]), int(cats.map_offsets[feature + 1])
    mapping = cats.map_flat[lo:hi]
    bins = np.full(n_levels, -1, dtype=np.int64)
    known = codes < mapping.size
    bins[known] = mapping[codes[known]]
    member = np.zeros(n_levels, dtype=bool)
    ok = bins >= 0
    member[ok] = bitset_members(forest.cat_bins[cat_index], bins[ok])
    return codes[member]


def _category_set(model, forest, node, feature):
    """The levels (names, or codes for a model fitted on arrays) that go Yes; None for a numeric split."""
    schema = getattr(model, "_schema", None)
    levels = schema.levels(feature) if schema is not None else None
    stats = getattr(schema, "target_stats", None)
    encoded = stats is not None and feature in set(stats.features.tolist())
    if encoded or (levels is None and int(forest.nodes["cat_index"][node]) < 0):
        return None  # a threshold on a number (target statistics are numbers to the trees)
    if levels is None:
        cats = forest.categories
        n = int(cats.map_offsets[feature + 1] - cats.map_offsets[feature])
        return left_codes(forest, node, feature, n).tolist()
    return [levels[c] for c in left_codes(forest, node, feature, len(levels))]


def _rows(model):
    """One dict per node of every tree, in tree then node order."""
    names = feature_names(model)
    tree = 0
    for forest, weight in tree_forests(model):
        nd = forest.nodes
        for t in range(forest.n_trees):
            lo, hi = int(forest.tree_offsets[t]), int(forest.tree_offsets[t + 1])
            for i in range(hi - lo):
                a = lo + i
                value = forest.values[a]
                value = float(value[0]) if value.size == 1 else [float(v) for v in value]
                left = int(nd["left"][a])
                row = {"Tree": tree, "Node": i, "ID": f"{tree}-{i}", "Cover": float(nd["cover"][a]), "Value": value,
                       "Category": None}
                if weight is not None:
                    row["Weight"] = weight
                if left < 0:
                    row.update(Feature="Leaf", Split=np.nan, Yes=None, No=None, Missing=None,
                               Gain=value if isinstance(value, float) else np.nan)
                else:
                    f = int(nd["feature"][a])
                    right = int(nd["right"][a])
                    cat = _category_set(model, forest, a, f)
                    split = np.nan if cat is not None else float(np.nextafter(nd["threshold"][a], np.inf))
                    yes, no = f"{tree}-{left}", f"{tree}-{right}"
                    row.update(Feature=names[f], Split=split, Yes=yes, No=no,
                               Missing=yes if nd["missing_left"][a] else no, Gain=float(nd["gain"][a]),
                               Category=cat)
                yield row
            tree += 1


def trees_to_dataframe(model):
    """Every node of every tree as a pandas DataFrame (XGBoost's columns; see the module docstring)."""
    import pandas as pd
    rows = list(_rows(model))
    columns = COLUMNS + (["Weight"] if rows and "Weight" in rows[0] else [])
    return pd.DataFrame(rows, columns=columns)


def _fmt(x):
    return f"{x:.9g}"


def dump_model(model):
    """The trees as readable text, one block per tree (XGBoost's text dump, plus categorical sets):

    ``booster[t]:`` then one line per node, indented by depth:
    ``node:[feature<split] yes=Y,no=N,missing=M,gain=G,cover=C`` (or ``[feature in {a, b}]``) and
    ``node:leaf=value,cover=C`` (a leaf of several outputs: ``leaf=[v0, v1, ...]``).
    """
    lines = []
    by_tree = {}
    for row in _rows(model):
        by_tree.setdefault(row["Tree"], {})[row["Node"]] = row
    for t, nodes in by_tree.items():
        weight = nodes[0].get("Weight")
        lines.append(f"booster[{t}]:" + (f" weight={_fmt(weight)}" if weight is not None else ""))
        stack = [(0, 0)]
        while stack:
            i, depth = stack.pop()
            row = nodes[i]
            pad = "\t" * depth
            if row["Feature"] == "Leaf":
                v = row["Value"]
                leaf = _fmt(v) if isinstance(v, float) else "[" + ", ".join(_fmt(x) for x in v) + "]"
                lines.append(f"{pad}{i}:leaf={leaf},cover={_fmt(row['Cover'])}")
                continue
            if row["Category"] is not None:
                test = f"{row['Feature']} in {{{', '.join(map(str, row['Category']))}}}"
            else:
                test = f"{row['Feature']}<{row['Split']!r}"
            yes, no, miss = (int(row[k].split("-")[1]) for k in ("Yes", "No", "Missing"))
            lines.append(f"{pad}{i}:[{test}] yes={yes},no={no},missing={miss},gain={_fmt(row['Gain'])},"
                         f"cover={_fmt(row['Cover'])}")
            stack += [(no, depth + 1), (yes, depth + 1)]
    return "\n".join(lines) + "\n"
