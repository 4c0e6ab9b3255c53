"""nnfast.plot: every plot function draws on real fitted models and renders to PNG.

Each figure is saved with the Agg backend and read back: the file must be a PNG
of some size, and the inside of the plot area must hold drawn content, not one
flat colour. The returned Axes must carry the expected artists (one line per
layer, one text per confusion-matrix cell, ...). Two subprocess tests pin down
that matplotlib stays optional: ``import nnfast`` does not load it, and without
it ``import nnfast.plot`` fails with the install command while the estimators
still work.
"""

import copy
import math
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix

from nnfast import MLPClassifier, MLPRegressor

# CI installs matplotlib with the test extra; without it (a bare dev install) skip.
matplotlib = pytest.importorskip("matplotlib", reason="nnfast.plot needs matplotlib")
matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from nnfast import plot  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X[:1300], y[:1300], X[1300:], y[1300:]


@pytest.fixture(scope="module")
def classifier(digits):
    """Two hidden layers (16 and 12 units) on 8x8 digits, a cosine schedule and
    a validation set: every history_ key has something to plot."""
    X, y, X_val, y_val = digits
    model = MLPClassifier(hidden_layer_sizes=(16, 12), learning_rate="cosine",
                          learning_rate_init=0.01, max_iter=25, tol=0, random_state=0)
    return model.fit(X, y, validation_data=(X_val, y_val))


@pytest.fixture(scope="module")
def regressor():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5)
    y = np.tanh(X @ rng.randn(5)) + 0.1 * rng.randn(300)
    return MLPRegressor(hidden_layer_sizes=(10,), max_iter=20, tol=0, random_state=0).fit(X, y)


def assert_rendered(ax, path):
    """Save ax's figure to path and check it is a PNG with content drawn inside ax."""
    assert isinstance(ax, Axes), f"returned {type(ax).__name__}, not a matplotlib Axes"
    # At the figure's own dpi, so the Axes' window extent is in the image's pixels.
    ax.figure.savefig(path, dpi=ax.figure.dpi)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} does not start with the PNG signature"
    assert len(data) > 5_000, f"{path.name} is only {len(data)} bytes"

    image = matplotlib.image.imread(path)
    height = image.shape[0]
    assert image.ndim == 3 and image.shape[2] in (3, 4), f"image of shape {image.shape}"
    # The plot area in pixels (origin at the bottom left in display coordinates),
    # shrunk a little so the spines are left out.
    box = ax.get_window_extent()
    inside = image[height - int(box.y1) + 3: height - int(box.y0) - 3,
                   int(box.x0) + 3: int(box.x1) - 3, :3]
    pixels = inside.reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    drawn = 1 - counts.max() / len(pixels)  # share of pixels not the background colour
    assert len(colours) > 3 and drawn > 0.005 and pixels.std() > 0.02, (
        f"the plot area of {path.name} is nearly flat: {len(colours)} colours, "
        f"{drawn:.2%} of pixels drawn, pixel std {pixels.std():.4f}")


def legend_labels(ax):
    legend = ax.get_legend()
    assert legend is not None, "no legend"
    return [text.get_text() for text in legend.get_texts()]


# --- curves over training -------------------------------------------------------


def test_loss_curve_draws_training_and_validation_loss(classifier, tmp_path):
    ax = plot.plot_loss_curve(classifier)
    assert_rendered(ax, tmp_path / "loss.png")
    assert legend_labels(ax) == ["training loss", "validation loss"]
    train, val = ax.get_lines()
    np.testing.assert_allclose(train.get_ydata(), classifier.history_["loss"])
    np.testing.assert_allclose(val.get_ydata(), classifier.history_["val_loss"])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "log loss"


def test_loss_curve_without_validation_data_has_one_line(regressor, classifier, tmp_path):
    ax = plot.plot_loss_curve(regressor)
    assert_rendered(ax, tmp_path / "loss_regressor.png")
    assert legend_labels(ax) == ["training loss"]
    assert ax.get_ylabel() == "loss (squared error)"
    ax = plot.plot_loss_curve(classifier, validation=False)
    assert legend_labels(ax) == ["training loss"]


def test_loss_curve_turns_log_scale_beyond_two_decades(classifier):
    assert plot.plot_loss_curve(classifier).get_yscale() == "linear"
    wide = copy.deepcopy(classifier)
    wide.history_["loss"] = list(np.geomspace(2.0, 1e-3, 25))
    assert plot.plot_loss_curve(wide).get_yscale() == "log"


def test_loss_curve_of_lbfgs_counts_iterations(digits, tmp_path):
    X, y, _, _ = digits
    model = MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=30,
                          random_state=0).fit(X, y)
    ax = plot.plot_loss_curve(model)
    assert_rendered(ax, tmp_path / "loss_lbfgs.png")
    assert ax.get_xlabel() == "iteration" and legend_labels(ax) == ["training loss"]
    with pytest.raises(ValueError, match="lbfgs"):
        plot.plot_learning_rate(model)
    with pytest.raises(ValueError, match="lbfgs"):
        plot.plot_gradient_norms(model)


def test_validation_score_marks_the_best_epoch(classifier, tmp_path):
    ax = plot.plot_validation_score(classifier)
    assert_rendered(ax, tmp_path / "val_score.png")
    scores = classifier.history_["val_score"]
    best = int(np.argmax(scores))
    labels = legend_labels(ax)
    assert labels[0] == "validation score"
    assert labels[1] == f"best: {scores[best]:.4g} at epoch {best + 1}", labels
    assert ax.get_ylabel() == "validation accuracy"


def test_validation_score_needs_validation_data(regressor):
    with pytest.raises(ValueError, match="validation_data"):
        plot.plot_validation_score(regressor)


def test_validation_score_of_scikit_learns_mlp(digits, tmp_path):
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    X, y, _, _ = digits
    model = SkMLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=15,
                            random_state=0).fit(X, y)
    ax = plot.plot_validation_score(model)
    assert_rendered(ax, tmp_path / "val_score_sklearn.png")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), model.validation_scores_)
    assert legend_labels(plot.plot_loss_curve(model)) == ["training loss"]


def test_learning_rate_follows_the_schedule(classifier, tmp_path):
    ax = plot.plot_learning_rate(classifier)
    assert_rendered(ax, tmp_path / "learning_rate.png")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), classifier.history_["learning_rate"])
    np.testing.assert_array_equal(line.get_xdata(), classifier.history_["epoch"])


@pytest.mark.parametrize("bias", [False, True])
def test_gradient_norms_one_line_per_layer(classifier, bias, tmp_path):
    ax = plot.plot_gradient_norms(classifier, bias=bias)
    assert_rendered(ax, tmp_path / f"grad_norms_{bias}.png")
    n_layers = len(classifier.coefs_)
    assert len(ax.get_lines()) == n_layers == 3
    assert legend_labels(ax) == [f"layer {i}" for i in range(1, n_layers + 1)]
    assert ax.get_yscale() == "log"
    key = "bias_grad_norm" if bias else "weight_grad_norm"
    for layer, line in enumerate(ax.get_lines()):
        expected = [norms[layer] for norms in classifier.history_[key]]
        np.testing.assert_allclose(line.get_ydata(), expected)


# --- pictures of the network -----------------------------------------------------


def test_weight_histograms_one_per_layer(classifier, tmp_path):
    ax = plot.plot_weight_histograms(classifier, bins=30)
    assert_rendered(ax, tmp_path / "weights.png")
    assert len(ax.patches) == len(classifier.coefs_)
    shapes = [w.shape for w in classifier.coefs_]
    assert legend_labels(ax) == [f"layer {i + 1} ({a}×{b})" for i, (a, b) in enumerate(shapes)]


@pytest.mark.parametrize("n_units, grid", [(None, (4, 4)), (10, (3, 4))])
def test_first_layer_weights_tile_digits(classifier, n_units, grid, tmp_path):
    ax = plot.plot_first_layer_weights(classifier, (8, 8), n_units=n_units)
    assert_rendered(ax, tmp_path / f"first_layer_{n_units}.png")
    (image,) = ax.get_images()
    rows, cols = grid
    mosaic = image.get_array()
    assert mosaic.shape == (rows * 9 - 1, cols * 9 - 1)
    np.testing.assert_allclose(mosaic[:8, :8], classifier.coefs_[0][:, 0].reshape(8, 8))
    n_shown = n_units or 16
    last_row, last_col = divmod(n_shown - 1, cols)
    top, left = last_row * 9, last_col * 9
    np.testing.assert_allclose(mosaic[top:top + 8, left:left + 8],
                               classifier.coefs_[0][:, n_shown - 1].reshape(8, 8))
    vmin, vmax = image.get_clim()
    assert vmin == -vmax > -math.inf, "colour scale not centred on 0"


def test_first_layer_weights_checks_the_image_shape(classifier):
    with pytest.raises(ValueError, match="64 inputs"):
        plot.plot_first_layer_weights(classifier, (7, 7))
    with pytest.raises(ValueError, match="n_units"):
        plot.plot_first_layer_weights(classifier, (8, 8), n_units=17)


# --- evaluation -----------------------------------------------------------------


def test_confusion_matrix_annotates_every_cell(classifier, digits, tmp_path):
    _, _, X_val, y_val = digits
    y_pred = classifier.predict(X_val)
    ax = plot.plot_confusion_matrix(y_val, y_pred)
    assert_rendered(ax, tmp_path / "confusion.png")
    expected = confusion_matrix(y_val, y_pred)
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), expected)
    texts = [text.get_text() for text in ax.texts]
    assert texts == [str(v) for v in expected.ravel()], "not one text per cell, row by row"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(k) for k in range(10)]


def test_confusion_matrix_normalized_with_string_labels(tmp_path):
    y_true = ["cat", "dog", "dog", "bird", "cat", "bird", "dog"]
    y_pred = ["cat", "dog", "cat", "bird", "cat", "dog", "dog"]
    labels = ["bird", "cat", "dog"]
    ax = plot.plot_confusion_matrix(y_true, y_pred, labels=labels, normalize="true")
    assert_rendered(ax, tmp_path / "confusion_normalized.png")
    assert len(ax.texts) == 9
    assert ax.texts[0].get_text() == "0.50"  # bird: one of two right
    assert [t.get_text() for t in ax.get_yticklabels()] == labels


def test_confusion_matrix_skips_text_for_many_classes():
    y = np.arange(30).repeat(2)
    ax = plot.plot_confusion_matrix(y, np.roll(y, 1))
    assert ax.get_images()[0].get_array().shape == (30, 30)
    assert len(ax.texts) == 0


def _lr_sweep(X, y, rates):
    """A learning-rate range test done the slow way: a short sgd fit per rate."""
    losses = []
    for rate in rates:
        model = MLPClassifier(hidden_layer_sizes=(32,), solver="sgd", momentum=0.9,
                              learning_rate_init=rate, max_iter=2, tol=0, random_state=0)
        try:
            losses.append(model.fit(X, y).loss_)
        except ValueError:  # diverged: nnfast refuses non-finite weights
            losses.append(np.inf)
    losses = np.array(losses)
    return types.SimpleNamespace(rates=rates, losses=losses,
                                 suggested_rate=rates[np.nanargmin(losses)] / 10)


@pytest.mark.filterwarnings("ignore:Exploding gradients")  # the high rates, on purpose
def test_lr_find_curve_of_a_real_sweep(digits, tmp_path):
    X, y, _, _ = digits
    result = _lr_sweep(X[:600], y[:600], np.logspace(-4, 3, 29))
    ax = plot.plot_lr_find(result)
    assert_rendered(ax, tmp_path / "lr_find.png")
    assert ax.get_xscale() == "log"
    labels = legend_labels(ax)
    assert labels == ["loss", f"suggested rate {result.suggested_rate:.2g}"]
    # The diverged tail runs off the top: the y axis ends near the starting loss.
    finite = result.losses[np.isfinite(result.losses)]
    assert ax.get_ylim()[1] < finite.max() / 2, (
        f"y axis reaches {ax.get_ylim()[1]}, losses up to {finite.max()}")
    assert ax.get_ylim()[0] < finite.min()


def test_lr_find_clips_the_diverged_tail():
    rates = np.logspace(-5, 0, 13)
    losses = np.array([2.3, 2.3, 2.2, 2.0, 1.6, 1.1, 0.8, 0.9, 1.8, 9.0, 40.0, np.inf, np.nan])
    result = types.SimpleNamespace(rates=rates, losses=losses, suggested_rate=1e-3)
    ax = plot.plot_lr_find(result)
    curve = ax.get_lines()[0]
    # 9.0 is the first loss above the plot: the curve ends there.
    np.testing.assert_array_equal(curve.get_xdata(), rates[:10])
    bottom, top = ax.get_ylim()
    assert bottom < 0.8 and 2.3 < top < 9.0, (bottom, top)

    nan_first = types.SimpleNamespace(rates=rates[:4], losses=np.array([np.nan, 2.3, 2.0, np.inf]),
                                      suggested_rate=None)
    ax = plot.plot_lr_find(nan_first)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), rates[1:3])
    assert legend_labels(ax) == ["loss"]


# --- every function draws on a given Axes ------------------------------------------


def test_every_function_draws_on_the_given_axes(classifier, digits):
    _, _, X_val, y_val = digits
    result = types.SimpleNamespace(rates=np.logspace(-4, 0, 5),
                                   losses=np.array([2.0, 1.5, 1.0, 3.0, np.inf]),
                                   suggested_rate=1e-3)
    calls = [
        lambda ax: plot.plot_loss_curve(classifier, ax=ax),
        lambda ax: plot.plot_validation_score(classifier, ax=ax),
        lambda ax: plot.plot_learning_rate(classifier, ax=ax),
        lambda ax: plot.plot_gradient_norms(classifier, ax=ax),
        lambda ax: plot.plot_weight_histograms(classifier, ax=ax),
        lambda ax: plot.plot_first_layer_weights(classifier, (8, 8), ax=ax),
        lambda ax: plot.plot_confusion_matrix(y_val, classifier.predict(X_val), ax=ax),
        lambda ax: plot.plot_lr_find(result, ax=ax),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7))
    for call, ax in zip(calls, axes.ravel()):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == 1, "a function opened a figure of its own"
    assert sorted(plot.__all__) == sorted(name for name in dir(plot) if name.startswith("plot_"))


# --- matplotlib stays optional --------------------------------------------------------


def _run_python(code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"subprocess failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_import_nnfast_does_not_import_matplotlib():
    out = _run_python("""
        import sys
        import nnfast
        print(sorted(m for m in sys.modules if m.split(".")[0] == "matplotlib"))
        import nnfast.plot
        print("matplotlib.pyplot" in sys.modules)
    """)
    loaded, pyplot = out.split("\n")[:2]
    assert loaded == "[]", f"import nnfast loaded {loaded}"
    # pyplot picks a GUI backend: only a plot call that makes a figure loads it.
    assert pyplot == "False", "import nnfast.plot loaded matplotlib.pyplot"


def test_without_matplotlib_plot_says_how_to_install_and_the_rest_works():
    out = _run_python("""
        import sys
        sys.modules["matplotlib"] = None  # as if it were not installed
        import numpy as np
        import nnfast
        for attempt in ("import nnfast.plot", "from nnfast import plot"):
            try:
                exec(attempt)
            except ImportError as exc:
                print(exc)
            else:
                raise SystemExit(attempt + " did not raise ImportError")
        rng = np.random.RandomState(0)
        X = rng.randn(60, 4)
        y = (X[:, 0] > 0).astype(int)
        model = nnfast.MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0)
        model.fit(X, y)
        print("accuracy", model.score(X, y))
    """)
    lines = out.strip().splitlines()
    assert len(lines) == 3, out
    for message in lines[:2]:
        assert "pip install" in message and "nnfast[plot]" in message, message
    assert lines[2].startswith("accuracy") and float(lines[2].split()[1]) > 0.7, lines[2]
