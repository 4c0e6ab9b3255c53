"""Write the intersphinx inventories that docs/conf.py reads (the build has no network).

    python docs/_intersphinx/make_inventories.py

python.inv, scipy.inv and sklearn.inv are the real ``objects.inv`` files of
Debian 12's documentation packages, copied when those are installed
(``apt-get install python3.11-doc python-scipy-doc python-sklearn-doc``; 127, 104
and 73 KB): Python 3.11, SciPy 1.10.1 and scikit-learn 1.2.1, so objects added
since then do not resolve through them. Debian 12 ships no documentation package
for NumPy or Matplotlib, so numpy.inv and matplotlib.inv are written here: only
the objects nnfast's documentation refers to, each with its address in the
project's online documentation. A reference to any other NumPy or Matplotlib
object fails the nitpicky build until it is added to the lists below.
"""

import pathlib
import shutil
import zlib

HERE = pathlib.Path(__file__).resolve().parent
DEBIAN = {
    "python": "/usr/share/doc/python3.11/html/objects.inv",
    "scipy": "/usr/share/doc/python-scipy-doc/html/objects.inv",
    "sklearn": "/usr/share/doc/python-sklearn-doc/html/objects.inv",
}
# (name, domain:role, address relative to the base URL in docs/conf.py)
WRITTEN = {
    ("numpy", "NumPy", "stable"): [
        ("numpy", "py:module", "reference/index.html#module-numpy"),
        ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
        ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#numpy.dtype"),
        ("numpy.nan", "py:data", "reference/constants.html#numpy.nan"),
        ("numpy.float32", "py:attribute", "reference/arrays.scalars.html#numpy.float32"),
        ("numpy.float64", "py:attribute", "reference/arrays.scalars.html#numpy.float64"),
        ("numpy.random.RandomState", "py:class",
         "reference/random/legacy.html#numpy.random.RandomState"),
        ("numpy.random.Generator", "py:class",
         "reference/random/generator.html#numpy.random.Generator"),
        ("array_like", "std:term", "glossary.html#term-array_like"),
    ],
    ("matplotlib", "Matplotlib", "stable"): [
        ("matplotlib", "py:module", "api/matplotlib_configuration_api.html#module-matplotlib"),
        ("matplotlib.pyplot", "py:module", "api/pyplot_summary.html#module-matplotlib.pyplot"),
        ("matplotlib.axes.Axes", "py:class",
         "api/_as_gen/matplotlib.axes.Axes.html#matplotlib.axes.Axes"),
        ("matplotlib.figure.Figure", "py:class",
         "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure"),
    ],
}


def write_inventory(path, project, version, objects):
    header = ("# Sphinx inventory version 2\n"
              f"# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    # name domain:role priority uri display-name ("-": the name itself)
    lines = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in objects)
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))


def main():
    for name, source in DEBIAN.items():
        if pathlib.Path(source).is_file():
            shutil.copyfile(source, HERE / f"{name}.inv")
            print(f"{name}.inv copied from {source}")
        else:
            print(f"{name}.inv kept ({source} is not installed)")
    for (name, project, version), objects in WRITTEN.items():
        write_inventory(HERE / f"{name}.inv", project, version, objects)
        print(f"{name}.inv written: {len(objects)} objects")


if __name__ == "__main__":
    main()
