"""The PDF a consultant sends, checked as pages: packed, with an unbroken title band and badges
inside their table cells.

Pages are rendered to images with poppler's pdftoppm and measured (how far down each page the
ink reaches); the badge and title-band checks read WeasyPrint's own layout of the same HTML.
They need WeasyPrint and poppler-utils (.ci/run installs both) and skip, saying so, without.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from tests.browser._reports import REPORTS, Rendered, reports_in

FOOTER = 0.93  # below this share of the page height sits the running footer
NEAR_EMPTY = 0.5  # a page whose content stops above half its height is near-empty


@pytest.fixture(scope="module")
def report_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    return reports_in(tmp_path_factory.mktemp("reports"))


def needs_weasyprint() -> Any:
    return pytest.importorskip("weasyprint", reason="PDF needs WeasyPrint: pip install '.[pdf]'")


def needs_poppler() -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdftoppm / pdftotext are not installed (Debian package: poppler-utils)")


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """A binary greyscale PGM (P5) image: width, height and one byte per pixel."""
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:  # magic, width, height, maximum
        while data[position : position + 1].isspace():
            position += 1
        start = position
        while not data[position : position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    assert fields[0] == b"P5"
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[position + 1 : position + 1 + width * height]


def ink_depth(path: Path) -> float:
    """How far down the page the content reaches, as a share of its height (footer left out)."""
    width, height, pixels = read_pgm(path)
    lowest = 0
    for row in range(int(height * FOOTER)):
        line = pixels[row * width : (row + 1) * width]
        if min(line) < 200:
            lowest = row
    return lowest / height


def pdf_pages(report: Rendered) -> tuple[list[float], list[str]]:
    """Each page's ink depth and text."""
    pdf = report.folder / f"{report.name}.pdf"
    if not pdf.exists():
        done = CliRunner().invoke(app, ["report", str(report.saved), "-o", str(pdf)])
        assert done.exit_code == 0, done.output
    prefix = report.folder / f"{report.name}-page"
    subprocess.run(["pdftoppm", "-gray", "-r", "24", str(pdf), str(prefix)], check=True)
    images = sorted(report.folder.glob(f"{report.name}-page-*.pgm"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [ink_depth(image) for image in images], text.split("\f")[: len(images)]


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_no_page_is_left_near_empty(report_of: Callable[[str], Rendered], name: str) -> None:
    needs_weasyprint()
    needs_poppler()
    report = report_of(name)
    depths, texts = pdf_pages(report)
    assert len(depths) >= 2
    short = [
        number + 1
        for number, depth in enumerate(depths[:-1])
        # the methodology starts a page of its own: the page before it may end early
        if depth < NEAR_EMPTY and not texts[number + 1].lstrip().startswith("Methodology")
    ]
    assert short == [], f"near-empty pages {short} of {len(depths)}: {depths}"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_title_band_keeps_as_of_on_one_line(
    report_of: Callable[[str], Rendered], name: str
) -> None:
    needs_weasyprint()
    needs_poppler()
    report = report_of(name)
    _, texts = pdf_pages(report)
    as_of = str(report.data["as_of"])[:10]
    assert f"As of {as_of}" in " ".join(texts[0].split())
    assert any(line.strip().startswith(f"As of {as_of}") for line in texts[0].splitlines())


def boxes(html: str) -> Iterator[tuple[Any, Any, Any]]:
    """Every layout box of WeasyPrint's pages, with the table cell and the masthead it is in."""
    weasyprint = needs_weasyprint()
    document = weasyprint.HTML(string=html).render()

    def walk(box: Any, cell: Any, band: Any) -> Iterator[tuple[Any, Any, Any]]:
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        if type(box).__name__ == "TableCellBox":
            cell = box
        if "masthead-inner" in classes:
            band = box
        yield box, cell, band
        for child in getattr(box, "children", ()):
            yield from walk(child, cell, band)

    for page in document.pages:
        yield from walk(page._page_box, None, None)


def classes_of(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_verdict_badges_sit_inside_their_table_cells(
    report_of: Callable[[str], Rendered], name: str
) -> None:
    report = report_of(name)
    html = report.html.read_text(encoding="utf-8")
    checked = 0
    for box, cell, _ in boxes(html):
        if "badge" not in classes_of(box) or cell is None or box.element_tag != "span":
            continue
        checked += 1
        top, bottom = box.border_box_y(), box.border_box_y() + box.border_height()
        left, right = box.border_box_x(), box.border_box_x() + box.border_width()
        assert cell.border_box_y() <= top and bottom <= cell.border_box_y() + cell.border_height()
        assert cell.border_box_x() <= left and right <= cell.border_box_x() + cell.border_width()
    assert checked >= len(report.data["promises"])  # the summary table's badges at least


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_the_title_band_does_not_break_as_of_with_branding(
    report_of: Callable[[str], Rendered], size: str
) -> None:
    """A long line of branding wraps at its end, never between 'As' and 'of' (on Letter pages
    the band's text was once squeezed to its narrowest)."""
    needs_weasyprint()
    needs_poppler()
    report = report_of("example")
    pdf = report.folder / f"branded-{size}.pdf"
    done = CliRunner().invoke(
        app,
        [
            "report", str(report.saved), "-o", str(pdf), "--page-size", size,
            "--client", "City of New York", "--prepared-by", "Audit team",
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    first = subprocess.run(
        ["pdftotext", "-layout", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    as_of = str(report.data["as_of"])[:10]
    assert any(line.strip().startswith(f"As of {as_of}") for line in first.splitlines())
