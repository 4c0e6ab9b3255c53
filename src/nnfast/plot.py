"""Plots of training and of a fitted network, drawn with matplotlib.

Curves over training (loss, validation score, learning rate, per-layer gradient
norms) come from the estimator's ``history_``; pictures of the network (weight
histograms, first-layer weights as images) from ``coefs_``. Beside them: a
confusion matrix and the curve of a learning-rate range test (``lr_find``).

Every function draws on ``ax`` when one is given, on a new figure otherwise, and
returns the Axes, so plots compose into a user's own figures::

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_loss_curve(model, ax=left)
    plot_gradient_norms(model, ax=right)

matplotlib is an optional dependency (``pip install 'nnfast[plot]'``); only this
module needs it, and ``import nnfast`` never imports it. matplotlib itself is
imported with this module, so a missing install fails at ``import nnfast.plot``
with the command that fixes it rather than halfway through a plot. pyplot is
imported only when a function has to create a figure: it picks a GUI backend,
which a caller who draws on their own Axes (an embedded canvas, a ``Figure``
made without pyplot) should not be made to load.

The estimator functions accept scikit-learn's MLPs too, for what those record:
``loss_curve_`` and, with early stopping, ``validation_scores_``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import confusion_matrix
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted

try:
    import matplotlib
    import matplotlib.ticker
except ImportError as exc:
    raise ImportError(
        "nnfast.plot needs matplotlib, which is not installed. Install nnfast's "
        "plotting extra with: pip install 'nnfast[plot]' (or: pip install matplotlib)"
    ) from exc

if TYPE_CHECKING:
    from typing import TypeAlias

    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike, NDArray
    from sklearn.base import BaseEstimator

    from nnfast._multilayer_perceptron import BaseMultilayerPerceptron
    from nnfast._typing import Normalize
    from nnfast.inspection import LRFinderResult

    # nnfast's MLPs, or scikit-learn's (which record less).
    _MLP: TypeAlias = BaseMultilayerPerceptron | BaseEstimator

__all__ = [
    "plot_loss_curve",
    "plot_validation_score",
    "plot_learning_rate",
    "plot_gradient_norms",
    "plot_weight_histograms",
    "plot_first_layer_weights",
    "plot_confusion_matrix",
    "plot_lr_find",
]

# Curves whose finite, positive values span more than this ratio get a log y axis.
_LOG_SCALE_RATIO = 100.0
# Confusion matrices up to this many classes get the value written in each cell.
_ANNOTATE_MAX_CLASSES = 20


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # constrained layout keeps long tick labels (log axes) and colorbars inside the figure
    _, ax = plt.subplots(layout="constrained")
    return ax


def _history(estimator: _MLP) -> dict[str, NDArray[np.float64]]:
    """The estimator's history_ as arrays; for scikit-learn's MLP, the part of
    it that loss_curve_ and validation_scores_ hold."""
    check_is_fitted(estimator)
    history = getattr(estimator, "history_", None)
    if history is not None:
        return {key: np.asarray(values, dtype=float) for key, values in history.items()}
    loss = getattr(estimator, "loss_curve_", None)
    if loss is None:
        raise ValueError(
            f"{type(estimator).__name__} has no training history (history_ or loss_curve_); "
            "solver='lbfgs' in scikit-learn's MLP records none."
        )
    n = len(loss)
    scores = getattr(estimator, "validation_scores_", None)
    return {
        "epoch": np.arange(1, n + 1, dtype=float),
        "loss": np.asarray(loss, dtype=float),
        "val_score": np.asarray(scores, dtype=float) if scores else np.full(n, np.nan),
    }


def _recorded(history: dict[str, NDArray[np.float64]], key: str, estimator: _MLP,
              what: str) -> NDArray[np.float64]:
    """history[key] if it holds any finite value, else a ValueError saying why not."""
    values = history.get(key)
    if values is None or values.size == 0 or not np.isfinite(values).any():
        solver = getattr(estimator, "solver", None)
        reason = (" (solver='lbfgs' records the loss only)" if solver == "lbfgs"
                  else "")
        raise ValueError(f"{type(estimator).__name__} recorded no {what}{reason}.")
    return values


def _step_label(estimator: _MLP) -> str:
    return "iteration" if getattr(estimator, "solver", None) == "lbfgs" else "epoch"


def _integer_x(ax: Axes) -> None:
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def _log_scale_if_wide(ax: Axes, *arrays: ArrayLike) -> None:
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() / values.min() > _LOG_SCALE_RATIO:
        ax.set_yscale("log")


def _loss_label(estimator: _MLP) -> str:
    if is_classifier(estimator):
        return "log loss"
    name = getattr(estimator, "loss", None)
    return f"loss ({name.replace('_', ' ')})" if isinstance(name, str) else "loss"


def plot_loss_curve(estimator: _MLP, ax: Axes | None = None, validation: bool = True) -> Axes:
    """Plot the training loss, and the validation loss, per epoch.

    The y axis turns logarithmic when the curves span more than two decades.
    The training loss includes the L1/L2 penalty; the validation loss does not,
    so a strongly regularised model shows its validation loss below its
    training loss.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator (scikit-learn's MLPs work too, through ``loss_curve_``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    validation : bool, default=True
        Also draw the validation loss, when the fit recorded one
        (``early_stopping=True`` or ``validation_data``).

    Returns
    -------
    ax : matplotlib Axes
        The training loss is the line labelled "training loss", the validation
        loss the one labelled "validation loss".
    """
    history = _history(estimator)
    ax = _axes(ax)
    epochs, loss = history["epoch"], history["loss"]
    ax.plot(epochs, loss, label="training loss")
    curves = [loss]
    val_loss = history.get("val_loss")
    if validation and val_loss is not None and np.isfinite(val_loss).any():
        ax.plot(epochs, val_loss, label="validation loss")
        curves.append(val_loss)
    _log_scale_if_wide(ax, *curves)
    _integer_x(ax)
    ax.set_xlabel(_step_label(estimator))
    ax.set_ylabel(_loss_label(estimator))
    ax.set_title("Loss curve")
    ax.legend()
    return ax


def plot_validation_score(estimator: _MLP, ax: Axes | None = None) -> Axes:
    """Plot the validation score per epoch and mark the best epoch.

    The score is accuracy for a classifier and R² for a regressor, computed
    each epoch on the validation data (``early_stopping=True`` or
    ``validation_data``).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator that was given validation data (scikit-learn's MLPs
        work too, through ``validation_scores_``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The scores are the line labelled "validation score"; the best epoch is
        a marker labelled with its epoch and score, and a dashed vertical line.

    Raises
    ------
    ValueError
        If the fit recorded no validation score.
    """
    history = _history(estimator)
    scores = history.get("val_score")
    if scores is None or not np.isfinite(scores).any():
        raise ValueError(
            f"{type(estimator).__name__} recorded no validation score: fit with "
            "early_stopping=True or with validation_data=(X_val, y_val)."
        )
    ax = _axes(ax)
    epochs = history["epoch"]
    ax.plot(epochs, scores, label="validation score")
    best = int(np.nanargmax(scores))
    ax.axvline(epochs[best], color="0.5", linestyle="--", linewidth=1)
    ax.plot(epochs[best], scores[best], marker="o", linestyle="none", color="C3",
            label=f"best: {scores[best]:.4g} at epoch {int(epochs[best])}")
    _integer_x(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation " + ("accuracy" if is_classifier(estimator) else "R²"))
    ax.set_title("Validation score")
    ax.legend()
    return ax


def plot_learning_rate(estimator: _MLP, ax: Axes | None = None) -> Axes:
    """Plot the learning rate of each epoch.

    Each epoch's rate is drawn as a flat step, as the optimizer used it. The y
    axis turns logarithmic when the rates span more than two decades.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator with solver 'sgd' or 'adam'.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        With one line, the rates.

    Raises
    ------
    ValueError
        If no rate was recorded (solver='lbfgs').
    """
    history = _history(estimator)
    rates = _recorded(history, "learning_rate", estimator, "learning rate")
    ax = _axes(ax)
    ax.plot(history["epoch"], rates, drawstyle="steps-mid", label="learning rate")
    _log_scale_if_wide(ax, rates)
    _integer_x(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title("Learning-rate schedule")
    return ax


def plot_gradient_norms(estimator: _MLP, ax: Axes | None = None, bias: bool = False) -> Axes:
    """Plot each layer's gradient norm per epoch, on a log scale.

    The picture for vanishing gradients (the first layers' norms orders of
    magnitude below the last's) and exploding ones (norms growing without
    bound). Each value is the mean over the epoch's minibatches of the norm of
    that layer's loss gradient, before clipping and without the penalty.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator with solver 'sgd' or 'adam'.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    bias : bool, default=False
        Plot the norms of the bias gradients instead of the weight gradients.

    Returns
    -------
    ax : matplotlib Axes
        With one line per weight layer, labelled "layer 1" (input to first
        hidden layer) to "layer L" (into the output layer), coloured from dark
        (near the input) to light (near the output).

    Raises
    ------
    ValueError
        If no gradient norm was recorded (solver='lbfgs').
    """
    history = _history(estimator)
    kind = "bias" if bias else "weight"
    norms = _recorded(history, f"{kind}_grad_norm", estimator, f"{kind} gradient norms")
    ax = _axes(ax)
    n_layers = norms.shape[1]
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, n_layers))
    for layer in range(n_layers):
        ax.plot(history["epoch"], norms[:, layer], color=colours[layer],
                label=f"layer {layer + 1}")
    ax.set_yscale("log")
    _integer_x(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"mean {kind}-gradient norm")
    ax.set_title(f"{kind.capitalize()} gradient norm per layer")
    ax.legend()
    return ax


def plot_weight_histograms(estimator: _MLP, ax: Axes | None = None, bins: int = 50) -> Axes:
    """Plot a histogram of each layer's weights, overlaid.

    All layers share the same bins and are drawn as densities, so layers of
    very different sizes compare on one axis.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator (scikit-learn's MLPs work too).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    bins : int, default=50
        Number of bins spanning all layers' weights.

    Returns
    -------
    ax : matplotlib Axes
        With one stepped histogram per weight layer, labelled "layer i
        (fan_in×fan_out)".
    """
    check_is_fitted(estimator)
    coefs = [np.asarray(w, dtype=float).ravel() for w in estimator.coefs_]
    edges = np.histogram_bin_edges(np.concatenate(coefs), bins=bins)
    ax = _axes(ax)
    for layer, (weights, matrix) in enumerate(zip(coefs, estimator.coefs_)):
        fan_in, fan_out = matrix.shape
        # matplotlib's stubs type bins as a Sequence, which an ndarray is not.
        ax.hist(weights, bins=edges, density=True, histtype="step",  # type: ignore[arg-type]
                linewidth=1.5,
                label=f"layer {layer + 1} ({fan_in}×{fan_out})")
    ax.set_xlabel("weight")
    ax.set_ylabel("density")
    ax.set_title("Weights per layer")
    ax.legend()
    return ax


def plot_first_layer_weights(estimator: _MLP, image_shape: tuple[int, int],
                             n_units: int | None = None, ax: Axes | None = None,
                             colorbar: bool = True) -> Axes:
    """Show each first-layer unit's incoming weights as an image.

    The units' images are tiled, row by row in unit order, into one mosaic
    separated by grey lines and drawn with a diverging colormap centred on
    zero: red pixels push the unit's input up, blue ones down. All units share
    one colour scale, so a faint tile is a unit with small weights.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator whose inputs are images, flattened row-major.
    image_shape : tuple of int (height, width)
        The shape of one input image; height * width must be ``n_features_in_``
        (e.g. (8, 8) for scikit-learn's digits).
    n_units : int, default=None
        Show the first ``n_units`` hidden units; all of them when None.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    colorbar : bool, default=True
        Add a colorbar for the weight scale beside ``ax``.

    Returns
    -------
    ax : matplotlib Axes
        Holding one image, the mosaic: with ``n`` units in a grid of ``rows`` x
        ``cols`` (``cols = ceil(sqrt(n))``), an array of shape
        ``(rows * (height + 1) - 1, cols * (width + 1) - 1)``.
    """
    check_is_fitted(estimator)
    weights = np.asarray(estimator.coefs_[0], dtype=float)
    height, width = (int(side) for side in image_shape)
    if height * width != weights.shape[0]:
        raise ValueError(
            f"image_shape {tuple(image_shape)} has {height * width} pixels but the "
            f"first layer has {weights.shape[0]} inputs."
        )
    total = weights.shape[1]
    n = total if n_units is None else int(n_units)
    if not 1 <= n <= total:
        raise ValueError(f"n_units must be between 1 and {total} (the first layer's units), "
                         f"got {n_units!r}.")
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    # NaN marks the separators and empty cells; the colormap draws them grey.
    mosaic = np.full((rows * (height + 1) - 1, cols * (width + 1) - 1), np.nan)
    for unit in range(n):
        top, left = (unit // cols) * (height + 1), (unit % cols) * (width + 1)
        mosaic[top:top + height, left:left + width] = weights[:, unit].reshape(height, width)
    limit = np.abs(weights[:, :n]).max() or 1.0
    ax = _axes(ax)
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="0.6")
    image = ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"First-layer weights, units 1–{n}" if n > 1 else "First-layer weights, unit 1")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="weight")
    return ax


def plot_confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None,
                          normalize: Normalize | None = None, ax: Axes | None = None,
                          colorbar: bool = True) -> Axes:
    """Plot the confusion matrix as an annotated heatmap.

    Rows are true labels, columns predicted labels. Up to 20 classes, each
    cell carries its value.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like of shape (n_classes,), default=None
        The labels to show, in this order; those present in ``y_true`` or
        ``y_pred``, sorted, when None.
    normalize : {'true', 'pred', 'all'}, default=None
        Divide the counts by the row sums ('true': each row shows the recall
        of its class), column sums ('pred': precision) or the total.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    colorbar : bool, default=True
        Add a colorbar beside ``ax``.

    Returns
    -------
    ax : matplotlib Axes
        Holding the heatmap as an image and, up to 20 classes, one text per
        cell.
    """
    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    names = np.asarray(labels) if labels is not None else unique_labels(y_true, y_pred)
    n_classes = matrix.shape[0]
    ax = _axes(ax)
    image = ax.imshow(matrix, cmap="Blues", vmin=0, interpolation="nearest")
    if n_classes <= _ANNOTATE_MAX_CLASSES:
        dark = matrix.max() / 2 if matrix.max() > 0 else np.inf
        for (row, col), value in np.ndenumerate(matrix):
            text = f"{value:.2f}" if normalize else f"{value:d}"
            ax.text(col, row, text, ha="center", va="center",
                    color="white" if value > dark else "black",
                    fontsize="small" if n_classes > 10 else "medium")
    ticks = np.arange(n_classes)
    long_names = max(len(str(name)) for name in names) > 6
    ax.set_xticks(ticks, [str(name) for name in names],
                  rotation=45 if long_names or n_classes > 10 else 0,
                  ha="right" if long_names else "center")
    ax.set_yticks(ticks, [str(name) for name in names])
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    title = {None: "", "true": " (rows sum to 1)", "pred": " (columns sum to 1)",
             "all": " (fractions of all samples)"}[normalize]
    ax.set_title("Confusion matrix" + title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return ax


def plot_lr_find(result: LRFinderResult, ax: Axes | None = None) -> Axes:
    """Plot the loss of a learning-rate range test against the rate.

    The x axis is logarithmic. Where training diverged the losses are
    non-finite or shoot up: the y axis ends a little above the highest loss
    before the minimum (usually the loss at the start of the test), and the
    curve ends at the first point past the minimum that leaves the plot, or
    before the first non-finite loss. The useful part, the descent and the
    minimum, fills the plot.

    Parameters
    ----------
    result : the object ``nnfast.lr_find`` returns
        Read through its attributes ``rates`` (increasing), ``losses`` (one
        per rate) and ``suggested_rate``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        The losses are the line labelled "loss"; the suggested rate a dashed
        vertical line and a marker on the curve, labelled with its value.
    """
    rates = np.asarray(result.rates, dtype=float)
    losses = np.asarray(result.losses, dtype=float)
    if rates.shape != losses.shape or rates.ndim != 1:
        raise ValueError(f"rates and losses must be 1-d and of one length, got shapes "
                         f"{rates.shape} and {losses.shape}.")
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("lr_find recorded no finite loss.")
    start = int(np.argmax(finite))
    diverged = np.flatnonzero(~finite[start:])
    stop = start + diverged[0] if diverged.size else len(losses)
    rates, losses = rates[start:stop], losses[start:stop]
    lowest = int(np.argmin(losses))
    bottom, top = losses[lowest], losses[: lowest + 1].max()
    span = (top - bottom) or abs(top) or 1.0
    ceiling = top + 0.25 * span
    # Past the minimum, keep the first point above the ceiling, so the curve
    # visibly leaves the plot, and drop the rest of the divergence.
    above = np.flatnonzero(losses[lowest:] > ceiling)
    if above.size:
        rates, losses = rates[: lowest + above[0] + 1], losses[: lowest + above[0] + 1]

    ax = _axes(ax)
    ax.plot(rates, losses, label="loss")
    ax.set_xscale("log")
    ax.set_ylim(bottom - 0.05 * span, ceiling)

    suggested = getattr(result, "suggested_rate", None)
    if suggested is not None and np.isfinite(suggested) and suggested > 0:
        ax.axvline(suggested, color="C3", linestyle="--", linewidth=1)
        at = np.interp(np.log(suggested), np.log(rates), losses)
        ax.plot(suggested, at, marker="o", linestyle="none", color="C3",
                label=f"suggested rate {suggested:.2g}")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title("Learning-rate range test")
    ax.legend()
    return ax
