"""
Learning-rate schedules: constant, step, exponential, cosine, plateau
=====================================================================

One network trained with five learning-rate schedules (constant, step, exponential,
cosine with warm-up, reduce-on-plateau; :mod:`nnfast.schedules`) under sgd and adam;
each run's ``history_["learning_rate"]`` is plotted above its training and validation
loss. A large constant rate stalls at a high loss, decaying it lets training settle
lower, and nnfast's schedules act on adam as well as on sgd.
"""

import warnings

# sphinx_gallery_start_ignore
# Run as a script: draw off-screen. (The gallery hides this from the pages and
# notebooks, where figures are shown.)
import matplotlib

matplotlib.use("Agg")
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402
from nnfast.schedules import Constant, Cosine, Exponential, ReduceOnPlateau, Step  # noqa: E402

EPOCHS = 12 if QUICK else 40
N_SAMPLES = 2000 if QUICK else 8000

# A 4-class problem with 5% flipped labels: the loss cannot reach zero, so a
# large constant rate keeps bouncing around the minimum instead of settling.
X, y = make_classification(n_samples=N_SAMPLES, n_features=20, n_informative=10,
                           n_classes=4, flip_y=0.05, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y,
                                                  random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

# Schedule objects rather than names ("step", "cosine", ...), so that their
# settings scale with EPOCHS.
schedules = {
    "constant": Constant(),
    "step (x0.3 every E/4)": Step(step_size=max(EPOCHS // 4, 1), gamma=0.3),
    "exponential (to 1/5)": Exponential(gamma=0.2 ** (1 / EPOCHS)),
    "cosine + warm-up": Cosine(warmup=max(EPOCHS // 8, 1)),
    # x0.3 after 3 epochs without a better validation loss
    "plateau (val loss)": ReduceOnPlateau(factor=0.3, patience=3, monitor="val_loss"),
}
# Both base rates are on the high side for their optimizer, on purpose.
base_rates = {"sgd": 0.2, "adam": 0.02}


# %%
# The figure
# ----------
fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), sharex=True, layout="constrained")
print(f"{N_SAMPLES} samples, {EPOCHS} epochs, MLP 20-64-4, batch 32")
print(f"{'solver':6s} {'schedule':22s} {'final lr':>9s} {'train loss':>10s} "
      f"{'val loss':>9s} {'val acc':>8s}")
results = {}
for column, (solver, base_rate) in enumerate(base_rates.items()):
    for colour, (name, schedule) in enumerate(schedules.items()):
        clf = MLPClassifier(hidden_layer_sizes=(64,), solver=solver,
                            learning_rate_init=base_rate, learning_rate=schedule,
                            batch_size=32, max_iter=EPOCHS,
                            n_iter_no_change=EPOCHS,  # no early end: compare whole curves
                            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train, validation_data=(X_val, y_val))
        h = clf.history_
        results[solver, name] = h
        axes[0, column].plot(h["epoch"], h["learning_rate"], drawstyle="steps-mid",
                             color=f"C{colour}", label=name, linewidth=2)
        axes[1, column].plot(h["epoch"], h["loss"], color=f"C{colour}", label=name)
        axes[1, column].plot(h["epoch"], h["val_loss"], color=f"C{colour}", linestyle=":")
        print(f"{solver:6s} {name:22s} {h['learning_rate'][-1]:9.2e} {h['loss'][-1]:10.4f} "
              f"{h['val_loss'][-1]:9.4f} {h['val_score'][-1]:8.3f}")

for column, (solver, base_rate) in enumerate(base_rates.items()):
    top, bottom = axes[0, column], axes[1, column]
    top.set_title(f"{solver}: history_['learning_rate'] (base rate {base_rate:g})")
    top.set_ylabel("learning rate")
    top.set_yscale("log")
    top.legend(fontsize="small", loc="lower left")
    bottom.set_title(f"{solver}: loss (solid: training, dotted: validation)")
    bottom.set_xlabel("epoch")
    bottom.set_ylabel("log loss")
    bottom.legend(fontsize="small", loc="lower left")
fig.suptitle("Learning-rate schedules: the same network and data, five schedules, two solvers")

for solver in base_rates:
    constant = results[solver, "constant"]
    best = min(schedules, key=lambda name: results[solver, name]["val_loss"][-1])
    print(f"{solver}: constant rate ends at train loss {constant['loss'][-1]:.3f}; "
          f"lowest final validation loss with '{best}' "
          f"({results[solver, best]['val_loss'][-1]:.3f} vs {constant['val_loss'][-1]:.3f})")
save(fig)
