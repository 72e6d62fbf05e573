"""``silva inspect``: what a saved model is (estimator, classes, trees, schema, parameters) and its
most important features."""
import numpy as np

from ._common import CLIError, _list
from ._data import load_model
from ._estimator import task_of
from ._report import format_table


def cmd_inspect(args):
    est = load_model(args.model)
    task = task_of(est)
    print(f"model: {args.model}")
    print(f"estimator: {type(est).__name__} ({task})")
    if task != "regression":
        print(f"classes: {_list(est.classes_.tolist(), 20)}")
    forest = getattr(est, "_forest", None)
    if forest is not None:
        line = f"trees: {forest.n_trees}"
        if getattr(est, "n_iter_", None) is not None:
            line += f" ({est.n_iter_} rounds"
            best = getattr(est, "best_iteration_", None)
            line += f", best round {best})" if best is not None else ")"
        print(line)
    schema = getattr(est, "_schema", None)
    if schema is not None:
        if schema.target is not None:
            print(f"target column: {schema.target}")
        n_cat = len(schema.categorical_features)
        print(f"\nschema: {schema.n_features} features ({n_cat} categorical), fitted on {schema.input_type} input")
        rows = []
        for j, name in enumerate(schema.names):
            levels = schema.levels(j)
            rows.append([j, name, schema.dtypes[j], schema.kinds[j], "" if levels is None else len(levels)])
        print(format_table(["#", "name", "dtype", "kind", "levels"], rows))
    params = est.get_params(deep=False)
    defaults = type(est)().get_params(deep=False)
    rows = [[k, repr(v), "" if v == defaults.get(k) else f"(default {defaults.get(k)!r})"]
            for k, v in params.items()]
    print("\nparameters:")
    print(format_table(["name", "value", ""], rows))
    if hasattr(est, "feature_importances_"):
        names = schema.names if schema is not None else [f"f{j}" for j in range(est.n_features_in_)]
        gain = np.asarray(est.feature_importances_, dtype=float)
        split = est.get_importance("split", normalize=False) if hasattr(est, "get_importance") else None
        order = np.argsort(-gain, kind="stable")[: args.top]
        rows = [[names[j], float(gain[j])] + ([int(split[j])] if split is not None else []) for j in order]
        print(f"\ntop {len(order)} features by gain:")
        print(format_table(["feature", "gain share"] + (["splits"] if split is not None else []), rows))
    if args.trees is not None:
        if args.trees < -1:
            raise CLIError(f"--trees takes a number of trees >= 0, got {args.trees}")
        print("\ntrees:")
        print(_first_trees(est.dump_model(), args.trees), end="")
    return 0


def _first_trees(dump, n):
    """The dump's first n trees (all for n = -1)."""
    if n == -1:
        return dump
    blocks = dump.split("booster[")[1:]
    return "".join("booster[" + b for b in blocks[:n])
