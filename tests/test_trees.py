"""silva/trees.py: apply, trees_to_dataframe and dump_model for every model of the family.

The table is read as XGBoost's is (a numeric row goes Yes when its value is < Split, Missing when NaN;
a categorical row goes Yes when its level is in Category), and that reading is checked against the
model itself: walking the table from each tree's root with a row's raw values reaches the leaf that
``apply`` reports, on titanic rows with missing ages and embarkation ports and categorical sex and port.
"""
import re

import matplotlib
import numpy as np
import pytest

import silva
from tests.datasets import load_frame

matplotlib.use("Agg")

MODELS = {
    "boost_binary": lambda: silva.BoostClassifier(n_estimators=4, max_depth=3, random_state=0),
    "boost_multiclass": lambda: silva.BoostClassifier(n_estimators=2, max_depth=3, random_state=0),
    "boost_regressor": lambda: silva.BoostRegressor(n_estimators=3, max_depth=3, random_state=0),
    "gbdt": lambda: silva.GBDTClassifier(n_estimators=3, max_depth=3, random_state=0),
    "tree": lambda: silva.DecisionTreeClassifier(max_depth=4, random_state=0),
    "tree_regressor": lambda: silva.DecisionTreeRegressor(max_depth=4, random_state=0),
    "forest": lambda: silva.RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0),
    "extra_trees": lambda: silva.ExtraTreesRegressor(n_estimators=3, max_depth=4, random_state=0),
    "adaboost": lambda: silva.AdaBoostClassifier(n_estimators=3, random_state=0),
    "adaboost_regressor": lambda: silva.AdaBoostRegressor(n_estimators=3, random_state=0),
}


def _titanic(kind):
    frame = load_frame("titanic")
    X = frame.drop(columns=["target", "Name", "Ticket", "Cabin"])  # near-unique strings: target statistics
    if kind == "boost_multiclass":
        y = frame["Pclass"].to_numpy()
        X = X.drop(columns="Pclass")
    elif "regressor" in kind or kind == "extra_trees":
        y = frame["Fare"].to_numpy()
        X = X.drop(columns="Fare")
    else:
        y = frame["target"].to_numpy()
    return X, y


def _walk(table, tree, row):
    """The Node a row reaches in ``tree`` reading the table as documented."""
    nodes = {int(r.Node): r for r in table[table.Tree == tree].itertuples()}
    node = nodes[0]
    while node.Feature != "Leaf":
        value = row[node.Feature]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            nxt = node.Missing
        elif node.Category is not None:
            nxt = node.Yes if value in node.Category else node.No
        else:
            nxt = node.Yes if value < node.Split else node.No
        node = nodes[int(nxt.split("-")[1])]
    return int(node.Node)


@pytest.mark.parametrize("kind", list(MODELS))
def test_the_table_leads_every_row_to_its_leaf(kind):
    X, y = _titanic(kind)
    model = MODELS[kind]().fit(X, y)
    table = model.trees_to_dataframe()
    assert list(table.columns[:12]) == ["Tree", "Node", "ID", "Feature", "Split", "Yes", "No", "Missing", "Gain",
                                        "Cover", "Value", "Category"]
    leaves = model.apply(X)
    if kind.startswith("tree"):
        assert leaves.shape == (len(X),)
        leaves = leaves[:, None]
    n_trees = table.Tree.nunique()
    assert leaves.shape == (len(X), n_trees)
    rows = X.astype(object).where(X.notna(), None).to_dict("records")
    picks = list(range(0, len(X), 7)) + list(np.flatnonzero(X["Age"].isna())[:5]) \
        + list(np.flatnonzero(X["Embarked"].isna()))
    for i in picks:
        for t in range(n_trees):
            assert _walk(table, t, rows[i]) == leaves[i, t], (kind, i, t)
    is_leaf = table.Feature == "Leaf"
    assert table[is_leaf].Yes.isna().all() and table[~is_leaf].Yes.notna().all()
    if "Weight" in table:  # AdaBoost: a learner weight per tree
        np.testing.assert_array_equal(table.groupby("Tree").Weight.first(), model.estimator_weights_[:n_trees])


def test_booster_leaf_values_add_up_to_the_raw_score():
    X, y = _titanic("boost_binary")
    model = MODELS["boost_binary"]().fit(X, y)
    table = model.trees_to_dataframe().set_index(["Tree", "Node"])
    leaves = model.apply(X)
    total = model._baseline[0] + sum(table.loc[list(zip([t] * len(X), leaves[:, t])), "Value"].to_numpy()
                                     for t in range(leaves.shape[1]))
    np.testing.assert_allclose(total, model.decision_function(X), rtol=1e-12, atol=1e-12)


def _parse_dump(text):
    """{(tree, node): fields} from dump_model's text."""
    out, tree = {}, None
    for line in text.splitlines():
        head = re.match(r"booster\[(\d+)\]:", line)
        if head:
            tree = int(head.group(1))
            continue
        node, rest = line.strip().split(":", 1)
        if rest.startswith("leaf="):
            out[tree, int(node)] = {"leaf": rest.split(",cover=")[0][5:]}
            continue
        test, links = re.match(r"\[(.*)\] (.*)", rest).groups()
        fields = dict(kv.split("=") for kv in links.split(","))
        out[tree, int(node)] = {"test": test, **{k: fields[k] for k in ("yes", "no", "missing")}}
    return out


@pytest.mark.parametrize("kind", ["boost_multiclass", "forest", "adaboost_regressor"])
def test_the_dump_round_trips_the_structure(kind):
    X, y = _titanic(kind)
    model = MODELS[kind]().fit(X, y)
    parsed = _parse_dump(model.dump_model())
    table = model.trees_to_dataframe()
    assert len(parsed) == len(table)
    for r in table.itertuples():
        got = parsed[r.Tree, r.Node]
        if r.Feature == "Leaf":
            assert "leaf" in got
            continue
        if r.Category is None:
            name, split = got["test"].split("<")
            assert name == r.Feature and float(split) == r.Split  # repr: exact
        else:
            assert got["test"] == f"{r.Feature} in {{{', '.join(map(str, r.Category))}}}"
        assert [f"{r.Tree}-{got[k]}" for k in ("yes", "no", "missing")] == [r.Yes, r.No, r.Missing]


@pytest.mark.parametrize("kind", list(MODELS))
def test_plot_tree_draws_every_model(kind):
    X, y = _titanic(kind)
    model = MODELS[kind]().fit(X, y)
    ax = silva.plot_tree(model, tree_index=1 if kind not in ("tree", "tree_regressor") else 0)
    n_leaves = int((model.trees_to_dataframe().query("Tree == 0").Feature == "Leaf").sum())
    assert sum(t.get_text().startswith("leaf") for t in ax.texts) >= 2 and n_leaves >= 2
    matplotlib.pyplot.close("all")


def test_inspect_prints_the_trees(tmp_path, capsys):
    from silva import cli
    X, y = _titanic("boost_binary")
    model = MODELS["boost_binary"]().fit(X, y)
    model.save(tmp_path / "m.json")
    capsys.readouterr()
    assert cli.main(["inspect", str(tmp_path / "m.json"), "--trees", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("booster[") == 2 and "booster[1]:" in out
    assert cli.main(["inspect", str(tmp_path / "m.json"), "--trees"]) == 0
    assert capsys.readouterr().out.count("booster[") == 4


def test_unfitted_models_say_so():
    from sklearn.exceptions import NotFittedError
    for make in MODELS.values():
        with pytest.raises(NotFittedError):
            make().trees_to_dataframe()


def test_pred_leaf_is_apply_over_the_rounds_asked_for():
    X, y = _titanic("boost_multiclass")
    model = MODELS["boost_multiclass"]().fit(X, y)  # 3 classes: 3 trees per round
    leaves = model.predict(X, pred_leaf=True)
    np.testing.assert_array_equal(leaves, model.apply(X))
    np.testing.assert_array_equal(model.predict(X, pred_leaf=True, iteration_range=(1, 2)), leaves[:, 3:6])
