"""nnfast.save / nnfast.load, pickle and joblib: round trips predict identically;
bad, truncated, corrupted and hostile files raise ValueError and run nothing."""

import io
import json
import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError

import nnfast
from nnfast import MLPClassifier, MLPRegressor, Perceptron, schedules

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(80, 4)
Y_MULTICLASS = np.arange(80) % 3
Y_BINARY = np.where(X[:, 0] > 0, "yes", "no")
Y_MULTILABEL = (X[:, :3] > 0).astype(int)
Y_REGRESSION = np.c_[np.tanh(X @ RNG.randn(4)), X[:, 1]]
Y_COUNTS = RNG.poisson(np.exp(0.5 * X[:, 0]))
SMALL = dict(hidden_layer_sizes=(6, 5), max_iter=15, random_state=0)

CASES = {
    "binary": lambda: MLPClassifier(**SMALL).fit(X, Y_BINARY),
    "multiclass_float64": lambda: MLPClassifier(**SMALL, dtype="float64").fit(X, Y_MULTICLASS),
    "multilabel": lambda: MLPClassifier(**SMALL, solver="sgd").fit(X, Y_MULTILABEL),
    "classifier_lbfgs": lambda: MLPClassifier(**SMALL, solver="lbfgs").fit(X, Y_MULTICLASS),
    "classifier_early_stopping": lambda: MLPClassifier(
        **SMALL, early_stopping=True, class_weight={0: 1.0, 1: 2.0, 2: 0.5}
    ).fit(X, Y_MULTICLASS),
    "regression_multi_output": lambda: MLPRegressor(**SMALL).fit(X, Y_REGRESSION),
    "regression_float64_schedule": lambda: MLPRegressor(
        **SMALL, dtype="float64", solver="sgd", learning_rate=schedules.Cosine(warmup=2),
        activation=["tanh", "leaky_relu"], dropout=(0.1, 0.0),
    ).fit(X, Y_REGRESSION[:, 0]),
    "poisson": lambda: MLPRegressor(**SMALL, loss="poisson").fit(X, Y_COUNTS),
    "perceptron_binary": lambda: Perceptron(random_state=0, max_iter=5).fit(X, Y_BINARY),
    "perceptron_multiclass": lambda: Perceptron(random_state=0, max_iter=5).fit(X, Y_MULTICLASS),
}


@pytest.fixture(scope="module")
def models():
    return {name: make() for name, make in CASES.items()}


@pytest.fixture(scope="module")
def saved(models, tmp_path_factory):
    """One saved file per case."""
    directory = tmp_path_factory.mktemp("saved")
    paths = {}
    for name, model in models.items():
        paths[name] = directory / f"{name}.npz"
        nnfast.save(model, paths[name])
    return paths


def _outputs(model, X):
    outputs = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        outputs.append(model.predict_proba(X))
    if hasattr(model, "decision_function"):
        outputs.append(model.decision_function(X))
    return outputs


def _assert_same_model(loaded, model):
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for got, expected in zip(_outputs(loaded, X), _outputs(model, X)):
        assert got.dtype == expected.dtype
        assert_array_equal(got, expected)
    if hasattr(model, "classes_"):
        assert loaded.classes_.dtype == model.classes_.dtype
        assert_array_equal(loaded.classes_, model.classes_)
    if isinstance(model, Perceptron):
        assert_array_equal(loaded.coef_, model.coef_)
        assert loaded.errors_ == model.errors_
        return
    for a, b in zip(loaded.coefs_ + loaded.intercepts_, model.coefs_ + model.intercepts_):
        assert a.dtype == b.dtype
        assert_array_equal(a, b)
    for key in ("n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_", "loss_",
                "loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert getattr(loaded, key, None) == getattr(model, key, None), key
    assert json.dumps(loaded.history_) == json.dumps(model.history_)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("case", CASES)
def test_save_load_round_trip_predicts_identically(case, models, saved):
    _assert_same_model(nnfast.load(saved[case]), models[case])


@pytest.mark.parametrize("case", CASES)
def test_saved_file_holds_no_pickle(case, models, saved):
    with zipfile.ZipFile(saved[case]) as archive:
        assert all(i.filename.endswith(".npy") for i in archive.infolist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    with np.load(saved[case], allow_pickle=False) as arrays:
        for name in arrays.files:
            assert not arrays[name].dtype.hasobject, name
        meta = json.loads(arrays["metadata"].tobytes())
    assert (meta["format"], meta["version"]) == (nnfast.persistence.FORMAT,
                                                 nnfast.persistence.FORMAT_VERSION)
    assert meta["estimator"] == type(models[case]).__name__


@pytest.mark.parametrize("estimator", ["classifier", "regressor", "perceptron"])
def test_round_trip_keeps_dataframe_feature_names(estimator, tmp_path):
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = {
        "classifier": MLPClassifier(**SMALL).fit(frame, Y_MULTICLASS),
        "regressor": MLPRegressor(**SMALL).fit(frame, Y_REGRESSION),
        "perceptron": Perceptron(random_state=0).fit(frame, Y_BINARY),
    }[estimator]
    nnfast.save(model, tmp_path / "model.npz")
    loaded = nnfast.load(tmp_path / "model.npz")
    assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    assert loaded.feature_names_in_.dtype == object
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        assert_array_equal(loaded.predict(frame), model.predict(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"a": "z"}))


@pytest.mark.parametrize("case", ["multiclass_float64", "regression_multi_output", "multilabel"])
def test_loaded_model_trains_on_as_the_original(case, models, saved):
    # The optimizer state and the shuffling generator are saved: partial_fit and
    # warm_start continue bit for bit.
    y = {"multiclass_float64": Y_MULTICLASS, "regression_multi_output": Y_REGRESSION,
         "multilabel": Y_MULTILABEL}[case]
    original = pickle.loads(pickle.dumps(models[case]))
    loaded = nnfast.load(saved[case])
    for model in (original, loaded):
        model.partial_fit(X, y)
        model.partial_fit(X, y)
    assert_array_equal(loaded._params, original._params)
    assert loaded.t_ == original.t_ and loaded.history_["epoch"] == original.history_["epoch"]
    for model in (original, loaded):
        model.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert_array_equal(loaded._params, original._params)


def test_save_overwrites_and_adds_no_suffix(tmp_path, models):
    path = tmp_path / "model.bin"
    nnfast.save(models["binary"], path)
    nnfast.save(models["poisson"], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]
    assert isinstance(nnfast.load(path), MLPRegressor)


def test_save_refuses_a_callable_learning_rate(tmp_path):
    model = MLPRegressor(**SMALL, learning_rate=lambda epoch: 0.01).fit(X, Y_REGRESSION)
    with pytest.raises(ValueError, match=r"learning_rate=.*cannot be saved.*schedule"):
        nnfast.save(model, tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


def test_save_refuses_a_random_state_instance(tmp_path):
    model = Perceptron(random_state=np.random.RandomState(0)).fit(X, Y_BINARY)
    with pytest.raises(ValueError, match=r"random_state=.*cannot be saved.*int or None"):
        nnfast.save(model, tmp_path / "model.npz")


def test_save_refuses_unfitted_models_and_other_classes(tmp_path):
    with pytest.raises(NotFittedError):
        nnfast.save(MLPClassifier(), tmp_path / "model.npz")

    class Custom(MLPClassifier):
        pass

    model = Custom(**SMALL).fit(X, Y_BINARY)
    with pytest.raises(ValueError, match="can save MLPClassifier, MLPRegressor, Perceptron"):
        nnfast.save(model, tmp_path / "model.npz")


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nnfast.load(tmp_path / "missing.npz")


# ---------------------------------------------------------------- pickle, joblib


@pytest.mark.parametrize("case", CASES)
def test_pickle_round_trip_predicts_identically(case, models):
    _assert_same_model(pickle.loads(pickle.dumps(models[case])), models[case])


@pytest.mark.parametrize("mmap_mode", [None, "r"])
@pytest.mark.parametrize("case", CASES)
def test_joblib_round_trip_predicts_identically(case, mmap_mode, models, tmp_path):
    joblib.dump(models[case], tmp_path / "model.joblib")
    _assert_same_model(joblib.load(tmp_path / "model.joblib", mmap_mode=mmap_mode),
                       models[case])


# ---------------------------------------------------------------- bad files


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays.pop("metadata").tobytes())
    return meta, arrays


def _write(path, meta, arrays):
    document = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    with open(path, "wb") as f:
        np.savez(f, metadata=np.frombuffer(document, dtype=np.uint8), **arrays)


def _assert_load_refuses(path, match=None):
    with pytest.raises(ValueError, match=match) as info:
        nnfast.load(path)
    assert str(info.value).startswith("nnfast.load: "), str(info.value)
    assert type(info.value) is ValueError
    return str(info.value)


def _changed(saved_path, out, change):
    meta, arrays = _arrays(saved_path)
    change(meta, arrays)
    _write(out, meta, arrays)
    return out


@pytest.mark.parametrize(
    "change, match",
    [
        pytest.param(lambda m, a: m.update(format="something-else"), "not an nnfast model file",
                     id="wrong_format"),
        pytest.param(lambda m, a: m.update(version=2), "version 2 is newer", id="newer_version"),
        pytest.param(lambda m, a: m.update(version=0), "unknown format version 0",
                     id="old_version"),
        pytest.param(lambda m, a: m.update(version="1"), "not an integer", id="version_string"),
        pytest.param(lambda m, a: m.update(version=True), "not an integer", id="version_bool"),
        pytest.param(lambda m, a: m.update(estimator="os.system"), "unknown estimator",
                     id="unknown_class"),
        pytest.param(lambda m, a: m.update(estimator="LogisticRegression"), "unknown estimator",
                     id="other_estimator"),
        pytest.param(lambda m, a: m.update(estimator="MLPRegressor"),
                     "unknown parameter 'class_weight'", id="classifier_saved_as_regressor"),
        pytest.param(lambda m, a: (m.update(estimator="MLPRegressor"),
                                   m["params"].pop("class_weight")),
                     "label binarizer", id="classifier_state_as_regressor"),
        pytest.param(lambda m, a: m.pop("params"), "lacks 'params'", id="no_params"),
        pytest.param(lambda m, a: m["params"].update(alpha=-1.0), "invalid parameter.*alpha",
                     id="negative_alpha"),
        pytest.param(lambda m, a: m["params"].update(solver=["adam"]), "invalid parameter.*solver",
                     id="solver_list"),
        pytest.param(lambda m, a: m["params"].update(evil=1), "unknown parameter 'evil'",
                     id="unknown_parameter"),
        pytest.param(lambda m, a: m["params"].update(activation={"tuple": ["relu"]}),
                     "do not describe this network", id="activation_per_layer_mismatch"),
        pytest.param(lambda m, a: m["params"].update(learning_rate={"schedule": "FromCallable",
                                                                    "args": {}}),
                     "unknown schedule", id="callable_schedule"),
        pytest.param(lambda m, a: m["params"].update(hidden_layer_sizes={"set": [1]}),
                     "cannot decode", id="unknown_tag"),
        pytest.param(lambda m, a: m["fitted"].update(n_iter_="3"), "n_iter_ must be an integer",
                     id="n_iter_string"),
        pytest.param(lambda m, a: m["fitted"].update(t_=-1), "t_ must be an integer >= 0",
                     id="negative_t"),
        pytest.param(lambda m, a: m["fitted"].update(loss_curve_=[1.0, "x"]), "loss_curve_",
                     id="loss_curve_string"),
        pytest.param(lambda m, a: m["fitted"].update(history_={"evil": []}), "history_",
                     id="history_keys"),
        pytest.param(lambda m, a: m["fitted"].update(dtype="float16"), "float32 or float64",
                     id="dtype_float16"),
        pytest.param(lambda m, a: m["fitted"].update(out_activation_="softmax"),
                     "output activation", id="wrong_out_activation"),
        pytest.param(lambda m, a: m["fitted"].update(layer_units=[4, 10**12, 1], n_layers_=3),
                     "params.*shape", id="huge_layer"),
        pytest.param(lambda m, a: m["fitted"].update(layer_units=[4, 6, 5, 1, 1], n_layers_=5),
                     "params.*shape", id="extra_layer"),
        pytest.param(lambda m, a: m["fitted"].update(n_features_in_=5), "disagree",
                     id="n_features_disagrees"),
        pytest.param(lambda m, a: m["fitted"]["label_binarizer"].update(y_type="multiclass"),
                     "classes|output activation", id="y_type_changed"),
        pytest.param(lambda m, a: a.update(params=a["params"].astype(np.float64)),
                     "dtype float64, expected float32", id="params_dtype"),
        pytest.param(lambda m, a: a.update(params=a["params"][:-1]), "params.*shape",
                     id="params_short"),
        pytest.param(lambda m, a: a["params"].__setitem__(3, np.nan), "NaN or infinity",
                     id="params_nan"),
        pytest.param(lambda m, a: a["params"].__setitem__(0, np.inf), "NaN or infinity",
                     id="params_inf"),
        pytest.param(lambda m, a: a["opt_state"].__setitem__(0, np.nan), "NaN or infinity",
                     id="opt_state_nan"),
        pytest.param(lambda m, a: a.update(opt_state=a["opt_state"][:5]), "optimizer state",
                     id="opt_state_size"),
        pytest.param(lambda m, a: a.update(rng_state=a["rng_state"].astype(np.int64)),
                     "rng_state.*dtype", id="rng_state_dtype"),
        pytest.param(lambda m, a: a.update(classes=np.array(["yes", "no"])), "sorted",
                     id="classes_unsorted"),
        pytest.param(lambda m, a: a.update(classes=np.array(["a", "b", "c"])), "classes",
                     id="classes_count"),
        pytest.param(lambda m, a: a.pop("classes"), "'classes' is missing", id="no_classes"),
        pytest.param(lambda m, a: a.pop("params"), "'params' is missing", id="no_params_array"),
        pytest.param(lambda m, a: a.update(extra=np.zeros(3)), "unexpected member 'extra'",
                     id="extra_member"),
        pytest.param(lambda m, a: a.update(feature_names_in=np.arange(4)),
                     "feature_names_in.*dtype", id="feature_names_numbers"),
    ],
)
def test_load_refuses_an_invalid_file_naming_the_problem(change, match, saved, tmp_path):
    _assert_load_refuses(_changed(saved["binary"], tmp_path / "bad.npz", change), match)


@pytest.mark.parametrize(
    "change, match",
    [
        pytest.param(lambda m, a: a.update(coef=a["coef"].T.copy()), "coef.*shape",
                     id="coef_transposed"),
        pytest.param(lambda m, a: a["intercept"].__setitem__(0, np.nan), "NaN", id="nan"),
        pytest.param(lambda m, a: m["fitted"].update(errors_=[-1]), "errors_", id="errors"),
        pytest.param(lambda m, a: a.update(classes=np.array([0])), "two distinct",
                     id="one_class"),
    ],
)
def test_load_refuses_an_invalid_perceptron_file(change, match, saved, tmp_path):
    bad = _changed(saved["perceptron_multiclass"], tmp_path / "bad.npz", change)
    _assert_load_refuses(bad, match)


def test_load_refuses_a_file_claiming_a_huge_array(saved, tmp_path):
    # layer_units and the .npy header agree on ~1e12 parameters; the data is
    # 40 bytes. load must refuse before allocating.
    meta, arrays = _arrays(saved["regression_multi_output"])
    meta["fitted"].update(layer_units=[4, 10**11, 2], n_layers_=3)
    n_params = 4 * 10**11 + 10**11 * 2 + 10**11 + 2
    buffer = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        buffer, {"descr": "<f4", "fortran_order": False, "shape": (n_params,)})
    buffer.write(np.zeros(10, np.float32).tobytes())
    path = tmp_path / "huge.npz"
    _write(path, meta, {k: v for k, v in arrays.items() if k != "params"})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("params.npy", buffer.getvalue())
    _assert_load_refuses(path, "shorter than its header")


def test_load_refuses_compressed_members(saved, tmp_path):
    meta, arrays = _arrays(saved["binary"])
    with open(tmp_path / "compressed.npz", "wb") as f:
        np.savez_compressed(f, metadata=np.frombuffer(json.dumps(meta).encode(), np.uint8),
                            **arrays)
    _assert_load_refuses(tmp_path / "compressed.npz", "compressed")


@pytest.mark.parametrize("content", [b"", b"PK", b"not a model", b"\x93NUMPY\x01\x00"],
                         ids=["empty", "zip_magic", "text", "npy_magic"])
def test_load_refuses_files_that_are_not_archives(content, tmp_path):
    (tmp_path / "bad.npz").write_bytes(content)
    _assert_load_refuses(tmp_path / "bad.npz")


def test_load_refuses_a_single_npy_array(tmp_path):
    with open(tmp_path / "array.npz", "wb") as f:
        np.save(f, np.zeros(3))
    _assert_load_refuses(tmp_path / "array.npz", "single .npy array")


# ---------------------------------------------------------------- hostile files


class _CreatesFile:
    """Unpickling this creates the file at `path` (what a hostile pickle could do)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_hostile_payload_runs_when_unpickled(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_CreatesFile(marker))).close()
    assert marker.exists()  # so the tests below would notice an unpickling


@pytest.mark.parametrize("member", ["metadata", "params", "classes", "opt_state", "extra"])
def test_object_arrays_are_never_unpickled(member, saved, tmp_path):
    marker = tmp_path / "ran"
    meta, arrays = _arrays(saved["binary"])
    hostile = np.array([_CreatesFile(marker)], dtype=object)
    document = json.dumps(meta).encode()
    if member == "metadata":
        contents = dict(arrays, metadata=hostile)
    else:
        contents = dict(arrays, metadata=np.frombuffer(document, np.uint8), **{member: hostile})
    with open(tmp_path / "hostile.npz", "wb") as f:
        np.savez(f, **contents)  # object arrays are pickled into the .npy
    message = _assert_load_refuses(tmp_path / "hostile.npz")
    assert "Python objects" in message or "unexpected member" in message, message
    assert not marker.exists()


@pytest.mark.parametrize("form", ["pickle", "npy_object_array", "joblib"])
def test_pickled_files_are_never_unpickled(form, tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "hostile.npz"
    payload = _CreatesFile(marker)
    if form == "pickle":
        path.write_bytes(pickle.dumps(payload))
    elif form == "joblib":
        joblib.dump(payload, path)
    else:
        with open(path, "wb") as f:
            np.save(f, np.array([payload], dtype=object), allow_pickle=True)
    _assert_load_refuses(path)
    assert not marker.exists()


# ---------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _load_is_valid_or_refused(path):
    """load raises ValueError, or gives a model that predicts without NaN (or
    refuses to predict, naming the overflow)."""
    try:
        loaded = nnfast.load(path)
    except ValueError as exc:
        assert str(exc).startswith("nnfast.load: "), str(exc)
        return
    try:
        output = loaded.predict_proba(X) if hasattr(loaded, "predict_proba") else None
        if output is not None:
            assert np.all(np.isfinite(output))
        loaded.predict(X)
    except ValueError as exc:  # e.g. exp output overflowing: refused, not NaN
        assert "NaN or infinite" in str(exc), str(exc)


@FUZZ
@given(data=st.data())
def test_fuzz_truncated_files_are_refused(data, saved, tmp_path):
    content = saved["binary"].read_bytes()
    cut = data.draw(st.integers(0, len(content) - 1))
    path = tmp_path / "truncated.npz"
    path.write_bytes(content[:cut])
    _assert_load_refuses(path)


@FUZZ
@given(data=st.data())
def test_fuzz_flipped_bytes_are_refused_or_harmless(data, models, saved, tmp_path):
    content = bytearray(saved["binary"].read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        offset = data.draw(st.integers(0, len(content) - 1))
        content[offset] ^= data.draw(st.integers(1, 255))
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(content))
    try:
        loaded = nnfast.load(path)
    except ValueError as exc:
        assert str(exc).startswith("nnfast.load: "), str(exc)
        return
    # A flip in a field zip does not check (a timestamp, say): the same model.
    _assert_same_model(loaded, models["binary"])


@FUZZ
@given(document=_json_values)
def test_fuzz_random_json_is_refused(document, saved, tmp_path):
    _, arrays = _arrays(saved["binary"])
    _write(tmp_path / "random.npz", json.dumps(document).encode(), arrays)
    _assert_load_refuses(tmp_path / "random.npz")


@FUZZ
@given(raw=st.binary(max_size=64))
def test_fuzz_random_metadata_bytes_are_refused(raw, saved, tmp_path):
    _, arrays = _arrays(saved["binary"])
    _write(tmp_path / "random.npz", raw, arrays)
    _assert_load_refuses(tmp_path / "random.npz")


@FUZZ
@given(data=st.data())
def test_fuzz_replaced_metadata_fields_are_refused_or_valid(data, saved, tmp_path):
    case = data.draw(st.sampled_from(["binary", "regression_multi_output",
                                      "perceptron_multiclass"]))
    meta, arrays = _arrays(saved[case])
    section = data.draw(st.sampled_from(["top", "params", "fitted"]))
    target = meta if section == "top" else meta[section]
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(_json_values)
    _write(tmp_path / "replaced.npz", meta, arrays)
    _load_is_valid_or_refused(tmp_path / "replaced.npz")


@FUZZ
@given(data=st.data())
def test_fuzz_replaced_arrays_are_refused_or_valid(data, saved, tmp_path):
    meta, arrays = _arrays(saved["binary"])
    name = data.draw(st.sampled_from(sorted(arrays)))
    dtype = data.draw(st.sampled_from(["<f4", "<f8", "<i8", "|u1", "<U3", "|b1", ">f4"]))
    shape = data.draw(st.lists(st.integers(0, 5), max_size=3).map(tuple))
    size = int(np.prod(shape))
    values = data.draw(st.lists(st.floats(width=16), min_size=size, max_size=size))
    with np.errstate(invalid="ignore"):  # NaN cast to an integer dtype
        arrays[name] = np.asarray(values).astype(dtype).reshape(shape)
    _write(tmp_path / "replaced.npz", meta, arrays)
    _load_is_valid_or_refused(tmp_path / "replaced.npz")
