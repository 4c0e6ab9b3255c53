"""
Early stopping: validation split or validation_data, and what to monitor
========================================================================

On an imbalanced 3-class problem, ``early_stopping=True`` stops a large network once
the monitored validation figure has not improved for ``n_iter_no_change`` epochs and
restores the weights of its best epoch. Four runs: the built-in validation split,
then ``validation_data`` with ``monitor="score"``, ``"loss"`` and ``"f1_macro"``; each
curve is drawn over a run without early stopping, with the restored epoch marked.
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
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier, metrics  # noqa: E402

# runs that reach max_iter (the reference, and in quick mode perhaps a stopped one) warn
warnings.simplefilter("ignore", ConvergenceWarning)

N_SAMPLES = 1500 if QUICK else 3000
MAX_EPOCHS = 50 if QUICK else 80
PATIENCE = 10

# 75% / 18% / 7% of the samples in the three classes: accuracy and macro-F1 differ.
X, y = make_classification(n_samples=N_SAMPLES, n_features=20, n_informative=6,
                           n_classes=3, weights=[0.75, 0.18, 0.07], flip_y=0.05,
                           class_sep=0.8, random_state=0)
X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X_fit, y_fit, test_size=0.2,
                                                  stratify=y_fit, random_state=0)
scaler = StandardScaler().fit(X_train)
X_fit, X_train, X_val, X_test = (scaler.transform(a) for a in (X_fit, X_train, X_val, X_test))
print(f"class counts (train): {np.bincount(y_train)}; validation {len(y_val)}, "
      f"test {len(y_test)} samples")


def network(**params):
    settings = dict(hidden_layer_sizes=(256, 256), max_iter=MAX_EPOCHS,
                    n_iter_no_change=PATIENCE, random_state=0)
    return MLPClassifier(**{**settings, **params})


# A reference run without early stopping (patience longer than the run), watched
# on the same validation data: what the stopped runs did not train.
full = network(n_iter_no_change=MAX_EPOCHS, monitor="f1_macro")
full.fit(X_train, y_train, validation_data=(X_val, y_val))

runs = {
    # the split is drawn from X_fit (= X_train + X_val), so it is as large as X_val
    "validation split, monitor='score'": (
        network(early_stopping=True, validation_fraction=0.2), (X_fit, y_fit), None),
    "validation_data, monitor='score'": (
        network(early_stopping=True), (X_train, y_train), (X_val, y_val)),
    "validation_data, monitor='loss'": (
        network(early_stopping=True, monitor="loss"), (X_train, y_train), (X_val, y_val)),
    "validation_data, monitor='f1_macro'": (
        network(early_stopping=True, monitor="f1_macro"), (X_train, y_train), (X_val, y_val)),
}
# which history_ column each monitor watches, its label, and whether lower is better
watched = {"score": ("val_score", "validation accuracy", False),
           "loss": ("val_loss", "validation log loss", True),
           "f1_macro": ("val_metric", "validation macro-F1", False)}


# %%
# The figure
# ----------
fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
print(f"\n{'run':38s} {'stopped':>7s} {'restored':>8s} {'best value':>10s} "
      f"{'test acc':>8s} {'test F1 macro':>13s}")
for ax, (name, (clf, (X_fit_run, y_fit_run), validation)) in zip(axes.flat, runs.items()):
    clf.fit(X_fit_run, y_fit_run, validation_data=validation)
    key, label, lower_is_better = watched[clf.monitor]
    values = np.asarray(clf.history_[key])
    best = int(np.argmin(values) if lower_is_better else np.argmax(values))  # first best
    epochs = np.asarray(clf.history_["epoch"])

    if validation is not None:  # same validation data: draw the unstopped run beneath
        ax.plot(full.history_["epoch"], full.history_[key], color="0.75",
                label="without early stopping")
    ax.plot(epochs, values, color="C0", label="with early stopping")
    waited = epochs[-1] - epochs[best]
    ax.axvspan(epochs[best], epochs[-1], color="C1", alpha=0.12,
               label=f"{waited} epochs without improvement, then stop" if waited > PATIENCE
               else f"{waited} epochs without improvement, then max_iter")
    ax.axvline(epochs[best], color="C3", linestyle="--", linewidth=1)
    ax.plot(epochs[best], values[best], "*", color="C3", markersize=14,
            label=f"restored: epoch {epochs[best]} ({values[best]:.3f})")
    ax.set_title(name)
    ax.set_xlim(0, MAX_EPOCHS + 1)
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.legend(fontsize="small", loc="best")

    test_f1 = metrics.f1_score(y_test, clf.predict(X_test), average="macro")
    print(f"{name:38s} {clf.n_iter_:7d} {epochs[best]:8d} {values[best]:10.4f} "
          f"{clf.score(X_test, y_test):8.3f} {test_f1:13.3f}")
    if validation is not None:
        # the fitted model holds the restored weights: its validation figure is the best one
        proba_of_true_class = clf.predict_proba(X_val)[np.arange(len(y_val)), y_val]
        now = {"val_score": clf.score(X_val, y_val),
               "val_loss": -np.mean(np.log(proba_of_true_class)),
               "val_metric": metrics.f1_score(y_val, clf.predict(X_val), average="macro")}
        assert np.isclose(now[key], values[best], rtol=1e-4), (now[key], values[best])

test_f1_full = metrics.f1_score(y_test, full.predict(X_test), average="macro")
print(f"{'no early stopping':38s} {full.n_iter_:7d} {'-':>8s} {'-':>10s} "
      f"{full.score(X_test, y_test):8.3f} {test_f1_full:13.3f}")
print("Each stopped run ends with the weights of its restored epoch (the star), not of "
      "its last one;\nthe split run validates on other samples, so its curve differs.")
fig.suptitle(f"Early stopping (patience n_iter_no_change={PATIENCE}) on an imbalanced "
             "3-class problem, MLP 20-256-256-3")
save(fig)
