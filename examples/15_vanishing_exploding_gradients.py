"""
Vanishing and exploding gradients
=================================

Top: a 10-hidden-layer network on digits with logistic units (glorot init) and with
relu + he_normal; :func:`nnfast.plot.plot_gradient_norms` shows each layer's gradient
norm per epoch, and the logistic network raises a
:class:`~nnfast.exceptions.VanishingGradientWarning`. Bottom: sgd with a huge learning
rate explodes (:class:`~nnfast.exceptions.ExplodingGradientWarning`); ``clip_norm=1.0`` trains.
"""

import warnings

# sphinx_gallery_start_ignore
# Run as a script: draw off-screen. (The gallery hides this from the pages and
# notebooks, where figures are shown.)
import matplotlib

matplotlib.use("Agg")
# sphinx_gallery_end_ignore
import matplotlib.cm  # noqa: E402
import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier, MLPRegressor  # noqa: E402
from nnfast.exceptions import (  # noqa: E402
    ExplodingGradientWarning,
    GradientWarning,
    VanishingGradientWarning,
)
from nnfast.plot import plot_gradient_norms  # noqa: E402

DEEP_EPOCHS = 10 if QUICK else 30
SGD_EPOCHS = 20 if QUICK else 60


def fit_catching(model, X, y):
    """Fit, and return the gradient warnings raised (printing each one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GradientWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    gradient_warnings = [w for w in caught if issubclass(w.category, GradientWarning)]
    for w in gradient_warnings:
        print(f"  caught {w.category.__name__}: {w.message}")
    if not gradient_warnings:
        print("  no gradient warning")
    return gradient_warnings


def layer_colorbar(ax, n_layers):
    """Replace plot_gradient_norms' legend (11 entries) by a colorbar of its colours."""
    ax.get_legend().remove()
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, n_layers))
    norm = matplotlib.colors.BoundaryNorm(np.arange(0.5, n_layers + 1), n_layers)
    mappable = matplotlib.cm.ScalarMappable(norm=norm,
                                            cmap=matplotlib.colors.ListedColormap(colours))
    ax.figure.colorbar(mappable, ax=ax, ticks=range(1, n_layers + 1),
                       label="weight layer (1 = input side)")


fig, axes = plt.subplots(2, 3, figsize=(17, 10), layout="constrained")

# sphinx_gallery_defer_figures

# %%
# Vanishing: 10 hidden layers of 32 units
# ---------------------------------------
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
deep = {
    "logistic, glorot_uniform": MLPClassifier(hidden_layer_sizes=(32,) * 10,
                                              activation="logistic", max_iter=DEEP_EPOCHS,
                                              random_state=0),
    "relu, he_normal": MLPClassifier(hidden_layer_sizes=(32,) * 10, activation="relu",
                                     init="he_normal", max_iter=DEEP_EPOCHS, random_state=0),
}
first_epoch = {}
for ax, (name, clf) in zip(axes[0], deep.items()):
    print(f"10 hidden layers, {name}:")
    caught = fit_catching(clf, X, y)
    norms = np.asarray(clf.history_["weight_grad_norm"])  # (epochs, 11 weight layers)
    first_epoch[name] = norms[0]
    print(f"  layer 1 / layer 11 gradient norm in epoch 1: {norms[0, 0] / norms[0, -1]:.1e}; "
          f"training accuracy {clf.score(X, y):.3f}")
    plot_gradient_norms(clf, ax=ax)
    layer_colorbar(ax, norms.shape[1])
    warned = "\nraised VanishingGradientWarning" if any(
        w.category is VanishingGradientWarning for w in caught) else "\nno warning"
    ax.set_title(f"{name}: training accuracy {clf.score(X, y):.2f}{warned}")

ax = axes[0, 2]
layers = np.arange(1, len(first_epoch["relu, he_normal"]) + 1)
for name, norms in first_epoch.items():
    ax.plot(layers, norms, "o-", label=name)
ax.set_yscale("log")
ax.set_xticks(layers)
ax.set_xlabel("weight layer (1 = input side, 11 = output side)")
ax.set_ylabel("mean weight-gradient norm, epoch 1")
ax.set_title("Gradient norm by depth in the first epoch")
ax.legend()

# sphinx_gallery_defer_figures

# %%
# Exploding: sgd with a huge learning rate
# ----------------------------------------
X, y = make_regression(n_samples=1000, n_features=20, noise=10.0, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
runs, dead_units, exploded = {}, {}, {}
for name, clip in (("lr=0.5, no clipping", None), ("lr=0.5, clip_norm=1.0", 1.0)):
    reg = MLPRegressor(hidden_layer_sizes=(64, 64), solver="sgd", learning_rate_init=0.5,
                       clip_norm=clip, max_iter=SGD_EPOCHS, n_iter_no_change=SGD_EPOCHS,
                       random_state=0)
    print(f"regression, sgd (momentum 0.9), {name}:")
    caught = fit_catching(reg, X, y)
    runs[name] = reg
    exploded[name] = any(w.category is ExplodingGradientWarning for w in caught)
    norms = np.asarray(reg.history_["weight_grad_norm"])
    dead = int(np.all(reg.forward(X)[1].pre_activation <= 0, axis=0).sum())
    dead_units[name] = dead
    print(f"  largest weight-gradient norm {norms.max():.3g}, largest |weight| "
          f"{max(np.abs(w).max() for w in reg.coefs_):.3g}, dead units in hidden layer 2: "
          f"{dead}/64, final loss {reg.loss_:.3g}, R² {reg.score(X, y):.3f}")
for ax, (name, reg) in zip(axes[1], runs.items()):
    plot_gradient_norms(reg, ax=ax)
    warned = "\nraised ExplodingGradientWarning" if exploded[name] else "\nno warning"
    ax.set_title(f"sgd {name}: R² {reg.score(X, y):.3f}{warned}")
axes[1, 0].axhline(1e4, color="C3", linestyle=":", linewidth=1)
axes[1, 0].text(1, 1.5e4, "ExplodingGradientWarning threshold (1e4)", color="C3",
                fontsize="small")
if dead_units["lr=0.5, no clipping"] == 64:
    axes[1, 0].text(0.97, 0.5, "after the blow-up every unit of hidden\nlayer 2 is dead "
                    "(relu output 0): the\ngradients are exactly 0, off the log axis,\nand "
                    "the prediction is a constant", transform=axes[1, 0].transAxes,
                    ha="right", fontsize="small")
axes[1, 1].text(0.02, 0.02, "norms are measured before clipping;\nclip_norm rescales each "
                "minibatch gradient to norm <= 1", transform=axes[1, 1].transAxes,
                fontsize="small", va="bottom")

ax = axes[1, 2]
for name, reg in runs.items():
    ax.plot(reg.history_["epoch"], reg.history_["loss"], label=name)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (squared error + L2 penalty)")
ax.set_title("Training loss\n(the exploded weights keep a huge L2 penalty)")
ax.legend()

print("Vanishing: the logistic network's first layers get gradients orders of magnitude "
      "smaller than its last\nand it learns nothing; relu + he_normal keeps them balanced. "
      "Exploding: the unclipped run's weights blow up\nand kill its relu units; clip_norm "
      "bounds every step and the same learning rate trains.")
fig.suptitle("Vanishing gradients (top, digits, 10 hidden layers of 32) and exploding "
             "gradients (bottom, regression, 20-64-64-1)")
save(fig)
