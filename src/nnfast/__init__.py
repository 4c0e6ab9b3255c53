"""nnfast: multilayer perceptrons with the training loop in C, behind scikit-learn's API."""

from nnfast import schedules
from nnfast._multilayer_perceptron import MLPClassifier, MLPRegressor
from nnfast._perceptron import Perceptron

__all__ = ["MLPClassifier", "MLPRegressor", "Perceptron", "schedules"]
__version__ = "0.1.0"
