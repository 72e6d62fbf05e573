"""silva.DecisionTreeClassifier / DecisionTreeRegressor against scikit-learn's trees.

Exact mode (``max_bin=None``) grows scikit-learn's tree: same predictions on the training data (features
tied on it may be chosen differently, so off the data predictions can differ), same best-first trees
under ``max_leaf_nodes``, same pruning path and pruned trees under ``ccp_alpha``. Data with ties between
features (breast cancer, diabetes: several features give the same partition of a small node) are only
compared on the training rows; node-level comparisons use data without such ties.
"""
import numpy as np
import pandas as pd
import pytest
from sklearn import tree as sk_tree
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine, make_classification, \
    make_regression

import silva
from silva.data import BinMapper


def _proba(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def _pair(kind, **kw):
    """(silva exact tree, scikit-learn tree) with the same parameters."""
    if kind == "clf":
        return (silva.DecisionTreeClassifier(max_bin=None, random_state=0, **kw),
                sk_tree.DecisionTreeClassifier(random_state=0, **kw))
    return (silva.DecisionTreeRegressor(max_bin=None, random_state=0, **kw),
            sk_tree.DecisionTreeRegressor(random_state=0, **kw))


# ----------------------------------------------------------------- exact mode = scikit-learn's tree
@pytest.mark.parametrize("criterion", ["gini", "entropy", "log_loss"])
@pytest.mark.parametrize("loader", [load_iris, load_breast_cancer, load_wine])
def test_exact_classifier_equals_sklearn(loader, criterion):
    X, y = loader(return_X_y=True)
    ours, theirs = _pair("clf", criterion=criterion)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.get_n_leaves() == theirs.get_n_leaves()
    assert ours.get_depth() == theirs.get_depth()
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("params", [{}, dict(max_depth=5), dict(min_samples_leaf=7),
                                    dict(min_samples_split=20), dict(min_samples_split=0.05),
                                    dict(max_depth=6, min_weight_fraction_leaf=0.02)])
def test_exact_regressor_equals_sklearn(params):
    X, y = load_diabetes(return_X_y=True)
    ours, theirs = _pair("reg", **params)
    ours.fit(X, y)
    theirs.fit(X, y)
    # small nodes of diabetes have tied features: the same predictions, not always the same node count
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_exact_tree_equals_sklearn_off_the_training_data(kind):
    # continuous data without ties: same structure, and node-local midpoint thresholds as scikit-learn
    if kind == "clf":
        X, y = make_classification(n_samples=2000, n_features=8, n_informative=5, random_state=0)
    else:
        X, y = make_regression(n_samples=2000, n_features=8, noise=10.0, random_state=0)
    X_new = np.random.RandomState(1).normal(size=(3000, 8)) * X.std(axis=0)
    # shallow enough that no node has two features of exactly equal gain (class counts tie easily in
    # small nodes, then each library keeps the feature it met first)
    ours, theirs = _pair(kind, max_depth=4 if kind == "clf" else 6)
    ours.fit(X, y)
    theirs.fit(X, y)
    np.testing.assert_allclose(_proba(ours, X_new), _proba(theirs, X_new))
    np.testing.assert_allclose(ours.feature_importances_, theirs.feature_importances_, atol=1e-12)


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_exact_weighted_tree_equals_sklearn(kind):
    if kind == "clf":
        X, y = make_classification(n_samples=1500, n_features=6, n_informative=4, n_classes=3, random_state=2)
    else:
        X, y = make_regression(n_samples=1500, n_features=6, noise=5.0, random_state=2)
    sw = np.random.RandomState(3).uniform(0.1, 3.0, size=y.size)
    sw[::17] = 0.0
    ours, theirs = _pair(kind, max_depth=5, min_weight_fraction_leaf=0.01)
    ours.fit(X, y, sample_weight=sw)
    theirs.fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(_proba(ours, X), _proba(theirs, X))


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_min_impurity_decrease_units_match_sklearn(criterion):
    # scikit-learn's decrease is divided by the total weight (and entropy is in bits)
    X, y = make_classification(n_samples=1500, n_features=6, n_informative=4, random_state=4)
    for mid in (0.005, 0.01, 0.03):
        ours, theirs = _pair("clf", criterion=criterion, min_impurity_decrease=mid, min_samples_leaf=20)
        ours.fit(X, y)
        theirs.fit(X, y)
        assert ours.get_n_leaves() == theirs.get_n_leaves(), mid
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    X, y = make_regression(n_samples=1500, n_features=6, noise=5.0, random_state=4)
    for mid in (5.0, 50.0, 500.0):
        ours, theirs = _pair("reg", min_impurity_decrease=mid)
        assert ours.fit(X, y).get_n_leaves() == theirs.fit(X, y).get_n_leaves(), mid
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0, 2: 0.5}])
def test_class_weight_matches_sklearn(class_weight):
    X, y = make_classification(n_samples=1500, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.6, 0.3, 0.1], random_state=5)
    ours, theirs = _pair("clf", max_depth=4, class_weight=class_weight)
    ours.fit(X, y)
    theirs.fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    # class weights act as sample weights
    from sklearn.utils.class_weight import compute_sample_weight
    sw = silva.DecisionTreeClassifier(max_bin=None, max_depth=4, random_state=0).fit(
        X, y, sample_weight=compute_sample_weight(class_weight, y))
    np.testing.assert_array_equal(sw.predict_proba(X), ours.predict_proba(X))


# ----------------------------------------------------------------- max_leaf_nodes: best-first
@pytest.mark.parametrize("max_leaf_nodes", [2, 5, 13])
def test_max_leaf_nodes_is_sklearn_best_first(max_leaf_nodes):
    X, y = make_regression(n_samples=2000, n_features=8, noise=10.0, random_state=6)
    ours, theirs = _pair("reg", max_leaf_nodes=max_leaf_nodes)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.get_n_leaves() == theirs.get_n_leaves() == max_leaf_nodes
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X))
    X, y = make_classification(n_samples=2000, n_features=8, n_informative=5, random_state=6)
    ours, theirs = _pair("clf", max_leaf_nodes=max_leaf_nodes, min_samples_leaf=20)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.get_n_leaves() == theirs.get_n_leaves()
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_max_leaf_nodes_keeps_children_after_parents():
    X, y = make_regression(n_samples=500, n_features=4, random_state=0)
    est = silva.DecisionTreeRegressor(max_leaf_nodes=7, random_state=0).fit(X, y)
    nodes = est._forest.nodes
    internal = np.flatnonzero(nodes["left"] >= 0)
    assert np.all(nodes["left"][internal] > internal) and np.all(nodes["right"][internal] > internal)
    assert est.get_n_leaves() == 7


# ----------------------------------------------------------------- ccp_alpha: cost-complexity pruning
@pytest.mark.parametrize("loader", [load_iris, load_wine])
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_pruning_path_and_pruned_trees_match_sklearn(loader, criterion):
    X, y = loader(return_X_y=True)
    ours, theirs = _pair("clf", criterion=criterion)
    path = ours.cost_complexity_pruning_path(X, y)
    expected = theirs.cost_complexity_pruning_path(X, y)
    np.testing.assert_allclose(path.ccp_alphas, expected.ccp_alphas, atol=1e-12)
    np.testing.assert_allclose(path.impurities, expected.impurities, atol=1e-12)
    alphas = np.unique(expected.ccp_alphas)
    for alpha in (alphas[1:] + alphas[:-1]) / 2:  # between steps: no boundary rounding
        ours, theirs = _pair("clf", criterion=criterion, ccp_alpha=alpha)
        ours.fit(X, y)
        theirs.fit(X, y)
        assert ours.get_n_leaves() == theirs.get_n_leaves(), alpha
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_pruned_regression_trees_match_sklearn():
    X, y = load_diabetes(return_X_y=True)
    expected = sk_tree.DecisionTreeRegressor(random_state=0).cost_complexity_pruning_path(X, y)
    path = silva.DecisionTreeRegressor(max_bin=None, random_state=0).cost_complexity_pruning_path(X, y)
    # many tiny alphas are equal but for rounding (their order may differ); the large ones match
    big = expected.ccp_alphas > 1.0
    np.testing.assert_allclose(path.ccp_alphas[-big.sum():], expected.ccp_alphas[big], rtol=1e-9)
    np.testing.assert_allclose(path.impurities[-big.sum():], expected.impurities[big], rtol=1e-9)
    alphas = np.unique(expected.ccp_alphas[big])
    for alpha in ((alphas[1:] + alphas[:-1]) / 2)[::7]:
        ours, theirs = _pair("reg", ccp_alpha=alpha)
        ours.fit(X, y)
        theirs.fit(X, y)
        assert ours.get_n_leaves() == theirs.get_n_leaves(), alpha
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X))


def test_ccp_alpha_in_binned_mode_prunes_more_with_larger_alpha():
    X, y = make_classification(n_samples=3000, n_features=10, flip_y=0.2, random_state=0)
    leaves = [silva.DecisionTreeClassifier(ccp_alpha=a, random_state=0).fit(X, y).get_n_leaves()
              for a in (0.0, 1e-4, 1e-3, 1e-2)]
    assert leaves == sorted(leaves, reverse=True) and leaves[-1] < leaves[0]


# ----------------------------------------------------------------- missing values
def test_missing_values_go_to_a_learned_side():
    # y = 1 exactly where x is missing or large: the split must send the missing rows with the large ones
    rng = np.random.RandomState(0)
    x = rng.uniform(size=1000)
    y = (x > 0.7).astype(int)
    miss = rng.uniform(size=1000) < 0.2
    y[miss] = 1
    x[miss] = np.nan
    for max_bin in (255, None):
        est = silva.DecisionTreeClassifier(max_depth=1, max_bin=max_bin).fit(x[:, None], y)
        assert est.predict([[np.nan]])[0] == 1 and est.predict([[0.9]])[0] == 1
        assert est.predict([[0.1]])[0] == 0
        y_low = np.where(miss, 0, (x > 0.7).astype(int))  # now missing goes with the small values
        est = silva.DecisionTreeClassifier(max_depth=1, max_bin=max_bin).fit(x[:, None], y_low)
        assert est.predict([[np.nan]])[0] == 0 and est.predict([[0.9]])[0] == 1


@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_missing_values_match_sklearn(kind):
    if kind == "clf":
        X, y = make_classification(n_samples=3000, n_features=10, n_informative=6, random_state=0)
    else:
        X, y = make_regression(n_samples=3000, n_features=10, noise=5.0, random_state=0)
    X_nan = X.copy()
    X_nan[np.random.RandomState(0).uniform(size=X.shape) < 0.1] = np.nan
    # trained with missing values: the learned side; trained without: the child with more rows
    for X_fit in (X_nan, X):
        ours, theirs = _pair(kind, max_depth=3 if kind == "clf" else 6)
        ours.fit(X_fit, y)
        theirs.fit(X_fit, y)
        np.testing.assert_allclose(_proba(ours, X_nan), _proba(theirs, X_nan))


# ----------------------------------------------------------------- binned mode, params, errors
def test_binned_tree_is_close_to_exact():
    X, y = make_classification(n_samples=20000, n_features=10, n_informative=6, random_state=1)
    Xt, yt = X[:15000], y[:15000]
    acc = [silva.DecisionTreeClassifier(max_depth=8, max_bin=mb, random_state=0).fit(Xt, yt).score(X[15000:], y[15000:])
           for mb in (255, None)]
    assert abs(acc[0] - acc[1]) < 0.02


def test_max_features_and_random_splitter():
    X, y = make_classification(n_samples=2000, n_features=16, random_state=0)
    for mf, expected in ((None, 16), ("sqrt", 4), ("log2", 4), (3, 3), (0.5, 8)):
        est = silva.DecisionTreeClassifier(max_features=mf, random_state=0)
        assert est._n_candidate_features(16) == expected
        est.fit(X, y)
        assert est.score(X, y) > 0.99
    a = silva.DecisionTreeClassifier(splitter="random", random_state=0).fit(X, y)
    b = silva.DecisionTreeClassifier(random_state=0).fit(X, y)
    assert a.get_n_leaves() != b.get_n_leaves()
    c = silva.DecisionTreeClassifier(splitter="random", random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), c.predict_proba(X))


@pytest.mark.parametrize("params, match", [
    (dict(criterion="squared_error"), "criterion"),
    (dict(class_weight="balanced_subsample"), "forests"),
    (dict(max_features=40), "max_features"),
    (dict(max_features=0), "max_features"),
    (dict(min_samples_split=1), "min_samples_split"),
    (dict(max_leaf_nodes=1), "max_leaf_nodes"),
    (dict(ccp_alpha=-1.0), "ccp_alpha"),
    (dict(min_weight_fraction_leaf=0.7), "min_weight_fraction_leaf"),
    (dict(splitter="worst"), "splitter"),
    (dict(max_bin=1), "max_bin"),
    (dict(class_weight="unbalanced"), "class_weight"),
])
def test_bad_parameters_are_refused(params, match):
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    with pytest.raises(ValueError, match=match):
        silva.DecisionTreeClassifier(**params).fit(X, y)


def test_regressor_criterion_is_checked():
    X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="criterion"):
        silva.DecisionTreeRegressor(criterion="gini").fit(X, y)


# ----------------------------------------------------------------- the AdaBoost hook
@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_fit_binned_equals_fit(kind):
    if kind == "clf":
        X, y = make_classification(n_samples=1000, n_features=6, n_classes=3, n_informative=4, random_state=0)
        est = silva.DecisionTreeClassifier(max_depth=5, random_state=0)
    else:
        X, y = make_regression(n_samples=1000, n_features=6, random_state=0)
        est = silva.DecisionTreeRegressor(max_depth=5, random_state=0)
    sw = np.random.RandomState(0).uniform(0, 2, size=y.size)
    fitted = est.fit(X, y, sample_weight=sw)
    rng = np.random.RandomState(0)
    mapper = BinMapper(255, random_state=rng.randint(np.iinfo(np.int32).max)).fit(X, sw)
    hooked = silva.DecisionTreeClassifier(max_depth=5) if kind == "clf" else silva.DecisionTreeRegressor(max_depth=5)
    y_enc = y.astype(np.float64)
    if kind == "clf":
        hooked.classes_, hooked.n_classes_ = np.unique(y), 3
    hooked._fit_binned(mapper.transform(X), mapper, y_enc, sw, rng)
    np.testing.assert_array_equal(_proba(hooked, X), _proba(fitted, X))
    summed = hooked._predict_values_binned(mapper.transform(X), mapper.missing_bin_)
    expected = _proba(fitted, X)
    np.testing.assert_allclose(summed if kind == "clf" else summed[:, 0], expected)


# ----------------------------------------------------------------- model file
@pytest.mark.parametrize("kind", ["clf", "reg"])
def test_save_load_predicts_bit_identically(kind, tmp_path):
    if kind == "clf":
        X, y = load_iris(return_X_y=True)
        y = np.array(["setosa", "versicolor", "virginica"])[y]
        est = silva.DecisionTreeClassifier(max_depth=4, ccp_alpha=0.01, random_state=0).fit(X, y)
    else:
        data = load_diabetes(as_frame=True)
        X, y = data.data, data.target
        X.iloc[::7, 2] = np.nan
        est = silva.DecisionTreeRegressor(max_leaf_nodes=20, max_bin=None, random_state=0).fit(X, y)
    path = tmp_path / "tree.silva"
    est.save(path)
    loaded = silva.load(path)
    assert type(loaded) is type(est) and loaded.get_params() == est.get_params()
    for method in ("predict", "predict_proba"):
        if hasattr(est, method):
            a, b = getattr(est, method)(X), getattr(loaded, method)(X)
            assert a.dtype == b.dtype and np.array_equal(a, b)
    np.testing.assert_array_equal(loaded.feature_importances_, est.feature_importances_)
    if isinstance(X, pd.DataFrame):
        assert list(loaded.feature_names_in_) == list(X.columns)
    loaded.save(tmp_path / "again.silva")
    assert (tmp_path / "again.silva").read_bytes() == path.read_bytes()
