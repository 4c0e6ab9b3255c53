"""The small data sets of the callback and checkpoint tests (test_callbacks.py,
test_checkpoint.py): iris, standardised, for classifiers and the Perceptron, and a
make_regression problem with unit-variance targets for regressors; fits that
keep the fixed-epoch ConvergenceWarning quiet; and the hooks a callback of
scikit-learn's API must have, doing nothing."""

import warnings

from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

from nnfast import MLPRegressor

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = (X_IRIS - X_IRIS.mean(0)) / X_IRIS.std(0)
X_REG, Y_REG = make_regression(n_samples=150, n_features=6, noise=1.0, random_state=0)
Y_REG = Y_REG / Y_REG.std()


def data_for(model):
    """The problem of model's kind: (X, y)."""
    return (X_REG, Y_REG) if isinstance(model, MLPRegressor) else (X_IRIS, Y_IRIS)


def quiet(call, *args, **kwargs):
    """call(*args, **kwargs) without ConvergenceWarning (the tests fix the epochs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call(*args, **kwargs)


def quiet_fit(model, X, y, **kwargs):
    """model.fit(X, y, **kwargs) without ConvergenceWarning."""
    return quiet(model.fit, X, y, **kwargs)


class QuietHooks:
    """A callback's four hooks, taking only estimator and context (as
    ProgressBar's) and doing nothing: a test's callback overrides the ones it uses."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass
