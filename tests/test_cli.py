"""The ``silva`` command line: train -> predict -> evaluate -> inspect in a subprocess on real data,
checked against the Python API; mistakes give one error line and a non-zero exit status."""
import importlib.metadata
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

import silva
from silva import cli

from datasets import path as data_path

N_ROUNDS = 10
PARAMS = ["--param", f"n_estimators={N_ROUNDS}", "max_depth=4"]
API_PARAMS = dict(n_estimators=N_ROUNDS, max_depth=4, random_state=0)  # the CLI's default seed is 0
CATEGORICAL_CODES = [f"c{j}" for j in range(8)]


def run(*args, cwd):
    """``python -m silva.cli ARGS`` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "silva.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def parse_table(stdout, header="metric"):
    """{first cell: [other cells as float]} of the table whose header starts with ``header``."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [header])
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = [float(c) for c in cells[1:]]
    return rows


def expected_metrics(model, X, y):
    proba = model.predict_proba(X)
    return {"AUC": roc_auc_score(y == model.classes_[1], proba[:, 1]),
            "logloss": log_loss(y, proba, labels=model.classes_),
            "accuracy": accuracy_score(y, model.classes_[np.argmax(proba, axis=1)])}


def require(name):
    p = data_path(name)
    if p is None:
        pytest.skip(f"data set {name!r} absent (../shared/data is only in the developers' workspace)")
    return p


def one_error_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("silva: error: "), stderr
    return lines[0]


# --------------------------------------------------------------------------- end to end


def _end_to_end(tmp_path, train_file, train_extra, eval_file, api_model, X_eval, y_eval, out_name):
    """Runs the four commands; checks them against ``api_model`` (the same model fitted in Python)."""
    model_path, pred_path = tmp_path / "model.json", tmp_path / out_name
    train = run("train", train_file, "--target", "target", *PARAMS, *train_extra, "--out", model_path,
                cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    # no progress bar off a terminal
    assert "model saved to" in train.stdout
    assert "it/s" not in train.stderr and "%|" not in train.stderr
    warned = [line for line in train.stderr.splitlines() if "Warning" in line]
    assert all("has a different level in nearly every row" in line for line in warned)
    assert len(warned) == ("titanic" in str(train_file))  # titanic: Name is an identifier
    table = parse_table(train.stdout)
    assert set(table) == {"AUC", "logloss", "accuracy"} and all(len(v) == 2 for v in table.values())

    model = silva.load(model_path)
    assert model._schema.target == "target"
    np.testing.assert_array_equal(model.predict_proba(X_eval), api_model.predict_proba(X_eval))
    assert model.evals_result_ == api_model.evals_result_
    validation = {m: v[1] for m, v in table.items()}
    assert validation["logloss"] == pytest.approx(api_model.evals_result_["validation_0"]["logloss"][-1],
                                                  abs=1e-6)

    predict = run("predict", model_path, eval_file, "--out", pred_path, cwd=tmp_path)
    assert predict.returncode == 0, predict.stderr
    out = pd.read_parquet(pred_path) if out_name.endswith(".parquet") else pd.read_csv(pred_path)
    proba = api_model.predict_proba(X_eval)
    assert list(out.columns) == [f"proba_{c}" for c in api_model.classes_] + ["prediction"]
    np.testing.assert_allclose(out[[f"proba_{c}" for c in api_model.classes_]].to_numpy(), proba,
                               rtol=1e-15, atol=0)
    np.testing.assert_array_equal(out["prediction"], api_model.predict(X_eval))

    evaluate = run("evaluate", model_path, eval_file, cwd=tmp_path)
    assert evaluate.returncode == 0, evaluate.stderr
    printed = {m: v[0] for m, v in parse_table(evaluate.stdout).items()}
    for metric, value in expected_metrics(api_model, X_eval, y_eval).items():
        assert printed[metric] == pytest.approx(value, abs=5e-7), metric

    inspect = run("inspect", model_path, cwd=tmp_path)
    assert inspect.returncode == 0, inspect.stderr
    assert "estimator: BoostClassifier (binary)" in inspect.stdout
    assert f"trees: {N_ROUNDS} ({N_ROUNDS} rounds)" in inspect.stdout
    assert "target column: target" in inspect.stdout
    kinds = {row[0]: row for row in (line.split() for line in inspect.stdout.splitlines()) if row}
    for j, name in enumerate(model._schema.names):
        assert kinds[str(j)][1:4] == [name, model._schema.dtypes[j], model._schema.kinds[j]]
    top = parse_table(inspect.stdout, header="feature")
    best = model._schema.names[int(np.argmax(model.feature_importances_))]
    assert next(iter(top)) == best
    return model


def test_titanic_end_to_end(tmp_path):
    """Strings and NaN; the default 20% stratified validation split; a learning-curve plot."""
    pytest.importorskip("matplotlib")
    src = require("titanic")
    df = pd.read_parquet(src)
    X, y = df.drop(columns=["target"]), df["target"].to_numpy()
    X_tr, X_v, y_tr, y_v = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    api = silva.BoostClassifier(**API_PARAMS).fit(X_tr, y_tr, eval_set=[(X_v, y_v)])
    model = _end_to_end(tmp_path, src, ["--plot", tmp_path / "curve.png"], src, api, X, y, "pred.parquet")
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert [model._schema.names[j] for j in model._schema.categorical_features] == \
        ["Name", "Sex", "Ticket", "Cabin", "Embarked"]


def test_lightgbm_categorical_end_to_end(tmp_path):
    """Integer-coded categories declared with --categorical; predicted from a CSV (no dtypes) whose
    columns are shuffled."""
    src = require("lightgbm_categorical")
    df = pd.read_parquet(src)
    X, y = df.drop(columns=["target"]), df["target"].to_numpy()
    shuffled = df[list(np.random.default_rng(0).permutation(df.columns))]
    csv = tmp_path / "shuffled.csv"
    shuffled.to_csv(csv, index=False)
    Xc = X.astype({c: "category" for c in CATEGORICAL_CODES})
    X_tr, X_v, y_tr, y_v = train_test_split(Xc, y, test_size=0.2, random_state=0, stratify=y)
    api = silva.BoostClassifier(**API_PARAMS).fit(X_tr, y_tr, eval_set=[(X_v, y_v)])
    model = _end_to_end(tmp_path, src, ["--categorical", ",".join(CATEGORICAL_CODES)], csv, api, Xc, y,
                        "pred.csv")
    assert model._schema.categorical_features == list(range(8))


def test_adult_end_to_end(tmp_path):
    """Categoricals with NaN; a separate validation file."""
    train, test = require("adult_train"), require("adult_test")
    tr, te = pd.read_parquet(train), pd.read_parquet(test)
    X_tr, y_tr = tr.drop(columns=["target"]), tr["target"].to_numpy()
    X_te, y_te = te.drop(columns=["target"]), te["target"].to_numpy()
    api = silva.BoostClassifier(**API_PARAMS).fit(X_tr, y_tr, eval_set=[(X_te, y_te)])
    model = _end_to_end(tmp_path, train, ["--valid", test], test, api, X_te, y_te, "pred.csv")
    assert len(model._schema.categorical_features) == 8


def test_errors_in_a_subprocess_are_one_line_and_non_zero(tmp_path):
    proc = run("train", require("titanic"), "--target", "target", "--param", "lerning_rate=0.1",
               "--out", tmp_path / "m.json", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert one_error_line(proc.stderr) == \
        "silva: error: unknown parameter 'lerning_rate'; did you mean 'learning_rate'?"
    assert not (tmp_path / "m.json").exists()


def test_entry_point_is_declared():
    eps = importlib.metadata.entry_points(group="console_scripts", name="silva")
    if not eps:
        pytest.skip("silva is not installed with its entry points (pip install -e .)")
    assert next(iter(eps)).value == "silva.cli:main"
    assert next(iter(eps)).load() is cli.main


# --------------------------------------------------------------------------- in-process checks

@pytest.fixture(scope="module")
def titanic_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("titanic")
    model_path = directory / "model.json"
    assert cli.main(["train", str(require("titanic")), "--target", "target", *PARAMS,
                     "--out", str(model_path), "--quiet"]) == 0
    return model_path


def test_a_closed_output_pipe_stops_quietly(titanic_model):
    """``silva inspect MODEL | head -0``: the reader is gone before the first write. The command stops
    with status 1 and no error message (a broken pipe is not the user's mistake)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "silva.cli", "inspect", str(titanic_model)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    finally:
        os.close(write_end)
    assert proc.returncode == 1 and proc.stderr == ""


def error_of(capsys, argv, code=2):
    assert cli.main([str(a) for a in argv]) == code
    return one_error_line(capsys.readouterr().err)


def test_mistakes_give_one_clear_line(tmp_path, capsys, titanic_model):
    titanic = require("titanic")
    out = tmp_path / "m.json"
    msg = error_of(capsys, ["train", titanic, "--target", "Survived", "--out", out])
    assert "column 'Survived' not found" in msg and "available columns: target, Pclass, Name" in msg
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--param", "num_leave=7", "--out", out])
    assert msg.endswith("unknown parameter 'num_leave'; did you mean 'max_leaves'?")
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--param", "zzz=1", "--out", out])
    assert "unknown parameter 'zzz'" in msg and "learning_rate" in msg
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--param", "learning_rate=-1",
                            "--out", out])
    assert msg.endswith("invalid parameter: learning_rate must be > 0, got -1")
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--param", "eta", "--out", out])
    assert "expects NAME=VALUE" in msg
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--task", "multiclass",
                            "--categorical", "Nope", "--out", out])
    assert "--categorical: column 'Nope' not found" in msg
    msg = error_of(capsys, ["train", titanic, "--target", "target", "--out", tmp_path / "no" / "m.json"])
    assert "directory" in msg and "does not exist" in msg
    assert not out.exists()

    # unreadable files say which and why
    assert error_of(capsys, ["train", tmp_path / "absent.csv", "--target", "t", "--out", out]) == \
        f"silva: error: cannot read {str(tmp_path / 'absent.csv')!r}: no such file"
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not a parquet file at all")
    msg = error_of(capsys, ["train", garbage, "--target", "t", "--out", out])
    assert msg.startswith(f"silva: error: cannot read {str(garbage)!r} as PARQUET: ")
    weird = tmp_path / "table.xlsx"
    weird.write_bytes(b"xx")
    assert "unknown file type" in error_of(capsys, ["train", weird, "--target", "t", "--out", out])
    msg = error_of(capsys, ["predict", garbage, titanic, "--out", tmp_path / "p.csv"])
    assert msg.startswith("silva: error: cannot load model file") and "garbage.parquet" in msg

    # predicting on data that does not match the model
    df = pd.read_parquet(titanic)
    df.drop(columns=["Age"]).to_csv(tmp_path / "no_age.csv", index=False)
    msg = error_of(capsys, ["predict", titanic_model, tmp_path / "no_age.csv", "--out", tmp_path / "p.csv"])
    assert "does not fit the model" in msg and "missing column 'Age'" in msg
    df.assign(Sex=df["Sex"].cat.codes).to_parquet(tmp_path / "codes.parquet")
    msg = error_of(capsys, ["evaluate", titanic_model, tmp_path / "codes.parquet"])
    assert "column 'Sex' is numeric" in msg
    msg = error_of(capsys, ["predict", titanic_model, titanic, "--out", tmp_path / "p.json"])
    assert "unknown file type (use .csv or .parquet)" in msg
    msg = error_of(capsys, ["evaluate", titanic_model, titanic, "--target", "Fare"])
    assert "labels the model was not trained on" in msg or "missing values" in msg

    # argument errors are one line too
    assert "invalid choice: 'fit'" in error_of(capsys, ["fit"])
    assert "required: DATA, --target, --out" in error_of(capsys, ["train"])
    assert "--task" in error_of(capsys, ["train", titanic, "--target", "target", "--task", "ranking",
                                         "--out", out])


@pytest.mark.parametrize("model", ["gbdt", "forest", "extra-trees", "adaboost", "tree"])
def test_models_not_in_this_version(capsys, tmp_path, model):
    if all(hasattr(silva, name) for name in cli.MODELS[model]):
        pytest.skip(f"{model} exists now")
    msg = error_of(capsys, ["train", require("titanic"), "--target", "target", "--model", model,
                            "--out", tmp_path / "m.json"])
    available = ", ".join(m for m, pair in cli.MODELS.items() if all(hasattr(silva, n) for n in pair))
    assert msg.endswith(f"is not available yet in this version of silva (available: {available})")
    assert available.startswith("boost")


def test_csv_training_matches_parquet_training(tmp_path, capsys, titanic_model):
    """Text columns from CSV get the same sorted levels as the Parquet categories: same model."""
    df = pd.read_parquet(require("titanic"))
    csv = tmp_path / "titanic.csv"
    df.to_csv(csv, index=False)
    assert cli.main(["train", str(csv), "--target", "target", *PARAMS, "--out",
                     str(tmp_path / "csv.json"), "--quiet"]) == 0
    from_csv, from_parquet = silva.load(tmp_path / "csv.json"), silva.load(titanic_model)
    X = df.drop(columns=["target"])
    np.testing.assert_array_equal(from_csv.predict_proba(X), from_parquet.predict_proba(X))
    # and predicting from a CSV with the columns in another order gives the same file
    df[df.columns[::-1]].to_csv(tmp_path / "reversed.csv", index=False)
    for model, data, out in [("csv.json", "reversed.csv", "a.parquet"), (titanic_model, csv, "b.parquet")]:
        assert cli.main(["predict", str(tmp_path / model), str(tmp_path / data),
                         "--out", str(tmp_path / out)]) == 0
    assert pd.read_parquet(tmp_path / "a.parquet").equals(pd.read_parquet(tmp_path / "b.parquet"))
    assert list(from_csv._schema.dtypes[from_csv._schema.categorical_features]) == ["str"] * 5


def test_param_aliases_and_values(tmp_path, capsys):
    est = silva.BoostRegressor()
    params = cli.parse_params(["num_iterations=5", "eta=0.3", "max_depth=None", "grow_policy=leafwise",
                               "max_leaves=8", "random_state=7"], est)
    assert params == dict(n_estimators=5, learning_rate=0.3, max_depth=None, grow_policy="leafwise",
                          max_leaves=8, random_state=7)
    assert [cli.parse_value(v) for v in ["true", "False", "null", "1e-3", "12", "abc"]] == \
        [True, False, None, 1e-3, 12, "abc"]
    with pytest.raises(cli.CLIError, match="given twice"):
        cli.parse_params(["eta=0.1", "learning_rate=0.2"], est)


def test_param_aliases_resolve_per_model():
    """The aliases come from silva/_params.py for the estimator's model: XGBoost's ``alpha`` is the
    boosters' reg_alpha, while GBDT has an ``alpha`` of its own (the quantile of its losses)."""
    assert cli.parse_params(["alpha=0.5", "lambda_l2=2"], silva.BoostRegressor()) == \
        dict(reg_alpha=0.5, reg_lambda=2)
    assert cli.parse_params(["alpha=0.5", "num_leaves=8"], silva.GBDTRegressor()) == \
        dict(alpha=0.5, max_leaf_nodes=8)
    assert cli.parse_params(["num_leaves=8", "seed=3"], silva.RandomForestRegressor()) == \
        dict(max_leaf_nodes=8, random_state=3)
    with pytest.raises(cli.CLIError, match="unknown parameter 'lambda_l2'"):
        cli.parse_params(["lambda_l2=2"], silva.GBDTRegressor())  # no L2 penalty in GBDT
    with pytest.raises(cli.CLIError, match="given twice"):
        cli.parse_params(["alpha=0.5", "reg_alpha=0.1"], silva.BoostClassifier())


def test_imbalance_and_warm_start_params():
    assert cli.parse_params(["scale_pos_weight=3", "class_weight=balanced", "warm_start=true"],
                            silva.BoostClassifier()) == dict(scale_pos_weight=3, class_weight="balanced",
                                                             warm_start=True)
    assert cli.parse_params(["warm_start=true"], silva.GBDTClassifier()) == dict(warm_start=True)
    with pytest.raises(cli.CLIError, match="unknown parameter 'class_weight'"):
        cli.parse_params(["class_weight=balanced"], silva.BoostRegressor())


def test_param_json_values():
    assert cli.parse_value("[1, 0, -1]") == [1, 0, -1]
    assert cli.parse_value('{"age": 1}') == {"age": 1}
    assert cli.parse_value("[[0, 1], [2]]") == [[0, 1], [2]]
    with pytest.raises(cli.CLIError, match="JSON"):
        cli.parse_value("[1, 0")


def test_eval_metrics_from_the_command_line(tmp_path, capsys):
    """LightGBM's ``metric`` name and a JSON list; the last metric drives early stopping."""
    params = cli.parse_params(['metric=["auc", "binary_logloss"]', "early_stopping_rounds=3"],
                              silva.BoostClassifier())
    assert params == dict(eval_metric=["auc", "binary_logloss"], n_iter_no_change=3)
    model_path = tmp_path / "m.json"
    assert cli.main(["train", str(require("titanic")), "--target", "target", *PARAMS, "--param",
                     'metric=["auc", "binary_logloss"]', "early_stopping_rounds=3", "--out", str(model_path),
                     "--quiet"]) == 0
    model = silva.load(model_path)
    assert model.eval_metric == ["auc", "binary_logloss"]
    assert set(model.evals_result_["validation_0"]) == {"auc", "logloss"}
    assert model.best_iteration_ is not None
    capsys.readouterr()
    msg = error_of(capsys, ["train", require("titanic"), "--target", "target", *PARAMS, "--param", "metric=acc",
                            "--out", tmp_path / "bad.json", "--quiet"])
    assert "unknown eval_metric 'acc'; choose from [" in msg and "'auc'" in msg


def test_task_inference():
    s = pd.Series
    assert cli.infer_task(s(np.linspace(0, 1, 50), name="y"))[0] == "regression"
    assert cli.infer_task(s([0.5, 1.5, 0.5], name="y"))[0] == "regression"
    assert cli.infer_task(s(np.arange(100) % 30, name="y"))[0] == "regression"
    assert cli.infer_task(s([0, 1, 1, 0], name="y"))[0] == "binary"
    assert cli.infer_task(s([0.0, 1.0, 2.0, 1.0], name="y"))[0] == "multiclass"
    assert cli.infer_task(s(["a", "b", "c"], name="y"))[0] == "multiclass"
    assert cli.infer_task(s([True, False], name="y"))[0] == "binary"
    assert cli.infer_task(s([1, 2, 3], name="y"), "regression")[0] == "regression"
    with pytest.raises(cli.CLIError, match="--task binary but target column 'y' has 3 classes"):
        cli.infer_task(s([1, 2, 3], name="y"), "binary")
    with pytest.raises(cli.CLIError, match="2 missing values"):
        cli.infer_task(s([1, None, None], name="y"))
    with pytest.raises(cli.CLIError, match="needs a numeric target"):
        cli.infer_task(s(["a", "b"], name="y"), "regression")


def test_regression_and_multiclass_metrics(tmp_path, capsys):
    penguins = require("penguins")
    assert cli.main(["train", str(penguins), "--target", "target", *PARAMS, "--out",
                     str(tmp_path / "p.json"), "--quiet"]) == 0
    assert set(parse_table(capsys.readouterr().out)) == {"mlogloss", "accuracy"}
    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60) % 7})
    df["target"] = df["a"] * 0.5 + df["b"] + 0.25
    df.to_csv(tmp_path / "r.csv", index=False)
    assert cli.main(["train", str(tmp_path / "r.csv"), "--target", "target", *PARAMS,
                     "--valid-fraction", "0", "--out", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "task: regression (auto: numeric target with non-integer values)" in out
    assert set(parse_table(out)) == {"RMSE", "MAE", "R2"}
    assert cli.main(["evaluate", str(tmp_path / "r.json"), str(tmp_path / "r.csv")]) == 0
    printed = parse_table(capsys.readouterr().out)
    pred = silva.load(tmp_path / "r.json").predict(df[["a", "b"]])
    assert printed["RMSE"][0] == pytest.approx(np.sqrt(np.mean((pred - df["target"]) ** 2)), abs=5e-7)


def test_progress_bar_is_driven_by_the_iteration_hook(capsys):
    calls = []
    X, y = np.random.default_rng(0).normal(size=(80, 3)), np.arange(80) % 2
    est = silva.BoostClassifier(n_estimators=4, max_depth=2)
    est._iteration_callback = lambda it, n, history: calls.append((it, n, history["validation_0"]["logloss"][-1]))
    est.fit(X, y, eval_set=[(X, y)])
    assert [c[:2] for c in calls] == [(i, 4) for i in range(4)]
    assert [c[2] for c in calls] == est.evals_result_["validation_0"]["logloss"]
    assert "_iteration_callback" not in est.get_params()

    pytest.importorskip("tqdm")
    bar = cli._Progress(4, enabled=True)
    for it in range(4):
        bar(it, 4, {"validation_0": {"logloss": [0.5 - it / 10]}})
    bar.close()
    err = capsys.readouterr().err
    assert "4/4" in err and "valid logloss=0.20000" in err


def test_demo_is_reachable(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--help"])
    assert info.value.code == 0
    assert "--out-dir" in capsys.readouterr().out


def test_categorical_encoding_per_column(tmp_path, capsys):
    """``--categorical COL:ENC`` declares a column categorical and sets its encoding; the model file
    carries the target statistics."""
    out = tmp_path / "m.json"
    assert cli.main(["train", str(require("lightgbm_categorical")), "--target", "target", *PARAMS,
                     "--categorical", "c3:target,c7:target,c0", "--out", str(out), "--quiet"]) == 0
    model = silva.load(out)
    assert model.get_params()["cat_encoding"] == {"c3": "target", "c7": "target"}
    assert model._schema.target_stats.features.tolist() == [3, 7]
    assert model._schema.categorical_features == [0, 3, 7]
    capsys.readouterr()
    assert cli.main(["train", str(require("lightgbm_categorical")), "--target", "target", "--param",
                     "cat_encoding=set", "--categorical", "c3:target", "--out", str(out)]) == 2
    assert "either per column" in capsys.readouterr().err


def test_explain_writes_shap_values_that_add_up(tmp_path, capsys, titanic_model):
    pytest.importorskip("matplotlib")
    data = require("titanic")
    out, plot = tmp_path / "shap.parquet", tmp_path / "shap.png"
    assert cli.main(["explain", str(titanic_model), str(data), "--out", str(out), "--plot", str(plot)]) == 0
    assert "wrote SHAP values of 891 rows" in capsys.readouterr().out
    values = pd.read_parquet(out)
    model = silva.load(titanic_model)
    X = pd.read_parquet(data).drop(columns=["target"])
    assert list(values.columns) == [f"shap_{c}" for c in X.columns] + ["shap_bias"]
    margin = model.decision_function(X)
    np.testing.assert_allclose(values.to_numpy().sum(axis=1), margin, rtol=1e-9, atol=1e-9)
    assert plot.stat().st_size > 0


def test_explain_several_outputs_and_refusals(tmp_path, capsys):
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.randn(300), "b": rng.randn(300)})
    df["target"] = np.digitize(df["a"] + df["b"], [-0.5, 0.5])
    data, model_path, out = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "shap.csv"
    df.to_csv(data, index=False)
    assert cli.main(["train", str(data), "--target", "target", "--model", "forest", "--param", "n_estimators=5",
                     "--out", str(model_path), "--quiet"]) == 0
    assert cli.main(["explain", str(model_path), str(data), "--out", str(out)]) == 0
    values = pd.read_csv(out)
    assert list(values.columns) == [f"shap_class_{k}_{c}" for k in range(3) for c in ("a", "b", "bias")]
    proba = silva.load(model_path).predict_proba(df[["a", "b"]])
    for k in range(3):
        np.testing.assert_allclose(values.filter(like=f"class_{k}_").sum(axis=1), proba[:, k], atol=1e-9)
    msg = error_of(capsys, ["explain", model_path, data, "--out", tmp_path / "x.png"])
    assert "unknown file type" in msg
    msg = error_of(capsys, ["explain", model_path, data, "--out", out, "--plot", tmp_path / "p.png",
                            "--output", "7"])
    assert "--output must be in [0, 2]" in msg
    capsys.readouterr()
    df["target"] = df["a"] * 2.0 + rng.rand(300)
    df.to_csv(data, index=False)
    assert cli.main(["train", str(data), "--target", "target", "--model", "adaboost", "--out", str(model_path),
                     "--quiet"]) == 0
    msg = error_of(capsys, ["explain", model_path, data, "--out", out])
    assert "weighted median" in msg
