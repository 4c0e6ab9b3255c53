"""
Evaluating a model: nnfast.metrics and the confusion matrix
===========================================================

A digits classifier is scored with :mod:`nnfast.metrics` (scikit-learn's functions
and answers, counted in C): ``classification_report``, precision/recall/F1 per class
and averaged, and the confusion matrix drawn with
:func:`nnfast.plot.plot_confusion_matrix`, in counts and normalised by row. Then a
diabetes regressor with MSE, MAE and R².
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
import sklearn.metrics  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# sphinx_gallery_start_ignore
# QUICK: the tests' quick mode; save(fig): write the figure (examples/_common.py).
from _common import QUICK, save  # noqa: E402
# sphinx_gallery_end_ignore
from nnfast import MLPClassifier, MLPRegressor, metrics  # noqa: E402
from nnfast.plot import plot_confusion_matrix  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)  # fixed-length fits on purpose

# %%
# Classification: digits
# ----------------------
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.3,
                                                    stratify=y, random_state=0)
# a deliberately small, briefly trained network, so that it makes some mistakes
clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)

print("classification_report (nnfast.metrics) on the digits test set:")
print(metrics.classification_report(y_test, y_pred, digits=3))
precision, recall, f1, support = metrics.precision_recall_fscore_support(y_test, y_pred)
for average in ("macro", "weighted", "micro"):
    scores = [function(y_test, y_pred, average=average) for function in
              (metrics.precision_score, metrics.recall_score, metrics.f1_score)]
    print(f"{average:>8s} average: precision {scores[0]:.3f}  recall {scores[1]:.3f}  "
          f"F1 {scores[2]:.3f}")
matrix = metrics.confusion_matrix(y_test, y_pred)
off_diagonal = matrix - np.diag(np.diag(matrix))
true, predicted = np.unravel_index(np.argmax(off_diagonal), matrix.shape)
print(f"most frequent confusion: true {true} predicted as {predicted} "
      f"({off_diagonal[true, predicted]} times); worst recall: class {np.argmin(recall)} "
      f"({recall.min():.3f}), worst precision: class {np.argmin(precision)} "
      f"({precision.min():.3f})")
same = (np.array_equal(matrix, sklearn.metrics.confusion_matrix(y_test, y_pred))
        and np.isclose(metrics.f1_score(y_test, y_pred, average="macro"),
                       sklearn.metrics.f1_score(y_test, y_pred, average="macro")))
print(f"same confusion matrix and macro-F1 as sklearn.metrics: {same}")

fig, axes = plt.subplots(2, 2, figsize=(13, 11), layout="constrained")
plot_confusion_matrix(y_test, y_pred, ax=axes[0, 0])
axes[0, 0].set_title(f"Confusion matrix, counts (accuracy "
                     f"{metrics.accuracy_score(y_test, y_pred):.3f})")
plot_confusion_matrix(y_test, y_pred, normalize="true", ax=axes[0, 1])
axes[0, 1].set_title("Normalised by row: the diagonal is each class's recall")

ax = axes[1, 0]
classes = np.arange(len(precision))
for offset, (name, values) in zip((-0.27, 0.0, 0.27),
                                  (("precision", precision), ("recall", recall), ("F1", f1))):
    ax.bar(classes + offset, values, width=0.27, label=name)
ax.set_xticks(classes)
ax.set_xlabel("digit")
bottom = max(0.0, np.floor(10 * min(precision.min(), recall.min())) / 10 - 0.1)
ax.set_ylim(bottom, 1.12)  # headroom for the legend
ax.set_yticks(np.arange(bottom, 1.01, 0.1))
ax.set_ylabel("score")
ax.set_title("Per-class precision, recall and F1")
ax.legend(ncol=3, loc="upper center")

# sphinx_gallery_defer_figures

# %%
# Regression: diabetes
# --------------------
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
# inputs and target standardised (the target inside TransformedTargetRegressor)
reg = make_pipeline(StandardScaler(), TransformedTargetRegressor(
    MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, alpha=10.0,
                 max_iter=300 if QUICK else 1000, random_state=0),
    transformer=StandardScaler()))
reg.fit(X_train, y_train)
y_hat = reg.predict(X_test)
mse = metrics.mean_squared_error(y_test, y_hat)
mae = metrics.mean_absolute_error(y_test, y_hat)
r2 = metrics.r2_score(y_test, y_hat)
baseline = metrics.mean_squared_error(y_test, np.full_like(y_test, y_train.mean()))
linear = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
print(f"\ndiabetes regression (test set): MSE {mse:.1f} (RMSE "
      f"{metrics.root_mean_squared_error(y_test, y_hat):.1f}), MAE {mae:.1f}, R² {r2:.3f}")
print(f"for scale: predicting the training mean gives MSE {baseline:.1f} (R² about 0); "
      f"LinearRegression R² {metrics.r2_score(y_test, linear.predict(X_test)):.3f}")

ax = axes[1, 1]
ax.scatter(y_test, y_hat, s=15, alpha=0.7)
low, high = min(y_test.min(), y_hat.min()), max(y_test.max(), y_hat.max())
ax.plot([low, high], [low, high], color="0.4", linestyle="--", label="perfect prediction")
ax.set_xlabel("true disease progression")
ax.set_ylabel("predicted")
ax.set_aspect("equal")
ax.set_title(f"Diabetes regression: MSE {mse:.0f}, MAE {mae:.1f}, R² {r2:.3f}")
ax.legend(loc="upper left")
fig.suptitle("nnfast.metrics: a digits classifier (MLP 64-16-10) and a diabetes regressor")
save(fig)
