"""The argument parser of the ``silva`` command: one subcommand per job, errors as one line."""
import argparse

from ._common import CLIError
from ._estimator import MAX_AUTO_CLASSES, MODELS, TASKS
from .explain import cmd_explain
from .inspection import cmd_inspect
from .predict import cmd_evaluate, cmd_predict
from .train import cmd_train


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message):
        raise CLIError(f"{message} (see {self.prog} --help)")


def build_parser():
    parser = _Parser(prog="silva", description="Train, apply and inspect silva tree ensembles "
                     "on Parquet or CSV files.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("train", help="train a model and save it",
                       description="Train a model on DATA (Parquet or CSV) and save it to MODEL.")
    p.add_argument("data", metavar="DATA", help="training data (.parquet, .csv or .tsv)")
    p.add_argument("--target", required=True, metavar="COL", help="label column")
    p.add_argument("--task", choices=TASKS, default="auto",
                   help="auto (default): a numeric target with more than "
                        f"{MAX_AUTO_CLASSES} distinct or non-integer values is a regression, else "
                        "2 classes binary, more multiclass; rank: learning to rank (needs --group)")
    p.add_argument("--group", metavar="COL", help="query id column (--task rank; not a feature)")
    p.add_argument("--model", choices=list(MODELS), default="boost", help="estimator family (default boost)")
    p.add_argument("--param", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                   help="estimator parameter (silva, LightGBM, XGBoost or scikit-learn name; lists "
                        "as JSON), e.g. --param n_estimators=300 learning_rate=0.05 "
                        "monotonic_cst=[1,0,-1]; random_state defaults to 0")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--valid", metavar="DATA", help="validation data (same columns as DATA)")
    group.add_argument("--valid-fraction", type=float, metavar="F",
                       help="share of DATA held out for validation (default 0.2; 0 trains on all rows)")
    p.add_argument("--categorical", action="append", default=[], metavar="COL[:ENC][,COL...]",
                   help="numeric columns to treat as categories (text and category columns are "
                        "categorical already); COL:ENC sets a column's encoding, ENC one of auto, set, "
                        "target (see cat_encoding), for any categorical column")
    p.add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    p.add_argument("--plot", metavar="FILE.png", help="write the learning curve (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Write predictions (class probabilities and labels for a "
                                   "classifier) for every row of DATA.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--out", required=True, metavar="FILE", help="output .csv or .parquet")
    p.add_argument("--target", metavar="COL",
                   help="label column to ignore if present (default: the model's training target)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="metrics of a saved model on labelled data",
                       description="Print AUC/logloss/accuracy (binary), mlogloss/accuracy "
                                   "(multiclass) or RMSE/MAE/R2 (regression) on DATA.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--target", metavar="COL", help="label column (default: the model's training target)")
    p.add_argument("--group", metavar="COL", help="query id column (ranking models; default: the training one)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("explain", help="SHAP values of a saved model on a data file",
                       description="Write exact TreeSHAP values for every row of DATA: a column per "
                                   "feature (and per class or quantile for several outputs) and the bias; "
                                   "they add up to the raw score (margins for boosted classifiers, "
                                   "probabilities for trees and forests).")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--out", required=True, metavar="FILE", help="output file (.csv, .tsv or .parquet)")
    p.add_argument("--plot", metavar="FILE.png", help="also draw the SHAP summary (needs matplotlib)")
    p.add_argument("--output", type=int, metavar="K",
                   help="output plotted for several outputs (default: the positive class of two, else 0)")
    p.add_argument("--target", metavar="COL",
                   help="label column to ignore if present (default: the model's training target)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("inspect", help="schema, parameters, trees and top features of a saved model")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--top", type=int, default=10, metavar="N", help="features to list (default 10)")
    p.add_argument("--trees", type=int, nargs="?", const=-1, default=None, metavar="N",
                   help="also print the trees as text (the first N; all when N is omitted)")
    p.set_defaults(func=cmd_inspect)

    # "silva demo ARGS" hands ARGS to silva.demo untouched (see main); listed here for --help
    sub.add_parser("demo", help="the end-to-end demo on bundled data (what make demo runs; "
                   "silva demo --help for its options)", add_help=False)
    return parser
