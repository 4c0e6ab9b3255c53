"""CSV files as typed columns, for the command line (`nnfast train` / `nnfast predict`).

A file is read with pandas when it is importable (its C parser is fast on large
files; pandas is a test extra, not a runtime dependency) and with the standard
library's csv module otherwise. Both readers apply the same rules, so a file
gives the same columns whichever one reads it:

* the first row is the header; an empty name becomes "Unnamed: <index>" (as
  pandas names a saved DataFrame index); duplicate names are an error;
* a cell is missing when it is empty or one of ``MISSING`` ("NA", "NaN", "null", ...);
* a column is ``"number"`` when every cell that is not missing is a number
  (float syntax; "inf" included), ``"bool"`` when every cell is one of
  True/TRUE/true/False/FALSE/false and none is missing, and ``"text"`` otherwise;
* number and bool columns are float64 arrays (NaN where missing, bool as 0/1);
  text columns are object arrays of str (None where missing);
* blank lines are skipped; a row with fewer cells than the header is padded with
  missing cells, one with more is an error.

Problems a user can fix (no such file, an empty file, ragged rows, ...) raise
:class:`DataError`, whose message names the file and the problem.
"""

import csv
import dataclasses
import math
import os

import numpy as np

MISSING = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null",
                     "None", "#N/A", "<NA>"})
_TRUE = frozenset({"True", "TRUE", "true"})
_FALSE = frozenset({"False", "FALSE", "false"})


class DataError(ValueError):
    """A problem with the user's data; the command line prints it and exits with 2."""


@dataclasses.dataclass
class Column:
    """One column: ``kind`` is "number", "bool" or "text" (see the module docstring)."""

    name: str
    kind: str
    values: np.ndarray

    @property
    def missing(self):
        """Boolean mask of the missing cells."""
        if self.kind == "text":
            return np.array([v is None for v in self.values], dtype=bool)
        return np.isnan(self.values)


@dataclasses.dataclass
class Table:
    """A CSV file's columns, in file order, keyed by name."""

    path: str
    columns: dict
    n_rows: int

    @property
    def names(self):
        return list(self.columns)


def read_csv(path, engine=None):
    """The CSV file at ``path`` as a :class:`Table`.

    ``engine`` is "pandas", "csv" or None (pandas when importable).
    """
    path = os.fspath(path)
    if engine is None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            engine = "csv"
        else:
            engine = "pandas"
    names = _header(path)
    columns = _read_pandas(path, names) if engine == "pandas" else _read_csv_module(path, names)
    n_rows = len(columns[0].values) if columns else 0
    return Table(path, {c.name: c for c in columns}, n_rows)


def _open(path):
    """The file opened for csv reading; errors a user can act on become DataError."""
    try:
        return open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot open it ({exc.strerror})") from None


def _header(path):
    with _open(path) as f:
        try:
            header = next(csv.reader(f), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    if not header or all(not name.strip() for name in header):
        raise DataError(f"{path}: the file is empty or its first line (the header) is blank")
    names = [name if name else f"Unnamed: {i}" for i, name in enumerate(header)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate column names in the header: "
                        f"{', '.join(map(repr, duplicates))}")
    return names


def _read_pandas(path, names):
    import pandas as pd

    options = dict(header=0, names=names, keep_default_na=False, na_values=sorted(MISSING),
                   encoding="utf-8-sig", low_memory=False, skip_blank_lines=True,
                   index_col=False)
    try:
        frame = pd.read_csv(path, **options)
        # Text columns again, as written: pandas has turned "true" cells of a
        # column that is not all true/false into True.
        text = [name for name in names if frame[name].dtype.kind not in "iufb"]
        if text:
            raw = pd.read_csv(path, usecols=text, dtype=str, **options)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({str(exc).strip()})") from None
    columns = []
    for name in names:
        kind = frame[name].dtype.kind
        if kind in "iufb":
            columns.append(Column(name, "number" if kind != "b" else "bool",
                                  frame[name].to_numpy(dtype=np.float64)))
        else:
            values = np.array([None if _is_na(v) else v for v in raw[name]], dtype=object)
            columns.append(Column(name, "text", values))
    return columns


def _is_na(value):
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        type(value).__name__ == "NAType"


def _read_csv_module(path, names):
    width = len(names)
    rows = []
    with _open(path) as f:
        reader = csv.reader(f)
        try:
            next(reader)
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) > width:
                    raise DataError(f"{path}: line {reader.line_num} has {len(row)} cells, "
                                    f"the header has {width}")
                rows.append(row + [""] * (width - len(row)))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    cells = list(zip(*rows)) if rows else [()] * width
    return [_typed(name, tokens) for name, tokens in zip(names, cells)]


def _typed(name, tokens):
    present = [t for t in tokens if t not in MISSING]
    if present and len(present) == len(tokens) and all(t in _TRUE or t in _FALSE
                                                      for t in tokens):
        return Column(name, "bool", np.array([t in _TRUE for t in tokens], dtype=np.float64))
    try:
        values = np.array([np.nan if t in MISSING else float(t) for t in tokens],
                          dtype=np.float64)
    except ValueError:
        values = np.array([None if t in MISSING else t for t in tokens], dtype=object)
        return Column(name, "text", values)
    return Column(name, "number", values)


def names_list(names, limit=20):
    """``'a', 'b', ...`` for a message; long lists are cut after ``limit`` names."""
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown


def feature_matrix(table, names, dtype, text_hint=""):
    """The columns ``names`` of ``table`` as a (n_rows, len(names)) array of ``dtype``.

    Raises DataError naming the columns that are missing from the table, not
    numeric (followed by ``text_hint``), have missing cells or hold infinities.
    """
    absent = [n for n in names if n not in table.columns]
    if absent:
        raise DataError(f"{table.path}: no column(s) {names_list(absent)}; its columns are "
                        f"{names_list(table.names)}")
    columns = [table.columns[n] for n in names]
    text = [c.name for c in columns if c.kind == "text"]
    if text:
        raise DataError(f"{table.path}: non-numeric feature column(s) {names_list(text)}: "
                        f"nnfast needs numbers{text_hint}")
    gaps = [(c.name, int(c.missing.sum())) for c in columns if c.missing.any()]
    if gaps:
        detail = ", ".join(f"{name!r} ({count} rows)" for name, count in gaps[:20])
        raise DataError(f"{table.path}: missing values (empty or NA cells) in feature "
                        f"column(s) {detail}; fill them in or remove those rows")
    X = np.empty((table.n_rows, len(columns)), dtype=dtype)
    with np.errstate(over="ignore"):  # beyond float32's range: reported as infinite below
        for j, column in enumerate(columns):
            X[:, j] = column.values
    infinite = [c.name for c, finite in zip(columns, np.isfinite(X).all(axis=0)) if not finite]
    if infinite:
        raise DataError(f"{table.path}: infinite values (or values beyond {np.dtype(dtype)}'s "
                        f"range) in feature column(s) {names_list(infinite)}")
    return X
