"""Perceptron: Rosenblatt's single neuron with a step activation.

The perceptron learning rule runs in C (``nnf_perceptron_epoch``): for each row,
each neuron predicts ``step(w . x + b)`` and, only when it is wrong, moves its
weights by ``learning_rate * (y - prediction) * x``. With several classes there
is one neuron per class (one-vs-rest) and the prediction is the class whose
neuron's pre-activation is largest.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, cast

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from nnfast import _core, callbacks

if TYPE_CHECKING:
    from typing import Any, Self

    from numpy.typing import ArrayLike, NDArray

    from nnfast._typing import RandomState
    from nnfast._typing import fit_context as _fit_context
else:
    from sklearn.base import _fit_context


class Perceptron(callbacks.CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """The classic perceptron: step neurons trained by the perceptron rule.

    On linearly separable data the rule reaches zero training error in a finite
    number of epochs; training stops at the first epoch without a mistake.

    Parameters
    ----------
    learning_rate : float, default=1.0
        Step size of the perceptron rule.
    max_iter : int, default=1000
        Maximum number of epochs. Reaching it with mistakes left (the data are
        not linearly separable) raises a ConvergenceWarning.
    shuffle : bool, default=True
        Visit the rows in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the rows.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Each neuron's weights: the normal vector of its decision boundary
        ``coef_ @ x + intercept_ = 0``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Each neuron's bias.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    errors_ : list of int
        Mistakes (row, neuron pairs) made in each epoch.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit; defined only when X has feature
        names that are all strings (a pandas DataFrame).

    See Also
    --------
    MLPClassifier : Layers of differentiable neurons trained by backpropagation,
        for data that no hyperplane separates.
    sklearn.linear_model.Perceptron : scikit-learn's perceptron, trained as a
        linear model by stochastic gradient descent.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfast import Perceptron
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 1, 1, 1])  # logical OR: linearly separable
    >>> clf = Perceptron(random_state=0).fit(X, y)
    >>> clf.predict(X).tolist(), clf.errors_[-1]
    ([0, 1, 1, 1], 0)
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    # Fitted attributes, for type checkers (see the class docstring).
    coef_: NDArray[np.float64]
    intercept_: NDArray[np.float64]
    classes_: NDArray[Any]
    errors_: list[int]
    n_iter_: int
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]

    if TYPE_CHECKING:
        # scikit-learn's methods, as a type checker should see them.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

        def set_params(self, **params: Any) -> Self: ...

        def score(
            self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
        ) -> float: ...

    def __init__(
        self,
        *,
        learning_rate: float = 1.0,
        max_iter: int = 1000,
        shuffle: bool = True,
        random_state: RandomState = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Train the neurons with the perceptron rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (dense).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The trained perceptron.
        """
        X, y = cast("tuple[NDArray[np.float64], NDArray[Any]]",
                    validate_data(self, X, y, dtype=np.float64, order="C"))
        check_classification_targets(y)
        binarizer = LabelBinarizer()
        Y = np.ascontiguousarray(binarizer.fit_transform(y), dtype=np.float64)
        self.classes_ = binarizer.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Perceptron needs samples of at least 2 classes in the data, "
                f"but the data contain only one class: {self.classes_[0]!r}"
            )
        n_samples, n_features = X.shape
        n_neurons = Y.shape[1]
        random_state = check_random_state(self.random_state)
        rng_state = _core.seed_state(int(random_state.randint(np.iinfo(np.int32).max)))
        coef = np.zeros((n_neurons, n_features))
        intercept = np.zeros(n_neurons)
        order: NDArray[np.uintp] = np.arange(n_samples, dtype=np.uintp)
        self.errors_ = []
        last_coef, last_intercept = coef.copy(), intercept.copy()
        tasks = callbacks.fit_tasks(self, "fit", self.max_iter, X, y, None)
        if tasks is not None:
            # Callbacks see (and ModelCheckpoint saves) the model at each epoch's end.
            self.coef_, self.intercept_, self.n_iter_ = coef, intercept, 0

            def stopped_here():
                return {"coef_": coef.copy(), "intercept_": intercept.copy(),
                        "n_iter_": len(self.errors_), "errors_": list(self.errors_)}
        try:
            for _ in range(self.max_iter):
                if tasks is not None:
                    tasks.begin("epoch", stopped_here)
                if self.shuffle:
                    order = _core.shuffle_indices(n_samples, rng_state)
                errors = _core.perceptron_epoch(coef, intercept, X, Y, order, self.learning_rate)
                if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
                    coef[:], intercept[:] = last_coef, last_intercept
                    self.n_iter_ = len(self.errors_)
                    self.coef_, self.intercept_ = coef, intercept
                    raise ValueError(
                        "Perceptron: the weights became NaN or infinite; the model keeps those "
                        "of the last finite epoch. Scale X or use a smaller learning_rate."
                    )
                last_coef[:], last_intercept[:] = coef, intercept
                self.errors_.append(errors)
                if tasks is not None:
                    self.n_iter_ = len(self.errors_)
                    if tasks.end(stopped_here):
                        break
                if self.errors_[-1] == 0:
                    break
            else:
                warnings.warn(
                    f"Perceptron: {self.errors_[-1]} mistakes remain after max_iter="
                    f"{self.max_iter} epochs; the data may not be linearly separable.",
                    ConvergenceWarning,
                )
        except KeyboardInterrupt:
            # Between epochs: the weights are those of the last whole epoch.
            warnings.warn("Training interrupted by user.")
        self.n_iter_ = len(self.errors_)
        self.coef_, self.intercept_ = coef, intercept
        if tasks is not None:
            tasks.finish()
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Each neuron's pre-activation ``w . x + b``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Positive where a neuron fires; 1-D for two classes.
        """
        check_is_fitted(self)
        # C order: NumPy 2.2 (not 2.4) multiplies a strided X without BLAS, summing
        # in another order than for the contiguous copy; scores must not depend on
        # the layout.
        X = cast("NDArray[np.float64]",
                 validate_data(self, X, dtype=np.float64, order="C", reset=False))
        # (NumPy 2.2's stubs type the product as floating[Any]; it is float64.)
        scores = cast("NDArray[np.float64]", X @ self.coef_.T + self.intercept_)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Class labels: the firing side of the neuron, or the strongest neuron.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
