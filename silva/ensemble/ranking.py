"""BoostRanker: learning to rank with the boosters' engine (objectives in silva/losses/ranking.py)."""
import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from .._params import document_params
from .._registry import register_model
from ..losses import get_loss
from ..losses.ranking import GroupedLabels
from ._boosting_base import BaseBoost
from ._explain import explain_flags


def query_ids(n_rows, group=None, qid=None, what="group"):
    """One query id per row from ``group`` (sizes of consecutive queries, LightGBM's) or ``qid`` (an id
    per row, in any order, XGBoost's); exactly one must be given."""
    if (group is None) == (qid is None):
        raise ValueError(f"give the queries as {what}= (sizes of consecutive queries) or "
                         f"{'eval_qid' if what == 'eval_group' else 'qid'}= (a query id per row), exactly one")
    if qid is not None:
        qid = np.asarray(qid)
        if qid.shape != (n_rows,):
            raise ValueError(f"qid must have one id per row ({n_rows}), got shape {qid.shape}")
        return qid
    sizes = np.asarray(group)
    if sizes.ndim != 1 or sizes.dtype.kind not in "iu" or np.any(sizes < 1) or sizes.sum() != n_rows:
        raise ValueError(f"{what} must list positive query sizes summing to the {n_rows} rows, got "
                         f"{sizes.size} sizes summing to {sizes.sum() if sizes.dtype.kind in 'iuf' else '?'}")
    return np.repeat(np.arange(sizes.size), sizes)


def canonical_order(X, y, qid):
    """(row order, query boundaries): rows grouped by query and, inside a query, sorted by label and
    then by the content of the row (a hash), so the model never depends on how the rows came in: a
    shuffled input and a sorted one give the same model (ties in score are broken by row order)."""
    import pandas as pd
    if hasattr(X, "iloc"):
        content = pd.util.hash_pandas_object(X, index=False).to_numpy()
    elif hasattr(X, "tocsr"):
        dense = X.tocsr()
        content = np.array([hash((tuple(dense.indices[a:b]), tuple(dense.data[a:b])))
                            for a, b in zip(dense.indptr[:-1], dense.indptr[1:])], dtype=np.int64)
    else:
        content = pd.util.hash_pandas_object(pd.DataFrame(np.asarray(X)), index=False).to_numpy()
    keys = pd.factorize(qid, sort=True)[0] if not np.issubdtype(np.asarray(qid).dtype, np.number) \
        else np.asarray(qid)
    order = np.lexsort((content, np.asarray(y, dtype=np.float64), keys))
    sorted_keys = np.asarray(keys)[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return order, np.r_[starts, len(order)].astype(np.int64)


def _take(X, rows):
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if hasattr(X, "tocsr"):
        return X.tocsr()[rows]
    return np.asarray(X)[rows]


@register_model
@document_params
class BoostRanker(BaseBoost):
    """Gradient-boosted trees for learning to rank (LightGBM's LGBMRanker, XGBoost's XGBRanker).

    ``fit(X, y, group=...)`` (sizes of consecutive queries) or ``fit(X, y, qid=...)`` (a query id per
    row, rows in any order); ``y`` holds relevance grades. ``predict`` gives a score per row: sort a
    query's documents by it. Objectives: ``"lambdarank"`` (NDCG, default), ``"rank:pairwise"`` and
    ``"rank_xendcg"``; metrics ``ndcg@k`` and ``map@k``.

    Attributes
    ----------
    n_features_in_, feature_names_in_, n_iter_, best_iteration_, evals_result_, feature_importances_

    Examples
    --------
    >>> import numpy as np
    >>> import silva
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(300, 4)
    >>> y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)
    >>> ranker = silva.BoostRanker(n_estimators=20).fit(X, y, group=[30] * 10)
    >>> ranker.predict(X[:3]).shape
    (3,)
    """

    _task = "ranking"

    def __init__(self, *, objective="lambdarank", lambdarank_truncation_level=30, label_gain=None,
                 lambdarank_norm=True, n_estimators=100, learning_rate=0.1, max_depth=6, max_leaves=None,
                 grow_policy="depthwise", min_child_weight=1.0, min_samples_leaf=1, reg_lambda=1.0,
                 reg_alpha=0.0, gamma=0.0, subsample=1.0, colsample_bytree=1.0, colsample_bynode=1.0,
                 booster="gbtree", data_sample_strategy="bagging", top_rate=0.2, other_rate=0.1, rate_drop=0.0,
                 skip_drop=0.0, normalize_type="tree", sample_type="uniform", one_drop=False, max_bin=255, eval_metric=None, n_iter_no_change=None, validation_fraction=None, tol=1e-7,
                 categorical_features="auto", cat_encoding="auto", max_cat_bins=None, cat_smooth=10.0,
                 cat_l2=10.0, min_data_per_group=100, max_cat_threshold=32, cat_code_order="auto",
                 monotonic_cst=None, interaction_cst=None, max_delta_step=None, random_state=None,
                 n_jobs=None, verbose=0, warm_start=False, updater="shotgun", feature_selector="cyclic"):
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
            max_delta_step=max_delta_step, random_state=random_state, n_jobs=n_jobs, verbose=verbose,
            warm_start=warm_start, updater=updater, feature_selector=feature_selector)
        self.lambdarank_truncation_level = lambdarank_truncation_level
        self.label_gain = label_gain
        self.lambdarank_norm = lambdarank_norm

    def _make_loss(self):
        if callable(self.objective):
            raise ValueError("BoostRanker takes a named ranking objective (lambdarank, rank:pairwise, "
                             "rank_xendcg), not a callable")
        return get_loss(self.objective, params=self.get_params(deep=False), task="ranking")

    def fit(self, X, y, group=None, qid=None, sample_weight=None, eval_set=None, eval_group=None, eval_qid=None,
            eval_sample_weight=None, callbacks=None, init_model=None):
        """Fit on documents X with relevance grades y, queries given by ``group`` or ``qid``.

        ``sample_weight``: one weight per row (multiplies its gradients, as LightGBM). ``eval_set``:
        (X, y) pairs with their queries in ``eval_group`` or ``eval_qid`` (a list, one entry per pair).
        Early stopping watches the last ``eval_metric`` (default ``ndcg@lambdarank_truncation_level``).
        Without an eval_set, ``n_iter_no_change`` holds out whole queries.
        """
        n = _n_rows(X)
        order, bounds = canonical_order(X, y, query_ids(n, group, qid))
        self._fit_bounds = bounds
        sw = None if sample_weight is None else np.asarray(sample_weight)[order]
        evals = list(eval_set) if eval_set is not None else []
        per_set = [eval_group, eval_qid]
        for i, name in enumerate(("eval_group", "eval_qid")):
            if per_set[i] is not None and (not isinstance(per_set[i], (list, tuple)) or len(per_set[i]) != len(evals)):
                raise ValueError(f"{name} must be a list with one entry per eval_set pair ({len(evals)})")
        self._eval_bounds, eval_pairs, eval_weights = [], [], []
        for i, (Xv, yv) in enumerate(evals):
            g = None if eval_group is None else eval_group[i]
            q = None if eval_qid is None else eval_qid[i]
            o, b = canonical_order(Xv, yv, query_ids(_n_rows(Xv), g, q, what="eval_group"))
            self._eval_bounds.append(b)
            eval_pairs.append((_take(Xv, o), np.asarray(yv)[o]))
            w = None if eval_sample_weight is None else eval_sample_weight[i]
            eval_weights.append(None if w is None else np.asarray(w)[o])
        return super().fit(_take(X, order), np.asarray(y)[order], sample_weight=sw,
                           eval_set=eval_pairs or None,
                           eval_sample_weight=eval_weights if eval_sample_weight is not None else None,
                           callbacks=callbacks, init_model=init_model)

    def _encode_y(self, y, fitted=False):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D relevance grades, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity; remove those rows before fitting")
        return y if fitted else GroupedLabels(y, self._fit_bounds)

    def _encode_eval_y(self, i, yv):
        return GroupedLabels(self._encode_y(yv, fitted=True), self._eval_bounds[i])

    def _hold_out(self, X, y, sw, margin, rng):
        """Whole queries held out (a query split across the sets would leak its ordering)."""
        frac = 0.1 if self.validation_fraction is None else self.validation_fraction
        qid = np.repeat(np.arange(y.bounds.size - 1), np.diff(y.bounds))
        split = GroupShuffleSplit(n_splits=1, test_size=frac, random_state=rng.randint(np.iinfo(np.int32).max))
        tr, va = next(split.split(np.zeros(len(y)), groups=qid))
        tr, va = np.sort(tr), np.sort(va)  # queries stay contiguous and in their canonical order

        def bounds_of(rows):
            q = qid[rows]
            starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
            return np.r_[starts, rows.size].astype(np.int64)

        def pick(a, rows):
            return None if a is None else a[rows]
        return (X[tr], GroupedLabels(np.asarray(y)[tr], bounds_of(tr)), pick(sw, tr), pick(margin, tr),
                X[va], GroupedLabels(np.asarray(y)[va], bounds_of(va)), pick(sw, va), pick(margin, va))

    def predict(self, X, iteration_range=None, pred_contribs=False, pred_interactions=False, pred_leaf=False):
        """Ranking scores, one per row (higher: ranked first). ``pred_contribs`` /
        ``pred_interactions``: exact TreeSHAP values of the scores, (n, n_features + 1) with the bias
        last; ``pred_leaf``: the leaf of every row in every tree (as the other boosters)."""
        if pred_leaf:
            return self._leaves(X, iteration_range)
        kind = explain_flags(pred_contribs, pred_interactions)
        if kind is not None:
            return self._explain(X, kind, iteration_range, None, None, True)
        return self._raw_predict(X, iteration_range)[:, 0]

    def _restore_extra_state(self, state):
        if state["n_outputs"] != 1:
            raise ValueError("a ranker has exactly one output")


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)
