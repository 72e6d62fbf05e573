"""Monotone and interaction constraints on real data, for every tree model that takes them.

Monotonicity is checked two ways: predictions on a grid of each constrained feature for hundreds of
real rows (every other feature held at the row's value, missing values and categories included) never
move against the constraint, and ``silva.check_monotonic`` proves it from the trees -- and finds the
violations of the same model fitted without constraints, so the proof is not vacuous.
"""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn import ensemble as sk_ensemble
from sklearn import tree as sk_tree
from sklearn.model_selection import train_test_split

import silva
from datasets import load

# california: income raises the price, the age of the block lowers it (mostly; the constraint forces it)
CAL_CST = {"median_income": 1, "housing_median_age": -1}
# adult: more education and more hours worked raise the odds of a high income
ADULT_CST = {"education_num": 1, "hours_per_week": 1}
GRID = 30
N_ROWS = 300


@pytest.fixture(scope="module")
def california():
    X, y = load("california_housing")
    return train_test_split(X, y / 1e5, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def adult():
    X, y = load("adult_train")
    return train_test_split(X, y.astype(int), test_size=0.3, random_state=0, stratify=y)


def _grid_steps(predict, X, feature, n_rows=N_ROWS, seed=0):
    """Differences of the prediction between consecutive grid values of ``feature`` (rows x steps)."""
    rows = X.sample(n_rows, random_state=seed)
    values = np.unique(np.quantile(X[feature].dropna(), np.linspace(0, 1, GRID)))
    values = np.concatenate([[values[0] - 1], values, [values[-1] + 1]])  # past both ends too
    preds = []
    for v in values:
        Z = rows.copy()
        Z[feature] = v
        preds.append(predict(Z))
    return np.diff(np.array(preds), axis=0).T


def _assert_monotone(model, X, cst, proba=False):
    predict = (lambda Z: model.predict_proba(Z)[:, 1]) if proba else model.predict
    for feature, direction in cst.items():
        steps = _grid_steps(predict, X, feature) * direction
        scale = np.abs(predict(X.iloc[:200])).max()
        assert steps.min() >= -1e-9 * scale, (type(model).__name__, feature, steps.min())
    assert silva.check_monotonic(model)


BOOSTERS = [
    pytest.param(lambda **kw: silva.BoostRegressor(n_estimators=60, **kw), id="boost-depthwise"),
    pytest.param(lambda **kw: silva.BoostRegressor(n_estimators=60, grow_policy="leafwise", max_leaves=31,
                                                   max_depth=None, min_samples_leaf=20, **kw), id="boost-leafwise"),
    pytest.param(lambda **kw: silva.GBDTRegressor(n_estimators=60, **kw), id="gbdt"),
    pytest.param(lambda **kw: silva.GBDTRegressor(n_estimators=40, loss="absolute_error", max_leaf_nodes=15,
                                                  **kw), id="gbdt-l1-leafwise"),
]


@pytest.mark.parametrize("make", BOOSTERS)
def test_boosters_monotone_on_california(make, california):
    X_tr, X_te, y_tr, y_te = california
    model = make(monotonic_cst=CAL_CST, random_state=0).fit(X_tr, y_tr)
    _assert_monotone(model, X_te, CAL_CST)
    free = make(random_state=0).fit(X_tr, y_tr)
    assert not silva.check_monotonic(free, monotonic_cst=CAL_CST)
    # boosting spends later trees on what the constraint holds back: it costs little here
    rmse = mean_squared_error(y_te, model.predict(X_te)) ** 0.5
    rmse_free = mean_squared_error(y_te, free.predict(X_te)) ** 0.5
    assert rmse <= 1.10 * rmse_free


CART = [
    pytest.param(lambda **kw: silva.DecisionTreeRegressor(min_samples_leaf=5, **kw),
                 lambda **kw: sk_tree.DecisionTreeRegressor(min_samples_leaf=5, **kw), id="tree"),
    pytest.param(lambda **kw: silva.RandomForestRegressor(n_estimators=20, min_samples_leaf=3, **kw),
                 lambda **kw: sk_ensemble.RandomForestRegressor(n_estimators=20, min_samples_leaf=3, **kw),
                 id="forest"),
    pytest.param(lambda **kw: silva.ExtraTreesRegressor(n_estimators=20, min_samples_leaf=3, **kw),
                 lambda **kw: sk_ensemble.ExtraTreesRegressor(n_estimators=20, min_samples_leaf=3, **kw),
                 id="extra"),
]


@pytest.mark.parametrize("make, make_peer", CART)
def test_cart_family_monotone_on_california(make, make_peer, california):
    X_tr, X_te, y_tr, y_te = california
    model = make(monotonic_cst=CAL_CST, random_state=0).fit(X_tr, y_tr)
    _assert_monotone(model, X_te, CAL_CST)
    free = make(random_state=0).fit(X_tr, y_tr)
    assert not silva.check_monotonic(free, monotonic_cst=CAL_CST)
    # a single deep tree pays for the constraint (scikit-learn's too): compare with scikit-learn under
    # the same constraints, on the same imputed numeric columns (its constraints refuse missing values)
    num_tr, num_te = X_tr.drop(columns="ocean_proximity"), X_te.drop(columns="ocean_proximity")
    num_te = num_te.fillna(num_tr.median())
    num_tr = num_tr.fillna(num_tr.median())
    cst = [CAL_CST.get(c, 0) for c in num_tr.columns]
    ours = make(monotonic_cst=cst, random_state=0).fit(num_tr, y_tr)
    peer = make_peer(monotonic_cst=cst, random_state=0).fit(num_tr, y_tr)
    rmse = mean_squared_error(y_te, ours.predict(num_te)) ** 0.5
    rmse_peer = mean_squared_error(y_te, peer.predict(num_te)) ** 0.5
    assert rmse <= 1.02 * rmse_peer, (rmse, rmse_peer)


CLASSIFIERS = [
    pytest.param(lambda **kw: silva.BoostClassifier(n_estimators=60, **kw), id="boost"),
    pytest.param(lambda **kw: silva.BoostClassifier(n_estimators=60, grow_policy="leafwise", max_leaves=31,
                                                    max_depth=None, **kw), id="boost-leafwise"),
    pytest.param(lambda **kw: silva.GBDTClassifier(n_estimators=60, **kw), id="gbdt"),
    pytest.param(lambda **kw: silva.DecisionTreeClassifier(max_depth=10, min_samples_leaf=5, **kw), id="tree"),
    pytest.param(lambda **kw: silva.RandomForestClassifier(n_estimators=20, min_samples_leaf=3, **kw), id="forest"),
    pytest.param(lambda **kw: silva.ExtraTreesClassifier(n_estimators=20, min_samples_leaf=3, **kw), id="extra"),
]


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_classifiers_monotone_on_adult(make, adult):
    # adult has categorical columns and missing values: both stay free while the constraints hold
    X_tr, X_te, y_tr, y_te = adult
    model = make(monotonic_cst=ADULT_CST, random_state=0).fit(X_tr, y_tr)
    _assert_monotone(model, X_te, ADULT_CST, proba=True)
    auc = roc_auc_score(y_te, model.predict_proba(X_te)[:, 1])
    free = make(random_state=0).fit(X_tr, y_tr)
    auc_free = roc_auc_score(y_te, free.predict_proba(X_te)[:, 1])
    assert auc >= auc_free - 0.01


def test_adaboost_through_its_learners(california, adult):
    X_tr, X_te, y_tr, y_te = california
    names = list(X_tr.columns)
    cst = [CAL_CST.get(c, 0) for c in names]
    reg = silva.AdaBoostRegressor(silva.DecisionTreeRegressor(max_depth=3, monotonic_cst=cst), n_estimators=30,
                                  random_state=0).fit(X_tr, y_tr)
    _assert_monotone(reg, X_te, CAL_CST)  # a weighted median of monotone learners is monotone
    X_tr, X_te, y_tr, y_te = adult
    cst = [ADULT_CST.get(c, 0) for c in X_tr.columns]
    clf = silva.AdaBoostClassifier(silva.DecisionTreeClassifier(max_depth=2, monotonic_cst=cst), n_estimators=30,
                                   random_state=0).fit(X_tr, y_tr)
    _assert_monotone(clf, X_te, ADULT_CST, proba=True)


def test_booster_matches_lightgbm_with_the_same_constraints(california, adult):
    lgb = pytest.importorskip("lightgbm")
    from compare import translate as T

    params = dict(n_estimators=150, learning_rate=0.1, grow_policy="leafwise", max_leaves=31, max_depth=None,
                  min_samples_leaf=20, reg_lambda=0.0, min_child_weight=1e-3, random_state=0, n_jobs=2)
    X_tr, X_te, y_tr, y_te = california
    Xn_tr, Xn_te = X_tr.drop(columns="ocean_proximity"), X_te.drop(columns="ocean_proximity")
    ours = silva.BoostRegressor(monotonic_cst=CAL_CST, **params).fit(Xn_tr, y_tr)
    kw = T.to_lightgbm(dict(params, monotonic_cst=CAL_CST), X=Xn_tr)
    peer = lgb.LGBMRegressor(monotone_constraints_method="intermediate", **kw).fit(Xn_tr, y_tr)
    rmse = mean_squared_error(y_te, ours.predict(Xn_te)) ** 0.5
    rmse_peer = mean_squared_error(y_te, peer.predict(Xn_te)) ** 0.5
    assert rmse <= 1.01 * rmse_peer, (rmse, rmse_peer)

    X_tr, X_te, y_tr, y_te = adult
    num = [c for c in X_tr.columns if not isinstance(X_tr[c].dtype, pd.CategoricalDtype)]
    ours = silva.BoostClassifier(monotonic_cst=ADULT_CST, **params).fit(X_tr[num], y_tr)
    kw = T.to_lightgbm(dict(params, monotonic_cst=ADULT_CST), X=X_tr[num])
    peer = lgb.LGBMClassifier(monotone_constraints_method="intermediate", **kw).fit(X_tr[num], y_tr)
    auc = roc_auc_score(y_te, ours.predict_proba(X_te[num])[:, 1])
    auc_peer = roc_auc_score(y_te, peer.predict_proba(X_te[num])[:, 1])
    assert auc >= auc_peer - 0.005, (auc, auc_peer)


# ------------------------------------------------------------------ interaction constraints
def _mixed_differences(model, X, f, g, n_rows=100, seed=0):
    """f(a, b) - f(a', b) - f(a, b') + f(a', b') over rows, for two values of features f and g."""
    rows = X.sample(n_rows, random_state=seed)
    a = X[f].quantile([0.2, 0.8]).to_numpy()
    b = X[g].quantile([0.2, 0.8]).to_numpy()
    out = []
    for va, vb in [(a[0], b[0]), (a[1], b[0]), (a[0], b[1]), (a[1], b[1])]:
        Z = rows.copy()
        Z[f] = va
        Z[g] = vb
        out.append(model.predict(Z))
    return out[0] - out[1] - out[2] + out[3]


@pytest.mark.parametrize("make", [
    pytest.param(lambda **kw: silva.BoostRegressor(n_estimators=60, **kw), id="boost"),
    pytest.param(lambda **kw: silva.BoostRegressor(n_estimators=60, grow_policy="leafwise", max_leaves=15,
                                                   max_depth=None, **kw), id="boost-leafwise"),
    pytest.param(lambda **kw: silva.GBDTRegressor(n_estimators=60, **kw), id="gbdt"),
])
def test_no_interactions_gives_an_additive_model(make, california):
    X_tr, X_te, y_tr, _ = california
    X_tr, X_te = X_tr.drop(columns="ocean_proximity"), X_te.drop(columns="ocean_proximity")
    model = make(interaction_cst="no_interactions", random_state=0).fit(X_tr, y_tr)
    free = make(random_state=0).fit(X_tr, y_tr)
    for f, g in [("longitude", "latitude"), ("median_income", "housing_median_age")]:
        np.testing.assert_allclose(_mixed_differences(model, X_te, f, g), 0.0, atol=1e-9)
        assert np.abs(_mixed_differences(free, X_te, "longitude", "latitude")).max() > 1e-3


def _paths(forest, tree):
    """The sets of features on each root-to-leaf path of one tree."""
    nodes, a = forest.nodes, int(forest.tree_offsets[tree])
    out, stack = [], [(0, frozenset())]
    while stack:
        u, used = stack.pop()
        if nodes["left"][a + u] < 0:
            out.append(used)
            continue
        used = used | {int(nodes["feature"][a + u])}
        stack += [(int(nodes["left"][a + u]), used), (int(nodes["right"][a + u]), used)]
    return out


@pytest.mark.parametrize("cls", [silva.BoostRegressor, silva.GBDTRegressor])
def test_interaction_sets_bound_every_path(cls, california):
    X_tr, _, y_tr, _ = california
    sets = [["longitude", "latitude", "median_income"], ["median_income", "total_rooms", "households"],
            ["population"]]
    model = cls(n_estimators=30, max_depth=5, interaction_cst=sets, random_state=0).fit(X_tr, y_tr)
    index = {c: i for i, c in enumerate(X_tr.columns)}
    groups = [{index[c] for c in s} for s in sets]
    listed = set().union(*groups)
    groups.append(set(range(X_tr.shape[1])) - listed)  # the features in no set form one more
    seen_cross = False
    for t in range(model._forest.n_trees):
        for used in _paths(model._forest, t):
            assert any(used <= grp for grp in groups), used
            seen_cross = seen_cross or len(used) > 1
    assert seen_cross  # the sets still let features interact within them


def test_pairwise_allows_two_features_per_path(california):
    X_tr, _, y_tr, _ = california
    model = silva.BoostRegressor(n_estimators=20, max_depth=4, interaction_cst="pairwise",
                                 random_state=0).fit(X_tr, y_tr)
    widths = {len(used) for t in range(model._forest.n_trees) for used in _paths(model._forest, t)}
    assert max(widths) == 2


# ------------------------------------------------------------------ errors and files
@pytest.mark.parametrize("spec, match", [
    ([1, 0], "entries but the data has"),
    ({"nope": 1}, "not among the"),
    ([2] + [0] * 8, "must be -1, 0 or 1"),
    ([0.5] + [0] * 8, "must be -1, 0 or 1"),
    ({"ocean_proximity": 1}, "categorical"),
    ("increasing", "must be None, a list"),
])
def test_bad_monotonic_cst_is_a_clear_error(spec, match, california):
    X_tr, _, y_tr, _ = california
    for cls in (silva.BoostRegressor, silva.GBDTRegressor, silva.DecisionTreeRegressor):
        with pytest.raises(ValueError, match=match):
            cls(monotonic_cst=spec).fit(X_tr.iloc[:300], y_tr[:300])


def test_multiclass_with_constraints_is_refused():
    X, y = load("penguins")
    X = X.select_dtypes("number")
    cst = [1] + [0] * (X.shape[1] - 1)
    for model in (silva.BoostClassifier(monotonic_cst=cst), silva.RandomForestClassifier(monotonic_cst=cst),
                  silva.GBDTClassifier(monotonic_cst=cst)):
        with pytest.raises(ValueError, match="multiclass"):
            model.fit(X, y)


@pytest.mark.parametrize("spec, match", [
    ([[0, 99]], "outside"),
    ([["nope"]], "not among"),
    ("some", "must be None, 'pairwise'"),
    ([0, 1], "interaction_cst"),
])
def test_bad_interaction_cst_is_a_clear_error(spec, match, california):
    X_tr, _, y_tr, _ = california
    with pytest.raises(ValueError, match=match):
        silva.BoostRegressor(interaction_cst=spec).fit(X_tr.iloc[:300], y_tr[:300])


def test_constrained_models_round_trip_through_a_file(tmp_path, california):
    X_tr, X_te, y_tr, _ = california
    for model in (silva.BoostRegressor(n_estimators=10, monotonic_cst=CAL_CST,
                                       interaction_cst=[{"median_income", "housing_median_age"}]),
                  silva.RandomForestRegressor(n_estimators=5, monotonic_cst=np.array([0, 0, 1, 0, 0, 0, 0, 0, 0]))):
        model.fit(X_tr, y_tr)
        path = tmp_path / "m.json"
        model.save(path)
        back = silva.load(path)
        np.testing.assert_array_equal(back.predict(X_te), model.predict(X_te))
        assert silva.check_monotonic(back)


def test_same_model_whatever_the_thread_count(california):
    X_tr, X_te, y_tr, _ = california
    preds = [silva.BoostRegressor(n_estimators=20, grow_policy="leafwise", max_leaves=31, max_depth=None,
                                  monotonic_cst=CAL_CST, n_jobs=n, random_state=0).fit(X_tr, y_tr).predict(X_te)
             for n in (1, 2)]
    np.testing.assert_array_equal(preds[0], preds[1])
