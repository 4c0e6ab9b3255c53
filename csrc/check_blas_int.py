"""Build-time check: the integer width of SciPy's cython_blas GEMM and GEMV interfaces.

nnfast passes `int` sizes to the ?gemm and ?gemv pointers from scipy.linalg.cython_blas.
If SciPy ever declares another integer type there, fail the build loudly.
"""

import pathlib
import re
import sys

import scipy.linalg

pxd = pathlib.Path(scipy.linalg.__file__).with_name("cython_blas.pxd")
text = pxd.read_text()
for routine in ("sgemm", "dgemm", "sgemv", "dgemv"):
    match = re.search(rf"cdef void {routine}\(([^)]*)\)", text)
    if match is None:
        sys.exit(f"{routine} not declared in {pxd}")
    if not re.search(r"\bint \*m\b", match.group(1)):
        sys.exit(f"{routine} in {pxd} does not take `int *` sizes: {match.group(1)}")
print("32-bit int (LP64) in", pxd)
