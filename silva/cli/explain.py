"""``silva explain``: SHAP values of a saved model on a data file (one column per feature and output,
the bias last), and optionally their summary plot."""
from ._common import CLIError, _one_line
from ._data import _check_output_path, _features, load_model, read_table, write_table
from ._report import quantile_alphas


def _output_labels(est, n_outputs):
    """A name per explained output: the class (probabilities or margins), quantile or target column."""
    alphas = quantile_alphas(est)
    if alphas is not None:
        return [f"quantile_{a:g}" for a in alphas]
    classes = getattr(est, "classes_", None)
    if classes is not None and len(classes) == n_outputs:
        return [f"class_{c}" for c in classes]
    return [f"output_{k}" for k in range(n_outputs)]


def cmd_explain(args):
    import pandas as pd

    _check_output_path(args.out)
    if args.plot:
        _check_output_path(args.plot, kinds=None)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise CLIError("--plot needs matplotlib: pip install matplotlib") from None
    est = load_model(args.model)
    df = read_table(args.data)
    X, _ = _features(est, df, args.target)
    try:
        values = est.predict(X, pred_contribs=True)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"cannot explain {args.model} on {args.data}: {_one_line(exc)}") from exc
    names = [str(c) for c in X.columns] + ["bias"]
    if values.ndim == 2:
        out = pd.DataFrame(values, columns=[f"shap_{n}" for n in names])
        output = None
    else:
        labels = _output_labels(est, values.shape[1])
        out = pd.DataFrame({f"shap_{label}_{n}": values[:, k, j] for k, label in enumerate(labels)
                            for j, n in enumerate(names)})
        output = (values.shape[1] - 1 if values.shape[1] == 2 else 0) if args.output is None else args.output
        if not 0 <= output < values.shape[1]:
            raise CLIError(f"--output must be in [0, {values.shape[1] - 1}], got {output}")
    write_table(out, args.out)
    print(f"wrote SHAP values of {len(out)} rows ({values.shape[-1] - 1} features + bias"
          f"{'' if output is None else f', {values.shape[1]} outputs'}) to {args.out}")
    if args.plot:
        _plot(est, X, values, output, args.plot)
    return 0


def _plot(est, X, values, output, path):
    import matplotlib
    matplotlib.use("Agg")
    from ..plotting_shap import plot_shap_summary
    title = "SHAP summary" if output is None else f"SHAP summary ({_output_labels(est, values.shape[1])[output]})"
    ax = plot_shap_summary(est, X, shap_values=values, output=output, title=title)
    try:
        ax.figure.savefig(path, dpi=110, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path!r}: {_one_line(exc)}") from exc
    print(f"SHAP summary plot saved to {path}")
