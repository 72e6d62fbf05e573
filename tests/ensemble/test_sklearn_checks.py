"""scikit-learn's own estimator checks, none skipped or expected to fail."""
from sklearn.utils.estimator_checks import parametrize_with_checks

import silva

# Small models keep the ~60 checks per estimator fast; defaults are exercised everywhere else.
ESTIMATORS = [
    silva.BoostClassifier(n_estimators=20),
    silva.BoostRegressor(n_estimators=20),
    silva.GBDTClassifier(n_estimators=20),
    silva.GBDTRegressor(n_estimators=20),
    silva.DecisionTreeClassifier(),
    silva.DecisionTreeRegressor(),
    silva.RandomForestClassifier(n_estimators=10),
    silva.RandomForestRegressor(n_estimators=10),
    silva.ExtraTreesClassifier(n_estimators=10),
    silva.ExtraTreesRegressor(n_estimators=10),
    silva.AdaBoostClassifier(n_estimators=10),
    silva.AdaBoostRegressor(n_estimators=10),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check, monkeypatch):
    # scikit-learn runs its array-API input check only when this is set (else it skips itself);
    # silva converts any array-API input to NumPy, which the check verifies.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
