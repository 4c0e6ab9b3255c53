"""Helpers shared by the numbered examples (not an example itself).

- ``QUICK`` is True when the environment variable NNFAST_EXAMPLES_QUICK is "1":
  examples then shrink their work (fewer epochs, fewer samples) to run in a few
  seconds, as the tests do.
- ``output_path(__file__)`` is where an example's figure goes: ``NN_topic.png``
  (the script's own name with .png) in the directory named by the environment
  variable NNFAST_EXAMPLES_OUT, by default the current directory.
- ``save(fig)`` writes the figure there (named after the running script,
  ``sys.argv[0]``: sphinx-gallery defines no ``__file__`` but sets that), prints
  "saved <path>" and closes it. When the documentation's gallery runs the examples
  (NNFAST_EXAMPLES_GALLERY is "1", set by docs/conf.py), it does nothing:
  sphinx-gallery takes the open figure into the example's page itself.

Each example imports these as ``from _common import QUICK, save``; Python puts
the directory of the script it runs on sys.path, so this works from any current
directory with ``python examples/NN_topic.py``.
"""

import os
import pathlib
import sys

QUICK = os.environ.get("NNFAST_EXAMPLES_QUICK") == "1"
GALLERY = os.environ.get("NNFAST_EXAMPLES_GALLERY") == "1"


def output_path(script_file) -> pathlib.Path:
    """The PNG path for the example script ``script_file`` (pass ``__file__``)."""
    out_dir = pathlib.Path(os.environ.get("NNFAST_EXAMPLES_OUT") or ".")
    return out_dir / (pathlib.Path(script_file).stem + ".png")


def save(fig, script_file=None):
    """Save ``fig`` as the PNG of ``script_file`` (default: the running script), print
    "saved <path>" and close the figure (in the gallery: leave it open for
    sphinx-gallery's scraper, and return None)."""
    if GALLERY:
        return None
    import matplotlib.pyplot as plt

    path = output_path(script_file or sys.argv[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"saved {path}")
    plt.close(fig)
    return path
