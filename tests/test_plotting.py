"""silva.plot_importance / plot_metric / plot_tree draw on matplotlib Axes (Agg backend)."""
import numpy as np
import pytest

import silva

from datasets import load

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def titanic_model():
    X, y = load("titanic")
    model = silva.BoostClassifier(n_estimators=10, max_depth=3, random_state=0)
    return model.fit(X[:600], y[:600], eval_set=[(X[600:], y[600:])])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("importance_type", ["gain", "split", "cover"])
def test_plot_importance(titanic_model, importance_type):
    ax = silva.plot_importance(titanic_model, importance_type=importance_type, max_num_features=5)
    assert isinstance(ax, plt.Axes)
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    values = titanic_model.get_importance(importance_type)
    top = [titanic_model.feature_names_in_[j] for j in np.argsort(-values, kind="stable")[:5]]
    assert labels == top[::-1]  # the largest bar on top
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, np.sort(values)[-5:])


def test_plot_importance_on_given_axes(titanic_model):
    _, ax = plt.subplots()
    assert silva.plot_importance(titanic_model, ax=ax) is ax
    assert len(ax.patches) == titanic_model.n_features_in_  # fewer than the default 20


def test_plot_metric(titanic_model):
    ax = silva.plot_metric(titanic_model)
    assert isinstance(ax, plt.Axes)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), titanic_model.evals_result_["validation_0"]["logloss"])
    assert ax.get_ylabel() == "logloss"
    ax = silva.plot_metric({"a": {"rmse": [3.0, 2.0, 1.5]}, "b": {"rmse": [3.1, 2.5, 2.4]}}, metric="rmse")
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="was not recorded"):
        silva.plot_metric(titanic_model, metric="auc")


def test_plot_metric_marks_the_best_round():
    X, y = load("titanic")
    model = silva.BoostClassifier(n_estimators=30, max_depth=3, n_iter_no_change=3, random_state=0)
    model.fit(X, y)
    ax = silva.plot_metric(model)
    assert len(ax.get_lines()) == 2  # the curve and the best-round marker


def test_plot_metric_without_history_is_a_clear_error():
    X, y = load("titanic")
    model = silva.BoostClassifier(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="no evaluation history"):
        silva.plot_metric(model)


def test_plot_tree(titanic_model):
    ax = silva.plot_tree(titanic_model, tree_index=3)
    assert isinstance(ax, plt.Axes)
    forest = titanic_model._forest
    lo, hi = forest.tree_offsets[3], forest.tree_offsets[4]
    texts = [t.get_text() for t in ax.texts]
    n_nodes = hi - lo
    n_internal = int(np.sum(forest.nodes["left"][lo:hi] >= 0))
    assert len(texts) == n_nodes + 2 * n_internal  # node boxes and edge labels
    assert sum(t.startswith("leaf ") for t in texts) == n_nodes - n_internal
    assert len(ax.get_lines()) == 2 * n_internal
    assert ax.get_title() == "tree 3"


def test_plot_tree_shows_category_levels(titanic_model):
    texts = []
    for t in range(titanic_model._forest.n_trees):
        ax = silva.plot_tree(titanic_model, tree_index=t)
        texts += [x.get_text() for x in ax.texts]
        plt.close(ax.figure)
    # Sex is the strongest split of the data: drawn with its levels, not a code threshold
    assert any(x.startswith("Sex in {") for x in texts)


def test_plot_tree_multiclass_and_errors():
    X, y = load("penguins")
    model = silva.BoostClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
    ax = silva.plot_tree(model, tree_index=4)
    assert ax.get_title() == "tree 4 (round 1, output 1)"
    with pytest.raises(IndexError, match="out of range"):
        silva.plot_tree(model, tree_index=6)
    with pytest.raises(ValueError, match="not fitted"):
        silva.plot_tree(silva.BoostRegressor())


@pytest.mark.parametrize("cls", [silva.AdaBoostClassifier, silva.AdaBoostRegressor])
def test_plot_tree_draws_an_adaboost_learner(cls):
    X, y = load("titanic")
    model = cls(n_estimators=4, random_state=0).fit(X, y.astype(float) if cls is silva.AdaBoostRegressor else y)
    k = len(model.estimators_) - 1
    ax = silva.plot_tree(model, tree_index=k)
    learner = model.estimators_[k]._forest
    n_internal = int(np.sum(learner.nodes["left"] >= 0))
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("leaf ") for t in texts) == learner.n_nodes - n_internal
    assert ax.get_title().startswith(f"learner {k} (weight ")
    # the ensemble's column names and levels, not f0, f1, ...
    assert any(t.split(" ")[0] in set(X.columns) for t in texts if not t.startswith("leaf "))
    with pytest.raises(IndexError, match="out of range"):
        silva.plot_tree(model, tree_index=len(model.estimators_))


# ----------------------------------------------------------------------------- SHAP plots

def _points(ax):
    return sum(len(c.get_offsets()) for c in ax.collections)


def test_plot_shap_summary(titanic_model, tmp_path):
    X, _ = load("titanic")
    X = X[:200]
    ax = silva.plot_shap_summary(titanic_model, X, max_display=4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4 and len(ax.collections) == 4
    assert _points(ax) == 4 * len(X)  # one point per row and feature shown
    phi = titanic_model.predict(X, pred_contribs=True)[:, :-1]
    names = titanic_model._schema.names
    top = names[int(np.argmax(np.abs(phi).mean(axis=0)))]
    assert labels[-1] == top  # the most important feature on top
    assert ax.get_xlabel() == "SHAP value (impact on model output)"
    assert len(ax.figure.axes) == 2  # the colour bar
    ax.figure.savefig(tmp_path / "summary.png")
    assert (tmp_path / "summary.png").stat().st_size > 0
    # the points of a feature sit at its contributions
    xs = np.sort(ax.collections[-1].get_offsets()[:, 0])
    np.testing.assert_allclose(xs, np.sort(phi[:, names.index(top)]))


def test_plot_shap_summary_needs_an_output_for_several():
    X, y = load("penguins")
    X = X.select_dtypes("number")
    model = silva.RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="output=k"):
        silva.plot_shap_summary(model, X)
    ax = silva.plot_shap_summary(model, X, output=1)
    assert _points(ax) == X.shape[0] * X.shape[1]


def test_plot_shap_dependence(titanic_model):
    X, _ = load("titanic")
    X = X[:300]
    ax = silva.plot_shap_dependence(titanic_model, X, "Age", interaction_feature="Fare")
    n_known = int(X["Age"].notna().sum())
    assert _points(ax) == n_known  # rows without an age are left out
    assert ax.get_xlabel() == "Age" and ax.get_ylabel() == "SHAP value for Age"
    assert ax.figure.axes[-1].get_ylabel() == "Fare"
    with pytest.raises(ValueError, match="unknown feature"):
        silva.plot_shap_dependence(titanic_model, X, "Nope")
