"""
Overfitting and underfitting: learning and validation curves
============================================================

On a small, noisy classification problem: train vs validation loss per epoch from
``history_`` (fit with ``validation_data``) for a too-small network, a large
unregularised one and a large L2-regularised one; scikit-learn validation curves
over the L2 strength ``alpha`` and over the hidden-layer size; and a learning curve
over the number of training samples.
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
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    learning_curve,
    train_test_split,
    validation_curve,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # short fits on purpose

EPOCHS = 80 if QUICK else 200
CV = 3 if QUICK else 5

# 600 samples, 20 features (6 informative), 10% of the labels flipped: easy to
# memorise, hard to generalise from.
X, y = make_classification(n_samples=600, n_features=20, n_informative=6, n_redundant=2,
                           flip_y=0.1, class_sep=0.8, random_state=1)

fig, axes = plt.subplots(2, 2, figsize=(12, 9), layout="constrained")

# sphinx_gallery_defer_figures

# %%
# Loss per epoch on the training and the validation data
# ------------------------------------------------------
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
models = {
    "1 hidden unit (underfits)": dict(hidden_layer_sizes=(1,), alpha=0.0),
    "256-256, alpha=0 (overfits)": dict(hidden_layer_sizes=(256, 256), alpha=0.0),
    "256-256, alpha=1 (regularised)": dict(hidden_layer_sizes=(256, 256), alpha=1.0),
}
ax = axes[0, 0]
print("train vs validation loss per epoch (history_ with validation_data):")
for colour, (name, params) in enumerate(models.items()):
    clf = MLPClassifier(max_iter=EPOCHS, n_iter_no_change=EPOCHS, random_state=0, **params)
    clf.fit(X_train, y_train, validation_data=(X_val, y_val))
    h = clf.history_
    val_loss = np.asarray(h["val_loss"])
    best = int(np.argmin(val_loss))
    ax.plot(h["epoch"], h["loss"], color=f"C{colour}", label=f"{name}: training")
    ax.plot(h["epoch"], val_loss, color=f"C{colour}", linestyle="--", label="    validation")
    ax.plot(h["epoch"][best], val_loss[best], "o", color=f"C{colour}")
    print(f"  {name:31s} train acc {clf.score(X_train, y_train):.3f}, "
          f"val acc {clf.score(X_val, y_val):.3f}, final train loss {h['loss'][-1]:.3f}, "
          f"val loss {val_loss[-1]:.3f} (lowest {val_loss[best]:.3f} at epoch {best + 1})")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("log loss (training: + L2 penalty)")
ax.set_title("Loss per epoch (dot: lowest validation loss)")
ax.legend(fontsize="small")


def plot_band(ax, x, train_scores, val_scores, label_train="training", label_val="validation"):
    for scores, label, colour in ((train_scores, label_train, "C0"),
                                  (val_scores, label_val, "C1")):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(x, mean, "o-", color=colour, label=label)
        ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.2)
    ax.set_ylabel("accuracy")
    ax.legend()


# A pipeline, so that each cross-validation fold scales with its own training part.
estimator = make_pipeline(StandardScaler(),
                          MLPClassifier(hidden_layer_sizes=(64,), max_iter=EPOCHS,
                                        random_state=0))

# sphinx_gallery_defer_figures

# %%
# Validation curve over alpha
# ---------------------------
alphas = np.logspace(-4, 2, 5 if QUICK else 9)
train_scores, val_scores = validation_curve(estimator, X, y, param_name="mlpclassifier__alpha",
                                            param_range=alphas, cv=CV)
ax = axes[0, 1]
plot_band(ax, alphas, train_scores, val_scores, "training (CV)", "validation (CV)")
ax.set_xscale("log")
ax.set_xlabel("alpha (L2 strength)")
ax.set_title("Validation curve over alpha (64 hidden units)")
ax.text(0.03, 0.05, "overfitting:\nbig gap", transform=ax.transAxes)
ax.text(0.97, 0.05, "underfitting:\nboth low", transform=ax.transAxes, ha="right")
best_alpha = alphas[np.argmax(val_scores.mean(axis=1))]
gaps = np.round((train_scores - val_scores).mean(axis=1), 3)
print(f"validation curve over alpha: best CV accuracy {val_scores.mean(axis=1).max():.3f} "
      f"at alpha={best_alpha:.3g}; train-validation gap from small to large alpha {gaps}")

# sphinx_gallery_defer_figures

# %%
# Validation curve over the hidden-layer size
# -------------------------------------------
sizes = [1, 4, 16, 64, 256] if QUICK else [1, 2, 4, 8, 16, 32, 64, 128, 256]
train_scores, val_scores = validation_curve(
    estimator, X, y, param_name="mlpclassifier__hidden_layer_sizes",
    param_range=[(size,) for size in sizes], cv=CV)
ax = axes[1, 0]
plot_band(ax, sizes, train_scores, val_scores, "training (CV)", "validation (CV)")
ax.set_xscale("log", base=2)
ax.set_xticks(sizes, [str(size) for size in sizes])
ax.set_xlabel("hidden units (one layer, alpha=1e-4)")
ax.set_title("Validation curve over the hidden-layer size")
best_size = sizes[int(np.argmax(val_scores.mean(axis=1)))]
print(f"validation curve over hidden units: training accuracy {train_scores.mean(axis=1)[0]:.3f} "
      f"-> {train_scores.mean(axis=1)[-1]:.3f} from {sizes[0]} to {sizes[-1]} units; "
      f"best CV accuracy {val_scores.mean(axis=1).max():.3f} at {best_size} units")

# sphinx_gallery_defer_figures

# %%
# Learning curve over the training-set size
# -----------------------------------------
sizes_abs, train_scores, val_scores = learning_curve(
    estimator, X, y, train_sizes=np.linspace(0.1, 1.0, 4 if QUICK else 8), cv=CV)
ax = axes[1, 1]
plot_band(ax, sizes_abs, train_scores, val_scores, "training (CV)", "validation (CV)")
ax.set_xlabel("training samples")
ax.set_title("Learning curve (64 hidden units, alpha=1e-4)")
gap = (train_scores - val_scores).mean(axis=1)
print(f"learning curve: train-validation gap {gap[0]:.3f} with {sizes_abs[0]} samples, "
      f"{gap[-1]:.3f} with {sizes_abs[-1]}: more data narrows the gap")

fig.suptitle("Overfitting and underfitting on 600 noisy samples (10% flipped labels)")
save(fig)
