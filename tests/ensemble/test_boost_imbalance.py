"""``scale_pos_weight`` (XGBoost's) and ``class_weight`` (scikit-learn's) multiply the sample weights:
a weighted fit is bit for bit the fit given those weights, and close to XGBoost's own."""
import numpy as np
import pytest
from sklearn.utils.class_weight import compute_sample_weight

import silva
from tests.compare import translate as T
from tests.datasets import load, to_numeric

N_ROWS = 4000
PARAMS = dict(n_estimators=50, max_depth=4, learning_rate=0.1, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = load("lightgbm_binary_train")
    X, y = to_numeric(X).to_numpy()[:N_ROWS], y[:N_ROWS]
    keep = (y == 0) | (np.arange(y.size) % 4 == 0)  # a quarter of the positives: imbalanced
    return X[keep], y[keep]


def test_scale_pos_weight_is_the_equivalent_sample_weight(binary):
    X, y = binary
    spw = (y == 0).sum() / (y == 1).sum()
    scaled = silva.BoostClassifier(scale_pos_weight=spw, **PARAMS).fit(X, y)
    weighted = silva.BoostClassifier(**PARAMS).fit(X, y, sample_weight=np.where(y == 1, spw, 1.0))
    np.testing.assert_array_equal(scaled.predict_proba(X), weighted.predict_proba(X))
    plain = silva.BoostClassifier(**PARAMS).fit(X, y)
    assert scaled.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.1


def test_scale_pos_weight_multiplies_given_weights(binary):
    X, y = binary
    sw = np.random.RandomState(0).uniform(0.5, 2.0, y.size)
    scaled = silva.BoostClassifier(scale_pos_weight=3.0, **PARAMS).fit(X, y, sample_weight=sw)
    weighted = silva.BoostClassifier(**PARAMS).fit(X, y, sample_weight=sw * np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(scaled.decision_function(X), weighted.decision_function(X))


def test_scale_pos_weight_is_close_to_xgboosts(binary):
    xgb = pytest.importorskip("xgboost")
    X, y = binary
    spw = (y == 0).sum() / (y == 1).sum()
    kw = T.to_xgboost(silva.BoostClassifier(**PARAMS).get_params(), strict=True)

    def probas(s):
        ours = silva.BoostClassifier(scale_pos_weight=s, **PARAMS).fit(X, y).predict_proba(X)[:, 1]
        return ours, xgb.XGBClassifier(scale_pos_weight=s, **kw).fit(X, y).predict_proba(X)[:, 1]

    ours, theirs = probas(spw)
    ours_1, theirs_1 = probas(1.0)
    # The two differ unweighted already (other bins: measured 0.026 mean |difference| of probabilities);
    # the weight must move both alike: mean probability 0.229 -> 0.399 (silva), 0.230 -> 0.398 (XGBoost).
    assert abs((ours.mean() - ours_1.mean()) - (theirs.mean() - theirs_1.mean())) < 0.01
    assert ours.mean() - ours_1.mean() > 0.1
    assert np.abs(ours - theirs).mean() < 1.5 * np.abs(ours_1 - theirs_1).mean() + 0.005
    assert np.corrcoef(ours, theirs)[0, 1] > 0.95


def test_class_weight_balanced_is_sklearns_weights(binary):
    # GBDTClassifier has no class_weight: without regularisation, Friedman's leaf steps under extreme
    # class weights grow unbounded on a few rows (it failed scikit-learn's check_class_weight_classifiers)
    cls = silva.BoostClassifier
    X, y = binary
    params = dict(n_estimators=20, random_state=0)
    balanced = cls(class_weight="balanced", **params).fit(X, y)
    weighted = cls(**params).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_array_equal(balanced.predict_proba(X), weighted.predict_proba(X))


def test_class_weight_dict_on_labels_and_multiclass():
    X, y = load("lightgbm_multiclass_train")
    X, y = to_numeric(X).to_numpy()[:N_ROWS], y[:N_ROWS]
    labels = np.unique(y)
    cw = {label: 1.0 + i for i, label in enumerate(labels)}
    params = dict(n_estimators=10, max_depth=3, random_state=0)
    by_dict = silva.BoostClassifier(class_weight=cw, **params).fit(X, y)
    weighted = silva.BoostClassifier(**params).fit(X, y, sample_weight=compute_sample_weight(cw, y))
    np.testing.assert_array_equal(by_dict.predict_proba(X), weighted.predict_proba(X))
    with pytest.raises(ValueError, match="scale_pos_weight=2.0 needs two classes"):
        silva.BoostClassifier(scale_pos_weight=2.0, **params).fit(X, y)
    with pytest.raises(ValueError, match="class_weight has labels not in y"):
        silva.BoostClassifier(class_weight={"nope": 2.0}, **params).fit(X, y)


def test_bad_imbalance_parameters_raise(binary):
    X, y = binary
    with pytest.raises(ValueError, match="BoostRegressor is a regressor"):
        silva.BoostRegressor(scale_pos_weight=2.0, n_estimators=2).fit(X, y.astype(float))
    with pytest.raises(ValueError, match="scale_pos_weight"):
        silva.BoostClassifier(scale_pos_weight=0.0, n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be None, 'balanced' or a dict"):
        silva.BoostClassifier(class_weight="balanced_subsample", n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="sum to zero"):
        silva.BoostClassifier(class_weight={0: 0.0, 1: 0.0}, n_estimators=2).fit(X, y)


def test_imbalance_parameters_survive_the_model_file(binary, tmp_path):
    X, y = binary
    model = silva.BoostClassifier(scale_pos_weight=2.5, class_weight={0: 1.0, 1: 2.0}, warm_start=True,
                                  n_estimators=5, random_state=0).fit(X, y)
    model.save(tmp_path / "m.json")
    loaded = silva.load(tmp_path / "m.json")
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
