"""Where missing values go at a split on a feature that had none in training: to the child with more
training rows (scikit-learn's rule), since no row taught the split a side. The depth-first grower
applies the rule as it packs the trees (``missing_to_larger``); ``default_missing_side`` applies it to a
finished node table (AdaBoost's learners, grown on binned data without the raw rows)."""
import numpy as np


def default_missing_side(tree, has_nan):
    """Splits on features without missing values in training (``has_nan[f]`` False) send missing values
    to the child with more training rows; elsewhere the learned side stays. ``tree``: one tree's node
    table, changed in place."""
    split = tree["left"] >= 0
    fixed = split & ~has_nan[np.maximum(tree["feature"], 0)]
    if fixed.any():
        count = tree["count"]
        bigger_left = count[np.maximum(tree["left"], 0)] > count[np.maximum(tree["right"], 0)]
        tree["missing_left"] = np.where(fixed, bigger_left, tree["missing_left"]).astype(np.uint8)
