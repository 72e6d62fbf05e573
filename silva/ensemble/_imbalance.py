"""Weights for imbalanced classes: ``class_weight`` (scikit-learn's) and ``scale_pos_weight``
(XGBoost's), both multiplying the rows' sample weights at fit."""
import numpy as np
from sklearn.utils.class_weight import compute_sample_weight


def class_weighted(est, y_enc, sample_weight):
    """``sample_weight`` (None: all ones) times the weight of each row's class; None when neither
    parameter asks for a weight. ``y_enc``: encoded classes (indices into ``est.classes_``)."""
    spw = getattr(est, "scale_pos_weight", 1.0)
    cw = getattr(est, "class_weight", None)
    if spw != 1.0:
        if not getattr(est, "_is_classifier", False):
            raise ValueError(f"scale_pos_weight={spw!r} weighs the positive class of a binary classifier; "
                             f"{type(est).__name__} is a regressor (use sample_weight)")
        if est.n_classes_ != 2:
            raise ValueError(f"scale_pos_weight={spw!r} needs two classes, y has {est.n_classes_} "
                             "(use class_weight)")
    if cw is None and spw == 1.0:
        return sample_weight
    if isinstance(cw, str) and cw != "balanced":
        raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, got {cw!r}")
    factors = np.ones(y_enc.size)
    if cw is not None:
        if isinstance(cw, dict):
            unknown = [k for k in cw if k not in set(est.classes_.tolist())]
            if unknown:
                raise ValueError(f"class_weight has labels not in y: {unknown[:5]}")
        factors = compute_sample_weight(cw, est.classes_[y_enc.astype(np.intp)]).astype(np.float64)
    if spw != 1.0:
        factors[y_enc == 1] *= spw  # classes_[1]: the positive class, as XGBoost's label 1
    weights = factors if sample_weight is None else sample_weight * factors
    if not weights.sum() > 0:
        raise ValueError("class weights times sample_weight sum to zero: no row would be learned from")
    return weights
