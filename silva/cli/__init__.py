"""The ``silva`` command: train, predict, evaluate and inspect models from Parquet or CSV files.

    silva train DATA --target COL [--task auto|binary|multiclass|regression]
                [--model boost|gbdt|forest|extra-trees|adaboost|tree] [--param NAME=VALUE ...]
                [--valid DATA | --valid-fraction F] --out MODEL [--plot CURVE.png]
    silva predict MODEL DATA --out FILE.csv|FILE.parquet [--target COL]
    silva evaluate MODEL DATA [--target COL]
    silva explain MODEL DATA --out FILE.csv|FILE.parquet [--plot FILE.png] [--output K] [--target COL]
    silva inspect MODEL [--top N]
    silva demo [--out-dir DIR]

Every mistake (unknown column or parameter, unreadable file, data that does not match the model)
prints one ``silva: error: ...`` line on stderr and exits with a non-zero status (2); set
``SILVA_DEBUG=1`` for the Python traceback instead.

One module per job: ``_parser`` (arguments), ``_data`` (data and model files), ``_estimator`` (task,
target, estimator and its parameters), ``_report`` (metrics, tables, progress bar), and the commands
``train``, ``predict`` (predict and evaluate), ``explain`` and ``inspection`` (inspect). ``main`` is the
entry point (``silva = "silva.cli:main"``; ``python -m silva`` and ``python -m silva.cli`` run it too).
"""
import os
import sys

# also the package's interface: tests and scripts use these as silva.cli.NAME
from ._common import CLIError, _list, _one_line  # noqa: F401
from ._data import load_model, read_table, split_target, write_table  # noqa: F401
from ._estimator import (MAX_AUTO_CLASSES, MODELS, TASKS, estimator_class, infer_task,  # noqa: F401
                         parse_params, parse_value, target_array, task_of)
from ._parser import build_parser
from ._report import _Progress, compute_metrics, format_table  # noqa: F401
from .explain import cmd_explain  # noqa: F401
from .inspection import cmd_inspect  # noqa: F401
from .predict import cmd_evaluate, cmd_predict  # noqa: F401
from .train import cmd_train  # noqa: F401

__all__ = ["main"]


def cmd_demo(argv):
    from .. import demo
    return demo.main(argv)


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = os.environ.get("SILVA_DEBUG", "") not in ("", "0")
    try:
        if argv and argv[0] == "demo":
            return int(cmd_demo(argv[1:]) or 0)
        parser = build_parser()
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except CLIError as exc:
        if debug:
            raise
        print(f"silva: error: {exc}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:  # e.g. piped into head: stop quietly (before OSError, its base class)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, OSError, ImportError, KeyError) as exc:
        if debug:
            raise
        print(f"silva: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("silva: interrupted", file=sys.stderr)
        return 130
