"""Missing values at splits on features without any in training (silva/_engine/missing.py)."""
import numpy as np

from silva._engine.missing import default_missing_side


def test_missing_values_go_to_the_larger_child_only_where_training_had_none():
    # root splits feature 0 (no NaN in training), node 1 splits feature 1 (had NaN)
    tree = {"feature": np.array([0, 1, -1, -1, -1], np.int32),
            "left": np.array([1, 3, -1, -1, -1], np.int32), "right": np.array([2, 4, -1, -1, -1], np.int32),
            "count": np.array([10.0, 3.0, 7.0, 2.0, 1.0]),
            "missing_left": np.array([1, 0, 0, 0, 0], np.uint8)}
    default_missing_side(tree, np.array([False, True]))
    np.testing.assert_array_equal(tree["missing_left"], [0, 0, 0, 0, 0])  # root: right has 7 rows of 10
    tree["count"][1:3] = [8.0, 2.0]
    default_missing_side(tree, np.array([False, True]))
    assert tree["missing_left"][0] == 1 and tree["missing_left"][1] == 0  # node 1 keeps its learned side
    assert tree["missing_left"].dtype == np.uint8
