"""nnfast: multilayer perceptrons with the training loop in C, behind scikit-learn's API."""

from nnfast._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
__version__ = "0.1.0"
