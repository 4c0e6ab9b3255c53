"""HiddenLayerTransformer: a network's hidden layer as features in a Pipeline."""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

if TYPE_CHECKING:
    from typing import Any, Self

    from numpy.typing import ArrayLike, NDArray

    from nnfast._multilayer_perceptron import BaseMultilayerPerceptron
    from nnfast._typing import FloatArray, MatrixLike


class HiddenLayerTransformer(TransformerMixin, BaseEstimator):
    """Fits a network, then transforms X into one hidden layer's activations.

    ``Pipeline([("mlp", HiddenLayerTransformer(MLPClassifier(...))), ("svm", SVC())])``
    trains the network on (X, y) and feeds its learned features to the next step.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        The network, cloned and fitted in ``fit``.
    layer : int, default=-1
        Which hidden layer, counting from 0; negative counts from the last.

    Attributes
    ----------
    estimator_ : MLPClassifier or MLPRegressor
        The fitted network.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit; defined only when X has feature
        names that are all strings (a pandas DataFrame).

    See Also
    --------
    nnfast.MLPClassifier.hidden_activations : The same features from a fitted network.
    nnfast.MLPClassifier.forward : Every layer's pre-activations and activations.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from nnfast import HiddenLayerTransformer, MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> network = MLPClassifier(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    >>> model = make_pipeline(HiddenLayerTransformer(network), KNeighborsClassifier())
    >>> model.fit(X / 16, y).score(X / 16, y) > 0.9
    True
    >>> model[0].transform(X[:3] / 16).shape
    (3, 32)
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "estimator": [HasMethods(["fit", "hidden_activations"])],
        "layer": [Interval(Integral, None, None, closed="neither")],
    }

    # Fitted attributes, for type checkers (see the class docstring).
    estimator_: BaseMultilayerPerceptron
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]

    if TYPE_CHECKING:
        # scikit-learn's methods, as a type checker should see them.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

        def set_params(self, **params: Any) -> Self: ...

        def fit_transform(
            self, X: MatrixLike, y: ArrayLike | None = None, **fit_params: Any
        ) -> FloatArray: ...

    def __init__(self, estimator: BaseMultilayerPerceptron, layer: int = -1) -> None:
        self.estimator = estimator
        self.layer = layer

    def fit(self, X: MatrixLike, y: ArrayLike, **fit_params: Any) -> Self:
        """Fit the network on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of the network.
        **fit_params : dict
            Passed to the network's fit (e.g. sample_weight).

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def transform(self, X: MatrixLike) -> FloatArray:
        """The chosen hidden layer's activations.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        features : ndarray of shape (n_samples, units of the layer)
            The activations.
        """
        check_is_fitted(self)
        return self.estimator_.hidden_activations(X, layer=self.layer)

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> NDArray[np.object_]:
        """Names of the output features: ``hidden{layer}_{unit}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked, not used: the output features are hidden units, whatever
            the input features are called. If given, it must have
            ``n_features_in_`` names, equal to ``feature_names_in_`` when fit saw
            feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (n_units,)
            ``hidden{layer}_{unit}`` for each unit of the chosen hidden layer,
            with layer counted from 0 (a negative ``layer`` resolved).

        Raises
        ------
        ValueError
            If ``input_features`` does not match the features seen in fit, or
            ``layer`` is not a hidden layer of the network.
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        n_hidden = len(self.estimator_.coefs_) - 1
        if n_hidden == 0:
            raise ValueError("HiddenLayerTransformer needs a network with a hidden layer.")
        if not -n_hidden <= self.layer < n_hidden:
            raise ValueError(f"layer must be an integer in [{-n_hidden}, {n_hidden - 1}], "
                             f"got {self.layer!r}.")
        index = self.layer % n_hidden
        units = self.estimator_.coefs_[index].shape[1]
        return np.asarray([f"hidden{index}_{u}" for u in range(units)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        return tags
