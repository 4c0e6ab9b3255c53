"""The installed package's type information, checked with mypy.

tests/typing/check_api.py states what a type checker must infer from nnfast's
public API (``typing.assert_type``) and tests/typing/check_errors.py the calls
it must reject; both are checked by ``mypy --strict`` against the installed
nnfast (its py.typed marker, annotations and the stubs of the compiled
modules), and stubtest holds those stubs to the compiled modules' signatures.
"""

import ast
import importlib.resources
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy_api

from nnfast import MLPRegressor, metrics
from nnfast._multilayer_perceptron import BaseMultilayerPerceptron

HERE = Path(__file__).parent / "typing"
SOURCE = Path(__file__).parents[1] / "src" / "nnfast"
CONFIG = HERE / "mypy.ini"
IGNORE = re.compile(r"  # type: ignore\[([a-z-]+)\]")


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """mypy(*files) -> (exit status, report), with nnfast's typing configuration;
    one cache for the module's runs (numpy's stubs are parsed once)."""
    cache = tmp_path_factory.mktemp("mypy_cache")

    def run(*files, config=CONFIG):
        stdout, stderr, status = mypy_api.run([
            "--config-file", str(config), "--cache-dir", str(cache),
            "--python-executable", sys.executable, "--no-error-summary",
            "--show-error-codes", *map(str, files),
        ])
        return status, stdout + stderr

    return run


def test_installed_package_ships_its_type_information():
    package = importlib.resources.files("nnfast")
    missing = [name for name in ("py.typed", "_core.pyi", "_metrics.pyi", "_typing.pyi")
               if not package.joinpath(name).is_file()]
    assert not missing, f"the installed nnfast ({package}) lacks {missing}"


def _literal_aliases():
    """{alias name: its strings} of the Literal aliases in the installed _typing.pyi."""
    stub = importlib.resources.files("nnfast").joinpath("_typing.pyi").read_text()
    aliases = {}
    for node in ast.parse(stub).body:
        value = getattr(node, "value", None)
        if (isinstance(node, ast.AnnAssign) and isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name) and value.value.id == "Literal"):
            items = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
            aliases[node.target.id] = {item.value for item in items}
    return aliases


def _options(constraints, name):
    return next(c.options for c in constraints[name] if hasattr(c, "options"))


def test_literal_types_name_the_options_the_estimators_accept():
    """The string options a type checker allows are those fit validates: an
    option added to the estimators (an activation, a schedule) must be added to
    nnfast/_typing.pyi, or type checkers reject a valid call."""
    mlp = BaseMultilayerPerceptron._parameter_constraints
    accepted = {
        "HiddenActivation": _options(mlp, "activation"),
        "Solver": _options(mlp, "solver"),
        "ScheduleName": _options(mlp, "learning_rate"),
        "Init": _options(mlp, "init"),
        "ComputeDtype": _options(mlp, "dtype"),
        "Monitor": _options(mlp, "monitor"),
        "RegressionLoss": _options(MLPRegressor._parameter_constraints, "loss"),
        "Average": {"binary"} | {a for a in metrics._AVERAGES if a is not None},
    }
    typed = _literal_aliases()
    differ = {name: (sorted(typed.get(name, ())), sorted(options))
              for name, options in accepted.items() if typed.get(name) != set(options)}
    assert not differ, f"Literal in _typing.pyi vs options accepted (name: (typed, accepted)): {differ}"


def test_public_api_has_the_declared_types(mypy):
    status, report = mypy(HERE / "check_api.py")
    assert status == 0, f"mypy --strict on tests/typing/check_api.py:\n{report}"


def test_wrong_calls_are_type_errors(mypy, tmp_path):
    """Each line of check_errors.py marked ``# type: ignore[code]`` must get
    exactly that error, and no other line any."""
    source = (HERE / "check_errors.py").read_text()
    expected = {
        (number, match.group(1))
        for number, line in enumerate(source.splitlines(), start=1)
        for match in IGNORE.finditer(line)
    }
    assert len(expected) >= 10, "check_errors.py lost its marked lines"
    # As written: passes only if every ignore silences an error (--warn-unused-ignores).
    status, report = mypy(HERE / "check_errors.py")
    assert status == 0, f"mypy on tests/typing/check_errors.py:\n{report}"
    # Without the ignores: the errors, line by line.
    bare = tmp_path / "check_errors.py"
    bare.write_text(IGNORE.sub("", source))
    status, report = mypy(bare)
    found = {
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r"^.*?:(\d+): error: .*\[([a-z-]+)\]$", report, re.MULTILINE)
    }
    assert status == 1 and found == expected, (
        f"expected errors (line, code) {sorted(expected)}, mypy reported:\n{report}"
    )


def test_annotated_source_type_checks(mypy):
    """The bodies of nnfast's annotated functions agree with their annotations
    (mypy's default checks; stubs of the compiled modules included)."""
    status, report = mypy(SOURCE, config=HERE / "mypy-package.ini")
    assert status == 0, f"mypy on {SOURCE}:\n{report}"


def test_stubs_match_the_compiled_modules(tmp_path):
    # In tmp_path: stubtest leaves a .mypy_cache in its working directory.
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "nnfast._core", "nnfast._metrics",
         "--mypy-config-file", str(CONFIG),
         "--allowlist", str(HERE / "stubtest-allowlist.txt")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, f"stubtest:\n{result.stdout}{result.stderr}"
