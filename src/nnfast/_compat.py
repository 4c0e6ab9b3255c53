"""What differs between the oldest supported versions of the dependencies and the newest.

nnfast is written against the newest releases; this module gives the older ones
(down to the floors in pyproject.toml, which CI installs exactly) the same
calls. Each shim names the release from which it can go: when the floor in
pyproject.toml reaches it, delete the shim and import from the library again.

Needing no shim at the present floors (and needing one below them):
sklearn.utils.validation.validate_data and _check_sample_weight's
ensure_non_negative (scikit-learn 1.6); the OptimizeResult that
scipy.optimize.minimize hands an `intermediate_result` callback for L-BFGS-B
(SciPy 1.11; SciPy 1.10 passes a bare array).
"""

import inspect

import numpy as np
import sklearn
from numpy.lib import NumpyVersion
from sklearn.utils import column_or_1d as _column_or_1d
from sklearn.utils.multiclass import unique_labels as _unique_labels
from sklearn.utils.validation import _check_sample_weight

_sklearn_version = NumpyVersion(sklearn.__version__)

# scikit-learn 1.9 added `ys_types` (the types the caller already computed with
# type_of_target); before, unique_labels computes them again itself, with the
# same result. Drop at scikit-learn >= 1.9.
if _sklearn_version >= "1.9.0":
    unique_labels = _unique_labels
else:

    def unique_labels(*ys, ys_types=None):
        """sklearn.utils.multiclass.unique_labels, accepting 1.9's `ys_types`."""
        return _unique_labels(*ys)


# scikit-learn 1.8 added `input_name` (it only names the array in error
# messages); before, they say "y". Drop at scikit-learn >= 1.8.
if _sklearn_version >= "1.8.0":
    column_or_1d = _column_or_1d
else:

    def column_or_1d(y, *, dtype=None, input_name="y", warn=False):
        """sklearn.utils.column_or_1d, accepting 1.8's `input_name`."""
        return _column_or_1d(y, dtype=dtype, warn=warn)


# Newer scikit-learn refuses sample weights that are all zero (a fit would divide
# by a zero total); older releases accept them. The same error on every
# release. Drop when the floor's _check_sample_weight has allow_all_zero_weights.
if "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters:
    check_sample_weight = _check_sample_weight
else:

    def check_sample_weight(sample_weight, X, **kwargs):
        """sklearn.utils.validation._check_sample_weight, refusing all-zero weights."""
        sample_weight = _check_sample_weight(sample_weight, X, **kwargs)
        if np.all(sample_weight == 0):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        return sample_weight
