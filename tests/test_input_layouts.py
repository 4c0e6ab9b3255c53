"""Odd but valid layouts of X and y train and predict exactly as their
C-contiguous float64 copy: Fortran order, strided and reversed views, read-only
arrays, memory maps, integer, boolean and object arrays, lists, DataFrames."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from nnfast import MLPClassifier, MLPRegressor, Perceptron

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
BASE = RNG.randn(60, 8)  # layouts take views of it: rows 0..29 of columns 0..3 in value
INTS = RNG.randint(-3, 4, size=(30, 4))
Y_CLASSES = np.arange(30) % 3
Y_TARGETS = np.tanh(BASE[:30, :4] @ RNG.randn(4))


def _read_only(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _memmap(a, tmp_path, mode):
    path = tmp_path / f"X_{mode}.dat"
    a = np.ascontiguousarray(a)
    writer = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    writer[:] = a
    writer.flush()
    del writer
    return np.memmap(path, dtype=a.dtype, mode=mode, shape=a.shape)


def _reversed_view(a):
    return np.ascontiguousarray(a[::-1])[::-1]  # negative strides, same values


def _strided_rows(a):
    doubled = np.repeat(a, 2, axis=0)
    return doubled[::2]  # every other row of a bigger array


def _strided_columns(a):
    wide = np.empty((a.shape[0], 2 * a.shape[1]), dtype=a.dtype)
    wide[:, ::2] = a
    return wide[:, ::2]


# name -> (make the layout from the float64 C array (or the int array), tmp_path)
LAYOUTS = {
    "fortran": lambda a, tmp: np.asfortranarray(a),
    "strided_rows": lambda a, tmp: _strided_rows(a),
    "strided_columns": lambda a, tmp: _strided_columns(a),
    "reversed_view": lambda a, tmp: _reversed_view(a),
    "transposed_view": lambda a, tmp: np.ascontiguousarray(a.T).T,
    "read_only": lambda a, tmp: _read_only(a),
    "read_only_fortran": lambda a, tmp: _read_only(np.asfortranarray(a)),
    "memmap_read_only": lambda a, tmp: _memmap(a, tmp, "r"),
    "memmap_copy_on_write": lambda a, tmp: _memmap(a, tmp, "c"),
    "memmap_fortran_view": lambda a, tmp: _memmap(a, tmp, "r").T.copy(order="C").T,
    "list_of_lists": lambda a, tmp: a.tolist(),
    "object_array": lambda a, tmp: a.astype(object),
    "dataframe": lambda a, tmp: pd.DataFrame(a),
    "int64": lambda a, tmp: INTS.astype(np.int64),
    "int32_fortran": lambda a, tmp: np.asfortranarray(INTS.astype(np.int32)),
    "uint8": lambda a, tmp: (INTS + 3).astype(np.uint8),
    "bool": lambda a, tmp: INTS > 0,
    "bool_strided": lambda a, tmp: _strided_rows(INTS > 0),
}
# Integer and boolean layouts stand for these float64 values.
VALUES = {
    "int64": INTS, "int32_fortran": INTS, "uint8": INTS + 3, "bool": INTS > 0,
    "bool_strided": INTS > 0,
}
ESTIMATORS = {
    "MLPClassifier": (lambda: MLPClassifier(hidden_layer_sizes=(7,), max_iter=8, dtype="float64",
                                            random_state=0), Y_CLASSES),
    "MLPClassifier_sgd_float32": (lambda: MLPClassifier(hidden_layer_sizes=(7,), max_iter=8,
                                                        solver="sgd", random_state=0), Y_CLASSES),
    "MLPRegressor": (lambda: MLPRegressor(hidden_layer_sizes=(7, 3), max_iter=8, dtype="float64",
                                          random_state=0), Y_TARGETS),
    "MLPRegressor_lbfgs": (lambda: MLPRegressor(hidden_layer_sizes=(7,), max_iter=8,
                                                solver="lbfgs", dtype="float64",
                                                random_state=0), Y_TARGETS),
    "Perceptron": (lambda: Perceptron(max_iter=8, random_state=0), Y_CLASSES),
}


def _reference(layout):
    """The C-contiguous float64 copy the layout stands for."""
    return np.ascontiguousarray(VALUES.get(layout, BASE[:30, :4]), dtype=np.float64)


def _outputs(model, X):
    outputs = [model.predict(X)]
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            outputs.append(getattr(model, method)(X))
    return outputs


def _weights(model):
    if isinstance(model, Perceptron):
        return [model.coef_, model.intercept_]
    return model.coefs_ + model.intercepts_


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_fits_and_predicts_as_the_contiguous_copy(layout, estimator, tmp_path):
    make, y = ESTIMATORS[estimator]
    reference = _reference(layout)
    X = LAYOUTS[layout](reference if layout not in VALUES else None, tmp_path)
    assert np.array_equal(np.asarray(X, dtype=np.float64), reference)
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        before = X.copy()

    expected = make().fit(reference, y)
    model = make().fit(X, y)
    for got, want in zip(_weights(model), _weights(expected)):
        assert_array_equal(got, want, err_msg=f"{layout}: weights differ from the C copy's")
    for got, want in zip(_outputs(model, X), _outputs(expected, reference)):
        assert_array_equal(got, want, err_msg=f"{layout}: outputs differ from the C copy's")
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        assert_array_equal(X, before)  # read-only input untouched


@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor"])
@pytest.mark.parametrize("layout", ["fortran", "strided_rows", "read_only", "memmap_read_only",
                                    "int64", "bool"])
def test_layout_partial_fit_matches_the_contiguous_copy(layout, estimator, tmp_path):
    make, y = ESTIMATORS[estimator]
    reference = _reference(layout)
    X = LAYOUTS[layout](reference if layout not in VALUES else None, tmp_path)
    kwargs = {"classes": [0, 1, 2]} if estimator == "MLPClassifier" else {}
    expected, model = make(), make()
    for _ in range(3):
        expected.partial_fit(reference, y, **kwargs)
        model.partial_fit(X, y, **kwargs)
    assert_array_equal(model._params, expected._params)


Y_LAYOUTS = {
    "strided": lambda y: np.repeat(y, 2)[::2],
    "read_only": _read_only,
    "list": lambda y: y.tolist(),
    "column": lambda y: y.reshape(-1, 1),
    "fortran_column": lambda y: np.asfortranarray(y.reshape(-1, 1)),
    "series": pd.Series,
    "narrow_dtype": lambda y: y.astype(np.int32 if y.dtype.kind == "i" else np.float32),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
@pytest.mark.parametrize("y_layout", Y_LAYOUTS)
@pytest.mark.parametrize("estimator", ["MLPClassifier", "MLPRegressor", "Perceptron"])
def test_target_layout_fits_as_the_contiguous_copy(estimator, y_layout):
    make, y = ESTIMATORS[estimator]
    X = BASE[:30, :4]
    if y_layout == "narrow_dtype" and estimator == "MLPRegressor":
        y = np.round(y * 8) / 8  # exact in float32 too
    expected = make().fit(X, y)
    model = make().fit(X, Y_LAYOUTS[y_layout](y))
    for got, want in zip(_weights(model), _weights(expected)):
        assert_array_equal(got, want, err_msg=f"y as {y_layout}: weights differ")
