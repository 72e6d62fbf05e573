"""The learners' predictions of weight boosting (AdaBoost) combined into the ensemble's: SAMME's
weighted class votes and AdaBoost.R2's weighted median, as scikit-learn combines them. ``pred`` holds
one row of predictions per learner, (n_learners, n_samples); ``weights`` the learners' weights."""
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def add_votes(pred, weights, n_classes, out):
    """out[i, k] += sum over learners t of (w_t if pred[t, i] == k else -w_t / (K - 1)), learner by
    learner in order (scikit-learn's sum of ``np.where`` votes, without the temporaries)."""
    for i in prange(out.shape[0]):
        for t in range(pred.shape[0]):
            w = weights[t]
            other = -1.0 / (n_classes - 1) * w
            for k in range(n_classes):
                out[i, k] += w if pred[t, i] == k else other


def staged_votes(pred, weights, n_classes):
    """The normalised vote (n_samples, K) after each learner: the votes so far divided by their weights
    (scikit-learn's staged decision function; summed in the order ``add_votes`` sums)."""
    K = n_classes
    votes = np.zeros((pred.shape[1], K))
    norm = 0.0
    for w, p in zip(weights, pred):
        norm += w
        votes += np.where(p[:, None] == np.arange(K), w, -1.0 / (K - 1) * w)
        yield votes / norm


def weighted_median(pred, weights):
    """Weighted median over learners of each sample, scikit-learn's rule: the smallest prediction whose
    cumulative weight reaches half the total."""
    pred = pred.T
    order = np.argsort(pred, axis=1)
    cdf = np.cumsum(weights[order], axis=1)
    at_median = (cdf >= 0.5 * cdf[:, -1][:, None]).argmax(axis=1)
    rows = np.arange(pred.shape[0])
    return pred[rows, order[rows, at_median]]
