"""
Layers, weights and biases: forward propagation step by step
============================================================

A tiny network (4 inputs -> 6 tanh -> 4 relu -> 3 softmax) is fitted on iris. Its
weights ``coefs_[i]`` (fan_in x fan_out) and biases ``intercepts_[i]`` are printed,
each layer ``z = a_prev @ W + b`` then ``a = f(z)`` is computed by hand in NumPy and
compared with :meth:`model.forward(X) <nnfast.MLPClassifier.forward>`, and
:meth:`model.summary(X) <nnfast.MLPClassifier.summary>` describes the network.
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
from matplotlib.colors import Normalize  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402

iris = load_iris()
X = StandardScaler().fit_transform(iris.data)
y = iris.target

# float64 so that the hand computation matches to rounding (the default is float32);
# alpha (L2) keeps the weights small enough that the units do not all saturate
model = MLPClassifier(hidden_layer_sizes=(6, 4), activation=["tanh", "relu"],
                      solver="lbfgs", alpha=1.0, max_iter=100 if QUICK else 300,
                      dtype="float64", random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X, y)
print(f"fitted on iris: training accuracy {model.score(X, y):.3f}, "
      f"{model.n_layers_} layers (input, 2 hidden, output)")

print("\nweights and biases:")
for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_), start=1):
    print(f"  layer {i}: coefs_[{i - 1}] {W.shape} (fan_in x fan_out), "
          f"intercepts_[{i - 1}] {b.shape}")


# %%
# Forward propagation by hand
# ---------------------------
def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


activation_functions = [np.tanh, lambda z: np.maximum(z, 0), softmax]
names = ["tanh", "relu", model.out_activation_]

a = X  # the input layer's "activation" is the data itself
by_hand = []
for W, b, f in zip(model.coefs_, model.intercepts_, activation_functions):
    z = a @ W + b  # every unit: weighted sum of the previous layer plus its bias
    a = f(z)  # then its activation function
    by_hand.append((z, a))

layers = model.forward(X)  # the same, computed by the C core
print("\nlayer by layer, hand-computed vs model.forward(X):")
for i, ((z, a), layer, name) in enumerate(zip(by_hand, layers, names), start=1):
    print(f"  layer {i} ({name:>7}): z {z.shape}, a {a.shape}; "
          f"max |diff| z {np.max(np.abs(z - layer.pre_activation)):.1e}, "
          f"a {np.max(np.abs(a - layer.activation)):.1e}")
assert np.allclose(by_hand[-1][1], model.predict_proba(X))
print("  last layer's activation == predict_proba(X)")

sample = 0
np.set_printoptions(precision=3, suppress=True)
print(f"\nsample {sample} ({iris.target_names[y[sample]]}), step by step:")
print(f"  {'a0 = x':<20} = {X[sample]}")
for i, ((z, a), name) in enumerate(zip(by_hand, names), start=1):
    print(f"  {f'z{i} = a{i - 1} @ W{i} + b{i}':<20} = {z[sample]}")
    print(f"  {f'a{i} = {name}(z{i})':<20} = {a[sample]}")
print(f"  prediction: {iris.target_names[np.argmax(by_hand[-1][1][sample])]}")

print()
print(model.summary(X))
dead = np.flatnonzero(np.all(layers[1].pre_activation <= 0, axis=0))
print(f"hidden layer 2 has {len(dead)} dead relu unit(s) {dead.tolist()}: z <= 0 on every row, "
      "so a = 0 always and no gradient reaches its weights")

# %%
# Figure: the network for one sample
# ----------------------------------
units = [X.shape[1]] + [W.shape[1] for W in model.coefs_]
values = [X[sample]] + [a[sample] for _, a in by_hand]
labels = ["input\n(standardised)", "hidden 1\ntanh", "hidden 2\nrelu", "output\nsoftmax"]
positions = [np.linspace((n - 1) / 2, -(n - 1) / 2, n) for n in units]  # unit 0 on top
bottom = -(max(units) - 1) / 2

fig, (ax, ax_bar) = plt.subplots(1, 2, figsize=(15, 7), width_ratios=[3, 1],
                                 layout="constrained")
w_max = max(np.abs(W).max() for W in model.coefs_)
for layer, W in enumerate(model.coefs_):
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            w = W[j, k]
            ax.plot([layer, layer + 1], [positions[layer][j], positions[layer + 1][k]],
                    color="C3" if w > 0 else "C0", linewidth=0.3 + 3.5 * abs(w) / w_max,
                    alpha=0.25 + 0.6 * abs(w) / w_max, zorder=1)
norm = Normalize(-2, 2)
for layer, (pos, vals) in enumerate(zip(positions, values)):
    points = ax.scatter(np.full(len(pos), layer), pos, c=vals, cmap="viridis", norm=norm,
                        s=900, edgecolor="k", zorder=2)
    for p, v in zip(pos, vals):
        ax.text(layer, p, f"{v:.2f}", ha="center", va="center", fontsize=8, zorder=3,
                color="white" if v < 0.5 else "black")
    ax.text(layer, bottom - 0.7, labels[layer], ha="center", va="top", fontsize=11)
for j, name in enumerate(iris.feature_names):
    ax.text(-0.12, positions[0][j], name.replace(" (cm)", ""), ha="right", va="center")
for k in dead:  # the dead relu units found above
    ax.text(2, positions[2][k] - 0.3, "dead: 0 on every row", ha="center", va="top",
            fontsize=8, zorder=3, bbox=dict(facecolor="white", edgecolor="0.6", pad=1.5))
for k, name in enumerate(iris.target_names):
    ax.text(len(units) - 1 + 0.12, positions[-1][k], name, ha="left", va="center")
ax.plot([], [], color="C3", linewidth=3, label="positive weight")
ax.plot([], [], color="C0", linewidth=3, label="negative weight")
ax.legend(loc="upper right")
fig.colorbar(points, ax=ax, label="activation value (colour, clipped to [-2, 2])",
             shrink=0.6)
ax.set_xlim(-0.9, len(units) - 0.4)
ax.set_ylim(bottom - 1.6, -bottom + 0.6)
ax.axis("off")
ax.set_title(f"Forward propagation of sample {sample}: line width = |weight|, "
             "node = activation")

proba = by_hand[-1][1][sample]
ax_bar.bar(iris.target_names, proba, color="C0")
for k, p in enumerate(proba):
    ax_bar.text(k, p + 0.02, f"{p:.3f}", ha="center")
ax_bar.set_ylim(0, 1.1)
ax_bar.set_ylabel("probability (output layer)")
ax_bar.set_title(f"Output for sample {sample}\n(true class: {iris.target_names[y[sample]]})")

save(fig)
