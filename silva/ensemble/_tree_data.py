"""What every estimator of the family offers on its trees: leaf ids, a node table and a text dump
(the work is in silva/trees.py)."""
from sklearn.utils.validation import check_is_fitted

from .. import trees


class TreeDataMixin:
    """``apply``, ``trees_to_dataframe`` and ``dump_model`` for a fitted model."""

    def apply(self, X):
        """Leaf of every row in every tree, as the tree's ``Node`` number in ``trees_to_dataframe()``:
        shape (n_samples, n_trees); (n_samples,) for a single decision tree (scikit-learn's)."""
        check_is_fitted(self)
        leaves = trees.apply(self, X)
        single = getattr(self, "_is_forest", None) is False  # a DecisionTree* (CART, not a forest)
        return leaves[:, 0] if single else leaves

    def trees_to_dataframe(self):
        """Every node of every tree as a DataFrame with XGBoost's columns and reading (Tree, Node, ID,
        Feature, Split, Yes, No, Missing, Gain, Cover) plus Value and Category (the levels a
        categorical split sends to Yes); see silva/trees.py."""
        check_is_fitted(self)
        return trees.trees_to_dataframe(self)

    def dump_model(self):
        """The trees as readable text (XGBoost's text dump, with category sets)."""
        check_is_fitted(self)
        return trees.dump_model(self)

    def to_onnx(self):
        """The fitted model as an ONNX model (``onnx.ModelProto``, ai.onnx.ml TreeEnsemble; needs
        ``pip install silva[onnx]``). Its input ``X`` is ``silva.onnx.input_matrix(model, X)``; its
        outputs ``label`` and ``probabilities`` (classifiers) or ``variable`` (regressors). See
        silva/onnx.py."""
        check_is_fitted(self)
        from ..onnx import to_onnx
        return to_onnx(self)
