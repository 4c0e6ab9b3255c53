"""
Choosing a learning rate
========================

:func:`nnfast.lr_find` runs the learning-rate range test: short runs from the same
initial weights at rates from 1e-5 to 10, the loss after each, and a suggested rate
(the lowest loss); :func:`nnfast.plot.plot_lr_find` draws it. Then full training
(``solver="sgd"``) at the suggested rate, at a rate 100 times smaller and at one 3
times larger.
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
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
import nnfast  # noqa: E402
from nnfast import MLPClassifier  # noqa: E402
from nnfast.exceptions import ExplodingGradientWarning  # noqa: E402
from nnfast.plot import plot_lr_find  # noqa: E402

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

estimator = MLPClassifier(hidden_layer_sizes=(64,), solver="sgd", random_state=0)
result = nnfast.lr_find(estimator, X_train, y_train, start_rate=1e-5, end_rate=10.0,
                        n_rates=20 if QUICK else 40, epochs=2)
suggested = result.suggested_rate
print(f"lr_find: {len(result.rates)} rates from {result.rates[0]:g} to {result.rates[-1]:g}, "
      "2 epochs each from the same initial weights")
for rate, loss in zip(result.rates[::4], result.losses[::4]):
    print(f"  rate {rate:9.2e}: loss {loss:.4g}")
print(f"suggested rate (lowest loss): {suggested:.3g}")

epochs = 15 if QUICK else 60
rates = {"too small (suggested / 100)": suggested / 100,
         "suggested": suggested,
         "too large (suggested x 3)": suggested * 3}
models = {}
print(f"\ntraining {epochs} epochs at each rate:")
for name, rate in rates.items():
    model = MLPClassifier(hidden_layer_sizes=(64,), solver="sgd", learning_rate_init=rate,
                          max_iter=epochs, n_iter_no_change=epochs, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("always", ExplodingGradientWarning)
        try:
            model.fit(X_train, y_train)
            outcome = (f"final loss {model.loss_:.4g}, "
                       f"test accuracy {model.score(X_test, y_test):.3f}")
        except ValueError:  # non-finite weights: nnfast stops, keeps the last finite ones
            outcome = (f"diverged in epoch {len(model.history_['loss']) + 1} "
                       f"(loss {model.history_['loss'][-1]:.3g} before it): fit raised ValueError")
    models[name] = model
    print(f"  {name:>27} = {rate:.3g}: {outcome}")
    for warning in caught:
        if issubclass(warning.category, ExplodingGradientWarning):
            print(f"  {'':>27}   nnfast warned: {str(warning.message).split('. ')[0]}")


# %%
# The figure
# ----------
fig, (ax_find, ax_train) = plt.subplots(1, 2, figsize=(14, 5.5), layout="constrained")
plot_lr_find(result, ax=ax_find)
for (name, rate), color in zip(rates.items(), ["C0", "C3", "C1"]):
    if name != "suggested":
        ax_find.axvline(rate, color=color, linestyle=":", linewidth=1.5, label=name)
ax_find.legend(loc="lower left")

ceiling = 10.0
for (name, model), color in zip(models.items(), ["C0", "C3", "C1"]):
    history = model.history_
    loss = np.array(history["loss"])
    ax_train.plot(history["epoch"], np.minimum(loss, ceiling), color=color, marker=".",
                  label=f"{name}: {rates[name]:.3g}")
    if len(loss) < epochs:  # stopped: mark where it blew up
        ax_train.plot(history["epoch"][-1], min(loss[-1], ceiling), "x", color=color,
                      markersize=12, markeredgewidth=3)
        ax_train.annotate("diverged: weights became\nnon-finite, fit raised ValueError",
                          (history["epoch"][-1], min(loss[-1], ceiling)),
                          textcoords="offset points", xytext=(15, -25), fontsize=9)
ax_train.set_yscale("log")
ax_train.set_ylim(None, ceiling * 1.5)
ax_train.set_xlabel("epoch")
ax_train.set_ylabel(f"training loss (log loss, clipped at {ceiling:g})")
ax_train.set_title("Training at three learning rates (sgd, momentum 0.9)")
ax_train.legend(loc="center right", bbox_to_anchor=(1.0, 0.42), fontsize=9)
print("too small: every step is safe but tiny, the loss falls slowly; too large: the steps "
      "overshoot\nand the loss explodes; lr_find's suggestion is the fastest rate that "
      "still descends\n(near the edge: a rate a few times smaller is the safer choice)")

save(fig)
