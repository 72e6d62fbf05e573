"""From the command line's words to an estimator: the task (inferred from the target or given), the
target as labels or values, the estimator class of ``--model`` and the ``--param NAME=VALUE`` pairs."""
import difflib

import numpy as np

from ._common import CLIError, _list

# --model value -> (classifier class name, regressor class name) in the silva namespace
MODELS = {
    "boost": ("BoostClassifier", "BoostRegressor"),
    "gbdt": ("GBDTClassifier", "GBDTRegressor"),
    "forest": ("RandomForestClassifier", "RandomForestRegressor"),
    "extra-trees": ("ExtraTreesClassifier", "ExtraTreesRegressor"),
    "adaboost": ("AdaBoostClassifier", "AdaBoostRegressor"),
    "tree": ("DecisionTreeClassifier", "DecisionTreeRegressor"),
}
TASKS = ("auto", "binary", "multiclass", "regression", "rank")
# numeric targets with more distinct values than this (or non-integral floats) are regressions
MAX_AUTO_CLASSES = 20


def infer_task(y, requested="auto"):
    """(task, reason) for a target Series."""
    from pandas.api import types as pdt

    if y.isna().any():
        raise CLIError(f"target column {y.name!r} has {int(y.isna().sum())} missing values; "
                       "drop those rows first")
    n_unique = int(y.nunique())
    numeric = pdt.is_numeric_dtype(y.dtype) and not pdt.is_bool_dtype(y.dtype)
    if requested == "rank":
        if not numeric:
            raise CLIError(f"--task rank needs relevance grades (numbers); column {y.name!r} has dtype {y.dtype}")
        return "rank", "--task"
    if requested == "regression":
        if not numeric:
            raise CLIError(f"--task regression needs a numeric target; column {y.name!r} has dtype {y.dtype}")
        return "regression", "--task"
    if requested in ("binary", "multiclass"):
        if n_unique < 2:
            raise CLIError(f"target column {y.name!r} has a single value; nothing to classify")
        if requested == "binary" and n_unique != 2:
            raise CLIError(f"--task binary but target column {y.name!r} has {n_unique} classes")
        return requested, "--task"
    if numeric:
        values = y.to_numpy(dtype=np.float64)
        integral = bool(np.all(values == np.round(values)))
        if not integral or n_unique > MAX_AUTO_CLASSES:
            why = "non-integer values" if not integral else f"{n_unique} distinct values"
            return "regression", f"auto: numeric target with {why}"
    if n_unique < 2:
        raise CLIError(f"target column {y.name!r} has a single value; nothing to learn")
    if n_unique == 2:
        return "binary", "auto: 2 classes"
    return "multiclass", f"auto: {n_unique} classes"


def target_array(y, task=None, classes=None):
    """numpy labels from a target Series: floats for regression; ints, bools or (text) str labels
    for classification. ``classes`` (a fitted classifier's) fixes the label type."""
    from pandas.api import types as pdt

    if y.isna().any():
        raise CLIError(f"target column {y.name!r} has {int(y.isna().sum())} missing values; "
                       "drop those rows first")
    if task in ("regression", "rank"):
        return y.to_numpy(dtype=np.float64)
    text = classes.dtype.kind == "U" if classes is not None else not (
        pdt.is_numeric_dtype(y.dtype) or pdt.is_bool_dtype(y.dtype))
    if text:
        return np.asarray(y.astype(str).to_numpy(dtype=object), dtype=str)
    if pdt.is_bool_dtype(y.dtype):
        return y.to_numpy(dtype=bool)
    if pdt.is_integer_dtype(y.dtype):
        return y.to_numpy(dtype=np.int64)
    values = y.to_numpy(dtype=np.float64)
    if classes is not None and classes.dtype.kind in "iu" and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def estimator_class(model, task):
    import silva
    if task == "rank":
        if model != "boost":
            raise CLIError(f"--task rank trains BoostRanker (--model boost), not --model {model}")
        return silva.BoostRanker
    names = MODELS[model]
    name = names[1] if task == "regression" else names[0]
    cls = getattr(silva, name, None)
    if cls is None:
        available = [m for m, pair in MODELS.items() if all(hasattr(silva, n) for n in pair)]
        raise CLIError(f"--model {model} ({name}) is not available yet in this version of silva "
                       f"(available: {', '.join(available)})")
    return cls


def parse_value(text):
    """'None'/'null' -> None, 'true'/'false' -> bool, then int, float, a JSON list or object
    ('[1,0,-1]', '{"age": 1}', '[[0,1],[2]]': constraints), else the string."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    if text.strip()[:1] in ("[", "{"):
        import json
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CLIError(f"cannot read {text!r} as a JSON list or object: {exc}") from None
    return text


def parse_params(pairs, estimator):
    """{silva name: value} from NAME=VALUE strings; LightGBM/XGBoost/scikit-learn aliases of the
    estimator's parameters (silva/_params.py, resolved for its model: ``alpha`` is ``reg_alpha`` for
    the boosters and GBDT's own ``alpha``) are accepted, and an unknown name suggests the closest one."""
    from .._params import aliases as model_aliases

    valid = list(estimator.get_params(deep=False))
    aliases = {alias: canon for alias, canon in model_aliases(estimator).items() if canon in valid}
    params, given_as = {}, {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--param expects NAME=VALUE, got {pair!r}")
        canon = name if name in valid else aliases.get(name)
        if canon not in valid:
            close = difflib.get_close_matches(name, valid + list(aliases), n=1, cutoff=0.6)
            if close:
                suggestion = aliases.get(close[0], close[0])
                raise CLIError(f"unknown parameter {name!r}; did you mean {suggestion!r}?")
            raise CLIError(f"unknown parameter {name!r} for {type(estimator).__name__} "
                           f"(parameters: {_list(valid)})")
        if canon in params:
            raise CLIError(f"parameter {canon!r} given twice (as {given_as[canon]!r} and {name!r})")
        params[canon] = parse_value(value)
        given_as[canon] = name
    return params


def task_of(estimator):
    from sklearn.base import is_classifier
    if getattr(estimator, "_task", None) == "ranking":
        return "rank"
    if not is_classifier(estimator):
        return "regression"
    return "binary" if len(estimator.classes_) == 2 else "multiclass"
