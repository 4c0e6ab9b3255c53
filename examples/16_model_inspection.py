"""
Looking inside a trained network
================================

Two digits networks (64-64-10, relu): one trained gently, one with a 100x larger
learning rate. :func:`~nnfast.plot.plot_first_layer_weights` shows each hidden unit's
input weights as an 8x8 image; ``summary(X)`` counts the dead relu units the large
rate left behind; ``hidden_activations`` gives the hidden layer as features for PCA
and a k-NN.
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
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import HiddenLayerTransformer, MLPClassifier  # noqa: E402
from nnfast.plot import plot_first_layer_weights  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # fixed-length fits on purpose

EPOCHS = 40 if QUICK else 150

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
models = {
    # alpha (L2) smooths the weight images without costing accuracy
    "lr=0.001, alpha=1": MLPClassifier(hidden_layer_sizes=(64,), alpha=1.0,
                                       max_iter=EPOCHS, random_state=0),
    "lr=0.1": MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.1,
                            max_iter=EPOCHS, random_state=0),
}
for name, clf in models.items():
    clf.fit(X_train, y_train)


def dead_units(clf, X):
    """Hidden units whose relu input is <= 0 on every row: their output is always 0."""
    return np.all(clf.forward(X)[0].pre_activation <= 0, axis=0)


gentle, harsh = models.values()
print(f"summary of the lr=0.1 network on the training data:\n{harsh.summary(X_train)}\n")
for name, clf in models.items():
    print(f"{name:18s}: test accuracy {clf.score(X_test, y_test):.3f}, dead hidden units "
          f"{dead_units(clf, X_train).sum()}/64")

fig, axes = plt.subplots(2, 3, figsize=(17, 10.5), layout="constrained")

# sphinx_gallery_defer_figures

# %%
# First-layer weights as images
# -----------------------------
for ax, (name, clf) in zip(axes[0, :2], models.items()):
    plot_first_layer_weights(clf, image_shape=(8, 8), ax=ax)
    dead = np.flatnonzero(dead_units(clf, X_train))
    # cross out the dead units: unit u's tile is at row u // 8, column u % 8, 9 pixels apart
    for unit in dead:
        row, col = divmod(unit, 8)
        ax.plot(col * 9 + 3.5, row * 9 + 3.5, "x", color="k", markersize=14,
                markeredgewidth=2)
    ax.set_title(f"{name}: first-layer weights, one 8x8 tile per\nhidden unit "
                 f"(red raises its input); x: dead ({len(dead)} of 64)")

# sphinx_gallery_defer_figures

# %%
# How often is each unit active?
# ------------------------------
ax = axes[0, 2]
for name, clf in models.items():
    active = (clf.hidden_activations(X_train) > 0).mean(axis=0)
    ax.plot(np.sort(active)[::-1], "o-", markersize=3, label=name)
ax.set_xlabel("hidden unit (sorted)")
ax.set_ylabel("fraction of training rows where the unit is > 0")
ax.set_title("Activity of each hidden unit (0 = dead)")
ax.legend()

# sphinx_gallery_defer_figures

# %%
# The hidden layer as features
# ----------------------------
features_train = gentle.hidden_activations(X_train)
features_test = gentle.hidden_activations(X_test)
for ax, (title, train, test) in zip(
        axes[1, :2],
        (("raw pixels (64 features)", X_train, X_test),
         ("hidden activations of 'lr=0.001, alpha=1' (64 features)",
          features_train, features_test))):
    pca = PCA(n_components=2).fit(train)
    points = pca.transform(test)
    scatter = ax.scatter(points[:, 0], points[:, 1], c=y_test, cmap="tab10", s=12,
                         vmin=-0.5, vmax=9.5)
    ax.set_title(f"PCA of the test digits: {title}")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
fig.colorbar(scatter, ax=axes[1, :2], ticks=range(10), label="digit")

ax = axes[1, 2]
n_labelled = [10, 20, 50, 100, 200] if QUICK else [10, 20, 30, 50, 100, 200, 500, 1257]
knn_raw, knn_hidden = [], []
for n in n_labelled:
    knn_raw.append(KNeighborsClassifier(n_neighbors=1).fit(X_train[:n], y_train[:n])
                   .score(X_test, y_test))
    knn_hidden.append(KNeighborsClassifier(n_neighbors=1).fit(features_train[:n], y_train[:n])
                      .score(features_test, y_test))
ax.plot(n_labelled, knn_raw, "o-", label="1-NN on raw pixels")
ax.plot(n_labelled, knn_hidden, "o-", label="1-NN on hidden activations")
ax.set_xscale("log")
ax.set_xlabel("training rows given to the 1-NN")
ax.set_ylabel("test accuracy")
ax.set_title("Nearest neighbour on pixels vs hidden activations\n"
             "(the network itself was trained on all training rows)")
ax.legend()
for n, raw, hidden in zip(n_labelled, knn_raw, knn_hidden):
    print(f"1-NN with {n:4d} training rows: raw pixels {raw:.3f}, hidden activations {hidden:.3f}")

# the same in a Pipeline: HiddenLayerTransformer fits the network, then feeds its layer on
pipeline = make_pipeline(
    HiddenLayerTransformer(MLPClassifier(hidden_layer_sizes=(64,), alpha=1.0,
                                         max_iter=EPOCHS, random_state=0)),
    KNeighborsClassifier(n_neighbors=1))
print(f"Pipeline(HiddenLayerTransformer(MLP), 1-NN): test accuracy "
      f"{pipeline.fit(X_train, y_train).score(X_test, y_test):.3f}")
print("The large rate killed most hidden units, yet the survivors still classify well; "
      "the hidden layer is a\nfeature space where digits cluster, which helps a 1-NN "
      "most when it is given few rows.")
fig.suptitle("Inspecting digits networks: weights, dead units, hidden features")
save(fig)
