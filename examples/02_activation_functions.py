"""
Activation functions and their derivatives
==========================================

Every activation nnfast computes, and the derivative backpropagation multiplies by,
from the library's C kernels (``nnfast._core.activation_forward``/``_backward``:
private, but the code a network runs). :meth:`~nnfast.MLPClassifier.hidden_activations`
of a one-unit network with weight 1 and bias 0, the public route, agrees; finite
differences confirm the derivatives.
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
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPRegressor, _core  # noqa: E402

Z_MAX = 4.0
z = np.linspace(-Z_MAX, Z_MAX, 201 if QUICK else 801)

# name: (parameter, where nnfast uses it)
ACTIVATIONS = {
    "identity": (None, "hidden; regression output"),
    "step": (None, "nnfast.Perceptron"),
    "logistic": (None, "hidden (alias sigmoid); binary output"),
    "tanh": (None, "hidden"),
    "relu": (None, "hidden (the default)"),
    "leaky_relu": (0.1, "hidden, negative_slope=0.1"),
    "elu": (None, "hidden, alpha = 1"),
    "gelu": (None, "hidden, z * Phi(z)"),
    "silu": (None, "hidden (alias swish), z * sigmoid(z)"),
    "softplus": (None, "hidden, log(1 + exp(z))"),
    "exp": (None, "output of loss='poisson'"),
}
HIDDEN = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu",
          "softplus"]


def kernel_forward(name, param, at=z):
    """act(at) from the C kernel (one row, no bias)."""
    pre = np.array(at, dtype=np.float64)[None, :]
    out = np.empty_like(pre)
    _core.activation_forward(out, pre, np.empty(0), name, param)
    return out[0]


def kernel_derivative(name, param, values):
    """act'(z) from the C kernel: it multiplies an incoming gradient (ones) by it."""
    delta = np.ones_like(z)
    _core.activation_backward(delta, z, values, name, param)
    return delta


def public_forward(name, param):
    """act(z) through the public API: one hidden unit with weight 1 and bias 0."""
    reg = MLPRegressor(hidden_layer_sizes=(1,), activation=name, dtype="float64",
                       negative_slope=0.01 if param is None else param,
                       max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(z[:, None], z)
    reg.coefs_[0][...] = 1.0  # coefs_ and intercepts_ are views of the network's weights
    reg.intercepts_[0][...] = 0.0
    return reg.hidden_activations(z[:, None])[:, 0]


def softmax_first(z_first):
    """The first of softmax([z, 0, 1]): softmax is not element-wise, so one logit varies."""
    logits = np.stack([z_first, np.zeros_like(z_first), np.ones_like(z_first)], axis=1)
    probs = np.empty_like(logits)
    _core.activation_forward(probs, logits.copy(), np.empty(0), "softmax")
    return probs[:, 0]


h = 1e-5
header = ["f(-4)", "f(0)", "f(4)", "f'(-4)", "f'(0)", "f'(4)"]
print("activation".rjust(10) + "  " + " ".join(c.rjust(7) for c in header[:3]) + "   "
      + " ".join(c.rjust(7) for c in header[3:]) + "   " + "|kernel - public|".rjust(17)
      + "  " + "|f' - finite diff|".rjust(18))


# %%
# The figure
# ----------
fig, axes = plt.subplots(3, 4, figsize=(16, 11), layout="constrained")
for ax, (name, (param, used)) in zip(axes.flat, ACTIVATIONS.items()):
    values = kernel_forward(name, param)
    derivative = kernel_derivative(name, param, values)

    # derivative check, away from the kinks at z = 0 (relu, leaky_relu, step, elu'')
    away = np.abs(z) > 1e-3
    numeric = (kernel_forward(name, param, z + h) - kernel_forward(name, param, z - h)) / (2 * h)
    fd_error = np.max(np.abs(numeric - derivative)[away])
    public = (f"{np.max(np.abs(public_forward(name, param) - values)):.1e}"
              if name in HIDDEN else "-")
    at = np.interp([-Z_MAX, 0.0, Z_MAX], z, values), np.interp([-Z_MAX, 0.0, Z_MAX], z, derivative)
    print(f"{name:>10}  " + " ".join(f"{v:7.3f}" for v in at[0]) + "   "
          + " ".join(f"{v:7.3f}" for v in at[1]) + f"   {public:>17}  {fd_error:18.1e}")

    ax.plot(z, values, label="f(z)", linewidth=2)
    ax.plot(z, derivative, label="f'(z)", linewidth=2, linestyle="--")
    title = name if param is None else f"{name} (slope {param})"
    ax.set_title(f"{title}\n{used}", fontsize=10)
    if name == "exp":
        ax.set_ylim(-1, 10)
    else:
        ax.set_ylim(-1.5, 2.5)

# softmax: an output activation over a row; d p_i / d z_i = p_i (1 - p_i)
ax = axes.flat[len(ACTIVATIONS)]
p = softmax_first(z)
ax.plot(z, p, label="p1 = softmax(z, 0, 1)[0]", linewidth=2)
ax.plot(z, p * (1 - p), label="dp1/dz = p1 (1 - p1)", linewidth=2, linestyle="--")
ax.set_title("softmax (one logit varied)\nmulticlass output", fontsize=10)
ax.set_ylim(-1.5, 2.5)

for ax in axes.flat:
    ax.axhline(0, color="0.75", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.75", linewidth=0.8, zorder=0)
    ax.set_xlabel("z (pre-activation)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
fig.suptitle("nnfast's activations f (solid) and their derivatives f' (dashed), "
             "from the C kernels", fontsize=14)

print("logistic and tanh saturate: f' is near 0 at |z| = 4, so their gradients vanish.")
print("relu's f' is exactly 0 for z < 0 (a unit stuck there is dead); leaky_relu and elu")
print("keep a slope. step's f' is 0 everywhere: no gradient to descend, which is why the")
print("perceptron has its own learning rule.")
save(fig)
