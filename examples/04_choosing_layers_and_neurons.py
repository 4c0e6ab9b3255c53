"""
Choosing the number of layers and neurons
=========================================

:class:`~sklearn.model_selection.GridSearchCV` tries several ``hidden_layer_sizes``
(one to three layers, 8 to 256 neurons) on scikit-learn's digits with 5-fold
cross-validation. The figure shows the mean validation accuracy of each architecture,
with its training accuracy and its number of parameters: past a modest size, more
neurons or layers buy little.
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
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier  # noqa: E402

X, y = load_digits(return_X_y=True)
if QUICK:
    X, y = X[:600], y[:600]

architectures = [(8,), (32,), (128,), (256,), (32, 32), (128, 64), (32, 32, 32),
                 (128, 64, 32)]
if QUICK:
    architectures = [(8,), (32,), (128,), (32, 32), (32, 32, 32)]

pipeline = make_pipeline(
    StandardScaler(),
    MLPClassifier(max_iter=40 if QUICK else 100, random_state=0),
)
search = GridSearchCV(
    pipeline,
    {"mlpclassifier__hidden_layer_sizes": architectures},
    cv=StratifiedKFold(3 if QUICK else 5, shuffle=True, random_state=0),
    return_train_score=True,
)
# One BLAS thread per fit: for networks this small, more threads buy little and on a
# busy machine cost a lot (with n_jobs > 1, see the README's "Threads").
with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
    warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget of epochs
    search.fit(X, y)

results = search.cv_results_
n_features, n_classes = X.shape[1], len(np.unique(y))


def n_parameters(hidden):
    units = [n_features, *hidden, n_classes]
    return sum(a * b + b for a, b in zip(units[:-1], units[1:]))


names = ["-".join(map(str, h)) for h in architectures]
params = [n_parameters(h) for h in architectures]
test_mean, test_std = results["mean_test_score"], results["std_test_score"]
train_mean = results["mean_train_score"]

print(f"digits: {len(X)} images of {n_features} pixels, {search.n_splits_}-fold CV")
print(f"{'hidden layers':>14} {'params':>7} {'train acc':>9} {'CV acc':>13} {'fit s':>6}")
for name, p, tr, m, s, t in zip(names, params, train_mean, test_mean, test_std,
                                results["mean_fit_time"]):
    print(f"{name:>14} {p:>7,} {tr:9.3f} {m:7.3f} +-{s:.3f} {t:6.2f}")
best = search.best_params_["mlpclassifier__hidden_layer_sizes"]
print(f"best: hidden_layer_sizes={best}, CV accuracy {search.best_score_:.3f}")
close = [n for n, m in zip(names, test_mean) if m >= search.best_score_ - 0.01]
print(f"within 0.01 of the best: {', '.join(close)} -- prefer the smallest of these")


# %%
# The figure
# ----------
fig, (ax, ax_params) = plt.subplots(1, 2, figsize=(14, 5.5), width_ratios=[3, 2],
                                    layout="constrained")
positions = np.arange(len(names))
ax.bar(positions, test_mean, yerr=test_std, capsize=4, color="C0",
       label="mean CV accuracy (+- std over folds)")
ax.plot(positions, train_mean, "k_", markersize=28, markeredgewidth=2,
        label="mean training accuracy")
for x, m, sd in zip(positions, test_mean, test_std):
    ax.text(x, m - sd - 0.004, f"{m:.3f}", ha="center", va="top", color="white", fontsize=9,
            fontweight="bold")
ax.set_xticks(positions, names, rotation=20)
ax.set_xlabel("hidden_layer_sizes (neurons per hidden layer)")
ax.set_ylabel("accuracy")
low = max(0.0, min(test_mean.min() - 0.1, 0.8))
ax.set_ylim(low, 1.02)
ax.set_title("GridSearchCV over architectures on digits")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)

markers = {1: "o", 2: "s", 3: "^"}
for depth in markers:  # thin lines join the networks of one depth
    idx = [i for i, h in enumerate(architectures) if len(h) == depth]
    ax_params.plot([params[i] for i in idx], test_mean[idx], color="0.7", linewidth=1,
                   zorder=1)
for i, (h, name) in enumerate(zip(architectures, names)):
    ax_params.plot(params[i], test_mean[i], marker=markers[len(h)], markersize=9,
                   linestyle="none", color=f"C{i}", label=f"{name} ({params[i]:,} params)")
ax_params.set_xscale("log")
ax_params.set_xlabel("number of parameters (weights + biases)")
ax_params.set_ylabel("mean CV accuracy")
ax_params.set_title("Accuracy against network size\n(o: 1 hidden layer, square: 2, triangle: 3)")
ax_params.grid(alpha=0.3)
ax_params.legend(loc="lower right", fontsize=8)

save(fig)
