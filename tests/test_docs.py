"""The README and the documentation's sources point at what exists.

The README is the front page: every image it shows and every file it links to
is in the repository, and it keeps the test command that the CI reads from it.
Every ``examples/NN_topic.py`` is shown in the user guide (its gallery figure
embedded, or its gallery page referenced), and every example, user-guide page
and stub the user guide's toctree should list is there. Only files are read:
nothing is run, nothing is built (the docs build is `.ci/stage-docs.sh`).
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
USER_GUIDE = DOCS / "user_guide"
README = ROOT / "README.md"
# .ci/run takes the first README line that starts like this and runs it.
TEST_COMMAND = 'pip install ".[test]" && python -m pytest tests'
# ![alt](path) and <img src="path">
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)|<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']")
# [text](target), not images
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*([^)\s]+)")


def readme_text():
    return README.read_text(encoding="utf-8")


def local(paths):
    """Paths in the repository: no URLs, no in-page anchors."""
    return [p.split("#")[0] for p in paths if "://" not in p and not p.startswith("#")]


def test_every_image_in_the_readme_exists():
    images = local(markdown or html for markdown, html in IMAGE.findall(readme_text()))
    missing = [p for p in images if not (ROOT / p).exists()]
    assert not missing, f"README.md shows images that are not in the repository: {missing}"


def test_every_file_the_readme_links_to_exists():
    links = local(LINK.findall(readme_text()))
    assert any(p.startswith("docs/") for p in links), "the README links nowhere into docs/"
    missing = [p for p in links if not (ROOT / p).exists()]
    assert not missing, f"README.md links to files that are not in the repository: {missing}"


def test_the_readme_keeps_the_ci_test_command():
    lines = readme_text().splitlines()
    assert TEST_COMMAND in lines, f"README.md has no line {TEST_COMMAND!r} (.ci/run runs it)"
    first = next(line for line in lines if line.startswith('pip install ".[test]"'))
    assert first == TEST_COMMAND, f".ci/run would run {first!r}, not {TEST_COMMAND!r}"


def test_every_example_is_shown_in_the_user_guide():
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert scripts, f"no examples found in {EXAMPLES}"
    guide = "\n".join(p.read_text(encoding="utf-8") for p in USER_GUIDE.glob("*.rst"))
    # sphinx-gallery names an example's figures sphx_glr_<stem>_NNN.png and its
    # page's label sphx_glr_auto_examples_<stem>.py
    missing = [s.name for s in scripts
               if f"sphx_glr_{s.stem}_0" not in guide
               and f"sphx_glr_auto_examples_{s.stem}.py" not in guide]
    assert not missing, ("examples neither embedded nor referenced in docs/user_guide/: "
                         + ", ".join(missing))


def test_the_user_guide_lists_its_pages():
    index = (USER_GUIDE / "index.rst").read_text(encoding="utf-8")
    toctree = re.search(r"\.\. toctree::\n((?:\s+.*\n|\n)+)", index)
    assert toctree, "docs/user_guide/index.rst has no toctree"
    listed = {line.strip() for line in toctree.group(1).splitlines()
              if line.strip() and not line.strip().startswith(":")}
    pages = {p.stem for p in USER_GUIDE.glob("*.rst")} - {"index"}
    assert {"deployment", "callbacks"} <= pages, "the deployment and callbacks pages are gone"
    assert listed == pages, (f"user-guide pages not in its toctree: {sorted(pages - listed)}; "
                             f"toctree entries without a page: {sorted(listed - pages)}")
