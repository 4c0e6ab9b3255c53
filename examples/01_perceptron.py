"""
The neuron and the perceptron
=============================

A single step neuron, :class:`nnfast.Perceptron`, learns two linearly separable
blobs: its weights ``coef_`` and bias ``intercept_`` define the decision boundary,
the line ``w1*x1 + w2*x2 + b = 0``, and the mistakes per epoch (``errors_``)
fall to zero. On XOR, which no straight line separates, the perceptron rule never
stops making mistakes.
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
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import Perceptron  # noqa: E402

# %%
# Separable data: two blobs
# -------------------------
n_samples = 100 if QUICK else 400
X, y = make_blobs(n_samples=n_samples, centers=[(-1, 2), (3, -1)], cluster_std=1.0,
                  random_state=0)
clf = Perceptron(learning_rate=0.1, random_state=0).fit(X, y)
(w1, w2), b = clf.coef_[0], clf.intercept_[0]
print(f"blobs: {n_samples} points, zero mistakes after {clf.n_iter_} epochs "
      f"(mistakes per epoch: {clf.errors_})")
print(f"  weights w = ({w1:.3f}, {w2:.3f}), bias b = {b:.3f}")
print(f"  decision boundary: {w1:.3f}*x1 {w2:+.3f}*x2 {b:+.3f} = 0, "
      f"i.e. x2 = {-w1 / w2:.3f}*x1 {-b / w2:+.3f}")
print(f"  training accuracy: {clf.score(X, y):.3f}")

# The neuron by hand: step(w . x + b) is exactly what predict does.
by_hand = (X @ clf.coef_[0] + b > 0).astype(int)
assert np.array_equal(clf.classes_[by_hand], clf.predict(X))

# %%
# XOR: not linearly separable
# ---------------------------
# Noisy XOR: class 0 around (0, 0) and (1, 1), class 1 around (0, 1) and (1, 0).
X_xor, cluster = make_blobs(n_samples=200, centers=[(0, 0), (1, 1), (0, 1), (1, 0)],
                            cluster_std=0.15, random_state=0)
y_xor = (cluster >= 2).astype(int)
xor_epochs = 20 if QUICK else 100
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # expected: XOR never converges
    xor = Perceptron(learning_rate=0.1, max_iter=xor_epochs, random_state=0).fit(X_xor, y_xor)
    # The same seed replays the same epochs, so max_iter=k gives the weights after
    # epoch k: the boundary of each of the last few epochs.
    last_epochs = range(xor_epochs - 3, xor_epochs + 1)
    snapshots = [Perceptron(learning_rate=0.1, max_iter=k, random_state=0).fit(X_xor, y_xor)
                 for k in last_epochs]
assert np.array_equal(snapshots[-1].coef_, xor.coef_)  # the replay is exact
accuracies = [m.score(X_xor, y_xor) for m in snapshots]
print(f"XOR: {len(X_xor)} points, after {xor.n_iter_} epochs still {xor.errors_[-1]} "
      f"mistakes in the last epoch (min over all epochs: {min(xor.errors_)})")
print(f"  accuracy of the line after each of epochs {last_epochs[0]}..{last_epochs[-1]}: "
      f"{', '.join(f'{a:.2f}' for a in accuracies)}")
print("  no straight line separates XOR, so the rule never stops moving it")

# %%
# Figure
# ------
fig, axes = plt.subplots(2, 2, figsize=(12, 10), layout="constrained")

ax = axes[0, 0]
for label, marker, color in ((0, "o", "C0"), (1, "s", "C1")):
    ax.scatter(*X[y == label].T, marker=marker, color=color, s=18, label=f"class {label}")
x1 = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 2)
ax.plot(x1, -(w1 * x1 + b) / w2, "k-", label="w . x + b = 0")
# the weight vector is normal to the boundary and points to the class that fires
unit = clf.coef_[0] / np.linalg.norm(clf.coef_[0])
mid = np.array([0.0, -b / w2])
ax.annotate("", xy=mid + 1.5 * unit, xytext=mid, arrowprops=dict(arrowstyle="->", lw=2))
ax.text(*(mid + 1.5 * unit + [0.15, 0.0]), "w", fontsize=14, fontweight="bold")
ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 2.5)  # room for the legend
ax.set_xlabel("x1")
ax.set_ylabel("x2")
ax.set_title("Separable blobs: the perceptron's decision boundary")
ax.legend(loc="upper left", ncol=3)

ax = axes[0, 1]
ax.plot(np.arange(1, len(clf.errors_) + 1), clf.errors_, "o-")
ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
ax.set_xlabel("epoch")
ax.set_ylabel("mistakes in the epoch")
ax.set_title(f"Separable blobs: mistakes per epoch reach 0 (epoch {clf.n_iter_})")

ax = axes[1, 0]
ax.plot(np.arange(1, len(xor.errors_) + 1), xor.errors_, "s-", color="C1", markersize=3)
ax.set_ylim(0, len(X_xor))
ax.set_xlabel("epoch")
ax.set_ylabel(f"mistakes in the epoch (of {len(X_xor)} samples)")
ax.set_title("XOR: mistakes per epoch never reach 0")

ax = axes[1, 1]
for label, marker, color in ((0, "o", "C0"), (1, "s", "C1")):
    ax.scatter(*X_xor[y_xor == label].T, marker=marker, color=color, s=18, label=f"class {label}")
grid = np.linspace(-0.6, 1.6, 221)
gx, gy = np.meshgrid(grid, grid)
for i, (k, model, acc) in enumerate(zip(last_epochs, snapshots, accuracies)):
    score = model.decision_function(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    inside = score.min() < 0 < score.max()  # the line crosses the plotted square
    if inside:
        ax.contour(gx, gy, score, levels=[0], colors=[f"C{i + 2}"], linewidths=1.5)
    ax.plot([], [], color=f"C{i + 2}", linestyle="-" if inside else ":",
            label=f"epoch {k}: accuracy {acc:.2f}" + ("" if inside else " (line off the plot)"))
ax.set_xlim(-0.6, 1.6)
ax.set_ylim(-0.6, 1.6)
ax.set_xlabel("x1")
ax.set_ylabel("x2")
ax.set_title("XOR: the boundary after each of the last epochs")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8)

save(fig)
