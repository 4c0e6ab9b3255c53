"""The installed distribution says what the source says, and says it once.

The version lives in src/nnfast/__init__.py only (pyproject.toml reads it from
there); the licence text ships with the distribution; the compatibility shims
of nnfast._compat behave as the newest scikit-learn does.
"""

import importlib.metadata
import pathlib
import re
import tomllib

import numpy as np
import pytest
from sklearn.utils.multiclass import type_of_target

import nnfast
from nnfast import _compat

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_version_is_the_installed_distributions():
    assert nnfast.__version__ == importlib.metadata.version("nnfast")


def test_version_is_written_once():
    project = PYPROJECT["project"]
    assert "version" not in project, "pyproject.toml must not repeat the version"
    assert "version" in project["dynamic"]
    init = (ROOT / "src" / "nnfast" / "__init__.py").read_text(encoding="utf-8")
    assert re.findall(r"^__version__ = \"([^\"]+)\"$", init, re.M) == [nnfast.__version__]


def test_licence_ships_with_the_distribution():
    meta = importlib.metadata.metadata("nnfast")
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert "LICENSE" in meta.get_all("License-File")
    # PEP 639: no licence classifier beside the expression
    assert not [c for c in meta.get_all("Classifier") if c.startswith("License ::")]
    files = importlib.metadata.files("nnfast")
    licence = [f for f in files if f.name == "LICENSE"]
    assert licence, "LICENSE is not among the installed files"
    assert "Redistribution and use in source and binary forms" in licence[0].read_text()


def test_declared_floors_reach_the_installed_metadata():
    meta = importlib.metadata.metadata("nnfast")
    assert meta["Requires-Python"] == PYPROJECT["project"]["requires-python"]
    requires = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert sorted(r.replace(" ", "") for r in requires) == sorted(
        r.split("#")[0].replace(" ", "") for r in PYPROJECT["project"]["dependencies"]
    )


@pytest.mark.parametrize(
    "ys",
    [
        ([0, 2, 1, 2], [2, 1, 1, 0]),
        (np.array(["b", "a"]), np.array(["c", "a"])),
        (np.array([[1, 0, 1], [0, 1, 1]]), np.array([[0, 0, 1], [1, 1, 0]])),
    ],
)
def test_unique_labels_shim_takes_the_types_given(ys):
    types = {type_of_target(y) for y in ys}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    got = _compat.unique_labels(*ys, ys_types=set(types))
    if types == {"multilabel-indicator"}:
        expected = np.arange(np.asarray(ys[0]).shape[1])
    else:
        expected = np.unique(np.concatenate([np.asarray(y) for y in ys]))
    np.testing.assert_array_equal(got, expected)


def test_column_or_1d_shim_takes_input_name():
    np.testing.assert_array_equal(
        _compat.column_or_1d(np.array([[1], [2]]), input_name="y_true"), [1, 2]
    )
    with pytest.raises(ValueError, match="1d array"):
        _compat.column_or_1d(np.ones((2, 2)), input_name="y_true")
