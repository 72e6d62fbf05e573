"""predict(X, pred_contribs=True / pred_interactions=True) on every estimator: shapes (XGBoost's layout),
additivity to the raw output on every row (NaN rows and unseen categories included), interaction sums,
equality with the shap package's TreeExplainer on the same trees, and real data."""
import numpy as np
import pytest

import silva
from datasets import load

CAT = dict(categorical_features=[2])


def _data(seed=0, n=500):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5)
    X[rng.rand(n) < 0.2, 1] = np.nan
    X[:, 2] = rng.randint(0, 8, n)
    y = X[:, 0] + np.nan_to_num(X[:, 1], nan=1.5) * (X[:, 2] % 3) - 0.5 * X[:, 3] + 0.1 * rng.randn(n)
    return X, y


def _test_rows(X):
    rows = X[:60].copy()
    rows[:10, 0] = np.nan
    rows[10:20, 2] = 99.0  # unseen category
    rows[20:25, :] = np.nan
    return rows


def _assert_adds_up(contribs, raw):
    raw = np.asarray(raw)
    scale = np.maximum(1.0, np.abs(raw))
    assert np.all(np.abs(contribs.sum(axis=-1) - raw) <= 1e-9 * scale)


X, Y = _data()
Y3 = np.digitize(Y, np.quantile(Y, [0.33, 0.66]))
YB = (Y > np.median(Y)).astype(int)
ROWS = _test_rows(X)

BOOSTERS = {
    "boost_regressor": lambda: silva.BoostRegressor(n_estimators=15, max_depth=4, **CAT).fit(X, Y),
    "boost_binary": lambda: silva.BoostClassifier(n_estimators=15, max_depth=4, **CAT).fit(X, YB),
    "boost_multiclass": lambda: silva.BoostClassifier(n_estimators=10, max_depth=3, **CAT).fit(X, Y3),
    "boost_quantiles": lambda: silva.BoostRegressor(objective="quantile", quantile_alpha=[0.1, 0.5, 0.9],
                                                    n_estimators=10, **CAT).fit(X, Y),
    "boost_2d_target": lambda: silva.BoostRegressor(n_estimators=10, **CAT).fit(X, np.c_[Y, -2 * Y]),
    "boost_poisson": lambda: silva.BoostRegressor(objective="poisson", n_estimators=10, **CAT).fit(X, np.exp(Y / 3)),
    "gbdt_regressor": lambda: silva.GBDTRegressor(n_estimators=15, max_depth=3, subsample=0.7, random_state=0,
                                                  **CAT).fit(X, Y),
    "gbdt_binary": lambda: silva.GBDTClassifier(n_estimators=15, max_depth=3, **CAT).fit(X, YB),
    "gbdt_multiclass": lambda: silva.GBDTClassifier(n_estimators=10, max_depth=3, **CAT).fit(X, Y3),
}
CARTS = {
    "tree_classifier": lambda: silva.DecisionTreeClassifier(max_depth=6, **CAT).fit(X, Y3),
    "tree_regressor": lambda: silva.DecisionTreeRegressor(max_depth=6, **CAT).fit(X, Y),
    "forest_classifier": lambda: silva.RandomForestClassifier(n_estimators=8, max_depth=8, random_state=0,
                                                              **CAT).fit(X, Y3),
    "forest_regressor": lambda: silva.RandomForestRegressor(n_estimators=8, random_state=0, **CAT).fit(X, Y),
    "extra_classifier": lambda: silva.ExtraTreesClassifier(n_estimators=8, random_state=0, **CAT).fit(X, YB),
    "extra_regressor": lambda: silva.ExtraTreesRegressor(n_estimators=8, max_bin=None, random_state=0).fit(X, Y),
}


def _check_layout(contribs, inter, raw):
    m = X.shape[1]
    if raw.ndim == 1:
        assert contribs.shape == (len(raw), m + 1) and inter.shape == (len(raw), m + 1, m + 1)
    else:
        assert contribs.shape == (len(raw), raw.shape[1], m + 1)
        assert inter.shape == (len(raw), raw.shape[1], m + 1, m + 1)
    _assert_adds_up(contribs, raw)
    np.testing.assert_allclose(inter.sum(axis=-1), contribs, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(inter.sum(axis=-2), contribs, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(inter, np.swapaxes(inter, -1, -2), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", list(BOOSTERS))
def test_boosters_explain_the_raw_score(name):
    model = BOOSTERS[name]()
    raw = model.predict(ROWS, raw_score=True)
    contribs = model.predict(ROWS, pred_contribs=True)
    inter = model.predict(ROWS[:25], pred_interactions=True)
    _assert_adds_up(contribs, raw)
    _check_layout(contribs[:25], inter, raw[:25])
    assert np.any(contribs[..., 2] != 0)  # the categorical feature takes part


@pytest.mark.parametrize("name", list(CARTS))
def test_cart_family_explains_probabilities_or_predictions(name):
    model = CARTS[name]()
    out = model.predict_proba(ROWS) if hasattr(model, "predict_proba") else model.predict(ROWS)
    contribs = model.predict(ROWS, pred_contribs=True)
    inter = model.predict(ROWS[:25], pred_interactions=True)
    _assert_adds_up(contribs, out)
    _check_layout(contribs[:25], inter, out[:25])


@pytest.mark.parametrize("labels", [YB, Y3], ids=["binary", "multiclass"])
def test_adaboost_classifier_explains_its_decision_function(labels):
    model = silva.AdaBoostClassifier(n_estimators=15, **CAT).fit(X, labels)
    decision = model.decision_function(ROWS)
    contribs = model.predict(ROWS, pred_contribs=True)
    _assert_adds_up(contribs, decision)
    _check_layout(contribs[:25], model.predict(ROWS[:25], pred_interactions=True), decision[:25])
    np.testing.assert_array_equal(model.predict(ROWS), model.classes_[(decision > 0).astype(int)]
                                  if decision.ndim == 1 else model.classes_[decision.argmax(axis=1)])


def test_adaboost_regressor_refuses_with_the_reason():
    model = silva.AdaBoostRegressor(n_estimators=5).fit(X, Y)
    with pytest.raises(ValueError, match="weighted median"):
        model.predict(X, pred_contribs=True)
    with pytest.raises(ValueError, match="weighted median"):
        model.predict(X, pred_interactions=True)
    # the suggested way: one learner at a time
    _assert_adds_up(model.estimators_[0].predict(ROWS, pred_contribs=True), model.estimators_[0].predict(ROWS))


def test_flags_are_checked():
    model = BOOSTERS["boost_regressor"]()
    with pytest.raises(ValueError, match="not both"):
        model.predict(X, pred_contribs=True, pred_interactions=True)
    with pytest.raises(ValueError, match="True or False"):
        model.predict(X, pred_contribs="yes")
    with pytest.raises(ValueError, match="True or False"):
        CARTS["tree_regressor"]().predict(X, pred_interactions=1)


def test_iteration_range_and_margins_are_explained():
    model = silva.BoostClassifier(n_estimators=12, max_depth=3, **CAT).fit(X, Y3)
    contribs = model.predict(ROWS, pred_contribs=True, iteration_range=(2, 7))
    _assert_adds_up(contribs, model.decision_function(ROWS, iteration_range=(2, 7)))
    margin = np.random.RandomState(0).randn(len(ROWS), 3)
    contribs_m = model.predict(ROWS, pred_contribs=True, init_score=margin)
    _assert_adds_up(contribs_m, model.decision_function(ROWS, init_score=margin))
    np.testing.assert_array_equal(contribs_m[..., :-1], model.predict(ROWS, pred_contribs=True)[..., :-1])


def test_frames_and_saved_models_explain_the_same(tmp_path):
    Xf, y = load("titanic")
    Xf = Xf.drop(columns=["Name", "Ticket"])  # identifiers (silva warns about them)
    model = silva.BoostClassifier(n_estimators=20, max_depth=4, random_state=0).fit(Xf, y)
    contribs = model.predict(Xf, pred_contribs=True)
    _assert_adds_up(contribs, model.decision_function(Xf))
    model.save(tmp_path / "m.silva")
    loaded = silva.load(tmp_path / "m.silva")
    np.testing.assert_array_equal(loaded.predict(Xf, pred_contribs=True), contribs)


# ----------------------------------------------------------------------------- shap's TreeExplainer

def _shap_dict(forest, values, tree_col, n_outputs, scale):
    """silva's numeric trees in shap's generic dict format (x <= threshold goes left, NaN to the
    default child)."""
    trees = []
    nd = forest.nodes
    for t in range(forest.n_trees):
        lo, hi = forest.tree_offsets[t], forest.tree_offsets[t + 1]
        left, right = nd["left"][lo:hi], nd["right"][lo:hi]
        v = np.zeros((hi - lo, n_outputs))
        c = tree_col[t]
        v[:, c:c + values.shape[1]] = values[lo:hi] * scale
        trees.append({"children_left": left.astype(np.int32), "children_right": right.astype(np.int32),
                      "children_default": np.where(nd["missing_left"][lo:hi] == 1, left, right).astype(np.int32),
                      "features": np.where(left >= 0, nd["feature"][lo:hi], -2).astype(np.int32),
                      "thresholds": np.nan_to_num(nd["threshold"][lo:hi]),
                      "values": v, "node_sample_weight": nd["cover"][lo:hi].astype(np.float64)})
    return {"trees": trees}


def _numeric_models():
    Xn = X.copy()
    Xn[:, 2] += 0.5 * np.random.RandomState(1).rand(len(Xn))
    return Xn, {
        "boost_multiclass": silva.BoostClassifier(n_estimators=8, max_depth=4).fit(Xn, Y3),
        "gbdt_regressor": silva.GBDTRegressor(n_estimators=8, max_depth=4).fit(Xn, Y),
        "forest_classifier": silva.RandomForestClassifier(n_estimators=5, max_depth=6, random_state=0).fit(Xn, Y3),
        "extra_regressor": silva.ExtraTreesRegressor(n_estimators=5, max_depth=6, random_state=0).fit(Xn, Y),
    }


@pytest.mark.parametrize("name", ["boost_multiclass", "gbdt_regressor", "forest_classifier", "extra_regressor"])
def test_equals_shap_tree_explainer(name):
    shap = pytest.importorskip("shap")
    Xn, models = _numeric_models()
    model = models[name]
    f = model._forest
    if hasattr(model, "_baseline"):
        spec = _shap_dict(f, f.values[:, :1], f.tree_output, model._n_outputs, 1.0)
    else:
        spec = _shap_dict(f, f.values, np.zeros(f.n_trees, dtype=int), f.values.shape[1], 1.0 / f.n_trees)
    explainer = shap.TreeExplainer(spec)
    rows = Xn[:40].copy()
    rows[:8, 1] = np.nan
    rows[8:12, 0] = np.nan
    ours = model.predict(rows, pred_contribs=True)
    theirs = np.asarray(explainer.shap_values(rows, check_additivity=False))
    ours3 = ours if ours.ndim == 3 else ours[:, None, :]
    theirs3 = theirs if theirs.ndim == 3 else theirs[:, :, None]
    np.testing.assert_allclose(ours3[..., :-1], np.moveaxis(theirs3, 2, 1), rtol=1e-6, atol=1e-9)
    bias = ours3[0, :, -1] - (model._baseline if hasattr(model, "_baseline") else 0.0)
    np.testing.assert_allclose(bias, np.atleast_1d(explainer.expected_value), rtol=1e-6, atol=1e-9)
    inter = model.predict(rows[:10], pred_interactions=True)
    inter4 = inter if inter.ndim == 4 else inter[:, None]
    theirs_i = np.asarray(explainer.shap_interaction_values(rows[:10]))
    theirs_i4 = theirs_i if theirs_i.ndim == 4 else theirs_i[..., None]
    np.testing.assert_allclose(inter4[:, :, :-1, :-1], np.moveaxis(theirs_i4, 3, 1), rtol=1e-6, atol=1e-9)


# ----------------------------------------------------------------------------- real data

@pytest.mark.parametrize("name, make", [
    ("california_housing", lambda: silva.BoostRegressor(n_estimators=30, max_depth=6)),
    ("adult_train", lambda: silva.BoostClassifier(n_estimators=30, max_depth=6)),
    ("lightgbm_multiclass_train", lambda: silva.BoostClassifier(n_estimators=10, max_depth=5)),
    ("titanic", lambda: silva.RandomForestClassifier(n_estimators=20, random_state=0)),
    ("adult_train", lambda: silva.GBDTClassifier(n_estimators=20, max_depth=4)),
])
def test_real_data_adds_up(name, make):
    Xf, y = load(name)
    Xf, y = Xf.drop(columns=["Name", "Ticket"], errors="ignore")[:4000], y[:4000]
    model = make().fit(Xf, y)
    contribs = model.predict(Xf, pred_contribs=True)
    raw = model.predict_proba(Xf) if isinstance(model, silva.RandomForestClassifier) \
        else model.predict(Xf, raw_score=True)
    _assert_adds_up(contribs, raw)
    inter = model.predict(Xf[:30], pred_interactions=True)
    np.testing.assert_allclose(inter.sum(axis=-1), contribs[:30], rtol=1e-9, atol=1e-9)
