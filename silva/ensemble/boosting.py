"""BoostClassifier and BoostRegressor: XGBoost-style regularised second-order boosting."""
from sklearn.base import ClassifierMixin, RegressorMixin

from .._params import document_params
from .._registry import register_model
from ..losses import get_loss
from ._boosting_base import BaseBoost
from ._outputs import ClassifierOutputsMixin, RegressorOutputsMixin

@register_model
@document_params
class BoostClassifier(ClassifierMixin, ClassifierOutputsMixin, BaseBoost):
    """Gradient-boosted trees for classification with XGBoost's regularised second-order gain.

    Binary targets use the log-loss (one tree per round), more classes the softmax loss.

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

    def _make_loss(self):
        return get_loss(self.objective, self.n_classes_)


@register_model
@document_params
class BoostRegressor(RegressorMixin, RegressorOutputsMixin, BaseBoost):
    """Gradient-boosted trees for regression with XGBoost's regularised second-order gain.

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

    def _make_loss(self):
        return get_loss(self.objective)
