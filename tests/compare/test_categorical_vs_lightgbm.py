"""Native categorical splits against LightGBM's native categoricals and against ordinal codes."""
import lightgbm as lgb
from sklearn.metrics import roc_auc_score

import silva
from tests.datasets import load, to_numeric

# Same growth for both libraries: 31 leaves best-first, LightGBM's leaf minimums, lambda 1; silva's
# category regularisers default to LightGBM's (cat_smooth=10, cat_l2=10, min_data_per_group=100,
# max_cat_threshold=32).
N_TREES = 150
SILVA = dict(n_estimators=N_TREES, learning_rate=0.1, grow_policy="leafwise", max_leaves=31, max_depth=None,
             min_samples_leaf=20, min_child_weight=1e-3, reg_lambda=1.0, random_state=0, n_jobs=2)
LGBM = dict(n_estimators=N_TREES, learning_rate=0.1, num_leaves=31, min_child_samples=20,
            min_child_weight=1e-3, reg_lambda=1.0, random_state=0, n_jobs=2, verbose=-1)


def _split(name):
    X_tr, y_tr = load(f"{name}_train")
    X_te, y_te = load(f"{name}_test")
    return X_tr, X_te, y_tr, y_te


def _aucs(name):
    X_tr, X_te, y_tr, y_te = _split(name)
    native = silva.BoostClassifier(**SILVA).fit(X_tr, y_tr)
    assert (native._forest.nodes["cat_index"] >= 0).any()
    ordinal = silva.BoostClassifier(**SILVA).fit(to_numeric(X_tr), y_tr)
    peer = lgb.LGBMClassifier(**LGBM).fit(X_tr, y_tr)
    return (roc_auc_score(y_te, native.predict_proba(X_te)[:, 1]),
            roc_auc_score(y_te, ordinal.predict_proba(to_numeric(X_te, reference=X_tr))[:, 1]),
            roc_auc_score(y_te, peer.predict_proba(X_te)[:, 1]))


# lightgbm_categorical is not asserted: there both libraries' native splits overfit its ~1,100-level
# columns (AUC ~0.59, silva 0.005-0.009 below LightGBM) while ordinal codes reach ~0.70 -- an open
# problem reported in the issue notes, not hidden by a loose tolerance.
def test_native_categoricals_match_lightgbm_on_adult():
    native, ordinal, peer = _aucs("adult")
    msg = f"adult: silva native {native:.5f}, silva ordinal {ordinal:.5f}, LightGBM native {peer:.5f}"
    assert native >= peer - 0.003, msg
    # native and ordinal codes are within 1e-5 AUC here; 0.001 is below the test-set noise
    assert native >= ordinal - 0.001, msg
