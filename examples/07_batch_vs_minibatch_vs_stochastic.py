"""
Batch vs mini-batch vs stochastic gradient descent
==================================================

The same network is trained on digits with ``solver="sgd"`` and
``batch_size="full"`` (batch: one step per epoch), 32 (mini-batch) and 1
(stochastic: one step per sample). The training loss is plotted against wall time
(``history_["time"]``), against epochs and against the number of weight updates.
"""

import math
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
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
n = len(X)

# batch_size: (learning rate, epochs). Larger batches average away more of the
# gradient noise and take larger steps; the epochs give each run a similar time.
runs = {
    "full": (0.1, 150 if QUICK else 1000),
    32: (0.01, 20 if QUICK else 150),
    1: (0.001, 3 if QUICK else 25),
}
models = {}
print(f"digits: {n} samples, network 64-64-10, solver='sgd' (momentum 0.9)")
print(f"{'batch_size':>10} {'rate':>6} {'updates/epoch':>13} {'epochs':>6} {'ms/epoch':>8} "
      f"{'time s':>6} {'final loss':>10}")
# One BLAS thread: wall times then measure the algorithm, not thread contention on a
# busy 2-core machine.
with threadpool_limits(limits=1, user_api="blas"):
    for batch_size, (rate, epochs) in runs.items():
        model = MLPClassifier(hidden_layer_sizes=(64,), solver="sgd", batch_size=batch_size,
                              learning_rate_init=rate, max_iter=epochs, n_iter_no_change=epochs,
                              random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            models[batch_size] = model.fit(X, y)
        updates = 1 if batch_size == "full" else math.ceil(n / batch_size)
        seconds = model.history_["time"][-1]
        print(f"{batch_size!s:>10} {rate:6.3f} {updates:13d} {model.n_iter_:6d} "
              f"{1000 * seconds / model.n_iter_:8.2f} {seconds:6.2f} {model.loss_:10.4f}")

target = 0.1
print(f"time to reach a training loss of {target}:")
for batch_size, model in models.items():
    loss, seconds = np.array(model.history_["loss"]), np.array(model.history_["time"])
    reached = np.flatnonzero(loss <= target)
    when = "not reached"
    if reached.size:
        when = f"{seconds[reached[0]]:.2f} s (epoch {reached[0] + 1})"
    print(f"  batch_size={batch_size!s:>4}: {when}")
print("batch: cheap epochs but one step each; stochastic: many steps but slow, noisy "
      "epochs;\nmini-batch: many steps at vectorised speed, usually the fastest in wall time")

labels = {"full": "batch (batch_size='full')", 32: "mini-batch (batch_size=32)",
          1: "stochastic (batch_size=1)"}


# %%
# The figure
# ----------
fig, axes = plt.subplots(1, 3, figsize=(18, 5.5), layout="constrained")
for batch_size, model in models.items():
    history = model.history_
    updates_per_epoch = 1 if batch_size == "full" else math.ceil(n / batch_size)
    epochs = np.array(history["epoch"])
    for ax, x in zip(axes, (history["time"], epochs, epochs * updates_per_epoch)):
        ax.plot(x, history["loss"], marker="o" if len(x) < 40 else None, markersize=4,
                label=labels[batch_size])
titles = ("Loss against wall time (history_['time'])", "Loss against epochs",
          "Loss against weight updates")
xlabels = ("seconds since the start of fit", "epoch", "number of weight updates (steps)")
for ax, title, xlabel in zip(axes, titles, xlabels):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("training loss (log loss)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()

save(fig)
