"""BoostClassifier and BoostRegressor: XGBoost-style regularised second-order boosting."""
import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from ..losses import get_loss
from ._boosting_base import BaseBoost

_PARAMS_DOC = """
    Parameters
    ----------
    n_estimators : int, default=100
        Boosting rounds (a multiclass model grows one tree per class per round).
    learning_rate : float, default=0.1
        Shrinkage of every leaf value.
    max_depth : int or None, default=6
        Deepest level of a tree; None for no limit (then set ``max_leaves``).
    max_leaves : int or None, default=None
        Most leaves per tree. With ``grow_policy="leafwise"`` the open leaf of highest gain is split
        until this many leaves exist.
    grow_policy : {"depthwise", "leafwise"}, default="depthwise"
        Level-by-level growth (XGBoost) or best-first growth (LightGBM).
    min_child_weight : float, default=1.0
        Least sum of hessians in each child of a split.
    min_samples_leaf : int, default=1
        Least number of training rows in each child of a split.
    reg_lambda, reg_alpha : float, default=1.0, 0.0
        L2 and L1 penalties on leaf values.
    gamma : float, default=0.0
        Least gain ``1/2 [G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l)]`` a split must add, as in the
        XGBoost paper. XGBoost's ``min_split_loss`` and LightGBM's ``min_split_gain`` are compared with
        the bracket without the 1/2, so ``gamma=g`` here matches ``min_split_loss=2*g`` there. Applied
        greedily when a split is chosen (as LightGBM does), not by XGBoost's post-pruning.
    subsample : float, default=1.0
        Fraction of rows drawn (without replacement) for each round.
    colsample_bytree, colsample_bynode : float, default=1.0
        Fraction of features drawn for each tree, then of those for each node.
    max_bin : int, default=255
        Most value bins per feature; missing values (NaN) get a bin of their own and a learned direction.
    objective : str, callable or None, default=None
        {objectives}, or ``fn(y_true, raw) -> (grad, hess)``.
    n_iter_no_change : int or None, default=None
        Stop after this many rounds without improvement on the last ``eval_set`` (or on a held-out
        ``validation_fraction`` when no eval_set is given) and keep the best round.
    validation_fraction : float or None, default=None
        Held-out share for early stopping without an eval_set (0.1 when None).
    tol : float, default=1e-7
        Least decrease of the validation metric that counts as an improvement.
    random_state : int, RandomState or None
        Seeds row/column sampling and the validation split; the same seed gives the same model whatever
        ``n_jobs`` is.
    n_jobs : int or None, default=None
        Threads; None uses the physical cores.
    verbose : int, default=0
        Print the validation metrics every ``verbose`` rounds and the phase timings at the end.
"""


class BoostClassifier(ClassifierMixin, BaseBoost):
    __doc__ = """Gradient-boosted trees for classification with XGBoost's regularised second-order gain.

    Binary targets use the log-loss (one tree per round), more classes the softmax loss.
    """ + _PARAMS_DOC.replace("{objectives}", '"logloss" (binary) or "softmax" (multiclass), chosen from y') + """
    Attributes
    ----------
    classes_, n_classes_, n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_,
    feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.BoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _is_classifier = True

    def _encode_y(self, y, fitted=False):
        if not fitted:
            self.classes_, encoded = np.unique(y, return_inverse=True)
            self.n_classes_ = len(self.classes_)
            if self.n_classes_ < 2:
                raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in y; "
                                 f"got 1 class ({self.classes_[0]!r})")
            return encoded.astype(np.float64)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, self.n_classes_ - 1)
        if not np.array_equal(self.classes_[idx], y):
            unknown = np.setdiff1d(y, self.classes_)
            raise ValueError(f"eval_set y has labels not seen in training: {unknown[:5].tolist()}")
        return idx.astype(np.float64)

    def _make_loss(self):
        return get_loss(self.objective, self.n_classes_)

    def decision_function(self, X):
        """Raw margins: shape (n,) for two classes, (n, n_classes) otherwise."""
        raw = self._raw_predict(X)
        return raw[:, 0] if self._n_outputs == 1 else raw

    def predict_proba(self, X):
        raw = self._raw_predict(X)  # checks fitted-ness before the loss needs n_classes_
        return self._make_loss().predict(raw)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    _extra_state_keys = ("classes_",)

    def _extra_state(self):
        return {"classes_": np.asarray(self.classes_)}

    def _restore_extra_state(self, state):
        classes = np.asarray(state["classes_"])
        if classes.ndim != 1 or classes.size < 2 or np.unique(classes).size != classes.size:
            raise ValueError("classes_ must hold at least two distinct labels")
        expected = 1 if classes.size == 2 else classes.size
        if state["n_outputs"] != expected:
            raise ValueError("number of outputs does not match the number of classes")
        self.classes_ = classes
        self.n_classes_ = classes.size


class BoostRegressor(RegressorMixin, BaseBoost):
    __doc__ = """Gradient-boosted trees for regression with XGBoost's regularised second-order gain.
    """ + _PARAMS_DOC.replace("{objectives}", '"squared_error"') + """
    Attributes
    ----------
    n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_, feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.BoostRegressor(n_estimators=50, max_depth=3, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def _encode_y(self, y, fitted=False):
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity; remove or impute those rows before fitting")
        return y

    def _make_loss(self):
        return get_loss(self.objective)

    def predict(self, X):
        return self._raw_predict(X)[:, 0]

    def _restore_extra_state(self, state):
        if state["n_outputs"] != 1:
            raise ValueError("a regressor has exactly one output")
