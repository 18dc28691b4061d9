"""The first screen, in headless Chromium at a laptop's and a phone's width, and its accessibility.

A reader opening the report sees, without scrolling, how many promises have each verdict and
every promise on one 0-100% scale (on a phone: the headline, the counts and the worst gap
first). axe-core checks the page for serious or critical accessibility violations.

These need Debian's chromium and npm's axe-core (.ci/run installs both; the axe-core script is
found through $PROMISE_AUDIT_AXE_CORE or in .ci/axe/node_modules); without them they skip,
saying which is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser._cdp import Browser
from tests.browser._reports import REPORTS, ROOT, Rendered, reports_in, verdict_count_words

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = {"laptop": (1280, 900), "phone": (390, 844)}
AXE_PLACES = (ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js",)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed (Debian package: chromium)")
    opened = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def report_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    return reports_in(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def axe_source() -> str:
    named = os.environ.get("PROMISE_AUDIT_AXE_CORE")
    for place in (*((Path(named),) if named else ()), *AXE_PLACES):
        if place.is_file():
            return place.read_text(encoding="utf-8")
    pytest.skip("axe-core is not installed: npm install --prefix .ci/axe axe-core (see .ci/run)")


GEOMETRY = """(() => {
  const rect = (e) => e ? e.getBoundingClientRect() : null;
  const rows = Array.from(document.querySelectorAll('.overview .row:not(.scale-row)'));
  return {
    viewport: [innerWidth, innerHeight],
    page_width: document.documentElement.scrollWidth,
    headline: document.querySelector('#verdict-title').textContent.trim(),
    headline_bottom: rect(document.querySelector('#verdict-title')).bottom,
    tally: Array.from(document.querySelectorAll('.tally li')).map(li => li.textContent.trim()),
    tally_bottom: rect(document.querySelector('.tally')).bottom,
    rows: rows.map(r => r.querySelector('.row-name a').textContent.trim()),
    first_row_bottom: rows.length ? rect(rows[0]).bottom : null,
    last_row_bottom: rows.length ? rect(rows[rows.length - 1]).bottom : null,
    bars: rows.filter(r => r.querySelector('.track .dot')).length,
  };
})()"""


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_first_screen_holds_the_overview(
    browser: Browser, report_of: Callable[[str], Rendered], name: str, width: str
) -> None:
    report = report_of(name)
    page = browser.open(report.html.as_uri(), *WIDTHS[width])
    seen: dict[str, Any] = page.evaluate(GEOMETRY)
    view_width, view_height = seen["viewport"]
    promises = report.data["promises"]
    assert seen["headline"] == verdict_count_words(report.data)
    assert [item.split()[0] for item in seen["tally"]] == [
        str(sum(1 for p in promises if p["verdict"] == v))
        for v in ("kept", "at_risk", "broken", "no_data", "unauditable")
    ]
    assert len(seen["rows"]) == len(promises)
    assert seen["bars"] == sum(1 for p in promises if p["compliance"] is not None)
    assert seen["page_width"] <= view_width, "the page scrolls sideways"
    assert seen["tally_bottom"] <= view_height
    if width == "laptop":  # every promise on the first screen
        assert seen["last_row_bottom"] <= view_height
    else:  # the headline, the counts and the worst gap
        assert seen["first_row_bottom"] <= view_height


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_axe_finds_no_serious_or_critical_violation(
    browser: Browser,
    report_of: Callable[[str], Rendered],
    axe_source: str,
    name: str,
    width: str,
) -> None:
    report = report_of(name)
    page = browser.open(report.html.as_uri(), *WIDTHS[width])
    page.evaluate(axe_source + ";0")
    violations = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target).join(', ')}`))"
    )
    assert violations == []


def test_axe_does_report_a_violation(browser: Browser, tmp_path: Path, axe_source: str) -> None:
    """The check above can fail: an image without alt text is a critical violation."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><title>t</title><main><img src="x.png"></main></html>',
        encoding="utf-8",
    )
    page = browser.open(page_file.as_uri(), 1280, 900)
    page.evaluate(axe_source + ";0")
    found = page.evaluate(
        "axe.run(document).then(r => r.violations.map(v => v.id + ' ' + v.impact))"
    )
    assert "image-alt critical" in found
