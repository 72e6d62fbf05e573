"""The classic family against scikit-learn on the shared real data sets, with matched parameters.

Pairs: DecisionTree*, RandomForest*, ExtraTrees*, GBDT* and AdaBoost* against scikit-learn's
estimator of the same name (GBDT: GradientBoosting*), both given the same parameters (tree depth,
rounds, learning rate, forest size). Inputs: ``datasets.to_numeric`` (categories as float codes,
missing values NaN) for both libraries; silva takes the NaN itself (a missing-value bin with a learned
direction), scikit-learn gets ``SimpleImputer(strategy="median")`` in a Pipeline whenever the training
rows hold a NaN. silva keeps its default ``max_bin=255`` throughout: this is the comparison a user
makes.

Targets (issue 9): RMSE within 1% (relative), binary AUC within 0.005, multiclass accuracy within 1
point (0.01; the multiclass sets have 500 and 69 test rows, where one row is 0.2 and 1.45 points).

Why seeds and a standard error. One held-out score moves from run to run by more than these
tolerances on its own: scikit-learn's AdaBoostRegressor fits each learner on a weighted bootstrap
(its RMSE moves by ~3% std from seed to seed on california_housing; silva passes the weights to the
learner and is deterministic), forests draw rows and features, and which of two near-equal
thresholds a tree takes -- binned or exact -- moves one split's test RMSE by ~0.5%
(california_housing, GBDT depth 3 x 100: silva minus scikit-learn is +0.13% +- 0.19% over 12 random
splits, from -0.7% to +1.35% on single ones). So each case is run with S seeds; data without a given
split is split anew (80/20) with each seed, both libraries seeing the same rows. The paired relative
differences d_s (regression: (rmse_silva - rmse_sklearn) / rmse_sklearn; classification:
score_sklearn - score_silva) give the shortfall mean(d) and its standard error sd(d) / sqrt(S); the
test fails when

    mean(d) > tol + 2 * SE.

A silva equal to scikit-learn in expectation then fails in about 2% of runs of a noisy case and never
in a deterministic one (SE = 0: the bare tolerance), while a real shortfall beyond the tolerance
fails in most. No result is hard-coded: both libraries are fitted in the test.

The fast cases (default suite) use the copies in tests/data with few trees (about 15 s on 2 cores once Numba's cache is warm);
the slow ones (``-m slow``) every shared set suited to the task, from ../shared/data, and skip when
that folder is absent (``datasets.load`` skips).
"""
import functools

import numpy as np
import pytest
from sklearn import ensemble as sk_ensemble
from sklearn import tree as sk_tree
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

import silva
from datasets import load, to_numeric

THREADS = 2
TOL = {"regression": 0.01, "binary": 0.005, "multiclass": 0.01}
TASKS = {
    # given train/test split (<name>_train / <name>_test)
    "lightgbm_binary": "binary", "lightgbm_multiclass": "multiclass", "xgboost_agaricus": "binary",
    "adult": "binary", "protein_rmsd": "regression", "insteval": "regression", "movielens": "regression",
    "kddcup99": "binary",
    # one file: a seeded 80/20 split per seed (stratified for classes)
    "titanic": "binary", "penguins": "multiclass", "lightgbm_categorical": "binary",
    "california_housing": "regression", "diamonds": "regression", "bike_sharing_hourly": "regression",
    "nyc_taxis_fare": "regression", "xgboost_machine_cpu": "regression",
    "default_credit_card_taiwan": "binary",
}
GIVEN_SPLIT = {"lightgbm_binary", "lightgbm_multiclass", "xgboost_agaricus", "adult", "protein_rmsd",
               "insteval", "movielens", "kddcup99"}
# Not compared: lightgbm_regression (its "regression" target is the 0/1 HIGGS label of
# lightgbm_binary), lightgbm_lambdarank (ranking) and xgboost_veterans_lung_cancer (survival).


# ----------------------------------------------------------------- estimators
def _sk_adaboost_classifier(**kw):
    return sk_ensemble.AdaBoostClassifier(sk_tree.DecisionTreeClassifier(max_depth=kw.pop("max_depth")), **kw)


def _sk_adaboost_regressor(**kw):
    return sk_ensemble.AdaBoostRegressor(sk_tree.DecisionTreeRegressor(max_depth=kw.pop("max_depth")), **kw)


def _silva_adaboost_classifier(**kw):
    return silva.AdaBoostClassifier(silva.DecisionTreeClassifier(max_depth=kw.pop("max_depth")), **kw)


def _silva_adaboost_regressor(**kw):
    return silva.AdaBoostRegressor(silva.DecisionTreeRegressor(max_depth=kw.pop("max_depth")), **kw)


# family -> (classification pair, regression pair, takes n_jobs); each pair (silva, scikit-learn)
FAMILIES = {
    "tree": ((silva.DecisionTreeClassifier, sk_tree.DecisionTreeClassifier),
             (silva.DecisionTreeRegressor, sk_tree.DecisionTreeRegressor), False),
    "forest": ((silva.RandomForestClassifier, sk_ensemble.RandomForestClassifier),
               (silva.RandomForestRegressor, sk_ensemble.RandomForestRegressor), True),
    "extra": ((silva.ExtraTreesClassifier, sk_ensemble.ExtraTreesClassifier),
              (silva.ExtraTreesRegressor, sk_ensemble.ExtraTreesRegressor), True),
    "gbdt": ((silva.GBDTClassifier, sk_ensemble.GradientBoostingClassifier),
             (silva.GBDTRegressor, sk_ensemble.GradientBoostingRegressor), False),
    "adaboost": ((_silva_adaboost_classifier, _sk_adaboost_classifier),
                 (_silva_adaboost_regressor, _sk_adaboost_regressor), False),
}


def _models(family, task, params, seed, has_nan):
    """(silva model, scikit-learn model) with the same parameters and seed."""
    (ours_c, theirs_c), (ours_r, theirs_r), threads = FAMILIES[family]
    ours, theirs = (ours_r, theirs_r) if task == "regression" else (ours_c, theirs_c)
    kw = dict(params, random_state=seed)
    theirs = theirs(**kw, **({"n_jobs": THREADS} if threads else {}))
    if has_nan:
        theirs = make_pipeline(SimpleImputer(strategy="median"), theirs)
    return ours(**kw, n_jobs=THREADS), theirs


# ----------------------------------------------------------------- data
@functools.lru_cache(maxsize=None)
def _given_split(name):
    X_tr, y_tr = load(f"{name}_train")
    X_te, y_te = load(f"{name}_test")
    return to_numeric(X_tr).to_numpy(), to_numeric(X_te, reference=X_tr).to_numpy(), y_tr, y_te


@functools.lru_cache(maxsize=None)
def _whole(name):
    X, y = load(name)
    return to_numeric(X).to_numpy(), y


def _split(name, seed, max_train):
    """(X_train, X_test, y_train, y_test) of ``seed``: the given split, or a seeded 80/20 one; at most
    ``max_train`` training rows (a seeded draw) when given."""
    task = TASKS[name]
    if name in GIVEN_SPLIT:
        X_tr, X_te, y_tr, y_te = _given_split(name)
    else:
        X, y = _whole(name)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=seed,
                                                  stratify=None if task == "regression" else y)
    if max_train is not None and X_tr.shape[0] > max_train:
        rows = np.sort(np.random.RandomState(seed).choice(X_tr.shape[0], max_train, replace=False))
        X_tr, y_tr = X_tr[rows], y_tr[rows]
    return X_tr, X_te, y_tr, y_te


def _score(task, model, X, y):
    if task == "binary":
        return roc_auc_score(y, model.predict_proba(X)[:, 1])
    if task == "multiclass":
        return accuracy_score(y, model.predict(X))
    return float(np.sqrt(mean_squared_error(y, model.predict(X))))


def _compare(name, family, params, seeds, max_train=None):
    task = TASKS[name]
    diffs, report = [], []
    for seed in range(seeds):
        X_tr, X_te, y_tr, y_te = _split(name, seed, max_train)
        ours, theirs = _models(family, task, params, seed, bool(np.isnan(X_tr).any()))
        s = _score(task, ours.fit(X_tr, y_tr), X_te, y_te)
        k = _score(task, theirs.fit(X_tr, y_tr), X_te, y_te)
        diffs.append((s - k) / k if task == "regression" else k - s)
        report.append(f"{s:.5g}/{k:.5g}")
    diffs = np.asarray(diffs)
    shortfall = float(diffs.mean())
    se = float(diffs.std(ddof=1) / np.sqrt(seeds)) if seeds > 1 else 0.0
    allowed = TOL[task] + 2 * se
    metric = {"binary": "AUC", "multiclass": "accuracy", "regression": "RMSE"}[task]
    msg = (f"{name} {family} {params}: {metric} silva/scikit-learn per seed {', '.join(report)}; "
           f"shortfall {shortfall:+.5f}{' (relative)' if task == 'regression' else ''}, "
           f"allowed {allowed:.5f} = {TOL[task]} + 2 SE")
    print("\n" + msg)
    assert shortfall <= allowed, msg


# ----------------------------------------------------------------- parameters
def _params(family, task, size):
    """Matched parameters; ``size`` "fast" (default suite) or "full" (slow)."""
    full = size == "full"
    if family == "tree":
        return dict(max_depth=8)
    if family in ("forest", "extra"):
        return dict(n_estimators=50)
    if family == "gbdt":
        return dict(n_estimators=100 if full else 50, learning_rate=0.1, max_depth=3)
    if task == "regression":  # AdaBoost.R2 on depth-3 trees (scikit-learn's default learner)
        return dict(n_estimators=100 if full else 50, max_depth=3)
    # SAMME on stumps for two classes; on depth-3 trees for more (stumps on the 5 balanced classes of
    # lightgbm_multiclass stay near chance, 22-26% accuracy, where one binned threshold moves the
    # score by 1.5 points either way; with exact bins silva's stumps score as scikit-learn's)
    return dict(n_estimators=100 if full else 50, max_depth=1 if task == "binary" else 3)


# Seeds: 3 where the run-to-run spread is small next to the tolerance, 5 where it is not (AdaBoost
# regression: scikit-learn's bootstrap; single trees and small test sets: one threshold or row moves
# the score by more than the tolerance).
def _seeds(family, task, name):
    if family == "adaboost" and task == "regression" or family == "tree" or name in ("penguins", "titanic"):
        return 5
    return 3


# ----------------------------------------------------------------- fast cases (tests/data copies)
FAST = [
    ("lightgbm_binary", family, 3000) for family in FAMILIES
] + [
    ("titanic", family, None) for family in FAMILIES
] + [
    ("penguins", family, None) for family in FAMILIES
]


@pytest.mark.parametrize("name, family, max_train", FAST, ids=[f"{n}-{f}" for n, f, _ in FAST])
def test_family_matches_sklearn(name, family, max_train):
    task = TASKS[name]
    _compare(name, family, _params(family, task, "fast"), _seeds(family, task, name), max_train)


# ----------------------------------------------------------------- slow cases (../shared/data)
SLOW_SETS = {  # name -> most training rows (scikit-learn's exact trees on 494k rows take minutes)
    "california_housing": None, "diamonds": None, "bike_sharing_hourly": None, "protein_rmsd": None,
    "nyc_taxis_fare": None, "xgboost_machine_cpu": None, "insteval": None, "movielens": 40_000,
    "adult": None, "default_credit_card_taiwan": None, "lightgbm_categorical": None,
    "xgboost_agaricus": None, "lightgbm_multiclass": None, "kddcup99": 50_000,
}
SLOW = [(name, family, rows) for name, rows in SLOW_SETS.items() for family in FAMILIES]


@pytest.mark.slow
@pytest.mark.parametrize("name, family, max_train", SLOW, ids=[f"{n}-{f}" for n, f, _ in SLOW])
def test_family_matches_sklearn_on_shared_data(name, family, max_train):
    task = TASKS[name]
    _compare(name, family, _params(family, task, "full"), _seeds(family, task, name), max_train)
