"""Sphinx configuration of nnfast's documentation.

Build: ``python -m sphinx -W --keep-going -n -b html docs docs/_build/html``
(``pip install ".[docs]"`` first). The gallery executes every ``examples/NN_*.py``;
``NNFAST_DOCS_QUICK=1`` runs them in their quick mode (fewer epochs and samples,
as the tests do), which the CI uses to save time. The published figures come from
a full build.
"""

import importlib.util
import os
import pathlib
import sys

from threadpoolctl import threadpool_limits

import nnfast

DOCS = pathlib.Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"

project = "nnfast"
author = "the nnfast developers"
copyright = "the nnfast developers"
release = version = nnfast.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_intersphinx", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]

# Modules that other parts of nnfast add: each has its own API page, built when the
# module exists (until then the page is left out, so that the build stays clean).
OPTIONAL_API = {"api/onnx": "nnfast.onnx", "api/callbacks": "nnfast.callbacks"}
exclude_patterns += [page + ".rst" for page, module in OPTIONAL_API.items()
                     if importlib.util.find_spec(module) is None]

# Every cross-reference must resolve (-n): these are the type words of numpydoc's
# "Parameters" sections that name no object.
nitpicky = True

# --- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"nnfast {version}"
html_static_path = ["_static"]
html_css_files = ["nnfast.css"]
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# No left sidebar on the course's pages and the gallery's: the examples' figures
# (12-18 inches wide, several panels) need the width to stay legible; the pages
# link to each other through the navigation bar and "previous/next".
html_sidebars = {page: [] for page in ("index", "getting_started", "migrating",
                                       "performance", "development", "changelog",
                                       "user_guide/*", "auto_examples/*")}
pygments_style = "friendly"
pygments_dark_style = "monokai"

# --- autodoc, autosummary, numpydoc ------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's sections give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "array-like": ":term:`array-like <array_like>`",
    "array_like": ":term:`array_like`",
    "sparse matrix": "scipy.sparse.spmatrix",
    "estimator": "sklearn.base.BaseEstimator",
    "MLPClassifier": "nnfast.MLPClassifier",
    "MLPRegressor": "nnfast.MLPRegressor",
    "Perceptron": "nnfast.Perceptron",
    "HiddenLayerTransformer": "nnfast.HiddenLayerTransformer",
    "dtype": "numpy.dtype",
    "Schedule": "nnfast.schedules.Schedule",
    "NotFittedError": "sklearn.exceptions.NotFittedError",
    "RandomState": "numpy.random.RandomState",
    "Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "DataFrame": "pandas.DataFrame",
    "path-like": ":term:`path-like <path-like object>`",
    "file-like": ":term:`file-like <file object>`",
    "callable": ":term:`callable`",
    "dict": "dict",
    "list": "list",
    "tuple": "tuple",
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "None": "None",
}
numpydoc_xref_ignore = {"of", "shape", "or", "default", "optional", "n_samples",
                        "n_features", "n_outputs", "n_classes", "n_layers", "n_units",
                        "n_rates", "n_epochs", "the", "same", "as", "and", "one", "per",
                        "each", "length", "type", "in", "a", "an", "to", "is", "with",
                        "for", "n_labels", "layer", "instance", "after", "units", "width",
                        "height", "lists", "objects", "returns", "X_val", "y_val",
                        "sample_weight_val", "hidden_layer_sizes", "n_features_new",
                        # a namedtuple of forward()'s, its fields described where used
                        "LayerOutput",
                        # onnx publishes no Sphinx inventory
                        "onnx.ModelProto"}

# Only what nnfast defines is documented here: the methods scikit-learn adds to
# every estimator (score, set_output, the metadata-routing set_*_request, ...) are
# documented by scikit-learn, with links into its own user guide.
def skip_member(app, what, name, obj, skip, options):
    module = (getattr(obj, "__module__", None)
              or getattr(getattr(obj, "__objclass__", None), "__module__", None))
    if module and not module.startswith("nnfast"):
        return True
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def optional_api_toctree(app, docname, source):
    """List the pages of OPTIONAL_API whose module exists where api/index.rst says."""
    if docname != "api/index":
        return
    present = [page.removeprefix("api/") for page, module in OPTIONAL_API.items()
               if importlib.util.find_spec(module) is not None]
    toctree = ("More modules\n============\n\n.. toctree::\n   :maxdepth: 1\n\n"
               + "".join(f"   {page}\n" for page in present)) if present else ""
    source[0] = source[0].replace("OPTIONAL-API-TOCTREE", toctree)


def setup(app):
    app.connect("autodoc-skip-member", skip_member)
    app.connect("source-read", optional_api_toctree)


# --- intersphinx: inventories kept in the repository, the build has no network ----
def _inventory(name):
    return str(DOCS / "_intersphinx" / f"{name}.inv")


intersphinx_mapping = {
    "python": ("https://docs.python.org/3", _inventory("python")),
    "numpy": ("https://numpy.org/doc/stable", _inventory("numpy")),
    "scipy": ("https://docs.scipy.org/doc/scipy", _inventory("scipy")),
    "sklearn": ("https://scikit-learn.org/stable", _inventory("sklearn")),
    "matplotlib": ("https://matplotlib.org/stable", _inventory("matplotlib")),
}
intersphinx_timeout = 1

# --- sphinx-gallery ----------------------------------------------------------------
QUICK = os.environ.get("NNFAST_DOCS_QUICK") == "1"
# The examples read these when they import examples/_common.py: quick mode on
# request; in the gallery, save() leaves each figure to sphinx-gallery's scraper.
os.environ["NNFAST_EXAMPLES_QUICK"] = "1" if QUICK else "0"
os.environ["NNFAST_EXAMPLES_GALLERY"] = "1"
# One BLAS thread, as the tests run the examples: on a machine busy with other work,
# BLAS threads fighting over the cores slow the examples down many times.
threadpool_limits(limits=1, user_api="blas")
sys.path.insert(0, str(EXAMPLES))  # for `from _common import ...`

sphinx_gallery_conf = {
    "examples_dirs": str(EXAMPLES),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/\d\d_",  # execute every numbered example
    "ignore_pattern": r"_common\.py$",  # a helper, not an example
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "download_all_examples": False,
    "image_srcset": ["2x"],
    "matplotlib_animations": False,
    "doc_module": ("nnfast",),
    "backreferences_dir": "api/backreferences",
    "show_memory": False,
    "min_reported_time": 1,
    "capture_repr": (),
    "line_numbers": False,
    # The scripts import QUICK and save from examples/_common.py, which the pages
    # and notebooks leave out (sphinx_gallery_start_ignore): a downloaded notebook
    # defines them in its first cell instead, for a full-size run shown inline.
    "first_notebook_cell": ("QUICK = False  # the scripts' quick mode (fewer epochs), off\n"
                            "\n\n"
                            "def save(fig):\n"
                            '    """The scripts save their figure; a notebook shows it."""\n'),
}
