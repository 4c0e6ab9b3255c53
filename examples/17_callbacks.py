"""
Callbacks: watching, recording and stopping a fit
=================================================

scikit-learn's callback API (1.9+) on an nnfast fit: a ProgressBar over the epochs,
a callback reading each layer's gradient norm from the ``fitted_estimator`` it is
handed at every epoch's end, and one that stops the fit once the held-out accuracy
reaches a target (the model keeps the state of that epoch).
"""

# %%
# The data: digits, scaled, with a held-out part the stopping rule watches.
import importlib.util
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
from nnfast import MLPClassifier  # noqa: E402
from nnfast.callbacks import HAS_CALLBACK_API  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)
EPOCHS = 60 if QUICK else 120
TARGET = 0.95

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y,
                                                  random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)


def network():
    # sgd with a small rate: slow enough that the epochs are worth watching
    return MLPClassifier(hidden_layer_sizes=(64, 32, 16), solver="sgd",
                         learning_rate_init=0.01, momentum=0.9, max_iter=EPOCHS, tol=0,
                         random_state=0)


# %%
# A progress bar: set the callback, fit as usual. It draws one bar over the
# epochs (nested bars when set on a GridSearchCV or a Pipeline).
if HAS_CALLBACK_API and importlib.util.find_spec("rich") is not None:
    from sklearn.callback import ProgressBar

    network().set_callbacks(ProgressBar()).fit(X_train, y_train)
else:
    print("ProgressBar needs scikit-learn >= 1.9 and rich; skipped")


# %%
# A callback of our own. Its hooks name the arguments they want: this one takes
# ``fitted_estimator``, a copy of the model as it stands at the end of the epoch
# (nnfast builds it only for hooks that ask for it). It records the gradient
# norm of every layer that epoch, and the held-out accuracy.
class GradientNorms:
    """Per epoch: each layer's mean weight-gradient norm, and the held-out accuracy."""

    def __init__(self, X_val, y_val):
        self.X_val, self.y_val = X_val, y_val
        self.norms, self.accuracy = [], []

    def setup(self, estimator, context):
        self.norms, self.accuracy = [], []

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch":
            return False  # the fit's own (root) task ends too
        self.norms.append(fitted_estimator.history_["weight_grad_norm"][-1])
        self.accuracy.append(fitted_estimator.score(self.X_val, self.y_val))
        return False


# %%
# Stopping on a condition: ``on_fit_task_end`` returning True stops the fit
# after that epoch, as early stopping would. Here: once the held-out accuracy
# reaches the target.
class StopAtAccuracy(GradientNorms):
    def __init__(self, X_val, y_val, target):
        super().__init__(X_val, y_val)
        self.target = target

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
        return context.task_name == "epoch" and self.accuracy[-1] >= self.target


full, stopped = network(), network()
if HAS_CALLBACK_API:
    watch = GradientNorms(X_val, y_val)
    stop = StopAtAccuracy(X_val, y_val, TARGET)
    full.set_callbacks(watch).fit(X_train, y_train)
    stopped.set_callbacks(stop).fit(X_train, y_train)
    norms, accuracy = np.asarray(watch.norms), watch.accuracy
else:
    # Without the callback API the gradient norms still come from history_,
    # after the fit; the held-out accuracy is known only at its end.
    print("scikit-learn < 1.9: no callbacks; gradient norms read from history_ after fit")
    full.fit(X_train, y_train)
    stopped = None
    norms = np.asarray(full.history_["weight_grad_norm"])
    accuracy = [np.nan] * (full.n_iter_ - 1) + [full.score(X_val, y_val)]

print(f"full fit: {full.n_iter_} epochs, held-out accuracy {full.score(X_val, y_val):.3f}")
if stopped is not None:
    print(f"stopped at accuracy >= {TARGET}: after {stopped.n_iter_} epochs, "
          f"held-out accuracy {stopped.score(X_val, y_val):.3f}; n_iter_, loss_curve_ "
          f"({len(stopped.loss_curve_)}) and history_ ({len(stopped.history_['loss'])}) agree")

# %%
# The figure: what the callback recorded.
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
epochs = np.arange(1, len(norms) + 1)
for layer in range(norms.shape[1]):
    left.plot(epochs, norms[:, layer], label=f"layer {layer + 1}")
left.set_yscale("log")
left.set_xlabel("epoch")
left.set_ylabel("mean weight-gradient norm")
left.set_title("Recorded by a callback from fitted_estimator.history_")
left.legend(title="weights of", fontsize="small")

right.plot(epochs, accuracy, label="held-out accuracy (full fit)")
right.axhline(TARGET, color="C3", linestyle=":", label=f"target {TARGET}")
if stopped is not None:
    right.axvline(stopped.n_iter_, color="C2", linestyle="--",
                  label=f"StopAtAccuracy stopped after epoch {stopped.n_iter_}")
right.set_xlabel("epoch")
right.set_ylabel("accuracy")
right.set_title("Stopping on a condition")
right.legend(loc="lower right")
save(fig)
