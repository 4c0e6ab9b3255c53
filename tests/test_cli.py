"""The command line, run as users run it (`python -m nnfast ...` in a subprocess):
train reports held-out metrics and saves a model that nnfast.load reads and that
predicts what `nnfast predict` prints; predict writes CSV to stdout or a file,
probabilities with --proba; a user's mistake exits with 2 and a message naming
it, never a traceback; the bare command still runs the demo; the benchmark
prints its table. Plus, in-process: both CSV readers give the same columns, and
the task inference rule."""

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris, make_regression

import nnfast
from nnfast import _tabular
from nnfast.__main__ import MAX_INFERRED_CLASSES, _parser, _target

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                 "petal width (cm)"]


def run(*args, module="nnfast", cwd=None):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def parse_csv(text):
    """(header, rows) of CSV text."""
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """iris.csv (string target "species"), an iris copy without one feature
    column, and reg.csv (five features, standardized target "y")."""
    folder = tmp_path_factory.mktemp("cli")
    iris = load_iris()
    species = iris.target_names[iris.target]
    paths = {"folder": folder}
    paths["iris"] = write_csv(folder / "iris.csv", IRIS_FEATURES + ["species"],
                              [[*map(str, x), s] for x, s in zip(iris.data, species)])
    paths["iris_lacking"] = write_csv(folder / "lacking.csv", IRIS_FEATURES[1:],
                                      [list(map(str, x[1:])) for x in iris.data])
    paths["text_feature"] = write_csv(
        folder / "text.csv", ["a", "city", "species"],
        [[str(x[0]), ["Oslo", "Lima"][i % 2], s]
         for i, (x, s) in enumerate(zip(iris.data, species))])
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    y = (y - y.mean()) / y.std()
    paths["reg"] = write_csv(folder / "reg.csv", [f"x{i}" for i in range(5)] + ["y"],
                             [[*map(float, x), float(t)] for x, t in zip(X, y)])
    return paths


@pytest.fixture(scope="module")
def classifier(files):
    """`nnfast train` on iris, with the progress display: (result, model path)."""
    path = files["folder"] / "iris.npz"
    result = ok(run("train", files["iris"], "--target", "species", "--max-iter", 60,
                    "--hidden-layer-sizes", "16,8", "--output", path))
    return result, path


def test_train_classifier_reports_metrics_and_saves_a_loadable_model(classifier, files):
    result, path = classifier
    out = result.stdout
    assert "task: classify" in out and "120 training rows, 30 held-out rows" in out, out
    assert "epoch    1  train loss" in out and "epoch   60  train loss" in out, out
    for text in ("accuracy", "macro F1", "classification report", "confusion matrix",
                 "setosa", f"model saved to {path}"):
        assert text in out, f"{text!r} missing from:\n{out}"
    model = nnfast.load(path)
    assert isinstance(model, nnfast.MLPClassifier) and model.n_iter_ == 60
    assert list(model.feature_names_in_) == IRIS_FEATURES
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    assert model.verbose is False


def test_progress_display_does_not_change_the_fit(classifier, files):
    quiet_path = files["folder"] / "quiet.npz"
    result = ok(run("train", files["iris"], "--target", "species", "--max-iter", 60,
                    "--hidden-layer-sizes", "16,8", "--output", quiet_path, "--quiet"))
    assert "train loss" not in result.stdout.split("trained:")[0], result.stdout
    shown, quiet = nnfast.load(classifier[1]), nnfast.load(quiet_path)
    for a, b in zip(shown.coefs_ + shown.intercepts_, quiet.coefs_ + quiet.intercepts_):
        assert_array_equal(a, b)


def test_predict_to_stdout_matches_the_loaded_model(classifier, files):
    result = ok(run("predict", classifier[1], files["iris"]))
    header, rows = parse_csv(result.stdout)
    model = nnfast.load(classifier[1])
    assert header == ["prediction"]
    assert [r[0] for r in rows] == list(model.predict(pd.read_csv(files["iris"])[IRIS_FEATURES]))


def test_predict_probabilities_to_a_file(classifier, files):
    path = files["folder"] / "proba.csv"
    result = ok(run("predict", classifier[1], files["iris"], "--proba", "--output", path))
    assert f"150 predictions written to {path}" in result.stdout
    header, rows = parse_csv(path.read_text())
    model = nnfast.load(classifier[1])
    # The CLI hands the model its features in the compute dtype (float32).
    features = pd.read_csv(files["iris"])[IRIS_FEATURES].astype(np.float32)
    expected = model.predict_proba(features)
    assert header == ["setosa", "versicolor", "virginica"]
    assert_array_equal(np.array(rows, dtype=np.float32), expected)


def test_train_and_predict_a_regressor(files):
    path = files["folder"] / "reg.npz"
    result = ok(run("train", files["reg"], "--target", "y", "--max-iter", 50,
                    "--early-stopping", "--output", path))
    out = result.stdout
    assert "task: regress (inferred: the target 'y' holds non-integer numbers" in out, out
    assert "validation R2" in out, out
    for text in ("R2", "RMSE", "MAE"):
        assert f"  {text} " in out, f"{text!r} missing from:\n{out}"
    result = ok(run("predict", path, files["reg"]))
    header, rows = parse_csv(result.stdout)
    X = pd.read_csv(files["reg"]).drop(columns="y")
    assert header == ["prediction"]
    assert_array_equal(np.array(rows, dtype=np.float32).ravel(), nnfast.load(path).predict(X))


@pytest.mark.parametrize("case", ["missing file", "unknown column", "non-numeric feature",
                                  "predict lacks a feature column"])
def test_user_mistakes_exit_2_with_a_message_and_no_traceback(case, files, classifier):
    args, expected = {
        "missing file": (["train", files["folder"] / "nope.csv", "--target", "y"],
                         ["nope.csv", "no such file"]),
        "unknown column": (["train", files["iris"], "--target", "colour"],
                           ["'colour'", "its columns are", "'species'"]),
        "non-numeric feature": (["train", files["text_feature"], "--target", "species"],
                                ["non-numeric feature column", "'city'", "--drop city"]),
        "predict lacks a feature column": (["predict", classifier[1], files["iris_lacking"]],
                                           ["lacks the model's feature column",
                                            "'sepal length (cm)'"]),
    }[case]
    result = run(*args)
    assert result.returncode == 2, f"exit {result.returncode}\n{result.stderr}"
    assert result.stderr.startswith("nnfast: error: "), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} missing from: {result.stderr}"


def test_no_command_runs_the_demo():
    result = ok(run("--epochs", 5, "--no-sklearn"))
    assert "nnfast        accuracy" in result.stdout
    assert "confusion matrix" in result.stdout


def test_bench_prints_its_table(tmp_path):
    # Without PyTorch, whose import and first steps take seconds; its contender
    # (nnfast.bench.TorchMLP) runs in the benchmark suite (bench/).
    raw = tmp_path / "bench.json"
    result = ok(run("--scale", 0.02, "--repeat", 1, "--workloads", "tabular_small",
                    "--predict-calls", 20, "--contenders", "nnfast,sklearn", "--json", raw,
                    module="nnfast.bench"))
    out = result.stdout
    for column in ("workload", "contender", "fit s", "vs nnfast", "train score", "GFLOP/s",
                   "% GEMM", "predict 1 row us", "nnfast speedup", "BLAS threads"):
        assert column in out, f"{column!r} missing from:\n{out}"
    data = json.loads(raw.read_text())
    contenders = [r["contender"] for r in data["results"]]
    assert contenders == ["nnfast-float32", "sklearn-float32"], contenders
    assert all(r["workload"] == "tabular_small" and r["n_samples"] == 200
               for r in data["results"])
    assert all(r["percent_of_gemm"] > 0 and r["train_score"] > 0.5 for r in data["results"])
    assert data["machine"]["gemm"]["gflops"] > 0


# ---------------------------------------------------------------- in-process


def test_both_csv_readers_give_the_same_columns(tmp_path):
    pytest.importorskip("pandas")
    path = tmp_path / "mixed.csv"
    # blank line skipped; the last row is short (its missing cell is padded);
    # 1e300 is beyond float32's range
    path.write_text("n,big,,flag,x,gappy\n1,inf,a,True,2.5,\n2,1e300,b,False,nan,3\n\n"
                    "3,-2,,true,NA,NA\n4,7,c,FALSE,1,5\n5,2,d,True,3\n")
    tables = [_tabular.read_csv(path, engine) for engine in ("pandas", "csv")]
    for pandas_column, csv_column in zip(*(t.columns.values() for t in tables)):
        assert (pandas_column.name, pandas_column.kind) == (csv_column.name, csv_column.kind)
        if pandas_column.kind == "text":
            assert list(pandas_column.values) == list(csv_column.values)
        else:
            assert_array_equal(pandas_column.values, csv_column.values)
    table = tables[1]
    assert table.n_rows == 5
    assert [c.kind for c in table.columns.values()] == [
        "number", "number", "text", "bool", "number", "number"]
    assert table.names[2] == "Unnamed: 2"
    with pytest.raises(_tabular.DataError, match="infinite values .* 'big'"):
        _tabular.feature_matrix(table, ["n", "big"], np.float32)
    with pytest.raises(_tabular.DataError, match=r"missing values .* 'x' \(2 rows\)"):
        _tabular.feature_matrix(table, ["n", "x"], np.float32)


def test_task_inference_rule():
    def column(values, kind="number"):
        return _tabular.Column("t", kind, np.array(values, dtype=object if kind == "text"
                                                   else np.float64))

    few = [float(i % MAX_INFERRED_CLASSES) for i in range(100)]
    many = [float(i % (MAX_INFERRED_CLASSES + 1)) for i in range(100)]
    assert _target(column(["a", "b"], "text"), None, "f")[1] == "classify"
    assert _target(column([1.0, 0.0], "bool"), None, "f")[1] == "classify"
    assert _target(column(few), None, "f")[1] == "classify"
    assert _target(column(many), None, "f")[1] == "regress"
    assert _target(column([0.5, 1.0]), None, "f")[1] == "regress"
    assert _target(column(few), "regress", "f")[1] == "regress"
    y, task, _ = _target(column(many), "classify", "f")
    assert task == "classify" and y.dtype == np.int64


def test_bench_subcommand_takes_the_benchmark_options():
    args = _parser().parse_args(["bench", "--scale", "0.5", "--workloads",
                                 "mnist_like,deep_narrow", "--contenders", "nnfast"])
    assert (args.command, args.scale, args.workloads, args.contenders, args.repeat) == (
        "bench", 0.5, ["mnist_like", "deep_narrow"], ["nnfast"], 3)
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["bench", "--workloads", "cifar"])
    assert exit_info.value.code == 2


def test_demo_names_each_time_per_epoch():
    """The comparison line names whose time is whose: nnfast's per-epoch time is its
    own fit time over its epochs (both printed on nnfast's line), and the speedup is
    scikit-learn's time over nnfast's."""
    out = ok(run("--epochs", 20)).stdout
    fit = re.search(r"^nnfast +accuracy \S+ +fit (\S+) s \((\d+) epochs\)", out, re.M)
    sk_fit = re.search(r"^scikit-learn +accuracy \S+ +fit (\S+) s \((\d+) epochs\)", out, re.M)
    line = re.search(r"^nnfast trains (\S+)x faster: nnfast (\S+) ms per epoch, "
                     r"scikit-learn (\S+) ms per epoch$", out, re.M)
    assert fit and sk_fit and line, out
    speedup, ours_ms, theirs_ms = map(float, line.groups())
    # Each printed figure is rounded: the fit times to 1 ms, the per-epoch times to 0.01 ms.
    for (seconds, epochs), ms in ((fit.groups(), ours_ms), (sk_fit.groups(), theirs_ms)):
        low = max(float(seconds) - 5e-4, 0) / int(epochs) * 1e3 - 0.005
        high = (float(seconds) + 5e-4) / int(epochs) * 1e3 + 0.005
        assert low <= ms <= high, (seconds, epochs, ms, out)
    assert ours_ms > 0 and theirs_ms > 0, out
    ratio_per_epoch = (theirs_ms * int(fit.group(2))) / (ours_ms * int(sk_fit.group(2)))
    assert speedup == pytest.approx(ratio_per_epoch, rel=0.1, abs=0.1), out
