"""The numbered teaching examples in examples/ run and draw their figures.

Every ``examples/NN_topic.py`` is found by its name, so new examples are picked up
without touching this file. Each runs in its own Python process in quick mode
(NNFAST_EXAMPLES_QUICK=1) with the Agg backend, writing into a temporary
directory (NNFAST_EXAMPLES_OUT); it must exit with status 0, print what it shows
and save ``NN_topic.png``: a real PNG with drawn content, not one flat colour.
A last test checks that the examples cover the numbers 01 to 18, one script each.
"""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

# The examples draw with matplotlib (the plot extra); without it, skip.
matplotlib = pytest.importorskip("matplotlib", reason="the examples need matplotlib")
matplotlib.use("Agg")

import matplotlib.image  # noqa: E402

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
NAME = re.compile(r"(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.py")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED_NUMBERS = {f"{i:02d}" for i in range(1, 19)}
# Quick mode runs in seconds; this only stops a hung script from hanging the suite.
TIMEOUT = 600
MIN_COLOURS = 16


def run_example(script, out_dir, cwd):
    env = dict(os.environ)
    # Correctness, not speed, is tested here: one BLAS thread keeps the scripts
    # quick on a machine busy with other work (two OpenBLAS threads fighting
    # over two busy cores slow them down many times).
    env["OPENBLAS_NUM_THREADS"] = "1"
    env.update(
        NNFAST_EXAMPLES_QUICK="1",
        NNFAST_EXAMPLES_OUT=str(out_dir),
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ written into examples/
        PYTHONPATH=os.pathsep.join(filter(None, [str(EXAMPLES), env.get("PYTHONPATH")])),
    )
    return subprocess.run([sys.executable, str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_runs_and_saves_its_figure(script, tmp_path):
    out_dir, cwd = tmp_path / "out", tmp_path / "cwd"
    out_dir.mkdir()
    cwd.mkdir()  # a working directory of its own: nothing lands in the checkout
    result = run_example(script, out_dir, cwd)
    report = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{script.name} exited with {result.returncode}\n{report}"

    png = out_dir / f"{script.stem}.png"
    assert png.is_file(), f"{script.name} did not save {png.name}\n{report}"
    assert png.read_bytes()[:8] == PNG_SIGNATURE, f"{png.name} is not a PNG"
    image = matplotlib.image.imread(png)
    assert image.ndim == 3 and image.shape[0] >= 100 and image.shape[1] >= 100, image.shape
    colours = np.unique(image.reshape(-1, image.shape[2]), axis=0)
    assert len(colours) > MIN_COLOURS, f"{png.name} looks blank: {len(colours)} colours"

    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert f"saved {png}" in lines, f"{script.name} did not print 'saved {png}'\n{report}"
    assert len(lines) > 1, f"{script.name} printed nothing but the saved path\n{report}"
    assert not list(cwd.iterdir()), "files written outside NNFAST_EXAMPLES_OUT: " + ", ".join(
        p.name for p in cwd.iterdir())


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_follows_the_conventions(script):
    """Name NN_snake_case.py, a module docstring that sphinx-gallery can render (an RST
    title, underlined with "=", then 2-5 lines), the Agg backend chosen before pyplot
    is imported, and the shared helpers."""
    assert NAME.fullmatch(script.name), f"{script.name} is not NN_snake_case.py"
    source = script.read_text()
    docstring = re.match(r'\s*"""(.*?)"""', source, re.S)
    assert docstring, f"{script.name} does not start with a module docstring"
    title, _, body = docstring.group(1).strip().partition("\n")
    assert title.strip(), f"{script.name}: the docstring's first line (the title) is empty"
    underline, _, body = body.partition("\n")
    assert underline == "=" * len(title), (
        f"{script.name}: the title is not underlined with {len(title)} '=' (sphinx-gallery "
        f"takes the page title from it)")
    body_lines = [line for line in body.splitlines() if line.strip()]
    assert 2 <= len(body_lines) <= 5, (
        f"{script.name}: the docstring says what it shows in {len(body_lines)} lines, not 2-5")
    use_agg = source.find('matplotlib.use("Agg")')
    assert use_agg >= 0, f"{script.name} does not call matplotlib.use(\"Agg\")"
    pyplot = source.find("import matplotlib.pyplot")
    assert pyplot < 0 or use_agg < pyplot, f"{script.name} imports pyplot before choosing Agg"
    assert "from _common import" in source, f"{script.name} does not use examples/_common.py"


def test_examples_cover_the_expected_numbers():
    numbers = [NAME.fullmatch(s.name).group(1) if NAME.fullmatch(s.name) else s.name
               for s in SCRIPTS]
    duplicated = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not duplicated, f"several examples share the numbers {duplicated}"
    missing = sorted(EXPECTED_NUMBERS - set(numbers))
    extra = sorted(set(numbers) - EXPECTED_NUMBERS)
    assert not missing and not extra, f"missing examples {missing}, unexpected {extra}"


def load_common():
    spec = importlib.util.spec_from_file_location("_examples_common", EXAMPLES / "_common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_common_output_path_and_quick_flag(monkeypatch, tmp_path):
    monkeypatch.delenv("NNFAST_EXAMPLES_OUT", raising=False)
    monkeypatch.delenv("NNFAST_EXAMPLES_QUICK", raising=False)
    common = load_common()
    assert common.QUICK is False
    script = EXAMPLES / "01_perceptron.py"
    assert common.output_path(script) == pathlib.Path(".") / "01_perceptron.png"

    monkeypatch.setenv("NNFAST_EXAMPLES_OUT", str(tmp_path / "figures"))
    monkeypatch.setenv("NNFAST_EXAMPLES_QUICK", "1")
    common = load_common()
    assert common.QUICK is True
    assert common.output_path(str(script)) == tmp_path / "figures" / "01_perceptron.png"


def test_common_save_writes_prints_and_closes(monkeypatch, tmp_path, capsys):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("NNFAST_EXAMPLES_OUT", str(tmp_path / "new_dir"))
    common = load_common()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    common.save(fig, "/somewhere/07_some_topic.py")
    png = tmp_path / "new_dir" / "07_some_topic.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    assert capsys.readouterr().out == f"saved {png}\n"
    assert not plt.fignum_exists(fig.number)


def test_common_save_leaves_the_figure_to_the_gallery(monkeypatch, tmp_path, capsys):
    """Under sphinx-gallery the figure stays open (its scraper takes open figures at
    the end of a cell) and no file is written into the docs build's working tree."""
    import matplotlib.pyplot as plt

    monkeypatch.setenv("NNFAST_EXAMPLES_OUT", str(tmp_path))
    monkeypatch.setenv("NNFAST_EXAMPLES_GALLERY", "1")
    common = load_common()
    fig, ax = plt.subplots()
    assert common.save(fig, "/somewhere/07_some_topic.py") is None
    assert plt.fignum_exists(fig.number)
    assert not list(tmp_path.iterdir())
    assert capsys.readouterr().out == ""
    plt.close(fig)
