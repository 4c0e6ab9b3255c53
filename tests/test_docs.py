"""The README's example thumbnails are all there.

Every ``examples/NN_topic.py`` has its thumbnail ``docs/images/examples/NN_topic.png``
(made by ``python docs/make_thumbnails.py``), and every image the README shows is
a file in the repository. Only files are read: nothing is run.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
THUMBNAILS = ROOT / "docs" / "images" / "examples"
README = ROOT / "README.md"
# ![alt](path) and <img src="path">
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*([^)\s]+)|<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
THUMBNAIL_WIDTH = 320  # make_thumbnails.py's WIDTH


def readme_images():
    text = README.read_text(encoding="utf-8")
    paths = [markdown or html for markdown, html in IMAGE.findall(text)]
    return [p for p in paths if "://" not in p]  # badges and the like are not files here


def test_every_example_has_a_thumbnail():
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert scripts, f"no examples found in {EXAMPLES}"
    missing = [s.name for s in scripts if not (THUMBNAILS / f"{s.stem}.png").is_file()]
    assert not missing, (f"examples without a thumbnail in {THUMBNAILS.relative_to(ROOT)} "
                         f"(python docs/make_thumbnails.py NN_topic): {', '.join(missing)}")


def test_every_image_in_the_readme_exists():
    images = readme_images()
    thumbnails = [p for p in images if p.startswith("docs/images/examples/")]
    assert thumbnails, "the README shows no example thumbnails: has the Examples table moved?"
    missing = [p for p in images if not (ROOT / p).is_file()]
    assert not missing, f"README.md shows images that are not in the repository: {missing}"


def test_thumbnails_are_pngs_of_the_thumbnail_width():
    wrong = {}
    for thumbnail in sorted(THUMBNAILS.glob("*.png")):
        header = thumbnail.read_bytes()[:24]
        # the IHDR chunk comes first: width as a big-endian uint32 at byte 16
        if header[:8] != PNG_SIGNATURE:
            wrong[thumbnail.name] = "not a PNG"
        elif (width := int.from_bytes(header[16:20], "big")) != THUMBNAIL_WIDTH:
            wrong[thumbnail.name] = f"{width} px wide"
    assert not wrong, f"thumbnails not {THUMBNAIL_WIDTH} px wide PNGs: {wrong}"
