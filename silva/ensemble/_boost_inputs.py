"""Checks of what the boosters' fit and predict take besides X and y (margins, eval weights, callbacks,
metrics) and of the evaluation history a model file holds."""
import numpy as np

def margin_of(init_score, base_margin, n_rows, n_outputs, what):
    """Per-row raw margins as (n_rows, n_outputs) float64, or None; ``base_margin`` is XGBoost's name."""
    if init_score is not None and base_margin is not None:
        raise ValueError("give init_score or base_margin (the same thing under XGBoost's name), not both")
    value = init_score if init_score is not None else base_margin
    if value is None:
        return None
    m = np.asarray(value, dtype=np.float64)
    if m.ndim == 1 and n_outputs == 1:
        m = m[:, None]
    if m.shape != (n_rows, n_outputs):
        raise ValueError(f"{what} must have shape ({n_rows},{' ' + str(n_outputs) if n_outputs > 1 else ''}) "
                         f"(a raw score per row{' and output' if n_outputs > 1 else ''}), got {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{what} holds NaN or infinity")
    return m


def eval_margins(eval_init_score, n_sets):
    if eval_init_score is None:
        return [None] * n_sets
    if not isinstance(eval_init_score, (list, tuple)) or len(eval_init_score) != n_sets:
        raise ValueError(f"eval_init_score must be a list with one entry (or None) per eval_set pair "
                         f"({n_sets}), got {type(eval_init_score).__name__}")
    return list(eval_init_score)


def metric_items(spec):
    return [] if spec is None else list(spec) if isinstance(spec, (list, tuple)) else [spec]


def storable_eval_metric(spec):
    """``eval_metric`` as the model file holds it: the names, without callables (code is never
    stored), None when nothing is left; a tuple becomes a list."""
    names = [m for m in metric_items(spec) if not callable(m)]
    if not names:
        return None
    return names[0] if isinstance(spec, str) else names


def eval_weights(eval_sample_weight, n_sets):
    """One entry (None or weights) per eval set."""
    if eval_sample_weight is None:
        return [None] * n_sets
    if not isinstance(eval_sample_weight, (list, tuple)):
        raise ValueError("eval_sample_weight must be a list with one entry (None or weights) per eval_set "
                         f"pair, got {type(eval_sample_weight).__name__}")
    if len(eval_sample_weight) != n_sets:
        raise ValueError(f"eval_sample_weight has {len(eval_sample_weight)} entries but eval_set has "
                         f"{n_sets} pairs")
    return list(eval_sample_weight)


def checked_callbacks(callbacks):
    if callbacks is None:
        return []
    if callable(callbacks) or not isinstance(callbacks, (list, tuple)) \
            or not all(callable(cb) for cb in callbacks):
        raise ValueError("callbacks must be a list of callables cb(iteration, evals_result) -> bool | None")
    return list(callbacks)


def checked_history(history):
    """evals_result_ must be {set name: {metric name: [float, ...]}}."""
    ok = isinstance(history, dict) and all(
        isinstance(k, str) and isinstance(v, dict) and all(
            isinstance(m, str) and isinstance(vals, list)
            and all(isinstance(x, float) and not isinstance(x, bool) for x in vals)
            for m, vals in v.items())
        for k, v in history.items())
    if not ok:
        raise ValueError("evals_result_ must map set names to {metric: [floats]}")
    return history
