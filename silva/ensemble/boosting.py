"""BoostClassifier and BoostRegressor: XGBoost-style regularised second-order boosting."""
from sklearn.base import ClassifierMixin, RegressorMixin

from .._params import document_params
from .._registry import register_model
from ..losses import get_loss
from ..losses.base import CustomLoss
from ..losses.losses import MultiSquaredError
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
    feature_importances_; with ``booster="gblinear"`` also coef_ ((n_features,), or (n_features, n_classes_)
    beyond two classes) and intercept_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import silva
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = silva.BoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    # BaseBoost's parameters and the classifier's own class_weight (scikit-learn reads the signature)
    def __init__(self, *, n_estimators=100, learning_rate=0.1, max_depth=6, max_leaves=None,
                 grow_policy="depthwise", min_child_weight=1.0, min_samples_leaf=1, reg_lambda=1.0,
                 reg_alpha=0.0, gamma=0.0, subsample=1.0, colsample_bytree=1.0, colsample_bynode=1.0,
                 booster="gbtree", data_sample_strategy="bagging", top_rate=0.2, other_rate=0.1, rate_drop=0.0,
                 skip_drop=0.0, normalize_type="tree", sample_type="uniform", one_drop=False, max_bin=255, objective=None, eval_metric=None, n_iter_no_change=None, validation_fraction=None,
                 tol=1e-7, categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_smooth=10.0,
                 cat_l2=10.0, min_data_per_group=100,
                 max_cat_threshold=32, cat_code_order="auto", monotonic_cst=None, interaction_cst=None,
                 max_delta_step=None, base_score=None, random_state=None, n_jobs=None, verbose=0,
                 warm_start=False, scale_pos_weight=1.0, updater="shotgun", feature_selector="cyclic",
                 class_weight=None):
        super().__init__(
            n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth, max_leaves=max_leaves,
            grow_policy=grow_policy, min_child_weight=min_child_weight, min_samples_leaf=min_samples_leaf,
            reg_lambda=reg_lambda, reg_alpha=reg_alpha, gamma=gamma, subsample=subsample,
            colsample_bytree=colsample_bytree, colsample_bynode=colsample_bynode, max_bin=max_bin,
            booster=booster, data_sample_strategy=data_sample_strategy, top_rate=top_rate, other_rate=other_rate, rate_drop=rate_drop,
            skip_drop=skip_drop, normalize_type=normalize_type, sample_type=sample_type, one_drop=one_drop,
            objective=objective, eval_metric=eval_metric, n_iter_no_change=n_iter_no_change,
            validation_fraction=validation_fraction, tol=tol, categorical_features=categorical_features,
            cat_encoding=cat_encoding, max_cat_bins=max_cat_bins, cat_smooth=cat_smooth, cat_l2=cat_l2,
            min_data_per_group=min_data_per_group, max_cat_threshold=max_cat_threshold,
            cat_code_order=cat_code_order, monotonic_cst=monotonic_cst, interaction_cst=interaction_cst,
            max_delta_step=max_delta_step, base_score=base_score, random_state=random_state, n_jobs=n_jobs,
            verbose=verbose, warm_start=warm_start, scale_pos_weight=scale_pos_weight, updater=updater,
            feature_selector=feature_selector)
        self.class_weight = class_weight

    def _make_loss(self):
        return get_loss(self.objective, self.n_classes_, params=self.get_params(deep=False))


@register_model
@document_params
class BoostRegressor(RegressorMixin, RegressorOutputsMixin, BaseBoost):
    """Gradient-boosted trees for regression with XGBoost's regularised second-order gain.

    Objectives: squared error (default), absolute error, Huber, quantiles (a list of alphas gives one
    column per alpha, never crossing), Poisson, Tweedie, gamma and cross-entropy (see ``objective``).
    A 2-D ``y`` (squared error) fits one tree per target column each round and predicts a column per
    target.

    Attributes
    ----------
    n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_, feature_importances_; with
    ``booster="gblinear"`` also coef_ ((n_features,), or (n_features, n_targets)) and intercept_

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> import silva
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = silva.BoostRegressor(n_estimators=50, max_depth=3, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> band = silva.BoostRegressor(objective="quantile", quantile_alpha=[0.1, 0.9], n_estimators=20).fit(X, y)
    >>> band.predict(X[:3]).shape
    (3, 2)
    """

    def __init__(self, *, n_estimators=100, learning_rate=0.1, max_depth=6, max_leaves=None,
                 grow_policy="depthwise", min_child_weight=1.0, min_samples_leaf=1, reg_lambda=1.0,
                 reg_alpha=0.0, gamma=0.0, subsample=1.0, colsample_bytree=1.0, colsample_bynode=1.0,
                 booster="gbtree", data_sample_strategy="bagging", top_rate=0.2, other_rate=0.1, rate_drop=0.0,
                 skip_drop=0.0, normalize_type="tree", sample_type="uniform", one_drop=False, max_bin=255, objective=None, huber_delta=1.0, quantile_alpha=0.5, tweedie_variance_power=1.5,
                 eval_metric=None, n_iter_no_change=None, validation_fraction=None, tol=1e-7,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_smooth=10.0,
                 cat_l2=10.0, min_data_per_group=100, max_cat_threshold=32, cat_code_order="auto",
                 monotonic_cst=None, interaction_cst=None, max_delta_step=None, base_score=None,
                 random_state=None, n_jobs=None, verbose=0, warm_start=False, scale_pos_weight=1.0,
                 updater="shotgun", feature_selector="cyclic"):
        super().__init__(
            n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth, max_leaves=max_leaves,
            grow_policy=grow_policy, min_child_weight=min_child_weight, min_samples_leaf=min_samples_leaf,
            reg_lambda=reg_lambda, reg_alpha=reg_alpha, gamma=gamma, subsample=subsample,
            colsample_bytree=colsample_bytree, colsample_bynode=colsample_bynode, max_bin=max_bin,
            booster=booster, data_sample_strategy=data_sample_strategy, top_rate=top_rate, other_rate=other_rate, rate_drop=rate_drop,
            skip_drop=skip_drop, normalize_type=normalize_type, sample_type=sample_type, one_drop=one_drop,
            objective=objective, eval_metric=eval_metric, n_iter_no_change=n_iter_no_change, validation_fraction=validation_fraction,
            tol=tol, categorical_features=categorical_features, cat_encoding=cat_encoding,
            max_cat_bins=max_cat_bins, cat_smooth=cat_smooth, cat_l2=cat_l2,
            min_data_per_group=min_data_per_group, max_cat_threshold=max_cat_threshold,
            cat_code_order=cat_code_order, monotonic_cst=monotonic_cst, interaction_cst=interaction_cst,
            max_delta_step=max_delta_step, base_score=base_score, random_state=random_state, n_jobs=n_jobs,
            verbose=verbose, warm_start=warm_start, scale_pos_weight=scale_pos_weight, updater=updater,
            feature_selector=feature_selector)
        self.huber_delta = huber_delta
        self.quantile_alpha = quantile_alpha
        self.tweedie_variance_power = tweedie_variance_power

    _multi_output = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _make_loss(self):
        loss = get_loss(self.objective, params=self.get_params(deep=False))
        n_targets = getattr(self, "_n_targets", 1)
        if n_targets == 1:
            return loss
        if loss.name != "squared_error" or isinstance(loss, CustomLoss):
            raise ValueError(f"a 2-D y ({n_targets} targets) needs objective='squared_error', got "
                             f"{self.objective!r}")
        return MultiSquaredError(n_targets)
