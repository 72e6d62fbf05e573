"""The boosters' sampling variants (silva/ensemble/_sampling.py): DART tree dropout and GOSS rows."""
import warnings

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import silva
from tests.datasets import load_frame

lgb = pytest.importorskip("lightgbm")


@pytest.fixture(scope="module")
def adult():
    frame = load_frame("adult_train")
    tr, te = train_test_split(frame, test_size=0.25, random_state=0, stratify=frame["target"])
    return tr.drop(columns="target"), tr["target"].to_numpy(), te.drop(columns="target"), te["target"].to_numpy()


COMMON = dict(n_estimators=100, learning_rate=0.1, max_depth=6, random_state=0)
# silva's and LightGBM's names of the same settings (LightGBM: 63 leaves at most at depth 6, the
# regularisers set to silva's defaults)
CASES = {
    "dart": (dict(booster="dart", rate_drop=0.1, skip_drop=0.5),
             dict(boosting_type="dart", drop_rate=0.1, skip_drop=0.5)),
    "goss": (dict(data_sample_strategy="goss", top_rate=0.2, other_rate=0.1),
             dict(data_sample_strategy="goss", top_rate=0.2, other_rate=0.1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_within_half_a_point_of_lightgbm(adult, case):
    Xa, ya, Xb, yb = adult
    mine, theirs = CASES[case]
    ours = silva.BoostClassifier(**COMMON, **mine).fit(Xa, ya)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        peer = lgb.LGBMClassifier(num_leaves=63, min_child_samples=1, min_child_weight=1.0, reg_lambda=1.0,
                                  verbose=-1, n_jobs=2, **COMMON, **theirs).fit(Xa, ya)
    auc = roc_auc_score(yb, ours.predict_proba(Xb)[:, 1])
    auc_peer = roc_auc_score(yb, peer.predict_proba(Xb)[:, 1])
    assert auc >= auc_peer - 0.005, (auc, auc_peer)


def _fit(X, y, **kw):
    return silva.BoostClassifier(**{"n_estimators": 30, "max_depth": 4, "random_state": 0, **kw}).fit(X, y)


def test_dart_without_drops_is_plain_boosting(adult):
    Xa, ya, Xb, _ = adult
    plain = _fit(Xa, ya).predict_proba(Xb)
    for kw in (dict(rate_drop=0.0), dict(rate_drop=0.5, skip_drop=1.0)):
        np.testing.assert_array_equal(_fit(Xa, ya, booster="dart", **kw).predict_proba(Xb), plain)


@pytest.mark.parametrize("kw", [dict(booster="dart", rate_drop=0.2),
                                dict(booster="dart", rate_drop=0.1, normalize_type="forest", sample_type="weighted"),
                                dict(booster="dart", rate_drop=0.0, one_drop=True),
                                dict(data_sample_strategy="goss")])
def test_same_seed_same_model_whatever_the_threads(adult, kw):
    Xa, ya, Xb, _ = adult
    one = _fit(Xa, ya, n_jobs=1, **kw).predict_proba(Xb)
    two = _fit(Xa, ya, n_jobs=2, **kw).predict_proba(Xb)
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, _fit(Xa, ya).predict_proba(Xb))  # the variant changed the model


def test_dart_rescales_dropped_rounds(adult):
    """Two rounds with one_drop: the second drops the first, so it is fitted on the first round's
    gradients again (the same tree), and both end at 1 / (1 + learning_rate) of its size:
    raw = baseline + 2 / (1 + eta) * tree_0, where plain boosting's first round is baseline + tree_0."""
    Xa, ya, Xb, _ = adult
    for normalize_type in ("tree", "forest"):
        dart = _fit(Xa, ya, booster="dart", rate_drop=0.0, one_drop=True, n_estimators=2, learning_rate=0.3,
                    normalize_type=normalize_type)
        plain = _fit(Xa, ya, n_estimators=1, learning_rate=0.3)
        base = plain._baseline[0]
        np.testing.assert_allclose(dart.decision_function(Xb) - base,
                                   2 / 1.3 * (plain.decision_function(Xb) - base), rtol=1e-9, atol=1e-12)


def test_goss_keeps_every_row_while_the_model_is_young(adult):
    """LightGBM's rule: the first 1 / learning_rate rounds use every row, so they equal plain rounds."""
    Xa, ya, Xb, _ = adult
    goss = _fit(Xa, ya, data_sample_strategy="goss", learning_rate=0.25, n_estimators=4)
    plain = _fit(Xa, ya, learning_rate=0.25, n_estimators=4)
    np.testing.assert_array_equal(goss.predict_proba(Xb), plain.predict_proba(Xb))
    later = _fit(Xa, ya, data_sample_strategy="goss", learning_rate=0.25, n_estimators=6)
    assert not np.array_equal(later.predict_proba(Xb), _fit(Xa, ya, learning_rate=0.25, n_estimators=6)
                              .predict_proba(Xb))


def test_bad_combinations_are_clear_errors(adult):
    Xa, ya, _, _ = adult
    with pytest.raises(ValueError, match="early stopping"):
        _fit(Xa, ya, booster="dart", n_iter_no_change=5)
    with pytest.raises(ValueError, match="top_rate \\+ other_rate"):
        _fit(Xa, ya, data_sample_strategy="goss", top_rate=0.7, other_rate=0.5)
    with pytest.raises(ValueError, match="subsample=1"):
        _fit(Xa, ya, data_sample_strategy="goss", subsample=0.5)


def test_dart_model_file_and_regression(tmp_path):
    frame = load_frame("california_housing")
    X, y = frame.drop(columns="target"), frame["target"].to_numpy()
    model = silva.BoostRegressor(booster="dart", rate_drop=0.2, n_estimators=20, random_state=0).fit(X, y)
    model.save(tmp_path / "m.json")
    np.testing.assert_array_equal(silva.load(tmp_path / "m.json").predict(X), model.predict(X))
    assert model.score(X, y) > 0.6
