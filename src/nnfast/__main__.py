"""`nnfast` / `python -m nnfast`: the demo, training and prediction on CSV files, the benchmark.

    nnfast [demo]                  train on scikit-learn's digits (no arguments: this)
    nnfast train DATA.csv --target COL [options]
                                   fit an MLP on a CSV file, report metrics on a
                                   held-out split, save the model (nnfast.save);
                                   --checkpoint writes it every epoch, --resume
                                   goes on from such a file
    nnfast predict MODEL DATA.csv  predictions as CSV, to stdout or --output
    nnfast bench [options]         nnfast vs scikit-learn (vs PyTorch) on the
                                   benchmark workloads (python -m nnfast.bench)

CSV files are read as nnfast._tabular describes (pandas when it is installed,
the csv module otherwise, with the same rules). Mistakes in the data or the
arguments -- no such file, an unknown column, a non-numeric feature column --
print ``nnfast: error: ...`` on stderr and exit with status 2, without a
traceback.
"""

import argparse
import contextlib
import csv
import io
import os
import re
import sys
import time
import warnings

from nnfast._tabular import DataError, feature_matrix, names_list, read_csv

# `--task` is inferred as "classify" when the target is text or true/false, or
# when all its values are integers and there are at most this many distinct ones.
MAX_INFERRED_CLASSES = 20


# ---------------------------------------------------------------- demo


def _fit_timed(model, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return time.perf_counter() - start


def demo(args):
    """Train nnfast's and scikit-learn's MLPClassifier with the same arguments on the
    same split of scikit-learn's digits (nothing is downloaded); print the test
    accuracy, nnfast's confusion matrix and both fit times."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from nnfast import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    params = dict(hidden_layer_sizes=(100,), max_iter=args.epochs, random_state=args.seed)
    print(f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test images of "
          f"{X.shape[1]} pixels, 10 classes; MLP {params}")

    ours = MLPClassifier(**params)
    ours_time = _fit_timed(ours, X_train, y_train)
    y_pred = ours.predict(X_test)
    print(f"\nnnfast        accuracy {np.mean(y_pred == y_test):.4f}   "
          f"fit {ours_time:.3f} s ({ours.n_iter_} epochs)")

    if not args.no_sklearn:
        theirs = SklearnMLP(**params)
        theirs_time = _fit_timed(theirs, X_train, y_train)
        print(f"scikit-learn  accuracy {theirs.score(X_test, y_test):.4f}   "
              f"fit {theirs_time:.3f} s ({theirs.n_iter_} epochs)")
        # Each time is named: a bare "4.19 ms vs 0.61 ms" was read as nnfast's first.
        print(f"nnfast trains {theirs_time / ours_time:.1f}x faster: "
              f"nnfast {ours_time / ours.n_iter_ * 1e3:.2f} ms per epoch, "
              f"scikit-learn {theirs_time / theirs.n_iter_ * 1e3:.2f} ms per epoch")

    print("\nconfusion matrix (rows: true digit, columns: predicted digit)")
    cm = confusion_matrix(y_test, y_pred, labels=ours.classes_)
    print("     " + " ".join(f"{c:>4}" for c in ours.classes_))
    for label, row in zip(ours.classes_, cm):
        print(f"{label:>4} " + " ".join(f"{v:>4}" for v in row))
    return 0


# ---------------------------------------------------------------- train


def train(args):
    """Fit an MLP on a CSV file; report held-out metrics; save the model."""
    import numpy as np

    import nnfast

    options = _estimator_options(args)
    _check_writable(args.output)
    if args.checkpoint is not None:
        _check_writable(args.checkpoint)
    features, X, y, task, reason = _training_data(args)
    is_classifier = task == "classify"
    X_train, X_test, y_train, y_test, stratified = _split(X, y, is_classifier, args)
    print(f"{args.data}: {len(y)} rows, {len(features)} feature "
          f"column{'s' if len(features) > 1 else ''}, target {args.target!r}")
    print(f"task: {task} ({reason})")
    print(f"split: {len(y_train)} training rows, {len(y_test)} held-out rows "
          f"(--test-size {args.test_size}{', stratified' if stratified else ''}, "
          f"--random-state {args.random_state})")
    _note_unscaled(X_train, features)
    if args.resume is not None:
        model = _resumed_model(args, options, features, is_classifier)
    else:
        model = (nnfast.MLPClassifier if is_classifier else nnfast.MLPRegressor)(**options)
    print(f"model: {model!r}")
    if args.checkpoint is not None:
        _set_checkpoint(model, args.checkpoint)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            if args.quiet:
                model.fit(X_train, y_train)
            else:
                _fit_with_progress(model, X_train, y_train)
        except ValueError as exc:
            raise DataError(f"training failed: {exc}") from None
        elapsed = time.perf_counter() - start
    unit = "iterations" if model.solver == "lbfgs" else "epochs"
    print(f"trained: {model.n_iter_} {unit} in {elapsed:.2f} s, final train loss "
          f"{model.loss_:.6f}")
    for message in dict.fromkeys(str(w.message) for w in caught if not issubclass(
            w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning))):
        _note(f"warning: {message}")

    y_pred = model.predict(X_test)
    print(f"\nheld-out metrics ({len(y_test)} rows):")
    _report(y_test, y_pred, model if is_classifier else None)

    # The CLI fits on an array so that both CSV readers give the same model; the
    # column names are the model's contract with `nnfast predict`.
    model.feature_names_in_ = np.asarray(features, dtype=object)
    try:
        nnfast.save(model, args.output)
    except OSError as exc:
        raise DataError(f"cannot write the model to {args.output}: {exc.strerror}") from None
    print(f"\nmodel saved to {args.output}; predict with: nnfast predict {args.output} "
          "DATA.csv")
    return 0


def _training_data(args):
    """(feature names, X, y, task, why this task) from the CSV file, checked."""
    table = read_csv(args.data)
    if table.n_rows == 0:
        raise DataError(f"{args.data}: the file has a header but no rows")
    if args.target not in table.columns:
        raise DataError(f"{args.data}: no column {args.target!r} (--target); its columns "
                        f"are {names_list(table.names)}")
    dropped = args.drop or []
    unknown = [name for name in dropped if name not in table.columns]
    if unknown:
        raise DataError(f"{args.data}: no column(s) {names_list(unknown)} (--drop); its "
                        f"columns are {names_list(table.names)}")
    features = [n for n in table.names if n != args.target and n not in dropped]
    if not features:
        raise DataError(f"{args.data}: no feature columns left besides the target")
    text_hint = ("; encode them (e.g. one 0/1 column per category) or leave them out with "
                 "--drop " + ",".join(n for n in features if table.columns[n].kind == "text"))
    X = feature_matrix(table, features, args.dtype or "float32", text_hint)
    y, task, reason = _target(table.columns[args.target], args.task, args.data)
    return features, X, y, task, reason


def _split(X, y, is_classifier, args):
    """train_test_split, stratified for a classifier when every class can be."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    stratify = None
    if is_classifier:
        labels, counts = np.unique(y, return_counts=True)
        if len(labels) < 2:
            raise DataError(f"{args.data}: the target {args.target!r} has a single class "
                            f"({labels[0].item()!r}); classification needs at least two")
        n_test = int(np.ceil(args.test_size * len(y)))
        if counts.min() >= 2 and len(labels) <= min(n_test, len(y) - n_test):
            stratify = y
    try:
        parts = train_test_split(X, y, test_size=args.test_size,
                                 random_state=args.random_state, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"{args.data}: cannot split {len(y)} rows with --test-size "
                        f"{args.test_size} ({exc})") from None
    return (*parts, stratify is not None)


def _estimator_options(args):
    """The estimator's constructor arguments from the command line, checked now
    (before a large file is read) rather than when fit starts."""
    from nnfast import MLPClassifier

    options = {
        "hidden_layer_sizes": args.hidden_layer_sizes,
        "activation": args.activation,
        "solver": args.solver,
        "alpha": args.alpha,
        "learning_rate_init": args.learning_rate_init,
        "max_iter": args.max_iter,
        "batch_size": args.batch_size,
        "dropout": args.dropout,
        "early_stopping": args.early_stopping or None,
        "dtype": args.dtype,
    }
    options = {k: v for k, v in options.items() if v is not None}
    options["random_state"] = args.random_state
    try:
        # scikit-learn's parameter check, the one fit runs first; the options are
        # parameters of both MLPClassifier and MLPRegressor, with the same rules.
        MLPClassifier(**options)._validate_params()
    except ValueError as exc:
        raise DataError(str(exc)) from None
    return options


def _resumed_model(args, options, features, is_classifier):
    """The model of the checkpoint `args.resume`, set to go on training
    (warm_start on). It keeps its own parameters: the command line that wrote
    it, plus --resume, is accepted; an estimator option that differs is
    refused. A checkpoint of a fit that had epochs left resumes that fit (see
    nnfast.callbacks.ModelCheckpoint)."""
    import nnfast

    model = _load(args.resume, "cannot read the checkpoint {path}: {reason}")
    expected = nnfast.MLPClassifier if is_classifier else nnfast.MLPRegressor
    if type(model) is not expected:
        raise DataError(f"--resume: {args.resume} holds a {type(model).__name__}, this "
                        f"task needs a {expected.__name__}")
    saved = model.get_params()

    def plain(value):
        return list(value) if isinstance(value, (list, tuple)) else value

    differ = [f"--{key.replace('_', '-')} {value!r} (the checkpoint has {saved[key]!r})"
              for key, value in options.items() if plain(value) != plain(saved[key])]
    if differ:
        raise DataError(f"--resume: the checkpoint's model has other parameters; drop or "
                        f"change {', '.join(differ)}")
    names = getattr(model, "feature_names_in_", None)
    if model.n_features_in_ != len(features) or (names is not None
                                                 and list(names) != list(features)):
        raise DataError(f"--resume: {args.resume} was trained on other feature columns")
    # The CLI fits on arrays and names the columns after the fit.
    model.__dict__.pop("feature_names_in_", None)
    unfinished = getattr(model, "_unfinished_fit", None) is not None
    state = (f"resuming its fit at epoch {model.n_iter_ + 1} of {model.max_iter}" if unfinished
             else f"its fit had finished: training {model.max_iter} more epochs (warm_start)")
    print(f"checkpoint: {args.resume}, {state}")
    return model.set_params(warm_start=True)


def _load(path, unreadable):
    """nnfast.load(path); a DataError with `unreadable` (formatted with path and
    the OS's reason) when the file cannot be read, with load's own message when
    it holds no nnfast model."""
    import nnfast

    try:
        return nnfast.load(path)
    except OSError as exc:
        raise DataError(unreadable.format(path=path, reason=exc.strerror)) from None
    except ValueError as exc:
        raise DataError(str(exc)) from None


def _set_checkpoint(model, path):
    from nnfast.callbacks import HAS_CALLBACK_API, ModelCheckpoint

    if not HAS_CALLBACK_API:
        raise DataError("--checkpoint needs scikit-learn >= 1.9 (its callback API)")
    model.set_callbacks(ModelCheckpoint(path))


def _check_writable(path):
    """Fail before training, not after it, if the model cannot be saved at `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        problem = "it is a directory"
    elif not os.path.isdir(folder):
        problem = f"no folder {folder}"
    elif not os.access(path if os.path.exists(path) else folder, os.W_OK):
        problem = "permission denied"
    else:
        return
    raise DataError(f"cannot write the model to {path}: {problem}")


def _target(column, task, path):
    """(y, task, why) for the target column; task "classify" or "regress"."""
    import numpy as np

    n_missing = int(column.missing.sum())
    if n_missing:
        raise DataError(f"{path}: the target {column.name!r} is missing (empty or NA) in "
                        f"{n_missing} rows; remove them or fill them in")
    values = column.values
    if column.kind == "text":
        if task == "regress":
            raise DataError(f"{path}: the target {column.name!r} is not numeric, so it "
                            "cannot be regressed (use --task classify)")
        return values.astype(str), "classify", (
            "--task" if task else f"inferred: the target {column.name!r} holds text")
    if column.kind == "bool" and task != "regress":
        return values.astype(bool), "classify", (
            "--task" if task else f"inferred: the target {column.name!r} is true/false")
    if not np.isfinite(values).all():
        raise DataError(f"{path}: the target {column.name!r} holds infinite values")
    integral = bool(np.all(values == np.round(values)))
    if task == "regress":
        return values, task, "--task"
    if task == "classify":
        if not integral:
            raise DataError(f"{path}: the target {column.name!r} holds non-integer numbers; "
                            "classification needs labels (integers or text), or use "
                            "--task regress")
        return values.astype(np.int64), task, "--task"
    n_distinct = len(np.unique(values))
    if integral and n_distinct <= MAX_INFERRED_CLASSES:
        return values.astype(np.int64), "classify", (
            f"inferred: the target {column.name!r} holds {n_distinct} distinct integers; "
            "--task regress overrides")
    why = ("non-integer numbers" if not integral
           else f"{n_distinct} distinct integers (> {MAX_INFERRED_CLASSES})")
    return values, "regress", (f"inferred: the target {column.name!r} holds {why}; "
                               "--task classify overrides")


def _note_unscaled(X, features):
    """A note when the features are far from standardized: an MLP trains poorly on
    them, and the saved model (weights only) takes the columns as they come."""
    import numpy as np

    mean, std = X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)
    worst = int(np.argmax(np.maximum(np.abs(mean), std)))
    if max(abs(mean[worst]), std[worst]) > 10:
        _note(f"note: the features are not scaled (e.g. {features[worst]!r}: mean "
              f"{mean[worst]:.4g}, std {std[worst]:.4g}); an MLP trains best on features "
              "of mean 0 and standard deviation about 1, and `nnfast predict` feeds the "
              "saved model the columns as they are")


def _note(message):
    """``nnfast: <message>`` on stderr, after what stdout holds so far."""
    sys.stdout.flush()
    print(f"nnfast: {message}", file=sys.stderr, flush=True)


class _Progress(io.TextIOBase):
    """Stands in for stdout during fit: turns the estimator's verbose lines
    ("Iteration N, loss = L", "Validation score: S") into one progress line per
    epoch, and passes any other line through."""

    _ITERATION = re.compile(r"Iteration (\d+), loss = (\S+)")
    _VALIDATION = re.compile(r"Validation score: (\S+)")

    def __init__(self, out, unit, score_name, validating):
        self.out, self.unit, self.score_name = out, unit, score_name
        self.validating = validating
        self.start = time.perf_counter()
        self.buffer = ""
        self.pending = None  # an epoch's line waiting for its validation score

    def writable(self):
        return True

    def write(self, text):
        self.buffer += text
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line):
        iteration = self._ITERATION.fullmatch(line)
        validation = self._VALIDATION.fullmatch(line)
        if iteration:
            self.flush_pending()
            self.pending = (int(iteration[1]), float(iteration[2]))
            if not self.validating:
                self.flush_pending()
        elif validation and self.pending:
            self.flush_pending(f"  validation {self.score_name} {float(validation[1]):.4f}")
        elif line:
            self.flush_pending()
            print(line, file=self.out, flush=True)

    def flush_pending(self, extra=""):
        if self.pending:
            n, loss = self.pending
            print(f"{self.unit} {n:>4}  train loss {loss:.6f}{extra}  "
                  f"({time.perf_counter() - self.start:.2f} s)", file=self.out, flush=True)
            self.pending = None


def _fit_with_progress(model, X, y):
    """fit(X, y), printing one line per epoch as it ends.

    The line comes from the estimator's own verbose output (the same lines as
    scikit-learn's), read through a stand-in stdout: verbose only prints, so the
    fit is exactly the fit without it. The alternatives change training (a loop
    of one-epoch warm_start fits restarts the learning-rate schedule and the
    early-stopping patience each time; partial_fit has no early stopping) or are
    not live (history_ is complete only when fit returns).
    """
    from sklearn.base import is_classifier

    validating = model.early_stopping and model.solver != "lbfgs"
    progress = _Progress(sys.stdout, "iteration" if model.solver == "lbfgs" else "epoch",
                         "accuracy" if is_classifier(model) else "R2", validating)
    model.set_params(verbose=True)
    try:
        with contextlib.redirect_stdout(progress):
            model.fit(X, y)
    finally:
        progress.flush_pending()
        model.set_params(verbose=False)


def _report(y_true, y_pred, classifier):
    """Held-out metrics: classification (accuracy, macro F1, report, confusion
    matrix) when `classifier` is given, else regression (R2, RMSE, MAE)."""
    import numpy as np

    from nnfast import metrics

    if classifier is None:
        print(f"  R2    {metrics.r2_score(y_true, y_pred):.4f}")
        print(f"  RMSE  {metrics.root_mean_squared_error(y_true, y_pred):.6g}")
        print(f"  MAE   {metrics.mean_absolute_error(y_true, y_pred):.6g}")
        return
    # Held-out rows may have a class the training rows lacked (no stratification).
    classes = np.union1d(classifier.classes_, y_true)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined precision of an unpredicted class is 0
        print(f"  accuracy  {metrics.accuracy_score(y_true, y_pred):.4f}")
        print(f"  macro F1  {metrics.f1_score(y_true, y_pred, average='macro'):.4f}")
        print("\nclassification report")
        print(metrics.classification_report(y_true, y_pred, labels=classes, digits=4,
                                            zero_division=0))
    labels = [str(c) for c in classes]
    cm = metrics.confusion_matrix(y_true, y_pred, labels=classes)
    first = max(len(label) for label in labels)
    width = max(max(len(label) for label in labels), len(str(cm.max())))
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * first + "  " + " ".join(f"{label:>{width}}" for label in labels))
    for label, row in zip(labels, cm):
        print(f"{label:<{first}}  " + " ".join(f"{v:>{width}}" for v in row))


# ---------------------------------------------------------------- predict


def predict(args):
    """Predictions of a saved model for the rows of a CSV file, as CSV."""
    model = _load(args.model, "{path}: cannot read the model ({reason})")
    if args.proba and not hasattr(model, "predict_proba"):
        raise DataError(f"--proba needs a classifier with predict_proba; {args.model} "
                        f"holds a {type(model).__name__}")
    table = read_csv(args.data)
    if table.n_rows == 0:
        raise DataError(f"{args.data}: the file has a header but no rows")
    if hasattr(model, "feature_names_in_"):
        features = [str(name) for name in model.feature_names_in_]
        absent = [name for name in features if name not in table.columns]
        if absent:
            raise DataError(f"{args.data}: lacks the model's feature column(s) "
                            f"{names_list(absent)}; its columns are {names_list(table.names)}")
    else:
        features = table.names
        if len(features) != model.n_features_in_:
            raise DataError(f"{args.model} was saved without feature names and takes "
                            f"{model.n_features_in_} columns in order; {args.data} has "
                            f"{len(features)}")
    X = feature_matrix(table, features, getattr(model, "dtype", "float64"),
                       "; the model was trained on numbers in these columns")
    with warnings.catch_warnings():
        # The columns were matched by name above; the array has no names to check.
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        try:
            values = model.predict_proba(X) if args.proba else model.predict(X)
        except ValueError as exc:
            raise DataError(f"{args.data}: {exc}") from None
    if args.proba:
        header = [str(c) for c in model.classes_]
    elif values.ndim == 1:
        header = ["prediction"]
    else:
        header = [f"prediction_{k}" for k in range(values.shape[1])]
    values = values.reshape(len(values), -1)

    if args.output is None:
        _write_csv(sys.stdout, header, values)
        return 0
    try:
        with open(args.output, "w", newline="") as f:
            _write_csv(f, header, values)
    except OSError as exc:
        raise DataError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"{len(values)} predictions written to {args.output}")
    return 0


def _write_csv(f, header, values):
    """Numbers as the shortest text that reads back to the same value in their dtype."""
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    for row in values:
        writer.writerow([str(v) for v in row])


# ---------------------------------------------------------------- command line


def _int_tuple(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 64,32, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return sizes


def _one_or_list(convert):
    """A value, or a comma-separated list of them (one per hidden layer)."""

    def parse(text):
        try:
            parts = [convert(part.strip()) for part in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}") from None
        return parts[0] if len(parts) == 1 else parts

    return parse


def _batch_size(text):
    if text in ("auto", "full"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer, 'auto' or 'full', got {text!r}") from None


def _test_size(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text!r}")
    return value


def _columns(text):
    return [name for name in text.split(",") if name]


def _parser():
    from nnfast import bench

    parser = argparse.ArgumentParser(
        prog="nnfast",
        description="nnfast: multilayer perceptrons with the training loop in C. Without a "
                    "command, runs the demo.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # The demo's options work with and without the word `demo` (the README runs
    # `python -m nnfast`); SUPPRESS keeps the subcommand from resetting them.
    p_demo = sub.add_parser("demo", help="train on scikit-learn's digits (the default)",
                            description=demo.__doc__.split(";")[0])
    for p, defaults in ((parser, (200, 0, False)), (p_demo, (argparse.SUPPRESS,) * 3)):
        epochs, seed, no_sklearn = defaults
        p.add_argument("--epochs", type=int, default=epochs, help="max_iter (default 200)")
        p.add_argument("--seed", type=int, default=seed, help="random_state (default 0)")
        p.add_argument("--no-sklearn", action="store_true", default=no_sklearn,
                       help="skip the scikit-learn comparison")

    p_train = sub.add_parser(
        "train", help="fit an MLP on a CSV file, report held-out metrics, save the model",
        description="Fit an MLPClassifier or MLPRegressor on the numeric columns of a CSV "
                    "file, print one line per epoch and the metrics on a held-out split, "
                    "and save the model with nnfast.save. The saved model is the one "
                    "evaluated (fitted on the training part only).",
    )
    p_train.add_argument("data", metavar="DATA.csv", help="CSV file with a header row")
    p_train.add_argument("--target", required=True, metavar="COL", help="the column to predict")
    p_train.add_argument(
        "--task", choices=("classify", "regress"),
        help="default: classify if the target is text or true/false, or integers with at "
             f"most {MAX_INFERRED_CLASSES} distinct values; regress otherwise")
    p_train.add_argument("--drop", type=_columns, metavar="COLS",
                         help="comma-separated columns that are not features (ids, text)")
    p_train.add_argument("--test-size", type=_test_size, default=0.2,
                         help="fraction of the rows held out for the metrics (default 0.2)")
    p_train.add_argument("--random-state", type=int, default=0,
                         help="seed of the split and the estimator (default 0)")
    p_train.add_argument("--output", "-o", default="model.npz", metavar="MODEL",
                         help="where to save the model (default model.npz)")
    p_train.add_argument("--quiet", "-q", action="store_true",
                         help="no per-epoch progress lines")
    p_train.add_argument("--checkpoint", metavar="PATH",
                         help="write the model to PATH at the end of every epoch, "
                              "atomically (needs scikit-learn >= 1.9)")
    p_train.add_argument("--resume", metavar="PATH",
                         help="go on training the model of a --checkpoint file (same data, "
                              "--test-size and --random-state): an interrupted fit resumes "
                              "where the file was written, and ends as the uninterrupted "
                              "fit would have")
    est = p_train.add_argument_group(
        "estimator options", "constructor parameters of MLPClassifier/MLPRegressor; "
                             "unset ones keep the estimator's defaults")
    est.add_argument("--hidden-layer-sizes", type=_int_tuple, metavar="N[,N...]",
                     help="units per hidden layer, e.g. 64,32 (default 100)")
    est.add_argument("--activation", type=_one_or_list(str), metavar="NAME[,NAME...]",
                     help="relu (default), tanh, logistic, gelu, ...; or one per hidden layer")
    est.add_argument("--solver", choices=("adam", "sgd", "lbfgs"), help="default adam")
    est.add_argument("--alpha", type=float, help="L2 penalty (default 1e-4)")
    est.add_argument("--learning-rate-init", type=float, help="default 1e-3")
    est.add_argument("--max-iter", type=int, help="epochs (default 200)")
    est.add_argument("--batch-size", type=_batch_size, help="an integer, auto or full")
    est.add_argument("--dropout", type=_one_or_list(float), metavar="P[,P...]",
                     help="dropout rate, or one per hidden layer (default 0)")
    est.add_argument("--early-stopping", action="store_true",
                     help="stop when the score on a validation split of the training "
                          "rows stops improving")
    est.add_argument("--dtype", choices=("float32", "float64"),
                     help="compute precision (default float32)")

    p_predict = sub.add_parser(
        "predict", help="predictions of a saved model for a CSV file",
        description="Predict the rows of a CSV file with a model saved by `nnfast train` "
                    "or nnfast.save. The model's feature columns are taken by name (other "
                    "columns, such as the target, are ignored).",
    )
    p_predict.add_argument("model", metavar="MODEL", help="a file written by nnfast.save")
    p_predict.add_argument("data", metavar="DATA.csv", help="CSV file with a header row")
    p_predict.add_argument("--output", "-o", metavar="FILE",
                           help="write the CSV here instead of stdout")
    p_predict.add_argument("--proba", action="store_true",
                           help="class probabilities, one column per class (classifiers)")

    p_bench = sub.add_parser(
        "bench", help="nnfast vs scikit-learn (vs PyTorch) on the benchmark workloads",
        description=bench.__doc__.split("\n\n")[1].replace("\n", " "),
    )
    bench.add_arguments(p_bench)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return train(args)
        if args.command == "predict":
            return predict(args)
        if args.command == "bench":
            from nnfast import bench

            return bench.run(args)
        return demo(args)
    except DataError as exc:
        print(f"nnfast: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnfast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout's reader left (`nnfast predict ... | head`); Python would
        # report the pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
