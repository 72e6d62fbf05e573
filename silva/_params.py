"""THE table of estimator parameters: one entry per name, read by every estimator.

Each entry (a ``Param``) holds, for the estimators ("models") that take the parameter:

- ``models``: the model families: "boost" (BoostClassifier/Regressor), "gbdt" (GBDTClassifier/
  Regressor), "cart" (DecisionTree*), "forest" (RandomForest*, ExtraTrees*), "adaboost" (AdaBoost*);
- ``default``: the ``__init__`` default, where it differs given as ``By(...)`` (per family, task or
  class: see ``By``); tests/test_params.py checks every default against every estimator's signature;
- ``check``: a ``check_number`` keyword dict, or ``fn(name, value)`` raising a ValueError naming the
  parameter, or None (checked where the value is used, e.g. against the data at fit);
- ``aliases``: LightGBM / XGBoost / scikit-learn names of the same parameter (for the command line,
  the peer translator and users moving over). An alias resolves per model: ``alpha`` is XGBoost's
  name of ``reg_alpha`` for the boosters, while GBDT has an ``alpha`` of its own (the quantile of
  its huber/quantile losses): ``canonical_name("alpha", model="boost") == "reg_alpha"``,
  ``canonical_name("alpha", model="gbdt") == "alpha"``;
- ``type`` and ``doc``: the numpydoc type and text. ``param_docs`` writes a Parameters section (the doc
  followed by the aliases), and the ``@document_params`` class decorator puts it into every public
  estimator's docstring: those docstrings hold only the summary, Attributes and Examples.

Estimators validate at fit time (scikit-learn convention: ``__init__`` only stores), with
``validate_params(estimator)``: every parameter of the estimator that the table has for its model.
"""
import inspect
import numbers
import re
import textwrap
from dataclasses import dataclass

from ._validation import check_number

MODELS = ("boost", "gbdt", "cart", "forest", "adaboost")
TASKS = ("classifier", "regressor", "ranker")
# the tasks of each model family (only the boosters rank)
MODEL_TASKS = {"boost": TASKS, "gbdt": TASKS[:2], "cart": TASKS[:2], "forest": TASKS[:2], "adaboost": TASKS[:2]}

# estimator base class name -> model family (first match along the MRO; an estimator may instead set
# a class attribute ``_param_model``)
_MODEL_OF_BASE = {"_GBDTBase": "gbdt", "BaseBoost": "boost", "BaseForest": "forest", "BaseCART": "cart",
                  "_BaseAdaBoost": "adaboost"}


class By:
    """A value that differs between estimators: ``By(boost=6, gbdt=3, cart=None, forest=None)``.

    Keys are tried in order: the model family, the task ("classifier" / "regressor"), a prefix of the
    class name (``By(RandomForest=True, ExtraTrees=False)``), then ``other=`` for the rest. Values may
    be ``By`` again (e.g. ``forest=By(classifier="sqrt", regressor=1.0)``).
    """

    _MISSING = object()

    def __init__(self, other=_MISSING, **cases):
        self.cases = cases
        self.other = other

    def __repr__(self):
        items = [f"{k}={v!r}" for k, v in self.cases.items()]
        if self.other is not By._MISSING:
            items.append(f"other={self.other!r}")
        return f"By({', '.join(items)})"

    def resolve(self, model=None, task=None, cls_name=None):
        """The value for that estimator (``By._MISSING`` when no case applies). When the context is
        partial (e.g. only the model), the cases that may still apply come back as a ``By``."""
        for key in (model, task):
            if key is not None and key in self.cases:
                return _resolve(self.cases[key], model, task, cls_name)
        if cls_name is not None:
            for key, value in self.cases.items():
                if key not in MODELS and key not in TASKS and cls_name.startswith(key):
                    return _resolve(value, model, task, cls_name)

        def open_(key):
            if key in MODELS:
                return model is None
            if key in TASKS:
                return task is None
            return cls_name is None

        still = {k: v for k, v in self.cases.items() if open_(k)}
        if still:
            return By(self.other, **still)
        return self.other


def _resolve(value, model=None, task=None, cls_name=None):
    return value.resolve(model, task, cls_name) if isinstance(value, By) else value


@dataclass(frozen=True)
class Param:
    models: frozenset
    default: object
    type: object          # numpydoc type (str, or By)
    doc: object           # numpydoc text (str, or By)
    check: object = None  # dict for check_number, callable(name, value), By of those, or None
    aliases: tuple = ()
    tasks: object = None  # None (all), "classifier"/"regressor"/"ranker", a tuple of those, or By of those

    def takes(self, model, task=None):
        """Whether estimators of that model family (and task, when given) have this parameter."""
        if model not in self.models:
            return False
        only = _resolve(self.tasks, model)
        if isinstance(only, tuple):
            return task is None or task in only
        return only in (None, By._MISSING) or isinstance(only, By) or task is None or only == task


def _models(text):
    out = frozenset(text.split())
    assert out <= set(MODELS), out
    return out


# ---------------------------------------------------------------- checks

def _check_choice(choices):
    def check(name, value):
        if not (isinstance(value, str) and value in choices):
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return check


def _check_bool(name, value):
    import numpy as np  # here: this module otherwise needs no numpy

    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def _check_max_features(name, value):
    """None, "sqrt", "log2", an int >= 1 (features per split) or a float in (0, 1] (a fraction)."""
    if value is None or (isinstance(value, str) and value in ("sqrt", "log2")):
        return
    if isinstance(value, str):
        raise ValueError(f"{name} must be None, 'sqrt', 'log2', an integer >= 1 or a float in (0, 1], "
                         f"got {value!r}")
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=1, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


def _check_min_samples_split(name, value):
    """An int >= 2 (rows) or a float in (0, 1] (a fraction of the training rows, rounded up)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=2, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


def _check_loss(name, value):
    # the estimator checks the name against its own losses (silva/losses/gradient_boosting.py, adaboost)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string naming a loss, got {value!r}")


def _check_criterion(name, value):
    # the estimator checks the name against its task (classification or regression)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string naming a split criterion, got {value!r}")


def _check_eval_metric(name, value):
    from .metrics import check_eval_metric  # metric names live with the metrics

    check_eval_metric(name, value)


def _check_objective(name, value):
    # a named objective is checked against the task by silva/losses (get_loss)
    if not (value is None or isinstance(value, str) or callable(value)):
        raise ValueError(f"{name} must be None, a string naming an objective or a callable, got {value!r}")


def _check_quantile_alpha(name, value):
    import numpy as np
    values = np.atleast_1d(np.asarray(value, dtype=object))
    ok = values.ndim == 1 and values.size > 0 and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 < v < 1 for v in values)
    if not ok or len(set(values.tolist())) != values.size:
        raise ValueError(f"{name} must be a number in (0, 1) or a list of distinct such numbers, got {value!r}")


def _check_label_gain(name, value):
    import numpy as np
    if value is None:
        return
    gains = np.asarray(value, dtype=object)
    if gains.ndim != 1 or gains.size == 0 or not all(
            isinstance(g, numbers.Real) and not isinstance(g, bool) and np.isfinite(g) and g >= 0 for g in gains):
        raise ValueError(f"{name} must be None or a list of non-negative gains, one per grade, got {value!r}")


def _check_class_weight(name, value):
    """None, "balanced", "balanced_subsample" (forests; the estimator checks) or a dict label -> weight."""
    if value is None or (isinstance(value, str) and value in ("balanced", "balanced_subsample")):
        return
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be None, 'balanced', 'balanced_subsample' or a dict "
                         f"{{label: weight}}, got {value!r}")
    for label, weight in value.items():
        check_number(f"{name}[{label!r}]", weight, low=0)


def _check_max_samples(name, value):
    """None, an int >= 1 (rows drawn per tree) or a float in (0, 1] (a fraction of the rows)."""
    if value is None:
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        check_number(name, value, low=1, integer=True)
    else:
        check_number(name, value, low=0, high=1, low_open=True)


def _check_cat_code_order(name, value):
    if not (value is True or value is False or (isinstance(value, str) and value == "auto")):
        raise ValueError(f"{name} must be 'auto', True or False, got {value!r}")


CAT_ENCODINGS = ("auto", "set", "target")


def _check_cat_encoding(name, value):
    """"auto", "set", "target", or a dict {feature name or index: one of those}."""
    def ok(v):
        return isinstance(v, str) and v in CAT_ENCODINGS
    if isinstance(value, dict):
        bad = [(k, v) for k, v in value.items()
               if not ok(v) or isinstance(k, bool) or not isinstance(k, (str, int))]
        if bad:
            raise ValueError(f"{name} maps feature names or indices to one of {CAT_ENCODINGS}, got "
                             f"{bad[0][0]!r}: {bad[0][1]!r}")
    elif not ok(value):
        raise ValueError(f"{name} must be one of {CAT_ENCODINGS} or a dict {{feature: encoding}}, got {value!r}")


def storable_cat_encoding(params):
    """``params`` with a ``cat_encoding`` dict as the model file holds it: a list of [feature, encoding]
    pairs (a file's dict keys are text, and a feature may be an index)."""
    spec = params.get("cat_encoding")
    if not isinstance(spec, dict):
        return params
    return dict(params, cat_encoding=[[k if isinstance(k, str) else int(k), v] for k, v in spec.items()])


def storable_class_weight(params):
    """``params`` with a ``class_weight`` dict as the model file holds it: a list of [label, weight]
    pairs (a file's dict keys are text, and labels may be numbers)."""
    spec = params.get("class_weight")
    if not isinstance(spec, dict):
        return params
    return dict(params, class_weight=[[k.item() if hasattr(k, "item") else k, float(v)] for k, v in spec.items()])


def _loaded_class_weight(spec):
    """The pairs ``storable_class_weight`` wrote, back as a dict; anything else is left to the check."""
    if isinstance(spec, list) and all(isinstance(p, list) and len(p) == 2 for p in spec):
        return {k: v for k, v in spec}
    return spec


def _loaded_cat_encoding(spec):
    """The pairs ``storable_cat_encoding`` wrote, back as a dict; anything else is left to the check."""
    if isinstance(spec, list) and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], (str, int))
                                      and not isinstance(p[0], bool) for p in spec):
        return {k: v for k, v in spec}
    return spec


def with_added_param_defaults(params, cls):
    """A model file's params (``cat_encoding`` and ``class_weight`` pairs back to dicts) completed with the defaults of
    parameters added after it was written:
    ``categorical_features`` ("auto"), the constraints (None), ``cat_encoding`` ("set": the only
    encoding before it existed), ``max_cat_bins`` (None), ``cat_code_order`` (False: GBDT's files
    before it had the parameter), the objectives' parameters (their defaults), ``eval_metric`` (None:
    the loss's metric), ``warm_start`` (False), ``scale_pos_weight`` (1.0), ``class_weight`` (None) and
    the sampling variants (plain trees and bagging)."""
    if not isinstance(params, dict):
        return params
    known = cls().get_params(deep=False)
    if "cat_encoding" in params:
        params = dict(params, cat_encoding=_loaded_cat_encoding(params["cat_encoding"]))
    if "class_weight" in params:
        params = dict(params, class_weight=_loaded_class_weight(params["class_weight"]))
    added = {"categorical_features": "auto", "monotonic_cst": None, "interaction_cst": None,
             "cat_encoding": "set", "max_cat_bins": None, "cat_code_order": False, "eval_metric": None,
             "huber_delta": 1.0, "quantile_alpha": 0.5, "tweedie_variance_power": 1.5, "max_delta_step": None,
             "base_score": None, "warm_start": False, "scale_pos_weight": 1.0, "class_weight": None,
             "booster": "gbtree", "data_sample_strategy": "bagging", "top_rate": 0.2, "other_rate": 0.1,
             "rate_drop": 0.0, "skip_drop": 0.0, "normalize_type": "tree", "sample_type": "uniform",
             "one_drop": False, "updater": "shotgun", "feature_selector": "cyclic"}
    return {**{k: v for k, v in added.items() if k in known and k not in params}, **params}


def _is_sequence(value):
    import numpy as np

    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1)


def _check_monotonic_cst(name, value):
    """None, a sequence of -1/0/+1 (one per feature) or a dict {feature name: -1/0/+1}. The length and
    the names are checked against the data at fit."""
    if value is None:
        return
    if isinstance(value, dict):
        items = value.items()
        for key, _ in items:
            if not isinstance(key, str):
                raise ValueError(f"{name} keys must be feature names (str), got {key!r}")
    elif _is_sequence(value):
        items = enumerate(value)
    else:
        raise ValueError(f"{name} must be None, a list of -1/0/1 per feature or a dict "
                         f"{{feature name: -1/0/1}}, got {value!r:.80}")
    for key, cst in items:
        if isinstance(cst, bool) or not isinstance(cst, numbers.Integral) or cst not in (-1, 0, 1):
            raise ValueError(f"{name}[{key!r}] must be -1, 0 or 1, got {cst!r}")


def _check_interaction_cst(name, value):
    """None, "pairwise", "no_interactions" or a list of groups (lists/tuples/sets of feature indices
    or names). The indices and names are checked against the data at fit."""
    if value is None or (isinstance(value, str) and value in ("pairwise", "no_interactions")):
        return
    if isinstance(value, str) or not _is_sequence(value):
        raise ValueError(f"{name} must be None, 'pairwise', 'no_interactions' or a list of lists of "
                         f"feature indices or names, got {value!r:.80}")
    for i, group in enumerate(value):
        if not (_is_sequence(group) or isinstance(group, (set, frozenset))):
            raise ValueError(f"{name}[{i}] must be a list, tuple or set of feature indices or names, "
                             f"got {group!r:.80}")
        for feature in group:
            if isinstance(feature, str):
                continue
            if isinstance(feature, bool) or not isinstance(feature, numbers.Integral) or feature < 0:
                raise ValueError(f"{name}[{i}] must hold feature indices (integers >= 0) or names, "
                                 f"got {feature!r}")


# ---------------------------------------------------------------- the table

_CATEGORIES_DOC = By(
    boost="Features split by sets of categories rather than thresholds. Columns of categorical dtype "
          "(pandas ``category``, text, Arrow dictionaries) always are; list integer-coded columns here "
          "(codes must be non-negative integers). Unseen categories at predict go where missing values go.",
    gbdt="Features split by sets of categories (LightGBM's sorted-gradient partition, as in "
         "``BoostClassifier``) rather than thresholds. Columns of categorical dtype (pandas ``category``, "
         "text, Arrow dictionaries) always are; list integer-coded columns here (codes must be "
         "non-negative integers). Unseen categories at predict go where missing values go.",
    cart="Features split by category sets instead of by order: the categorical columns of a frame "
         "(pandas ``category``, text, Arrow dictionaries) always, plus the features given by index, name "
         "or mask (integer codes >= 0, NaN missing). Each category is binned as itself (see "
         "``max_cat_bins``). A split sends a set of categories left: the node's "
         "categories ordered by their mean target (regression) or class-1 share (binary), the best cut "
         "of that order being the best subset split (Breiman); with more classes each class's share "
         "gives one order and the best of those cuts is taken; ``splitter=\"random\"`` sends a random "
         "subset left. Categories unseen in training go where missing values go.",
    forest="Features split by category sets instead of by order: the categorical columns of a frame "
           "(pandas ``category``, text, Arrow dictionaries) always, plus the features given by index, "
           "name or mask (integer codes >= 0, NaN missing). Each category is binned as itself (see "
           "``max_cat_bins``). A split sends a set of categories left: "
           "random forests order the node's categories by their mean target (regression) or class-1 "
           "share (binary) and take the best cut of that order, which is the best subset split "
           "(Breiman); with more classes each class's share gives one order and the best of those cuts "
           "is taken. Extra trees send a random subset of the node's categories left. Categories unseen "
           "in training go where missing values go.",
    adaboost="Features the learners split by category sets (categories ordered by the weighted mean "
             "target, as the silva trees' own fit): a frame's categorical columns (category dtype, text, "
             "Arrow dictionaries) always, plus those named by index, name or mask; codes must be "
             "non-negative integers. Categories unseen in training follow missing values. The learner's "
             "own ``categorical_features`` is not used (the data is binned once by this booster).",
)

_MONOTONIC_COMMON = (
    "Monotone constraints: 1 makes the prediction non-decreasing in the feature, -1 non-increasing, 0 "
    "leaves it free; a list with one entry per feature, or a dict {feature name: direction} for frames "
    "(features not named are free). None: no constraints. Not for multiclass models nor categorical "
    "features. ")
_MONOTONIC_CHECK = "``silva.check_monotonic`` proves a fitted model monotone from its trees."
_MONOTONIC_DOC = By(
    boost=_MONOTONIC_COMMON + "Held in the raw score, so also in probabilities. Each leaf's value is clamped "
          "into the bounds the tree's other leaves set for it (only leaves whose regions overlap in the other "
          "features are compared: LightGBM's \"intermediate\" rule), and splits are scored on the clamped "
          "values. " + _MONOTONIC_CHECK,
    gbdt=_MONOTONIC_COMMON + "Held in the raw score, so also in probabilities. As in ``BoostRegressor``, each "
         "leaf's value is clamped into the bounds the tree's other leaves set for it (LightGBM's "
         "\"intermediate\" rule) and splits are scored on the clamped values; the leaf values renewed by the "
         "line searches are clamped again in node order, so every tree stays monotone. " + _MONOTONIC_CHECK,
    other=_MONOTONIC_COMMON + "A classifier's constraint is on class 1's probability. As in scikit-learn, a "
          "split on a constrained feature whose children's means leave the node's bounds or break the "
          "direction is not made, and every node's value is clipped into its bounds; the bounds are the "
          "midpoint of a constrained split on the side grown first, and on the other side the extreme leaf "
          "that side actually grew (looser than scikit-learn's midpoints). " + _MONOTONIC_CHECK,
)

PARAMS = {
    # ------------------------------------------------------------ what is fitted
    "estimator": Param(
        _models("adaboost"), None,
        By(classifier="silva tree classifier or None", regressor="silva tree regressor or None"),
        By(classifier="The base learner, cloned every round; None is "
                      "``silva.DecisionTreeClassifier(max_depth=1)`` (a stump). It must be a silva tree "
                      "(DecisionTreeClassifier): other estimators are refused, since they cannot reuse the "
                      "binned data. Its own ``max_bin`` is not used (the data is binned once with this "
                      "booster's ``max_bin``) and its ``n_jobs`` becomes this booster's. Monotone "
                      "constraints are the learner's (``monotonic_cst``): with two classes the vote of "
                      "monotone learners is monotone.",
           regressor="The base learner, cloned every round; None is "
                     "``silva.DecisionTreeRegressor(max_depth=3)``. It must be a silva tree "
                     "(DecisionTreeRegressor); its own ``max_bin`` is not used (the data is binned once "
                     "with this booster's ``max_bin``) and its ``n_jobs`` becomes this booster's. Monotone "
                     "constraints are the learner's (``monotonic_cst``): the weighted median of monotone "
                     "learners is monotone."),
    ),
    "loss": Param(
        _models("gbdt adaboost"),
        By(gbdt=By(classifier="log_loss", regressor="squared_error"), adaboost="linear"),
        By(gbdt=By(classifier='{"log_loss"}',
                   regressor='{"squared_error", "absolute_error", "huber", "quantile"}'),
           adaboost='{"linear", "square", "exponential"}'),
        By(gbdt=By(classifier="The binomial (two classes) or multinomial log-loss.",
                   regressor="Loss to minimise; leaves get the mean, the median, Friedman's Huber step or "
                             "the ``alpha``-quantile of their residuals."),
           adaboost="How a row's error, scaled to [0, 1] by the largest, enters the learner's error."),
        _check_loss, tasks=By(adaboost="regressor"),
    ),
    "objective": Param(
        _models("boost"), By(ranker="lambdarank", other=None), By(ranker="str", other="str, callable or None"),
        By(ranker='"lambdarank" (also XGBoost\'s "rank:ndcg"; NDCG-weighted pairs in the top '
                  '``lambdarank_truncation_level``), "rank:pairwise" (RankNet over all pairs) or "rank_xendcg" '
                  '("xendcg", "rank:xendcg"; cross entropy to noisy gains, LightGBM\'s).',
           classifier='None: "logloss" for two classes, "softmax" for more, chosen from y. Those names (or '
                      'XGBoost/LightGBM\'s "binary:logistic", "binary", "multi:softprob", "multi:softmax", '
                      '"multiclass") may be given, or ``fn(y_true, raw) -> (grad, hess)`` (XGBoost\'s '
                      'convention; ``raw`` is (n_samples, n_classes) for more than two classes, and the '
                      'link and the validation metric stay the log-loss\'s).',
           regressor='None or "squared_error" (also "reg:squarederror", "l2", "regression"); '
                     '"absolute_error" ("l1", "mae", "reg:absoluteerror"; leaves renewed to the median of '
                     'their residuals), "huber" (``huber_delta``), "pseudo_huber" ("reg:pseudohubererror"), '
                     '"quantile" ("reg:quantileerror"; '
                     '``quantile_alpha``), "poisson" ("count:poisson"), "tweedie" ("reg:tweedie"; '
                     '``tweedie_variance_power``), "gamma" ("reg:gamma"), "cross_entropy" ("xentropy", '
                     '"reg:logistic"; targets in [0, 1]). The last four predict through their link (exp, '
                     'sigmoid). Or ``fn(y_true, raw) -> (grad, hess)`` (XGBoost\'s convention; the '
                     'validation metric stays the squared error\'s).'),
        _check_objective,
    ),
    "huber_delta": Param(
        _models("boost"), 1.0, "float",
        'Residual beyond which ``objective="huber"`` turns from squared to absolute error (LightGBM\'s '
        '``alpha`` there); the slope of ``"pseudo_huber"``.',
        dict(low=0, low_open=True), ("huber_slope",), tasks="regressor",
    ),
    "quantile_alpha": Param(
        _models("boost"), 0.5, "float or list of float",
        'Quantile(s) of ``objective="quantile"``. A list makes one model predicting a column per alpha '
        '(its own trees each round); a row\'s quantiles are sorted, so they never cross.',
        _check_quantile_alpha, tasks="regressor",
    ),
    "tweedie_variance_power": Param(
        _models("boost"), 1.5, "float",
        'Variance power p of ``objective="tweedie"`` (Var y = phi mu^p): 1 is Poisson, near 2 gamma.',
        dict(low=1, high=2, high_open=True), tasks="regressor",
    ),
    "lambdarank_truncation_level": Param(
        _models("boost"), 30, "int",
        "Pairs are formed with the documents among the top this many by the current score (LightGBM's); "
        "the objective's own metric is NDCG at this depth.",
        dict(low=1, integer=True), tasks="ranker",
    ),
    "label_gain": Param(
        _models("boost"), None, "list of float or None",
        "Gain of each relevance grade (index = grade); None: 2^grade - 1 (grades up to 31).",
        _check_label_gain, tasks="ranker",
    ),
    "lambdarank_norm": Param(
        _models("boost"), True, "bool",
        "Scale a query's lambdas by log2(1 + sum) / sum and divide pairs by 0.01 + |score gap| "
        "(LightGBM's normalisation).",
        _check_bool, tasks="ranker",
    ),
    "max_delta_step": Param(
        _models("boost"), None, "float or None",
        "Largest absolute leaf value before shrinkage (0 or None: no limit; the gain is not clamped). "
        'Also the safeguard in the hessian of ``objective="poisson"``, exp(F + max_delta_step): 0.7 when None, '
        "as in XGBoost and LightGBM.",
        dict(low=0, allow_none=True), ("max_leaf_output", "poisson_max_delta_step"),
    ),
    "base_score": Param(
        _models("boost"), None, "float or None",
        "Starting prediction of every row, as a prediction (a mean, a probability), mapped through the "
        "objective's link. None: the loss's optimum on the training target (the mean, the median, the "
        "quantile, the log of the mean, ...). Ignored when ``init_score`` is given at fit.",
        dict(allow_none=True), tasks=("classifier", "regressor"),
    ),
    "criterion": Param(
        _models("cart forest"), By(classifier="gini", regressor="squared_error"),
        By(classifier='{"gini", "entropy", "log_loss"}', regressor='{"squared_error"}'),
        "Impurity the splits decrease.", _check_criterion,
    ),
    "splitter": Param(
        _models("cart"), "best", '{"best", "random"}',
        '"best": the best threshold of each candidate feature; "random": one random threshold per '
        'candidate feature (an extremely randomised tree).', _check_choice(("best", "random")),
    ),
    # ------------------------------------------------------------ rounds and trees
    "n_estimators": Param(
        _models("boost gbdt forest adaboost"), By(adaboost=50, other=100), "int",
        By(boost="Boosting rounds (a multiclass model grows one tree per class per round).",
           gbdt=By(classifier="Boosting rounds (a multiclass model grows one tree per class per round).",
                   regressor="Boosting rounds (one tree per round)."),
           forest="Number of trees.",
           adaboost=By(classifier="Most boosting rounds (fewer when a learner is perfect or no better "
                                  "than chance).",
                       regressor="Most boosting rounds (fewer when a learner is perfect or its error "
                                 "reaches 0.5).")),
        dict(low=1, integer=True), ("num_boost_round", "num_iterations", "max_iter"),
    ),
    "learning_rate": Param(
        _models("boost gbdt adaboost"), By(adaboost=1.0, other=0.1), "float",
        By(boost="Shrinkage of every leaf value.", gbdt="Shrinkage of every tree's leaf values.",
           adaboost=By(classifier="Multiplies every learner's weight ``log((1 - err) / err) + log(K - 1)``.",
                       regressor="Multiplies every learner's weight ``log(1 / beta)`` and the exponent of "
                                 "the weight update.")),
        dict(low=0, low_open=True), ("eta", "shrinkage_rate"),
    ),
    "max_depth": Param(
        _models("boost gbdt cart forest"), By(boost=6, gbdt=3, cart=None, forest=None), "int or None",
        By(boost="Deepest level of a tree; None for no limit (then set ``max_leaves``).",
           gbdt="Deepest level of a tree; None for no limit.",
           other="Deepest level (None: grow until the leaves are pure or too small)."),
        dict(low=1, integer=True, allow_none=True),
    ),
    "max_leaves": Param(
        _models("boost"), None, "int or None",
        'Most leaves per tree. With ``grow_policy="leafwise"`` the open leaf of highest gain is split until '
        'this many leaves exist.',
        dict(low=2, integer=True, allow_none=True), ("num_leaves", "max_leaf_nodes"),
    ),
    "max_leaf_nodes": Param(
        _models("gbdt cart forest"), None, "int or None",
        By(gbdt="Most leaves per tree, grown best-first (the split of highest gain first); None grows "
                "level by level down to ``max_depth``.",
           cart="Most leaves, taken best-first (the open node of largest impurity decrease splits next).",
           forest="Most leaves per tree, taken best-first."),
        dict(low=2, integer=True, allow_none=True), ("num_leaves", "max_leaves"),
    ),
    "grow_policy": Param(
        _models("boost"), "depthwise", '{"depthwise", "leafwise"}',
        "Level-by-level growth (XGBoost) or best-first growth (LightGBM).",
        _check_choice(("depthwise", "leafwise")),
    ),
    "min_child_weight": Param(
        _models("boost"), 1.0, "float", "Least sum of hessians in each child of a split.",
        dict(low=0), ("min_sum_hessian_in_leaf",),
    ),
    "min_samples_split": Param(
        _models("gbdt cart forest"), 2, "int or float",
        "Least number of rows a node needs to be split (a float: that fraction of the training rows, "
        "rounded up).", _check_min_samples_split,
    ),
    "min_samples_leaf": Param(
        _models("boost gbdt cart forest"), 1, "int",
        By(boost="Least number of training rows in each child of a split.",
           forest="Least number of (distinct in-bag) rows in each child of a split.",
           other="Least number of rows in each child of a split."),
        dict(low=1, integer=True), ("min_child_samples", "min_data_in_leaf"),
    ),
    "min_weight_fraction_leaf": Param(
        _models("cart forest"), 0.0, "float",
        By(cart="Least share of the total sample weight in each child.",
           forest="Least share of a tree's total weight in each child."),
        dict(low=0, high=0.5),
    ),
    "min_impurity_decrease": Param(
        _models("cart forest"), 0.0, "float",
        By(cart="A split must decrease the weighted impurity (scikit-learn's units: divided by the total "
                "weight) by more than this.",
           forest="A split must decrease the weighted impurity (divided by the tree's total weight) by "
                  "more than this."),
        dict(low=0),
    ),
    "reg_lambda": Param(
        _models("boost"), 1.0, "float", "L2 penalty on leaf values.",
        dict(low=0), ("lambda", "lambda_l2", "l2_regularization"),
    ),
    # "alpha" is XGBoost's name of reg_alpha; GBDT's own "alpha" (below) is another parameter. Aliases
    # resolve per model, so each model has one meaning.
    "reg_alpha": Param(
        _models("boost"), 0.0, "float", "L1 penalty on leaf values.",
        dict(low=0), ("alpha", "lambda_l1"),
    ),
    "alpha": Param(
        _models("gbdt"), 0.9, "float",
        'Quantile of the ``"quantile"`` loss; for ``"huber"``, the quantile of the absolute residuals taken '
        'as the Huber threshold (recomputed every round).',
        dict(low=0, high=1, low_open=True, high_open=True), tasks="regressor",
    ),
    # No peer alias: silva's gamma is compared with the 1/2-scaled gain of the XGBoost paper, while
    # XGBoost's min_split_loss and LightGBM's min_split_gain compare the unscaled sum (2x silva's).
    "gamma": Param(
        _models("boost"), 0.0, "float",
        "Least gain ``1/2 [G_L^2/(H_L+l) + G_R^2/(H_R+l) - G^2/(H+l)]`` a split must add, as in the XGBoost "
        "paper. XGBoost's ``min_split_loss`` and LightGBM's ``min_split_gain`` are compared with the bracket "
        "without the 1/2, so ``gamma=g`` here matches ``min_split_loss=2*g`` there. Applied greedily when a "
        "split is chosen (as LightGBM does), not by XGBoost's post-pruning.",
        dict(low=0),
    ),
    "ccp_alpha": Param(
        _models("cart forest"), 0.0, "float",
        By(cart="Minimal cost-complexity pruning: the subtrees whose effective alpha is at most this are "
                "pruned.",
           forest="Minimal cost-complexity pruning of each tree."),
        dict(low=0),
    ),
    # ------------------------------------------------------------ sampling
    "booster": Param(
        _models("boost"), "gbtree", "str",
        '"gbtree" (also LightGBM\'s "gbdt"): every round adds trees to the model; "dart": each round first '
        'drops earlier rounds at random (``rate_drop``, ``skip_drop``, ``sample_type``, ``one_drop``), fits the '
        'model without them, then rescales (``normalize_type``): DART, XGBoost\'s and LightGBM\'s. DART takes '
        'no early stopping. "gblinear": XGBoost\'s linear booster, raw = intercept_ + X @ coef_ (fitted '
        "attributes), each round an elastic-net Newton coordinate descent step (``updater``, "
        "``feature_selector``, ``reg_lambda`` and ``reg_alpha`` scaled by the total sample weight as XGBoost "
        "does; missing values count as 0; categorical features are refused). Silva keeps its ``reg_lambda`` "
        "default of 1 where XGBoost's gblinear has 0. Tree and sampling parameters are ignored; early "
        "stopping keeps the best round's coefficients; no staged predictions, trees, warm start or "
        "iteration_range other than all rounds.",
        _check_choice(("gbtree", "gbdt", "dart", "gblinear")), ("boosting",),
    ),
    "updater": Param(
        _models("boost"), "shotgun", "str",
        'gblinear: "coord_descent" updates the features one after another, each from the gradients the '
        'previous ones left; "shotgun" (XGBoost\'s default) is XGBoost\'s lock-free parallel version, which '
        "silva runs as the same deterministic sequence (what XGBoost's shotgun computes on one thread), so "
        "both give one model whatever ``n_jobs``.",
        _check_choice(("shotgun", "coord_descent")),
    ),
    "feature_selector": Param(
        _models("boost"), "cyclic", "str",
        'gblinear: the order of the features in each round, "cyclic" (column order) or "shuffle" (a new '
        "permutation every round, drawn from ``random_state``).",
        _check_choice(("cyclic", "shuffle")),
    ),
    "data_sample_strategy": Param(
        _models("boost"), "bagging", "str",
        '"bagging": rows drawn by ``subsample``; "goss": LightGBM\'s gradient-based one-side sampling, the '
        "``top_rate`` share of rows with the largest |g h| and an ``other_rate`` share of the rest, whose "
        "gradients are scaled by (1 - top_rate) / other_rate (every row in the first 1 / learning_rate rounds).",
        _check_choice(("bagging", "goss")),
    ),
    "top_rate": Param(
        _models("boost"), 0.2, "float", "GOSS: share of rows kept for their large gradients.",
        dict(low=0, high=1, low_open=True, high_open=True),
    ),
    "other_rate": Param(
        _models("boost"), 0.1, "float", "GOSS: share of rows drawn from the others.",
        dict(low=0, high=1, low_open=True, high_open=True),
    ),
    "rate_drop": Param(
        _models("boost"), 0.0, "float", "DART: probability of dropping each earlier round.",
        dict(low=0, high=1), ("drop_rate",),
    ),
    "skip_drop": Param(
        _models("boost"), 0.0, "float", "DART: probability of dropping nothing in a round.",
        dict(low=0, high=1),
    ),
    "normalize_type": Param(
        _models("boost"), "tree", "str",
        'DART: "tree" scales the k dropped rounds by k / (k + learning_rate) and the new one by '
        '1 / (k + learning_rate); "forest" both by 1 / (1 + learning_rate) (XGBoost\'s).',
        _check_choice(("tree", "forest")),
    ),
    "sample_type": Param(
        _models("boost"), "uniform", "str",
        'DART: "uniform" drops each round with probability rate_drop; "weighted" in proportion to its weight.',
        _check_choice(("uniform", "weighted")),
    ),
    "one_drop": Param(
        _models("boost"), False, "bool", "DART: drop at least one round (unless skipped).", _check_bool,
    ),
    "subsample": Param(
        _models("boost gbdt"), 1.0, "float",
        By(boost="Fraction of rows drawn (without replacement) for each round.",
           gbdt="Fraction of rows drawn (without replacement) for each round: stochastic gradient "
                "boosting. Trees and line searches see only the drawn rows."),
        dict(low=0, high=1, low_open=True), ("bagging_fraction",),
    ),
    "colsample_bytree": Param(
        _models("boost"), 1.0, "float", "Fraction of features drawn for each tree.",
        dict(low=0, high=1, low_open=True), ("feature_fraction",),
    ),
    "colsample_bynode": Param(
        _models("boost"), 1.0, "float", "Fraction of the tree's features drawn for each node.",
        dict(low=0, high=1, low_open=True), ("feature_fraction_bynode",),
    ),
    "max_features": Param(
        _models("gbdt cart forest"), By(forest=By(classifier="sqrt", regressor=1.0), other=None),
        '{"sqrt", "log2"}, int, float or None',
        By(gbdt="Features drawn at random for each split: ``sqrt(n_features)``, ``log2(n_features)``, a "
                "number, a fraction of ``n_features``, or all of them (None).",
           cart="Features drawn (without replacement) at each node as split candidates; None: all.",
           forest="Features drawn at each node as split candidates (a float: that fraction of the "
                  "features)."),
        _check_max_features,
    ),
    "bootstrap": Param(
        _models("forest"), By(RandomForest=True, ExtraTrees=False), "bool",
        "Grow each tree on a bootstrap sample of the rows (else on all rows).", _check_bool,
    ),
    "oob_score": Param(
        _models("forest"), False, "bool",
        By(classifier="Score the forest on the out-of-bag rows (accuracy); sets ``oob_score_`` and "
                      "``oob_decision_function_``.",
           regressor="Score the forest on the out-of-bag rows (R^2); sets ``oob_score_`` and "
                     "``oob_prediction_``."),
        _check_bool,
    ),
    "max_samples": Param(
        _models("forest"), None, "int, float or None",
        "Bootstrap draws per tree: an int, or a fraction of the default number of draws (the number of "
        "rows, or the total integer weight when that is larger).", _check_max_samples,
    ),
    "warm_start": Param(
        _models("boost gbdt forest"), False, "bool",
        By(forest="Keep the fitted trees and add trees up to ``n_estimators`` (fit on the same data).",
           other="Keep the fitted rounds and add rounds up to ``n_estimators`` in all (fit on the same "
                 "data; a smaller ``n_estimators`` than ``n_iter_`` is an error, an equal one fits nothing). "
                 "Same ``random_state``, same data: the rounds equal one longer fit's, with row and column "
                 "sampling too (unless early stopping ended the first fit). ``fit(init_model=...)`` "
                 "continues another fitted model instead."),
        _check_bool,
    ),
    "class_weight": Param(
        _models("boost cart forest"), None,
        By(forest='dict, "balanced", "balanced_subsample" or None', other='dict, "balanced" or None'),
        By(cart='Weights of the classes, multiplying the sample weights ("balanced": inversely '
                'proportional to the class frequencies).',
           forest='Weights of the classes, multiplying the rows\' weights; "balanced_subsample" computes '
                  'the "balanced" weights on each tree\'s bootstrap sample.',
           other='Weights of the classes, multiplying the sample weights ("balanced": inversely '
                 'proportional to the class frequencies, scikit-learn\'s ``compute_sample_weight``).'),
        _check_class_weight, tasks="classifier",
    ),
    "scale_pos_weight": Param(
        _models("boost"), 1.0, "float",
        "Weight of the rows of the positive class (``classes_[1]``) relative to the others, multiplying "
        "the sample weights (XGBoost's; e.g. negatives / positives for imbalanced data). Binary "
        "classification only: another value than 1 raises a ValueError for regression and multiclass.",
        dict(low=0, low_open=True), tasks=("classifier", "regressor"),
    ),
    # ------------------------------------------------------------ bins and categories
    "max_bin": Param(
        _models("boost gbdt cart forest adaboost"), 255, By(cart="int or None", forest="int or None",
                                                             adaboost="int or None", other="int"),
        By(boost="Most value bins per feature; missing values (NaN) get a bin of their own and a learned "
                 "direction.",
           gbdt="Most value bins per feature (split thresholds are searched on binned values; "
                "scikit-learn's GradientBoosting searches every distinct value). Missing values (NaN) get "
                "a bin of their own and a learned direction.",
           cart="Most value bins per feature (missing values get one more); None: a bin per distinct value "
                "(exact splits, a wider bin type), which matches scikit-learn's tree on small data.",
           forest="Most value bins per feature (missing values get one more); None: a bin per distinct "
                  "value.",
           adaboost="Most value bins per feature, up to 65535; missing values (NaN) get a bin of their own. "
                    "None: a bin per distinct value (scikit-learn's exact thresholds; reweighted rounds "
                    "can then isolate the few rows they weigh most, which 255 quantile bins of unweighted "
                    "rows may merge)."),
        # None (a bin per distinct value) for the CART family; the boosters' histograms need a bound
        By(cart=dict(low=2, high=65535, integer=True, allow_none=True),
           forest=dict(low=2, high=65535, integer=True, allow_none=True),
           adaboost=dict(low=2, high=65535, integer=True, allow_none=True),
           other=dict(low=2, high=65535, integer=True)),
        ("max_bins",),
    ),
    "categorical_features": Param(
        _models("boost gbdt cart forest adaboost"), "auto",
        By(boost='"auto", list of indices or names, bool mask, or None',
           gbdt='"auto", list of indices or names, bool mask, or None',
           other='"auto", array of int or str, bool mask or None'),
        _CATEGORIES_DOC, None, ("categorical_feature",),
    ),
    "cat_encoding": Param(
        _models("boost gbdt cart forest adaboost"), "auto", '"auto", "set", "target" or dict',
        "How a categorical feature is split. \"set\": by sets of its levels, each level binned as itself "
        "(see ``max_cat_bins``). \"target\": as one numeric feature, each level "
        "replaced by the mean target of its rows shrunk towards the overall mean by one pseudo-row "
        "(CatBoost's ordered target statistics: a training row's value uses only the rows before it in a "
        "random permutation, so its own target never leaks into it; at predict, the statistic from all "
        "training rows; a level without one, unseen at fit, reads as missing); regression and binary "
        "targets only. "
        "\"auto\": \"target\" for a feature with more than 64 distinct levels whose codes carry no "
        "order (text and ``category`` levels), when the target is a number or two classes; \"set\" "
        "otherwise. A dict {feature name or index: encoding} sets some features, the others auto. Missing "
        "values, and levels unseen at fit that arrive as NaN (frames), follow the missing-value direction "
        "whatever the encoding.",
        _check_cat_encoding,
    ),
    "max_cat_bins": Param(
        _models("boost gbdt cart forest adaboost"), None, "int or None",
        By(boost="Most bins of a categorical feature split by level sets: past it, the rarest levels share "
                 "one \"other\" bin, or, for a feature whose codes carry an order (integer codes, ordered or "
                 "integer levels), each bin holds a range of codes. None: every level has a bin of its own "
                 "(past ``max_bin`` levels the bin type widens to 16 bits, and every feature's histograms "
                 "with it; the code-order scan still splits ordered codes in order), up to 65,535 levels "
                 "(past it, as for a cap of 65,535, with a warning).",
           gbdt="Most bins of a categorical feature split by level sets: past it, the rarest levels share "
                 "one \"other\" bin, or, for a feature whose codes carry an order (integer codes, ordered or "
                 "integer levels), each bin holds a range of codes. None: every level has a bin of its own "
                 "(past ``max_bin`` levels the bin type widens to 16 bits, and every feature's histograms "
                 "with it; the code-order scan still splits ordered codes in order), up to 65,535 levels "
                 "(past it, as for a cap of 65,535, with a warning).",
           other="Most bins of a categorical feature split by level sets: past it, the rarest levels share "
                 "one \"other\" bin, or, for a feature whose codes carry an order (integer codes, ordered "
                 "or integer levels), each bin holds a range of codes. None: every level has a bin of its "
                 "own (past ``max_bin`` levels the bin type widens to 16 bits, and every feature's "
                 "histograms with it), up to 65,535 levels (past it, as for a cap of 65,535, with a "
                 "warning); but codes that carry an order are binned by ranges past ``max_bin`` levels, as "
                 "their ordinal encoding would be, and split in code order."),
        dict(low=2, high=65535, integer=True, allow_none=True),
    ),
    "cat_smooth": Param(
        _models("boost"), 10.0, "float",
        "As LightGBM's: categories are ordered by sum_g / (sum_h + cat_smooth) before a categorical split.",
        dict(low=0),
    ),
    "cat_l2": Param(
        _models("boost"), 10.0, "float",
        "As LightGBM's: categorical splits get reg_lambda + cat_l2.", dict(low=0),
    ),
    "min_data_per_group": Param(
        _models("boost"), 100, "int",
        "As LightGBM's: each scored prefix of a category order adds at least this many rows.",
        dict(low=1, integer=True),
    ),
    "max_cat_threshold": Param(
        _models("boost"), 32, "int",
        "As LightGBM's: at most this many categories go to one side of a split.", dict(low=1, integer=True),
    ),
    "cat_code_order": Param(
        _models("boost gbdt"), "auto", '"auto" or bool',
        "Whether category codes carry an order. When true, a categorical feature is also split by "
        "thresholds on its codes (as its ordinal encoding would be), the category-set split's gain is "
        "lowered by the gain a set search finds in noise (so many-category features do not win by "
        "overfitting), and a feature with more categories than ``max_cat_bins`` is binned by ranges of codes "
        "(an unseen code inside the seen range then follows its range, not the missing side). \"auto\": "
        "true when every categorical feature is integer-coded and named in ``categorical_features``, false "
        "when any comes from a frame's category or text dtype (whose codes are just sorted levels). False "
        "is LightGBM's method alone: predictions do not depend on how categories are coded.",
        _check_cat_code_order,
    ),
    # ------------------------------------------------------------ constraints (checked against the data at fit)
    "monotonic_cst": Param(
        _models("boost gbdt cart forest"), None,
        "list of -1/0/1 per feature, dict {feature name: -1/0/1} or None",
        _MONOTONIC_DOC, _check_monotonic_cst, ("monotone_constraints",),
    ),
    "interaction_cst": Param(
        _models("boost gbdt"), None, '{"pairwise", "no_interactions"}, list of lists of int or str, or None',
        "Features that may share a path: a node may split on a feature only if one group holds it and "
        "every feature already used on its path (groups: lists, tuples or sets of feature indices or "
        "names; the features in no group form one more group, scikit-learn's rule). \"pairwise\": any "
        "two features may interact, never three; \"no_interactions\": each feature alone (an additive "
        "model). None: no constraint.",
        _check_interaction_cst, ("interaction_constraints",),
    ),
    # ------------------------------------------------------------ evaluation and early stopping
    "eval_metric": Param(
        _models("boost gbdt"), None, "str, callable, list of those, or None",
        "Metrics recorded every round on each ``eval_set`` into ``evals_result_`` (under silva's name of "
        "each). None: the loss's own metric. Names (XGBoost's and LightGBM's aliases taken): regression "
        '"rmse", "mae", "mape"; two classes "logloss", "error" (class 1 when its probability is above '
        '0.5), "auc", "aucpr" (average precision, as scikit-learn and LightGBM compute it); more classes '
        '"mlogloss", "merror"; and the loss\'s own metric name. Metrics read predictions (regression), '
        "the probability of class 1 (two classes) or the class probabilities, with ``y`` encoded "
        "0, 1, ... as ``classes_``; the loss's own metric reads raw scores. A callable "
        "``fn(y_true, y_pred[, sample_weight]) -> float`` (scikit-learn's convention; the eval weights "
        "are passed as ``sample_weight=`` when given) is minimised unless it has an attribute "
        "``higher_is_better = True``; it is recorded under its ``__name__`` and not stored in the model "
        "file. Early stopping follows the last metric of the list (XGBoost's rule).",
        _check_eval_metric, ("metric", "metrics"),
    ),
    "n_iter_no_change": Param(
        _models("boost gbdt"), None, "int or None",
        "Stop after this many rounds without improvement of the last ``eval_metric`` on the last "
        "``eval_set`` (or on a held-out ``validation_fraction`` when no eval_set is given: XGBoost's "
        "rule) and keep the best round (``best_iteration_``).",
        dict(low=1, integer=True, allow_none=True), ("early_stopping_rounds", "early_stopping_round"),
    ),
    "validation_fraction": Param(
        _models("boost gbdt"), By(boost=None, gbdt=0.1), By(boost="float or None", gbdt="float"),
        By(boost="Held-out share for early stopping without an eval_set (0.1 when None).",
           gbdt="Held-out share for early stopping without an eval_set."),
        dict(low=0, high=1, low_open=True, high_open=True, allow_none=True),
    ),
    "tol": Param(
        _models("boost gbdt"), By(boost=1e-7, gbdt=1e-4), "float",
        "Least change of the early-stopping metric, in its direction (a decrease for losses, an "
        "increase for auc and aucpr), that counts as an improvement.",
        dict(low=0), ("early_stopping_min_delta",),
    ),
    # ------------------------------------------------------------ run
    "random_state": Param(
        _models("boost gbdt cart forest adaboost"), None, "int, RandomState or None",
        By(boost="Seeds row/column sampling and the validation split; the same seed gives the same model "
                 "whatever ``n_jobs`` is.",
           gbdt="Seeds row/feature sampling and the validation split; the same seed gives the same model "
                "whatever ``n_jobs`` is.",
           cart="Seeds the feature draws, the random thresholds and the binning sample.",
           forest="Seeds the bootstrap, the feature draws, the random thresholds and the binning sample; "
                  "the same seed gives the same forest whatever ``n_jobs`` is.",
           adaboost="Seeds the binning sample and every learner's ``random_state``."),
        None, ("seed", "random_seed"),  # checked by sklearn's check_random_state at fit
    ),
    "n_jobs": Param(
        _models("boost gbdt cart forest adaboost"), None, "int or None",
        By(cart="Threads for binning and prediction; None uses the physical cores.",
           other="Threads; None uses the physical cores."),
        None, ("num_threads", "nthread"),  # checked by silva._threads.resolve_n_jobs at fit
    ),
    "verbose": Param(
        _models("boost gbdt forest"), 0, "int",
        By(boost="Print the validation metrics every ``verbose`` rounds and the phase timings at the end.",
           gbdt="Print the validation losses every ``verbose`` rounds and the phase timings at the end.",
           forest="Print the fit's timings."),
        dict(low=0, integer=True), ("verbosity",),
    ),
}


# ---------------------------------------------------------------- lookups

def model_of(estimator):
    """The model family ("boost", "gbdt", "cart", "forest", "adaboost") of an estimator or class;
    a family name is returned as is; None for anything else."""
    if estimator is None or isinstance(estimator, str):
        if estimator is not None and estimator not in MODELS:
            raise ValueError(f"model must be one of {MODELS} or a silva estimator, got {estimator!r}")
        return estimator
    cls = estimator if isinstance(estimator, type) else type(estimator)
    tag = getattr(cls, "_param_model", None)
    if tag is not None:
        return tag
    for klass in cls.__mro__:
        if klass.__name__ in _MODEL_OF_BASE:
            return _MODEL_OF_BASE[klass.__name__]
    return None


def _context(estimator):
    """(model, task, class name) of an estimator, class or family name."""
    model = model_of(estimator)
    if estimator is None or isinstance(estimator, str):
        return model, None, None
    from sklearn.base import ClassifierMixin, RegressorMixin

    cls = estimator if isinstance(estimator, type) else type(estimator)
    task = "classifier" if issubclass(cls, ClassifierMixin) else "regressor" if issubclass(cls, RegressorMixin) \
        else "ranker" if getattr(cls, "_task", None) == "ranking" else None
    return model, task, cls.__name__


def names(model, task=None):
    """The table's parameter names for a model family (and task), in table order."""
    model = model_of(model)
    return [name for name, p in PARAMS.items() if p.takes(model, task)]


def default(name, estimator):
    """The table's default of ``name`` for an estimator, class or family (a ``By`` when the family
    alone does not decide it, e.g. ``max_features`` of forests)."""
    model, task, cls_name = _context(estimator)
    p = PARAMS[name]
    if not p.takes(model, task):
        raise KeyError(f"{model} estimators have no parameter {name!r}")
    return _resolve(p.default, model, task, cls_name)


def aliases(model):
    """{alias: silva name} of a model family (or estimator): the peers' names of its parameters."""
    model = model_of(model)
    return {alias: name for name, p in PARAMS.items() if p.takes(model) for alias in p.aliases}


def canonical_name(name, model=None):
    """silva's name of a parameter given as itself or under a LightGBM/XGBoost/scikit-learn alias, for
    ``model`` (a family name, an estimator or its class); None when unknown.

    Aliases resolve per model: "alpha" is reg_alpha for "boost" but GBDT's own quantile "alpha" for
    "gbdt". Without a model, a name whose meaning depends on the model raises a ValueError.
    """
    model = model_of(model)
    if model is not None:
        if name in PARAMS and PARAMS[name].takes(model):
            return name
        return aliases(model).get(name)
    found = {}
    for m in MODELS:
        canon = canonical_name(name, m)
        if canon is not None:
            found.setdefault(canon, []).append(m)
    if len(found) > 1:
        raise ValueError(f"{name!r} means " + "; ".join(f"{canon} for {', '.join(ms)}"
                                                        for canon, ms in found.items())
                         + ": give the model")
    return next(iter(found), None)


# ---------------------------------------------------------------- validation

def _run_check(check, name, value):
    if check is None:
        return
    if callable(check):
        check(name, value)
    else:
        check_number(name, value, **check)


def validate_params(estimator):
    """Check every parameter of ``estimator`` that the table has for its model; the error names the
    parameter. (Values that need the data, e.g. a monotonic constraint per feature, are checked at fit.)"""
    model, task, cls_name = _context(estimator)
    params = estimator.get_params(deep=False)
    for name, value in params.items():
        p = PARAMS.get(name)
        if p is None or (model is not None and not p.takes(model)):
            continue
        check = _resolve(p.check, model, task, cls_name)
        if isinstance(check, By):  # a model outside the table's families: the checks they share
            check = check.other
        if check is By._MISSING:
            check = None
        _run_check(check, name, value)
    if params.get("grow_policy") == "leafwise" and params.get("max_leaves") is None \
            and params.get("max_depth") is None:
        raise ValueError("leaf-wise growth needs max_leaves or max_depth (both are None)")


# the CART family used to have its own validator: the same table now (max_bin=None per model)
validate_cart_params = validate_params


# ---------------------------------------------------------------- docs

def _format_value(value):
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value != 0 and not 1e-3 <= abs(value) < 1e6:
        mantissa, exponent = f"{value:e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"  # 1e-7, not 1e-07
    return repr(value)


_PLURAL = {"classifier": "classifiers", "regressor": "regressors"}


def _format_default(value):
    if not isinstance(value, By):
        return _format_value(value)
    parts = [f"{_format_default(v)} ({_PLURAL.get(k, k)})" for k, v in value.cases.items()]
    if value.other is not By._MISSING:
        parts.append(f"{_format_default(value.other)} (others)")
    return ", ".join(parts)


def _format_type(value):
    if not isinstance(value, By):
        return value
    parts = [f"{_format_type(v)} ({_PLURAL.get(k, k)})" for k, v in value.cases.items()]
    if value.other is not By._MISSING:
        parts.append(f"{_format_type(value.other)} (others)")
    return " or ".join(parts)


def _format_text(value):
    if not isinstance(value, By):
        return value
    parts = [f"{_PLURAL.get(k, k).capitalize()}: {_format_text(v)}" for k, v in value.cases.items()]
    if value.other is not By._MISSING:
        parts.append(f"Others: {_format_text(value.other)}")
    return " ".join(parts)


def _alias_text(aliases):
    names = ", ".join(f"``{alias}``" for alias in aliases)
    return f"Aliases: {names} (peer libraries' names, taken by ``silva train --param``)."


_LITERAL = re.compile(r"``[^`]+``")


def _wrap(text, width, indent):
    """``textwrap.wrap`` that never breaks inside a ``literal``."""
    glued = _LITERAL.sub(lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(glued, width=width, initial_indent=indent, subsequent_indent=indent,
                          break_on_hyphens=False, break_long_words=False)
    return [line.replace("\0", " ") for line in lines]


def param_entry(name, model, task=None, cls_name=None):
    """(type, default, text) of parameter ``name`` as the docs show it for that estimator (a family name,
    with the task and the class name when known): the table's type, default and doc resolved for it,
    the doc followed by the parameter's peer names (its aliases) when it has any."""
    p = PARAMS.get(name)
    if p is None or not p.takes(model, task):
        raise KeyError(f"{model} estimators have no parameter {name!r} in the table")
    typ = _format_type(_resolve(p.type, model, task, cls_name))
    default_value = _format_default(_resolve(p.default, model, task, cls_name))
    text = _format_text(_resolve(p.doc, model, task, cls_name))
    if p.aliases:
        text = f"{text} {_alias_text(p.aliases)}"
    return typ, default_value, text


def param_docs(model, names=None, task=None, *, indent="    ", width=108, header=True):
    """The numpydoc "Parameters" section of ``names`` (default: every parameter of ``model``) from
    the table. ``model`` is an estimator class (its parameters in ``__init__`` order, defaults, types
    and text resolved for that class), an estimator, or a family name (with ``task`` optionally)."""
    ctx_model, ctx_task, cls_name = _context(model)
    task = task or ctx_task
    if names is None:
        if cls_name is not None:
            cls = model if isinstance(model, type) else type(model)
            names = [n for n in inspect.signature(cls.__init__).parameters if n != "self"]
        else:
            names = globals()["names"](ctx_model, task)
    lines = [f"{indent}Parameters", f"{indent}----------"] if header else []
    for name in names:
        typ, default_value, text = param_entry(name, ctx_model, task, cls_name)
        lines.append(f"{indent}{name} : {typ}, default={default_value}")
        lines.extend(_wrap(text, width, indent * 2))
    return "\n".join(lines) + "\n"


# a numpydoc section header: a title line, then a line of dashes as long, at the same indentation
_SECTION = re.compile(r"^(?P<indent>[ ]*)(?P<title>[A-Z][A-Za-z ]*)\n(?P=indent)-{3,}[ ]*$", re.MULTILINE)


def document_params(cls):
    """Class decorator: write the table's "Parameters" section (``param_docs(cls)``) into the class
    docstring, before its first section (Attributes, Examples, ...; at the end when it has none).

    The class docstring holds the summary and the other sections only: every public estimator's
    parameters are documented by the table, never by hand. Docstrings stripped by ``python -OO``
    stay None."""
    doc = cls.__dict__.get("__doc__")
    if doc is None:
        return cls
    if any(m.group("title") == "Parameters" for m in _SECTION.finditer(doc)):
        raise ValueError(f"{cls.__name__}'s docstring has a Parameters section of its own: the table "
                         "writes it")
    section = param_docs(cls)
    first = _SECTION.search(doc)
    if first is None:
        cls.__doc__ = doc.rstrip() + "\n\n" + section
    else:
        head = doc[:first.start()].rstrip()
        cls.__doc__ = head + "\n\n" + section + "\n" + doc[first.start():]
    return cls
