"""
Dropout
=======

A large network (2-128-128-2) trained on 100 noisy two-moons points memorises them;
``dropout`` (rates 0, 0.2, 0.5 on the hidden layers) limits that. Plots the decision
boundaries, the training loss per epoch (measured with dropout on), the validation
loss per epoch (dropout off), and train vs validation accuracy. Dropout acts only
while training: predictions are deterministic.
"""

import warnings

# sphinx_gallery_start_ignore
# Run as a script: draw off-screen. (The gallery hides this from the pages and
# notebooks, where figures are shown.)
import matplotlib

matplotlib.use("Agg")
# sphinx_gallery_end_ignore
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # fixed-length fits on purpose

EPOCHS = 150 if QUICK else 500
RATES = [0.0, 0.2, 0.5]

# 100 training points with heavy noise; a separate, larger draw for validation.
X_train, y_train = make_moons(n_samples=100, noise=0.35, random_state=0)
X_val, y_val = make_moons(n_samples=500, noise=0.35, random_state=1)


# %%
# The figure
# ----------
fig = plt.figure(figsize=(15, 9), layout="constrained")
top = fig.subfigures(2, 1)
boundary_axes = top[0].subplots(1, 3, sharex=True, sharey=True)
ax_train, ax_val, ax_acc = top[1].subplots(1, 3)

xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.7, 2.2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
models = {}
print(f"{'dropout':>7s} {'train acc':>9s} {'val acc':>8s} {'train loss':>11s} "
      f"{'val loss':>9s} {'lowest val loss':>16s}")
for colour, rate in enumerate(RATES):
    clf = MLPClassifier(hidden_layer_sizes=(128, 128), dropout=rate, alpha=0.0,
                        learning_rate_init=0.003, max_iter=EPOCHS,
                        n_iter_no_change=EPOCHS,  # no early end: watch the whole run
                        random_state=0)
    clf.fit(X_train, y_train, validation_data=(X_val, y_val))
    models[rate] = clf
    h = clf.history_
    label = f"dropout={rate:g}"
    ax_train.plot(h["epoch"], h["loss"], color=f"C{colour}", label=label)
    ax_val.plot(h["epoch"], h["val_loss"], color=f"C{colour}", label=label)
    best = int(np.argmin(h["val_loss"]))
    print(f"{rate:7.1f} {clf.score(X_train, y_train):9.3f} {clf.score(X_val, y_val):8.3f} "
          f"{h['loss'][-1]:11.4f} {h['val_loss'][-1]:9.4f} "
          f"{h['val_loss'][best]:9.4f} (ep {best + 1})")

    ax = boundary_axes[colour]
    proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.contour(xx, yy, proba, levels=[0.5], colors="k", linewidths=1.5)
    for label_value, colour_name in ((0, "tab:blue"), (1, "tab:red")):
        points = X_train[y_train == label_value]
        ax.scatter(points[:, 0], points[:, 1], color=colour_name, edgecolors="k", s=25)
    ax.set_title(f"{label}: train acc {clf.score(X_train, y_train):.2f}, "
                 f"val acc {clf.score(X_val, y_val):.3f}")
    ax.set_xlabel("x1")
boundary_axes[0].set_ylabel("x2")
top[0].suptitle("Decision boundaries (black: p = 0.5) over the 100 training points")

ax_train.set_title("Training loss (dropout on while training)")
ax_val.set_title("Validation loss (dropout off)")
for ax in (ax_train, ax_val):
    ax.set_xlabel("epoch")
    ax.set_ylabel("log loss")
    ax.legend()
ax_train.set_yscale("log")
ax_train.set_yticks([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0], ["0.01", "0.02", "0.05", "0.1",
                                                           "0.2", "0.5", "1"])
ax_train.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())

positions = np.arange(len(RATES))
train_acc = [models[r].score(X_train, y_train) for r in RATES]
val_acc = [models[r].score(X_val, y_val) for r in RATES]
ax_acc.bar(positions - 0.2, train_acc, width=0.4, label="training")
ax_acc.bar(positions + 0.2, val_acc, width=0.4, label="validation")
for x, (a, b) in enumerate(zip(train_acc, val_acc)):
    ax_acc.text(x - 0.2, a + 0.005, f"{a:.2f}", ha="center", fontsize="small")
    ax_acc.text(x + 0.2, b + 0.005, f"{b:.3f}", ha="center", fontsize="small")
ax_acc.set_xticks(positions, [f"dropout={r:g}" for r in RATES])
ax_acc.set_ylim(0.75, 1.06)
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("Accuracy at the last epoch")
ax_acc.legend(loc="upper center", ncol=2)

# Dropout is off at prediction time: the same input always gives the same output,
# and the training loss recomputed without dropout is lower than the one recorded.
clf = models[0.5]
same = np.array_equal(clf.predict_proba(X_val), clf.predict_proba(X_val))
recomputed = log_loss(y_train, clf.predict_proba(X_train))
print(f"dropout=0.5: two predict_proba calls identical: {same}; training loss recorded "
      f"during the last epoch (dropout on) {clf.history_['loss'][-1]:.4f}, recomputed "
      f"with dropout off {recomputed:.4f}")
final = {rate: models[rate].history_["val_loss"][-1] for rate in RATES}
lowest = min(final, key=final.get)
print("final validation loss: "
      + ", ".join(f"{loss:.3f} (dropout={rate:g})" for rate, loss in final.items())
      + f"; lowest with dropout={lowest:g}")
save(fig)
