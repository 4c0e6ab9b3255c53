"""
Cost functions: squared error vs cross-entropy, and robust regression losses
============================================================================

Top row: for one sigmoid output ``p = sigmoid(z)`` with target 1, the squared error
and the cross-entropy (log loss, what :class:`~nnfast.MLPClassifier` minimises) as
functions of the logit z, with their gradients dL/dz; and the regression losses as
functions of the residual. Bottom row: :class:`~nnfast.MLPRegressor` with ``loss=``
squared_error, absolute_error and huber on data with outliers.
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
from scipy.special import expit  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPRegressor  # noqa: E402

# %%
# One sigmoid output, target y = 1
# --------------------------------
z = np.linspace(-8, 8, 401)
p = expit(z)
mse = 0.5 * (p - 1) ** 2  # half squared error, as scikit-learn and nnfast define it
cross_entropy = -np.log(p)  # binary log loss for y = 1
grad_mse = (p - 1) * p * (1 - p)  # chain rule: dL/dp * dp/dz
grad_ce = p - 1  # the sigmoid's derivative cancels

print("one sigmoid output, target 1, confidently wrong at z = -6:")
i = np.argmin(np.abs(z + 6))
print(f"  squared error {mse[i]:.3f}, gradient dL/dz {grad_mse[i]:+.4f}  (nearly 0: learns slowly)")
print(f"  cross-entropy {cross_entropy[i]:.3f}, gradient dL/dz {grad_ce[i]:+.4f}  "
      "(about -1: learns fast)")

# %%
# Regression losses on data with outliers
# ---------------------------------------
rng = np.random.RandomState(0)
n_train = 200 if QUICK else 500


def make_data(n, outlier_fraction):
    X = rng.uniform(-3, 3, (n, 1))
    y = 2 * np.sin(X[:, 0]) + 0.2 * rng.randn(n)
    outliers = rng.rand(n) < outlier_fraction
    y[outliers] += rng.uniform(6, 12, outliers.sum())  # gross errors, all upwards
    return X, y, outliers


X, y, outliers = make_data(n_train, 0.15)
X_val, y_val, _ = make_data(500, 0.0)  # clean data: what we want to predict
print(f"\nregression: {n_train} training points, {outliers.sum()} of them outliers "
      f"(+6 to +12); 500 clean validation points")

losses = {"squared_error": "C3", "absolute_error": "C0", "huber": "C2"}
models = {}
for loss in losses:
    model = MLPRegressor(loss=loss, hidden_layer_sizes=(32, 32), activation="tanh",
                         learning_rate_init=0.01, max_iter=60 if QUICK else 400,
                         n_iter_no_change=1000, monitor="mean_absolute_error",
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[loss] = model.fit(X, y, validation_data=(X_val, y_val))
    mae = model.history_["val_metric"][-1]
    print(f"  {loss:>14}: {model.n_iter_} epochs, final training loss {model.loss_:.3f}, "
          f"clean validation MAE {mae:.3f}")
print("squared error chases the outliers (its gradient grows with the residual); "
      "absolute error and Huber cap it, so they fit the clean curve")

# %%
# Figure
# ------
fig, axes = plt.subplots(2, 3, figsize=(17, 10), layout="constrained")

ax = axes[0, 0]
ax.plot(z, mse, color="C3", linewidth=2, label="squared error  (p - 1)^2 / 2")
ax.plot(z, cross_entropy, color="C0", linewidth=2, label="cross-entropy  -log p")
ax.set_ylim(0, 4)
ax.set_xlabel("logit z  (p = sigmoid(z))")
ax.set_ylabel("loss")
ax.set_title("Loss of one sigmoid output, target y = 1")
ax.legend()

ax = axes[0, 1]
ax.plot(z, grad_mse, color="C3", linewidth=2, label="squared error: (p - 1) p (1 - p)")
ax.plot(z, grad_ce, color="C0", linewidth=2, label="cross-entropy: p - 1")
ax.axhline(0, color="0.7", linewidth=0.8)
ax.annotate("confidently wrong:\nsquared error's gradient vanishes", xy=(-6, grad_mse[i]),
            xytext=(-7.5, -0.45), arrowprops=dict(arrowstyle="->"), fontsize=9)
ax.set_xlabel("logit z")
ax.set_ylabel("gradient dL/dz")
ax.set_title("Gradient reaching the logit")
ax.legend(loc="lower right")

ax = axes[0, 2]
r = np.linspace(-4, 4, 401)
delta = 1.0
ax.plot(r, 0.5 * r**2, color="C3", linewidth=2, label="squared_error  r^2 / 2")
ax.plot(r, np.abs(r), color="C0", linewidth=2, label="absolute_error  |r|")
ax.plot(r, np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)),
        color="C2", linewidth=2, linestyle="--", label="huber (huber_delta=1)")
ax.set_ylim(0, 5)
ax.set_xlabel("residual r = prediction - target")
ax.set_ylabel("loss")
ax.set_title("MLPRegressor's losses")
ax.legend(loc="upper center")

ax = axes[1, 0]
ax.scatter(X[~outliers, 0], y[~outliers], s=8, color="0.6", label="training data")
ax.scatter(X[outliers, 0], y[outliers], s=14, color="k", marker="x", label="outliers")
grid = np.linspace(-3, 3, 300)[:, None]
ax.plot(grid[:, 0], 2 * np.sin(grid[:, 0]), color="k", linewidth=1, linestyle=":",
        label="true function")
for loss, color in losses.items():
    ax.plot(grid[:, 0], models[loss].predict(grid), color=color, linewidth=2, label=loss)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Fits on data with 15% outliers")
ax.legend(loc="upper left", fontsize=8, ncol=2)

ax = axes[1, 1]
for loss, color in losses.items():
    history = models[loss].history_
    ax.plot(history["epoch"], history["loss"], color=color, label=loss)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (each in its own units)")
ax.set_ylim(0, None)
ax.set_title("Training curves")
ax.legend()

ax = axes[1, 2]
for loss, color in losses.items():
    history = models[loss].history_
    ax.plot(history["epoch"], history["val_metric"], color=color, label=loss)
ax.set_ylim(0, None)
ax.set_xlabel("epoch")
ax.set_ylabel("mean absolute error on clean validation data")
ax.set_title("What we care about: error on clean data")
ax.legend()

save(fig)
