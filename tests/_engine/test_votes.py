"""AdaBoost's combination of its learners (silva/_engine/votes.py) against naive references."""
import numpy as np

from silva._engine.votes import add_votes, staged_votes, weighted_median


def test_add_votes_and_staged_votes_match_the_sum_of_votes():
    rng = np.random.RandomState(0)
    K, T, n = 4, 7, 50
    pred = rng.randint(0, K, (T, n))
    weights = rng.uniform(0.1, 2.0, T)
    expected = np.zeros((n, K))
    stages = []
    for t in range(T):
        for i in range(n):
            for k in range(K):
                expected[i, k] += weights[t] if pred[t, i] == k else -weights[t] / (K - 1)
        stages.append(expected / weights[:t + 1].sum())
    out = np.zeros((n, K))
    add_votes(pred, weights, K, out)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    got = list(staged_votes(pred, weights, K))
    assert len(got) == T
    for a, b in zip(got, stages):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # the last stage is the full vote
    np.testing.assert_allclose(got[-1], out / weights.sum(), rtol=1e-12, atol=1e-12)


def test_weighted_median_is_the_smallest_prediction_reaching_half_the_weight():
    rng = np.random.RandomState(1)
    T, n = 9, 40
    pred = rng.normal(size=(T, n))
    pred[:, :5] = np.round(pred[:, :5])  # ties
    weights = rng.uniform(0.1, 1.0, T)
    got = weighted_median(pred, weights)
    for i in range(n):
        order = np.argsort(pred[:, i], kind="stable")
        cum = np.cumsum(weights[order])
        assert got[i] == pred[order[np.argmax(cum >= 0.5 * cum[-1])], i]
