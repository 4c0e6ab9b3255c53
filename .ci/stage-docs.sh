#!/usr/bin/env bash
# CI stage: build the documentation from this checkout and fail on any warning.
#   bash .ci/stage-docs.sh "$work"      (run from the repository root)
# A new venv under $work gets nnfast with its docs extra (sphinx, pydata-sphinx-theme,
# numpydoc, sphinx-gallery, matplotlib, and what examples 17 and 18 run: rich,
# onnx); Sphinx then builds the HTML with -W (every warning is an error),
# --keep-going (report them all) and -n (every cross-reference must resolve;
# the intersphinx inventories are in docs/_intersphinx, no network).
# The gallery runs every example in its quick mode (NNFAST_DOCS_QUICK=1) to save
# time; the published figures come from a full build (without it). The HTML lands
# in $work/docs-html; the build's generated sources (docs/auto_examples,
# docs/api/generated) in the checkout, as in any Sphinx build (.gitignore'd).
set -euo pipefail
work=${1:?usage: bash .ci/stage-docs.sh SCRATCH_DIR}
mkdir -p "$work"
work=$(cd "$work" && pwd)
python=${PYTHON:-python3}

run() { printf '+ %s\n' "$*"; "$@"; }

start=$SECONDS
run "$python" -m venv "$work/docs-venv"
# shellcheck disable=SC1091
. "$work/docs-venv/bin/activate"
run python -m pip install --quiet --upgrade pip
run python -m pip install --quiet ".[docs]"
installed=$SECONDS

export NNFAST_DOCS_QUICK=1
echo "+ NNFAST_DOCS_QUICK=1"
run python -m sphinx -W --keep-going -n -b html docs "$work/docs-html"
pages=$(find "$work/docs-html" -name '*.html' -not -path '*/_*' | wc -l)
echo "docs: $pages HTML pages in $work/docs-html; install $((installed - start)) s," \
     "build $((SECONDS - installed)) s"
