"""
Gradient descent and backpropagation
====================================

Gradient check: on a small network, the gradient from the C core's backward pass
(``nnfast._core.Network.loss_grad``, private: what lbfgs calls) is compared with
backpropagation written out in NumPy and with central finite differences of the
loss. Then gradient descent itself: loss per epoch of ``solver="sgd"`` with and
without momentum, and each layer's gradient norm (``history_``), on digits.
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
from sklearn.preprocessing import LabelBinarizer, StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier, _core  # noqa: E402
from nnfast.plot import plot_gradient_norms, plot_loss_curve  # noqa: E402

# %%
# Gradient check on a small network
# ---------------------------------
rng = np.random.RandomState(0)
units = [4, 5, 3, 3]  # 4 inputs, hidden layers of 5 and 3 tanh units, 3 softmax outputs
n, alpha = 20, 0.1
X = rng.randn(n, 4)
Y = LabelBinarizer().fit_transform(rng.randint(0, 3, n)).astype(np.float64)
net = _core.Network(units, ["tanh", "tanh", "softmax"], "log_loss", np.float64, capacity=n)

# The parameters in one flat vector, packed as scikit-learn packs them: every layer's
# weights W (fan_in x fan_out, row-major), then every layer's biases b.
shapes = list(zip(units[:-1], units[1:]))
params = rng.uniform(-1, 1, net.n_params)


def unpack(theta):
    Ws, bs, start = [], [], 0
    for fan_in, fan_out in shapes:
        Ws.append(theta[start:start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for _, fan_out in shapes:
        bs.append(theta[start:start + fan_out])
        start += fan_out
    return Ws, bs


def backprop(theta):
    """Loss and gradient by hand: forward pass, then the chain rule backwards."""
    Ws, bs = unpack(theta)
    activations = [X]
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        z = activations[-1] @ W + b
        if layer < len(Ws) - 1:
            activations.append(np.tanh(z))
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            activations.append(e / e.sum(axis=1, keepdims=True))
    P = activations[-1]
    loss = -np.sum(Y * np.log(P)) / n + 0.5 * alpha * sum(np.sum(W**2) for W in Ws) / n
    delta = (P - Y) / n  # dLoss/dz at the output: softmax + cross-entropy combined
    grads_W, grads_b = [], []
    for layer in reversed(range(len(Ws))):
        grads_W.insert(0, activations[layer].T @ delta + alpha * Ws[layer] / n)
        grads_b.insert(0, delta.sum(axis=0))
        if layer > 0:  # through the weights, then through tanh: 1 - tanh^2
            delta = (delta @ Ws[layer].T) * (1 - activations[layer] ** 2)
    return loss, np.concatenate([g.ravel() for g in grads_W + grads_b])


loss_c, grad_c = net.loss_grad(params, X, Y, None, alpha)
loss_np, grad_np = backprop(params)

eps = 1e-6
grad_fd = np.empty_like(params)
for k in range(len(params)):
    step = np.zeros_like(params)
    step[k] = eps
    grad_fd[k] = (net.loss_grad(params + step, X, Y, None, alpha, need_grad=False)[0]
                  - net.loss_grad(params - step, X, Y, None, alpha, need_grad=False)[0]) / (2 * eps)


def max_relative_error(a, b):
    """The largest |a_k - b_k| / (|a_k| + |b_k|) over the entries."""
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))


def norm_relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


print(f"gradient check: network {units}, {net.n_params} parameters, {n} samples, "
      f"alpha={alpha}, float64")
print(f"  loss: C core {loss_c:.12f}, NumPy {loss_np:.12f}")
print(f"  {'relative error':>40}  {'max over entries':>16}  {'of the whole vector':>19}")
for label, a, b in (("C backprop vs finite differences", grad_c, grad_fd),
                    ("NumPy backprop vs finite differences", grad_np, grad_fd),
                    ("C vs NumPy backprop", grad_c, grad_np)):
    print(f"  {label:>40}  {max_relative_error(a, b):16.1e}  {norm_relative_error(a, b):19.1e}")
print("  (finite differences with eps=1e-6 are good to about 1e-7 on the smallest entries;"
      " a wrong\n   gradient shows as 1e-2 or more)")

# %%
# Gradient descent on digits
# --------------------------
X_digits, y_digits = load_digits(return_X_y=True)
X_digits = StandardScaler().fit_transform(X_digits)
epochs = 15 if QUICK else 100
runs = {
    "sgd, no momentum": dict(momentum=0.0),
    "sgd, momentum 0.9": dict(momentum=0.9, nesterovs_momentum=False),
    "sgd, Nesterov momentum 0.9": dict(momentum=0.9, nesterovs_momentum=True),
}
models = {}
print(f"\nsgd on digits, learning_rate_init=0.01, batch_size=200, {epochs} epochs:")
for name, extra in runs.items():
    model = MLPClassifier(hidden_layer_sizes=(64, 32), solver="sgd", learning_rate_init=0.01,
                          max_iter=epochs, n_iter_no_change=epochs, random_state=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[name] = model.fit(X_digits, y_digits)
    print(f"  {name:>27}: loss {model.loss_curve_[0]:.3f} after epoch 1 -> "
          f"{model.loss_:.3f} after epoch {model.n_iter_}")
print("each epoch takes one step per minibatch against the backpropagated gradient; "
      "momentum accumulates past steps and descends faster")

# %%
# Figure
# ------
fig, axes = plt.subplots(1, 3, figsize=(18, 5.5), layout="constrained")

ax = axes[0]
lim = 1.1 * np.max(np.abs(grad_fd))
ax.plot([-lim, lim], [-lim, lim], color="0.7", linewidth=1, zorder=0, label="y = x")
ax.scatter(grad_fd, grad_c, s=40, color="C0", label="C core (Network.loss_grad)")
ax.scatter(grad_fd, grad_np, s=10, color="C1", label="NumPy backprop")
ax.set_xlim(-lim, lim)
ax.set_ylim(-lim, lim)
ax.set_aspect("equal")
ax.set_xlabel("gradient by central finite differences")
ax.set_ylabel("gradient by backpropagation")
ax.set_title(f"Gradient check: {net.n_params} partial derivatives\n"
             f"max relative error {max_relative_error(grad_c, grad_fd):.1e}")
ax.legend(loc="upper left")

ax = axes[1]
for (name, model), style in zip(models.items(), ["-", "-", "--"]):
    plot_loss_curve(model, ax=ax)
    ax.lines[-1].set_label(name)
    ax.lines[-1].set_linestyle(style)  # the two momentum curves nearly coincide
ax.set_yscale("log")
ax.set_title("Gradient descent: training loss per epoch (sgd)")
ax.legend()

plot_gradient_norms(models["sgd, no momentum"], ax=axes[2])
axes[2].set_title("Backpropagated gradient norm per layer\n(sgd, no momentum)")

save(fig)
