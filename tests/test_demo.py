"""The demo (``make demo``) runs end to end and writes loadable model files."""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes

import silva
from silva import demo


def test_demo_runs_and_writes_loadable_models(tmp_path, capsys):
    assert demo.main(["--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "identical: True" in out

    clf_path = tmp_path / "silva_demo_breast_cancer.json"
    reg_path = tmp_path / "silva_demo_diabetes.json"
    assert clf_path.is_file() and reg_path.is_file()

    X, y = load_breast_cancer(return_X_y=True)
    clf = silva.load(clf_path)
    assert isinstance(clf, silva.BoostClassifier)
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    assert np.all(np.isfinite(proba))
    assert set(np.unique(clf.predict(X))) <= set(np.unique(y))
    assert clf.score(X, y) > 0.9

    X_r, _ = load_diabetes(return_X_y=True)
    reg = silva.load(reg_path)
    assert isinstance(reg, silva.BoostRegressor)
    pred = reg.predict(X_r)
    assert pred.shape == (X_r.shape[0],)
    assert np.all(np.isfinite(pred))
