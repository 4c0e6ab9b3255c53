"""Remake the README's example thumbnails from the examples themselves.

    python docs/make_thumbnails.py                  # every examples/NN_topic.py
    python docs/make_thumbnails.py 01_perceptron    # only those named

Each example runs full-size (not NNFAST_EXAMPLES_QUICK) in its own Python process
with the Agg backend, saving its figure into a temporary directory; the figure is
then scaled to 320 px wide and written to docs/images/examples/NN_topic.png. A
script that fails or saves no figure is named, its output shown, and the command
exits non-zero; its old thumbnail is left as it was.

The committed thumbnails were made with one BLAS thread, so OPENBLAS_NUM_THREADS
defaults to 1 here; set it to override. Needs matplotlib and Pillow (the plot
extra).
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
THUMBNAILS = ROOT / "docs" / "images" / "examples"
WIDTH = 320
# Downscaled line art has few colours: a 256-colour palette keeps the PNGs small.
COLOURS = 256


def example_scripts(names):
    """The example scripts named (``01_perceptron``, ``01_perceptron.py`` or a
    path to one), or all of them when none are."""
    if not names:
        return sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    scripts = [EXAMPLES / (pathlib.Path(name).stem + ".py") for name in names]
    unknown = [name for name, script in zip(names, scripts) if not script.is_file()]
    if unknown:
        sys.exit(f"no such example in {EXAMPLES}: {', '.join(unknown)}")
    return scripts


def run_example(script, out_dir, cwd):
    env = dict(os.environ)
    env.pop("NNFAST_EXAMPLES_QUICK", None)  # the README shows full-size runs
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(
        MPLBACKEND="Agg",
        NNFAST_EXAMPLES_OUT=str(out_dir),
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ written into examples/
    )
    return subprocess.run([sys.executable, str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True)


def write_thumbnail(figure, thumbnail):
    with Image.open(figure) as image:
        rgb = image.convert("RGB")
    height = round(rgb.height * WIDTH / rgb.width)
    small = rgb.resize((WIDTH, height), Image.Resampling.LANCZOS)
    small.quantize(COLOURS).save(thumbnail)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", nargs="*", metavar="NN_topic",
                        help="examples to run (default: all of them)")
    scripts = example_scripts(parser.parse_args(argv).examples)
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir, cwd = pathlib.Path(tmp, "out"), pathlib.Path(tmp, "cwd")
        out_dir.mkdir()
        cwd.mkdir()  # whatever else a script writes stays out of the checkout
        for script in scripts:
            start = time.perf_counter()
            result = run_example(script, out_dir, cwd)
            figure = out_dir / f"{script.stem}.png"
            if result.returncode != 0 or not figure.is_file():
                why = (f"exited with status {result.returncode}" if result.returncode
                       else f"saved no {figure.name}")
                print(f"{script.name} {why}\n{result.stdout}{result.stderr}", file=sys.stderr)
                failed.append(script.stem)
                continue
            thumbnail = THUMBNAILS / figure.name
            write_thumbnail(figure, thumbnail)
            print(f"{thumbnail.relative_to(ROOT)} ({time.perf_counter() - start:.0f} s)")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
