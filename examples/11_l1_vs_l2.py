"""
L1 vs L2 regularisation: sparse weights vs small weights
========================================================

A digits network with no penalty, with an L2 penalty (``alpha``) and with an L1
penalty (``l1``): their weight histograms
(:func:`nnfast.plot.plot_weight_histograms`). nnfast applies ``l1`` as a proximal
step, so weights become exactly zero: both strengths are swept and the fraction of
exactly-zero weights is set against the validation accuracy.
"""

import warnings

# sphinx_gallery_start_ignore
# Run as a script: draw off-screen. (The gallery hides this from the pages and
# notebooks, where figures are shown.)
import matplotlib

matplotlib.use("Agg")
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402
from nnfast.plot import plot_weight_histograms  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # fixed-length fits on purpose

EPOCHS = 40 if QUICK else 150

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixels in [0, 1]
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, stratify=y,
                                                  random_state=0)


def fit(alpha=0.0, l1=0.0):
    clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=alpha, l1=l1, max_iter=EPOCHS,
                        random_state=0)
    return clf.fit(X_train, y_train)


def zero_fraction(clf):
    weights = np.concatenate([w.ravel() for w in clf.coefs_])
    return np.mean(weights == 0.0)  # exactly zero, not merely small


fig, axes = plt.subplots(2, 3, figsize=(15, 9), layout="constrained")

# sphinx_gallery_defer_figures

# %%
# Top row: three models' weights
# ------------------------------
models = {"no penalty": fit(), "L2: alpha=1": fit(alpha=1.0), "L1: l1=0.1": fit(l1=0.1)}
print(f"{'model':12s} {'val acc':>8s} {'exact zeros':>12s} {'|W| mean':>9s} {'|W| max':>8s}")
for ax, (name, clf) in zip(axes[0], models.items()):
    plot_weight_histograms(clf, ax=ax, bins=60)
    ax.set_yscale("log")  # the spike at 0 and the tails on one axis
    ax.set_title(f"{name}: val acc {clf.score(X_val, y_val):.3f}, "
                 f"{zero_fraction(clf):.0%} weights == 0")
    weights = np.concatenate([w.ravel() for w in clf.coefs_])
    print(f"{name:12s} {clf.score(X_val, y_val):8.3f} {zero_fraction(clf):12.1%} "
          f"{np.abs(weights).mean():9.3f} {np.abs(weights).max():8.3f}")
# one x range for the three histograms, so the widths compare
limit = max(abs(w).max() for clf in models.values() for w in clf.coefs_)
for ax in axes[0]:
    ax.set_xlim(-limit, limit)

# sphinx_gallery_defer_figures

# %%
# Bottom row: sweep the strength
# ------------------------------
strengths = np.logspace(-2, 1, 4 if QUICK else 7)
sweep = {"l1": [fit(l1=s) for s in strengths], "alpha (L2)": [fit(alpha=s) for s in strengths]}
baseline = models["no penalty"].score(X_val, y_val)
print(f"\nsweep over the strength (no penalty: val acc {baseline:.3f})")
print(f"{'strength':>9s} " + " ".join(f"{name + ' zeros':>15s} {name + ' acc':>13s}"
                                       for name in sweep))
for i, strength in enumerate(strengths):
    print(f"{strength:9.3g} " + " ".join(
        f"{zero_fraction(fits[i]):15.1%} {fits[i].score(X_val, y_val):13.3f}"
        for fits in sweep.values()))
ax_zero, ax_acc = axes[1, 0], axes[1, 1]
for colour, (name, fits) in enumerate(sweep.items()):
    ax_zero.plot(strengths, [100 * zero_fraction(c) for c in fits], "o-", color=f"C{colour}",
                 label=name)
    ax_acc.plot(strengths, [c.score(X_val, y_val) for c in fits], "o-", color=f"C{colour}",
                label=name)
ax_acc.axhline(baseline, color="0.5", linestyle="--", label="no penalty")
for ax in (ax_zero, ax_acc):
    ax.set_xscale("log")
    ax.set_xlabel("penalty strength (l1 or alpha)")
    ax.legend()
ax_zero.set_ylabel("weights exactly zero (%)")
ax_zero.set_title("Sparsity: only L1 sets weights to exactly 0")
ax_acc.set_ylabel("validation accuracy")
ax_acc.set_title("Validation accuracy")

# sphinx_gallery_defer_figures

# %%
# Which input pixels did L1 cut off?
# ----------------------------------
l1_model = models["L1: l1=0.1"]
pixel_zero = np.mean(l1_model.coefs_[0] == 0.0, axis=1).reshape(8, 8)
ax = axes[1, 2]
image = ax.imshow(pixel_zero, cmap="Greys", vmin=0, vmax=1)
ax.set_xticks([])
ax.set_yticks([])
ax.set_title("L1 model: share of each pixel's 64\noutgoing weights that are zero")
fig.colorbar(image, ax=ax, label="fraction == 0")
unused = pixel_zero == 1.0
border = np.ones((8, 8), dtype=bool)
border[1:-1, 1:-1] = False
print(f"\nL1 model: {unused.sum()} of 64 input pixels have all their weights at zero, "
      f"{(unused & border).sum()} of them on the image border, where digits rarely have "
      "ink;\nL2 shrinks weights towards zero but sets none exactly to zero.")

fig.suptitle(f"L1 vs L2 on digits (MLP 64-64-10, {EPOCHS} epochs of adam)")
save(fig)
