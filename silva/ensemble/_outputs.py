"""What turns raw boosting scores into a classifier's or a regressor's outputs, shared by every
estimator on the boosting loop (BoostClassifier/Regressor, GBDTClassifier/Regressor).

Mix in before ``BaseBoost``: the classes use ``_raw_predict``, ``_n_outputs`` and ``_make_loss``.
"""
import numpy as np

from ._explain import explain_flags



def check_classes(classes):
    """``classes_`` read from a model file: a 1-D array of at least two distinct labels, booleans,
    integers, finite floats or strings (a unicode array, or an object array of strings as pandas
    gives); returns it, else raises ValueError."""
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or classes.size < 2:
        raise ValueError("classes_ must be a 1-D array of at least two labels")
    kind = classes.dtype.kind
    if kind == "O":
        if not all(isinstance(c, str) for c in classes):
            raise ValueError("classes_ of dtype object must hold strings")
    elif kind not in "biufU":
        raise ValueError("classes_ must hold booleans, integers, finite floats or strings")
    if kind == "f" and not np.all(np.isfinite(classes)):
        raise ValueError("classes_ must hold finite labels")
    if np.unique(classes).size != classes.size:
        raise ValueError("classes_ must hold distinct labels")
    return classes

class ClassifierOutputsMixin:
    """Label encoding, ``predict``/``predict_proba``/``decision_function`` and the classes in the
    model state. The loss from ``_make_loss()`` maps raw scores to probabilities."""

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

    def _margins(self, raw):
        return raw[:, 0] if self._n_outputs == 1 else raw

    def decision_function(self, X, iteration_range=None, init_score=None, base_margin=None):
        """Raw margins: shape (n,) for two classes, (n, n_classes) otherwise. ``iteration_range=(a, b)``
        sums the trees of rounds a..b-1 only (XGBoost's; (0, 0) or None: all rounds). ``init_score`` /
        ``base_margin``: the per-row margins the model was fitted on top of, if any."""
        return self._margins(self._raw_predict(X, iteration_range, init_score, base_margin))

    def predict_proba(self, X, iteration_range=None, init_score=None, base_margin=None):
        """Class probabilities, shape (n, n_classes); arguments as in ``decision_function``."""
        raw = self._raw_predict(X, iteration_range, init_score, base_margin)  # fitted-ness checked first
        return self._make_loss().predict(raw)

    def predict(self, X, iteration_range=None, raw_score=False, init_score=None, base_margin=None,
                pred_contribs=False, pred_interactions=False, pred_leaf=False):
        """Class labels; ``raw_score=True``: the raw margins instead (LightGBM's; as
        ``decision_function``). Other arguments as in ``decision_function``. ``pred_leaf=True``: the
        leaf of every row in every tree of the rounds asked for, as ``apply`` (XGBoost's).

        ``pred_contribs=True``: exact TreeSHAP values of the raw margins (XGBoost's ``pred_contribs``),
        shape (n, n_features + 1) for two classes, (n, n_classes, n_features + 1) otherwise, the bias
        (expected margin) last; each row sums to ``decision_function``. ``pred_interactions=True``: SHAP
        interaction values, (n, [n_classes,] n_features + 1, n_features + 1), bias at [-1, -1]; rows
        and columns sum to the contributions."""
        if pred_leaf:
            return self._leaves(X, iteration_range)
        kind = explain_flags(pred_contribs, pred_interactions)
        if kind is not None:
            return self._explain(X, kind, iteration_range, init_score, base_margin, self._n_outputs == 1)
        if raw_score:
            return self.decision_function(X, iteration_range, init_score, base_margin)
        proba = self.predict_proba(X, iteration_range, init_score, base_margin)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_decision_function(self, X):
        """Raw margins after each round (a generator; each round adds its trees to a running sum)."""
        for raw in self._staged_raw(X):
            yield self._margins(raw)

    def staged_predict_proba(self, X):
        """Class probabilities after each round (a generator)."""
        loss = None
        for raw in self._staged_raw(X):
            loss = loss or self._make_loss()
            yield loss.predict(raw)

    def staged_predict(self, X):
        """Class labels after each round (a generator)."""
        for proba in self.staged_predict_proba(X):
            yield self.classes_[np.argmax(proba, axis=1)]

    _extra_state_keys = ("classes_",)

    def _extra_state(self):
        return {"classes_": np.asarray(self.classes_)}

    def _restore_extra_state(self, state):
        classes = check_classes(state["classes_"])
        expected = 1 if classes.size == 2 else classes.size
        if state["n_outputs"] != expected:
            raise ValueError("number of outputs does not match the number of classes")
        self.classes_ = classes
        self.n_classes_ = classes.size


class RegressorOutputsMixin:
    """Float targets, ``predict`` = the single raw score."""

    def _encode_y(self, y, fitted=False):
        """Float targets; a 2-D y (BoostRegressor) is one column per output, a single column as 1-D."""
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim > 2 or (y.ndim == 2 and not self._multi_output):
            raise ValueError(f"y must be 1-D for {type(self).__name__}, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity; remove or impute those rows before fitting")
        n_targets = y.shape[1] if y.ndim == 2 else 1
        if not fitted:
            self._n_targets = n_targets
        elif n_targets != getattr(self, "_n_targets", 1):
            raise ValueError(f"eval_set y has {n_targets} target column(s); the model was fitted on "
                             f"{self._n_targets}")
        return y

    def predict(self, X, iteration_range=None, raw_score=False, init_score=None, base_margin=None,
                pred_contribs=False, pred_interactions=False, pred_leaf=False):
        """Predicted values through the objective's link (exp for Poisson, Tweedie and gamma): shape
        (n,), or (n, n_alphas) for a list of quantiles. ``raw_score=True``: the raw scores before the
        link (LightGBM's). ``iteration_range=(a, b)`` sums the trees of rounds a..b-1 only (XGBoost's;
        (0, 0) or None: all rounds). ``init_score`` / ``base_margin``: the per-row raw margins the
        model was fitted on top of, if any.

        ``pred_contribs=True``: exact TreeSHAP values of the raw scores (before the link; XGBoost's
        ``pred_contribs``), shape (n, n_features + 1), or (n, n_outputs, n_features + 1) for a list of
        quantiles or a 2-D y, the bias (expected raw score) last; each row sums to the raw score.
        ``pred_interactions=True``: SHAP interaction values, (n, [n_outputs,] n_features + 1,
        n_features + 1), bias at [-1, -1]; rows and columns sum to the contributions. ``pred_leaf=True``:
        the leaf of every row in every tree of the rounds asked for, as ``apply`` (XGBoost's)."""
        if pred_leaf:
            return self._leaves(X, iteration_range)
        kind = explain_flags(pred_contribs, pred_interactions)
        if kind is not None:
            return self._explain(X, kind, iteration_range, init_score, base_margin,
                                 self._values(np.zeros((1, self._n_outputs))).ndim == 1)
        raw = self._raw_predict(X, iteration_range, init_score, base_margin)
        return self._values(raw if raw_score else self._make_loss().predict(raw))

    def _values(self, out):
        """(n,) for one output; the columns of a list of quantiles stay columns."""
        return out[:, 0] if out.shape[1] == 1 and not getattr(self._make_loss(), "multi", False) else out

    def staged_predict(self, X):
        """Predicted values after each round (a generator; each round adds its trees to a running sum)."""
        loss = None
        for raw in self._staged_raw(X):
            loss = loss or self._make_loss()
            yield self._values(loss.predict(raw))

    def _restore_extra_state(self, state):
        self._n_targets = 1
        if state["n_outputs"] > 1 and self._multi_output and self._make_loss().name == "squared_error":
            self._n_targets = state["n_outputs"]  # fitted on a 2-D y
        expected = self._make_loss().n_outputs(None)
        if state["n_outputs"] != expected:
            raise ValueError(f"this regressor's objective has {expected} output(s), the model "
                             f"{state['n_outputs']}")
