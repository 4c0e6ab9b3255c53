"""nnfast: multilayer perceptrons with the training loop in C, behind scikit-learn's API."""

from nnfast import exceptions, metrics, schedules
from nnfast._multilayer_perceptron import MLPClassifier, MLPRegressor
from nnfast._perceptron import Perceptron
from nnfast._transformer import HiddenLayerTransformer
from nnfast.inspection import LRFinderResult, lr_find
from nnfast.persistence import load, save

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "HiddenLayerTransformer",
    "LRFinderResult",
    "lr_find",
    "save",
    "load",
    "exceptions",
    "metrics",
    "schedules",
]
__version__ = "0.1.0"
