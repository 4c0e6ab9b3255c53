"""Warnings nnfast raises while training, so that they can be filtered by class."""

__all__ = ["GradientWarning", "VanishingGradientWarning", "ExplodingGradientWarning"]


class GradientWarning(UserWarning):
    """Base class of the gradient diagnostics' warnings."""


class VanishingGradientWarning(GradientWarning):
    """The first layer's gradients stay orders of magnitude below the last
    layer's: the early layers barely learn."""


class ExplodingGradientWarning(GradientWarning):
    """A layer's gradient norm became huge or non-finite."""
