"""Native categorical splits: category sets, unseen categories, many categories."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import silva


def _frame(codes, extra=None):
    df = pd.DataFrame({"c": pd.Categorical(codes, categories=np.arange(codes.max() + 1))})
    if extra is not None:
        df["x"] = extra
    return df


def test_one_categorical_split_separates_a_category_set():
    rng = np.random.RandomState(0)
    codes = rng.randint(0, 30, size=4000)
    y = np.isin(codes, [1, 5, 7, 12, 22, 29]).astype(int)  # no threshold on the codes separates this
    params = dict(n_estimators=1, max_depth=1, learning_rate=1.0, reg_lambda=0.0, random_state=0)
    native = silva.BoostClassifier(**params).fit(_frame(codes), y)
    ordinal = silva.BoostClassifier(**params).fit(codes[:, None].astype(float), y)
    assert roc_auc_score(y, native.predict_proba(_frame(codes))[:, 1]) == 1.0
    assert roc_auc_score(y, ordinal.predict_proba(codes[:, None].astype(float))[:, 1]) < 0.8
    assert (native._forest.nodes["cat_index"] >= 0).sum() == 1


def test_unseen_categories_follow_missing_values():
    rng = np.random.RandomState(1)
    codes = rng.randint(0, 10, size=3000).astype(float)
    codes[rng.rand(3000) < 0.1] = np.nan
    x = rng.normal(size=3000)
    y = ((np.nan_to_num(codes, nan=3) % 3 == 0) ^ (x > 0)).astype(int)
    df = pd.DataFrame({"c": pd.Categorical(codes, categories=np.arange(10.0)), "x": x})
    model = silva.BoostClassifier(n_estimators=20, random_state=0).fit(df, y)
    test = pd.DataFrame({"c": pd.Categorical([np.nan] * 5, categories=np.arange(10.0)), "x": x[:5]})
    unseen = pd.DataFrame({"c": pd.Categorical([99.0] * 5, categories=np.append(np.arange(10.0), 99.0)),
                           "x": x[:5]})
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(test))


def test_more_than_255_categories():
    rng = np.random.RandomState(2)
    n_cat = 1000
    codes = rng.zipf(1.3, size=20000) % n_cat
    effect = rng.normal(size=n_cat)
    y = (effect[codes] + 0.3 * rng.normal(size=codes.size) > 0).astype(int)
    df = _frame(codes)
    model = silva.BoostClassifier(n_estimators=30, max_depth=3, random_state=0).fit(df, y)
    assert roc_auc_score(y, model.predict_proba(df)[:, 1]) > 0.8
    assert (model._forest.nodes["cat_index"] >= 0).any()


def test_categorical_model_round_trip(tmp_path):
    rng = np.random.RandomState(3)
    codes = rng.randint(0, 40, size=2000)
    y = (codes % 4 == 1).astype(int)
    df = _frame(codes, extra=rng.normal(size=codes.size))
    model = silva.BoostClassifier(n_estimators=10, random_state=0).fit(df, y)
    model.save(tmp_path / "m.json")
    loaded = silva.load(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.predict_proba(df), model.predict_proba(df))


def test_integer_codes_declared_categorical_by_index_or_name():
    rng = np.random.RandomState(4)
    codes = rng.randint(0, 30, size=3000).astype(float)
    y = np.isin(codes, [2, 9, 17, 25]).astype(int)
    params = dict(n_estimators=1, max_depth=1, learning_rate=1.0, reg_lambda=0.0, random_state=0)
    by_index = silva.BoostClassifier(categorical_features=[0], **params).fit(codes[:, None], y)
    df = pd.DataFrame({"code": codes})
    by_name = silva.BoostClassifier(categorical_features=["code"], **params).fit(df, y)
    for model, X in ((by_index, codes[:, None]), (by_name, df)):
        assert roc_auc_score(y, model.predict_proba(X)[:, 1]) == 1.0
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        silva.BoostClassifier(categorical_features=["nope"], **params).fit(df, y)
    with pytest.raises(ValueError, match="non-negative integer codes"):
        silva.BoostClassifier(categorical_features=[0], **params).fit(codes[:, None] + 0.5, y)
