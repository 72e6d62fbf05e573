"""BoostRanker and the ranking objectives/metrics (silva/ensemble/ranking.py, silva/losses/ranking.py)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import silva
from silva.losses.ranking import GroupedLabels, LambdaRank, mean_average_precision, mean_ndcg
from tests.datasets import load_frame

lgb = pytest.importorskip("lightgbm")
xgb = pytest.importorskip("xgboost")


def _lambdarank_data():
    tr, te = load_frame("lightgbm_lambdarank_train"), load_frame("lightgbm_lambdarank_test")
    return (tr.drop(columns=["target", "group"]), tr["target"].to_numpy(), tr["group"].to_numpy(),
            te.drop(columns=["target", "group"]), te["target"].to_numpy(), te["group"].to_numpy())


def _bounds(qid):
    starts = np.flatnonzero(np.r_[True, qid[1:] != qid[:-1]])
    return np.r_[starts, len(qid)]


# ---------------------------------------------------------------- references
def _ndcg_reference(labels, scores, k):
    """NDCG@k of one query, exponential gains, ties in score kept in row order."""
    order = sorted(range(len(labels)), key=lambda i: -scores[i])  # Python's sort is stable
    gains = [2.0 ** labels[i] - 1 for i in order][:k]
    ideal = sorted((2.0 ** v - 1 for v in labels), reverse=True)[:k]
    dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
    best = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best > 0 else 1.0


def _lambdas_reference(labels, scores, truncation):
    """LightGBM's lambdarank gradients and hessians of one query (rank_objective.hpp), unweighted."""
    n = len(labels)
    order = sorted(range(n), key=lambda i: -scores[i])
    ideal = sorted(labels, reverse=True)[:truncation]
    best = sum((2.0 ** v - 1) / np.log2(r + 2) for r, v in enumerate(ideal))
    g, h = np.zeros(n), np.zeros(n)
    if n < 2 or best <= 0:
        return g, h
    spread = scores[order[0]] != scores[order[-1]]
    total = 0.0
    for a in range(min(n, truncation)):
        for b in range(a + 1, n):
            i, j = order[a], order[b]
            if labels[i] == labels[j]:
                continue
            (hi, hr), (lo, lr) = ((i, a), (j, b)) if labels[i] > labels[j] else ((j, b), (i, a))
            delta = scores[hi] - scores[lo]
            w = (2.0 ** labels[hi] - 2.0 ** labels[lo]) * abs(1 / np.log2(hr + 2) - 1 / np.log2(lr + 2)) / best
            if spread:
                w /= 0.01 + abs(delta)
            p = 1 / (1 + np.exp(delta))
            g[lo] += p * w
            g[hi] -= p * w
            h[lo] += p * (1 - p) * w
            h[hi] += p * (1 - p) * w
            total += 2 * p * w
    if total > 0:
        g *= np.log2(1 + total) / total
        h *= np.log2(1 + total) / total
    return g, h


queries = st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(queries, min_size=1, max_size=5), st.integers(1, 12))
def test_metrics_and_lambdas_match_the_references(qs, k):
    labels = np.array([lab for q in qs for lab, _ in q], dtype=float)
    scores = np.array([s / 2 for q in qs for _, s in q], dtype=float)  # ties included
    bounds = np.cumsum([0] + [len(q) for q in qs])
    y = GroupedLabels(labels, bounds)
    per_query = [(labels[a:b], scores[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    assert mean_ndcg(y, scores, k) == pytest.approx(np.mean([_ndcg_reference(l, s, k) for l, s in per_query]))
    g, h = np.empty((1, labels.size)), np.empty((1, labels.size))
    LambdaRank(truncation=k).gradients(y, scores[:, None], None, g, h)
    ref = [_lambdas_reference(list(l), list(s), k) for l, s in per_query]
    np.testing.assert_allclose(g[0], np.concatenate([r[0] for r in ref]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h[0], np.concatenate([r[1] for r in ref]), rtol=1e-9, atol=1e-12)


def test_average_precision_by_hand():
    y = GroupedLabels([1, 0, 1, 0, 0, 0], [0, 4, 6])  # the second query has no relevant document
    score = np.array([0.9, 0.8, 0.7, 0.1, 0.5, 0.4])
    assert mean_average_precision(y, score) == pytest.approx(((1 + 2 / 3) / 2 + 1.0) / 2)
    assert mean_average_precision(y, score, 1) == pytest.approx((1.0 + 1.0) / 2)


def test_queries_without_pairs_have_no_gradient():
    y = GroupedLabels([3, 1, 1, 1, 0, 0], [0, 1, 4, 6])  # one document; all equal; all zero
    g, h = np.empty((1, 6)), np.empty((1, 6))
    LambdaRank().gradients(y, np.arange(6.0)[:, None], None, g, h)
    assert not g.any() and not h.any()
    assert mean_ndcg(y, np.arange(6.0), 10) == 1.0


# ---------------------------------------------------------------- against the peers
def test_lambdarank_ndcg_matches_the_better_peer():
    Xa, ya, qa, Xb, yb, qb = _lambdarank_data()
    kw = dict(n_estimators=100, learning_rate=0.1, random_state=0)
    test = GroupedLabels(yb, _bounds(qb))
    mine = silva.BoostRanker(max_depth=6, **kw).fit(Xa, ya, qid=qa)
    light = lgb.LGBMRanker(max_depth=6, num_leaves=63, min_child_samples=1, min_child_weight=1.0, reg_lambda=1.0,
                           verbose=-1, n_jobs=2, **kw).fit(Xa, ya, group=np.diff(_bounds(qa)))
    xg = xgb.XGBRanker(max_depth=6, tree_method="hist", objective="rank:ndcg", n_jobs=2, **kw).fit(Xa, ya, qid=qa)
    ndcg = {name: mean_ndcg(test, m.predict(Xb), 10) for name, m in
            (("silva", mine), ("lightgbm", light), ("xgboost", xg))}
    assert ndcg["silva"] >= max(ndcg["lightgbm"], ndcg["xgboost"]) - 0.005, ndcg


def test_the_model_does_not_depend_on_row_order():
    Xa, ya, qa, Xb, _, _ = _lambdarank_data()
    kw = dict(n_estimators=15, random_state=0)
    by_qid = silva.BoostRanker(**kw).fit(Xa, ya, qid=qa).predict(Xb)
    p = np.random.RandomState(1).permutation(len(ya))
    shuffled = silva.BoostRanker(**kw).fit(Xa.iloc[p], ya[p], qid=qa[p]).predict(Xb)
    by_group = silva.BoostRanker(**kw).fit(Xa.to_numpy(), ya, group=np.diff(_bounds(qa))).predict(Xb.to_numpy())
    np.testing.assert_array_equal(shuffled, by_qid)
    np.testing.assert_array_equal(by_group, by_qid)


@pytest.mark.parametrize("objective", ["rank:pairwise", "rank_xendcg"])
def test_other_objectives_learn_and_are_reproducible(objective):
    Xa, ya, qa, Xb, yb, qb = _lambdarank_data()
    test = GroupedLabels(yb, _bounds(qb))
    fit = [silva.BoostRanker(objective=objective, n_estimators=30, random_state=s).fit(Xa, ya, qid=qa)
           for s in (0, 0, 1)]
    assert np.array_equal(fit[0].predict(Xb), fit[1].predict(Xb))
    assert mean_ndcg(test, fit[0].predict(Xb), 10) > mean_ndcg(test, np.zeros(len(yb)), 10) + 0.05


def test_early_stopping_keeps_the_ndcg_best_round(tmp_path):
    Xa, ya, qa, Xb, yb, qb = _lambdarank_data()
    model = silva.BoostRanker(n_estimators=200, n_iter_no_change=10, eval_metric=["map@5", "ndcg@10"],
                              random_state=0).fit(Xa, ya, qid=qa, eval_set=[(Xb, yb)], eval_qid=[qb])
    curve = model.evals_result_["validation_0"]["ndcg@10"]
    assert model.best_iteration_ == int(np.argmax(curve)) and model.n_iter_ < 200
    assert mean_ndcg(GroupedLabels(yb, _bounds(qb)), model.predict(Xb), 10) == pytest.approx(max(curve))
    model.save(tmp_path / "r.json")
    np.testing.assert_array_equal(silva.load(tmp_path / "r.json").predict(Xb), model.predict(Xb))
    held = silva.BoostRanker(n_estimators=50, n_iter_no_change=5, random_state=0).fit(Xa, ya, qid=qa)
    assert "ndcg@30" in held.evals_result_["validation"]


def test_bad_rankings_are_clear_errors():
    Xa, ya, qa, Xb, yb, qb = _lambdarank_data()
    with pytest.raises(ValueError, match="exactly one"):
        silva.BoostRanker().fit(Xa, ya)
    with pytest.raises(ValueError, match="summing to"):
        silva.BoostRanker().fit(Xa, ya, group=[10, 20])
    with pytest.raises(ValueError, match="grade of 40"):
        silva.BoostRanker(n_estimators=2).fit(Xa, ya * 10, qid=qa)
    silva.BoostRanker(n_estimators=2, label_gain=list(range(41))).fit(Xa, ya * 10, qid=qa)  # gains given
    with pytest.raises(ValueError, match="relevance grades"):
        silva.BoostRanker(n_estimators=2).fit(Xa, ya - 1.5, qid=qa)
    with pytest.raises(ValueError, match="eval_qid"):
        silva.BoostRanker(n_estimators=2).fit(Xa, ya, qid=qa, eval_set=[(Xb, yb)])
    with pytest.raises(ValueError, match="unknown eval_metric"):
        silva.BoostRanker(n_estimators=2, eval_metric="ndcg@x").fit(Xa, ya, qid=qa, eval_set=[(Xb, yb)],
                                                                      eval_qid=[qb])


def test_command_line_ranking(tmp_path, capsys):
    from silva import cli
    from tests.datasets import path
    out = tmp_path / "r.json"
    train, test = path("lightgbm_lambdarank_train"), path("lightgbm_lambdarank_test")
    assert cli.main(["train", str(train), "--target", "target", "--task", "rank", "--group", "group",
                     "--param", "n_estimators=10", "--out", str(out), "--quiet"]) == 0
    assert "NDCG@10" in capsys.readouterr().out
    assert cli.main(["evaluate", str(out), str(test)]) == 0
    assert "MAP@10" in capsys.readouterr().out
    assert cli.main(["predict", str(out), str(test), "--out", str(tmp_path / "p.parquet")]) == 0
    capsys.readouterr()
    assert cli.main(["train", str(train), "--target", "target", "--task", "rank", "--out", str(out)]) != 0
    assert "--group COL" in capsys.readouterr().err


def test_ranker_explanations_and_leaves_add_up():
    Xa, ya, qa, Xb, _, _ = _lambdarank_data()
    model = silva.BoostRanker(n_estimators=10, random_state=0).fit(Xa, ya, qid=qa)
    contribs = model.predict(Xb, pred_contribs=True)
    assert contribs.shape == (len(Xb), Xb.shape[1] + 1)
    np.testing.assert_allclose(contribs.sum(axis=1), model.predict(Xb), rtol=1e-9, atol=1e-12)
    leaves = model.predict(Xb, pred_leaf=True)
    table = model.trees_to_dataframe().set_index(["Tree", "Node"])
    total = sum(table.loc[list(zip([t] * len(Xb), leaves[:, t])), "Value"].to_numpy() for t in range(10))
    np.testing.assert_allclose(total, model.predict(Xb), rtol=1e-9, atol=1e-12)
    assert model.predict(Xb, pred_leaf=True, iteration_range=(2, 5)).shape == (len(Xb), 3)
