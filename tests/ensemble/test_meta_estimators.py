"""scikit-learn's meta-estimators with silva models inside (silva does not rewrite them).

BaggingClassifier over silva trees, StackingClassifier / StackingRegressor of a silva forest and a
silva booster under a linear model, VotingClassifier (soft) of silva models, and the plumbing they
rely on: clone, nested get_params/set_params, grid search over a nested silva parameter, pickling.
Real data: lightgbm_binary (tests/data, 7,000 rows, the given train/test split) and scikit-learn's
breast cancer and diabetes sets. Every ensemble must beat a trivial baseline and come close to (or
beat) its best member on held-out rows.
"""
import functools
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import BaggingClassifier, StackingClassifier, StackingRegressor, VotingClassifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import silva
from datasets import load

THREADS = 2


@functools.lru_cache(maxsize=None)
def _higgs():
    X_tr, y_tr = load("lightgbm_binary_train")
    X_te, y_te = load("lightgbm_binary_test")
    return X_tr.to_numpy(), X_te.to_numpy(), y_tr, y_te


@functools.lru_cache(maxsize=None)
def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, stratify=y, random_state=0))


def _auc(model, X, y):
    return roc_auc_score(y, model.predict_proba(X)[:, 1])


def _same(a, b):
    """Equal parameter values; estimators (fresh clones) compare by type and parameters."""
    if hasattr(a, "get_params"):
        return type(a) is type(b) and all(_same(v, b.get_params(deep=False)[k])
                                          for k, v in a.get_params(deep=False).items())
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _check_params_round_trip(meta):
    """clone keeps every (nested) parameter; set_params reaches the silva models inside."""
    twin = clone(meta)
    deep, twin_deep = meta.get_params(deep=True), twin.get_params(deep=True)
    assert deep.keys() == twin_deep.keys()
    for key, value in deep.items():
        assert _same(value, twin_deep[key]), key
    return twin


def test_bagging_silva_trees():
    X_tr, X_te, y_tr, y_te = _higgs()
    tree = silva.DecisionTreeClassifier(min_samples_leaf=5, random_state=0)
    bag = BaggingClassifier(tree, n_estimators=20, max_features=0.8, random_state=0).fit(X_tr, y_tr)
    assert len(bag.estimators_) == 20
    assert all(type(e) is silva.DecisionTreeClassifier for e in bag.estimators_)
    assert all(e.n_features_in_ == int(0.8 * X_tr.shape[1]) for e in bag.estimators_)
    single = clone(tree).fit(X_tr, y_tr)
    auc_bag, auc_tree = _auc(bag, X_te, y_te), _auc(single, X_te, y_te)
    assert auc_bag > 0.75 and auc_bag > auc_tree + 0.05, (auc_bag, auc_tree)  # bagging helps a deep tree
    proba = bag.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(bag.predict(X_te), bag.classes_[np.argmax(proba, axis=1)])
    twin = _check_params_round_trip(bag)
    assert twin.set_params(estimator__max_depth=4).estimator.max_depth == 4
    assert bag.estimator.max_depth is None  # the original is untouched


def test_stacking_classifier_forest_and_booster_under_logistic_regression():
    X_tr, X_te, y_tr, y_te = _higgs()
    members = [("forest", silva.RandomForestClassifier(n_estimators=60, min_samples_leaf=3, random_state=0,
                                                       n_jobs=THREADS)),
               ("booster", silva.BoostClassifier(n_estimators=60, max_depth=4, learning_rate=0.1,
                                                 random_state=0, n_jobs=THREADS))]
    stack = StackingClassifier(members, final_estimator=LogisticRegression(), cv=4).fit(X_tr, y_tr)
    assert isinstance(stack.named_estimators_["forest"], silva.RandomForestClassifier)
    assert isinstance(stack.named_estimators_["booster"], silva.BoostClassifier)
    # binary stacking feeds one probability column per member to the logistic regression
    assert stack.final_estimator_.coef_.shape == (1, 2)
    assert np.all(stack.final_estimator_.coef_ > 0)  # both members' votes count positively
    aucs = {name: _auc(est, X_te, y_te) for name, est in stack.named_estimators_.items()}
    auc_stack = _auc(stack, X_te, y_te)
    baseline = _auc(DummyClassifier(strategy="prior").fit(X_tr, y_tr), X_te, y_te)
    assert baseline == 0.5
    assert auc_stack > 0.75
    assert auc_stack >= max(aucs.values()) - 0.01, (auc_stack, aucs)
    _check_params_round_trip(stack)
    assert clone(stack).set_params(forest__n_estimators=10).estimators[0][1].n_estimators == 10


def test_stacking_regressor():
    # diabetes is small and noisy (a 30% hold-out moves R2 by +-0.05): members and stack are compared
    # by their 5-fold cross-validated R2 over all 442 rows, on the same folds
    X, y = load_diabetes(return_X_y=True)
    members = [("forest", silva.RandomForestRegressor(n_estimators=50, min_samples_leaf=5, random_state=0,
                                                      n_jobs=THREADS)),
               ("booster", silva.BoostRegressor(n_estimators=100, max_depth=2, learning_rate=0.05,
                                                random_state=0, n_jobs=THREADS)),
               ("adaboost", silva.AdaBoostRegressor(n_estimators=30, learning_rate=0.5, random_state=0,
                                                    n_jobs=THREADS))]
    stack = StackingRegressor(members, final_estimator=RidgeCV(), cv=5)
    folds = KFold(5, shuffle=True, random_state=0)
    r2 = {name: cross_val_score(est, X, y, cv=folds).mean() for name, est in members}
    r2_stack = cross_val_score(stack, X, y, cv=folds).mean()
    assert cross_val_score(DummyRegressor(), X, y, cv=folds).mean() < 0.01
    assert r2_stack > 0.4
    assert r2_stack >= max(r2.values()) - 0.02, (r2_stack, r2)
    fitted = stack.fit(X, y)
    assert isinstance(fitted.named_estimators_["adaboost"], silva.AdaBoostRegressor)
    assert fitted.final_estimator_.coef_.shape == (3,)
    _check_params_round_trip(stack)


def test_soft_voting_averages_the_silva_probabilities():
    X_tr, X_te, y_tr, y_te = _cancer()
    members = [("forest", silva.RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=THREADS)),
               ("booster", silva.BoostClassifier(n_estimators=50, max_depth=3, random_state=0,
                                                 n_jobs=THREADS)),
               ("adaboost", silva.AdaBoostClassifier(n_estimators=50, random_state=0, n_jobs=THREADS)),
               ("extra", silva.ExtraTreesClassifier(n_estimators=50, random_state=0, n_jobs=THREADS))]
    vote = VotingClassifier(members, voting="soft").fit(X_tr, y_tr)
    fitted = vote.named_estimators_
    mean = np.mean([est.predict_proba(X_te) for est in fitted.values()], axis=0)
    np.testing.assert_allclose(vote.predict_proba(X_te), mean, rtol=1e-12)
    accuracy = {name: accuracy_score(y_te, est.predict(X_te)) for name, est in fitted.items()}
    acc_vote = accuracy_score(y_te, vote.predict(X_te))
    majority = accuracy_score(y_te, DummyClassifier().fit(X_tr, y_tr).predict(X_te))
    assert acc_vote > majority + 0.25  # 0.63 -> above 0.9
    assert acc_vote >= max(accuracy.values()) - 0.02, (acc_vote, accuracy)
    weighted = clone(vote).set_params(weights=[2, 1, 1, 1], adaboost__n_estimators=20).fit(X_tr, y_tr)
    assert weighted.named_estimators_["adaboost"].n_estimators == 20
    _check_params_round_trip(vote)


def test_grid_search_over_a_nested_silva_parameter_and_pickling():
    X_tr, X_te, y_tr, y_te = _cancer()
    pipe = make_pipeline(StandardScaler(), BaggingClassifier(silva.DecisionTreeClassifier(random_state=0),
                                                             n_estimators=10, random_state=0))
    search = GridSearchCV(pipe, {"baggingclassifier__estimator__max_depth": [1, 4]}, cv=3).fit(X_tr, y_tr)
    assert search.best_params_ == {"baggingclassifier__estimator__max_depth": 4}  # stumps underfit
    best = search.best_estimator_
    assert all(e.max_depth == 4 for e in best[-1].estimators_)
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict_proba(X_te), best.predict_proba(X_te))
    assert accuracy_score(y_te, restored.predict(X_te)) > 0.9


@pytest.mark.parametrize("meta", ["bagging", "voting"])
def test_meta_estimators_with_adaboost_inside(meta):
    # silva's AdaBoost is itself a meta-estimator over silva trees: it nests like any estimator
    X_tr, X_te, y_tr, y_te = _cancer()
    ada = silva.AdaBoostClassifier(silva.DecisionTreeClassifier(max_depth=2), n_estimators=20, random_state=0,
                                   n_jobs=THREADS)
    if meta == "bagging":
        model = BaggingClassifier(ada, n_estimators=5, random_state=0)
    else:
        model = VotingClassifier([("ada", ada), ("lr", make_pipeline(StandardScaler(), LogisticRegression()))],
                                 voting="soft")
    model.fit(X_tr, y_tr)
    assert accuracy_score(y_te, model.predict(X_te)) > 0.9
    key = "estimator__estimator__max_depth" if meta == "bagging" else "ada__estimator__max_depth"
    assert model.get_params()[key] == 2
    assert clone(model).set_params(**{key: 3}).get_params()[key] == 3
