"""The example's report in a real browser (headless Chromium) and its PDF read back as text.

These need Debian's chromium and poppler-utils, and WeasyPrint; .ci/run installs them. On a
machine without them the tests skip, saying which tool is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "promises" / "northwind.yaml"
ARTEFACTS = ROOT / "tests" / "browser" / "artefacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# a browser that may not reach any host: every name resolves to nothing
OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


BROWSER_SERVICES = re.compile(r"\.(google|gstatic|googleapis|gvt1)\.com$")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("report")
    data = json.loads(CliRunner().invoke(app, ["check", str(EXAMPLE), "--format", "json"]).output)
    # a contact field holding a script must render as text
    data["promises"][0]["evidence"][0]["contact_id"] = "<script>alert(1)</script>"
    saved = folder / "result.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    html = folder / "report.html"
    result = CliRunner().invoke(app, ["report", str(saved), "-o", str(html)])
    assert result.exit_code == 0, result.output
    return {"folder": folder, "data": data, "html": html, "saved": saved}


def chromium(*arguments: str, user_dir: Path) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed (Debian package: chromium)")
    return subprocess.run(
        [CHROMIUM, *OFFLINE, f"--user-data-dir={user_dir}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_report_renders_every_chart_and_escapes_the_script(example: dict[str, Any]) -> None:
    dom = chromium(
        "--dump-dom", example["html"].as_uri(), user_dir=example["folder"] / "profile-dom"
    ).stdout
    assert "<svg" in dom
    charted = sum(1 for p in example["data"]["promises"] if p["verdict"] != "unauditable")
    assert dom.count("<svg") >= charted  # at least one chart per auditable promise
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script>alert(1)" not in dom


def test_the_report_loads_nothing_from_the_network(example: dict[str, Any]) -> None:
    html = example["html"].read_text(encoding="utf-8")
    # links a reader may follow (a promise's url) are fine; nothing may be loaded
    for loader in ('src="http', "src='http", "url(http", "@import", '<link rel="stylesheet"'):
        assert loader not in html
    assert "<script" not in html.replace("&lt;script", "")
    log = example["folder"] / "netlog.json"
    chromium(
        f"--log-net-log={log}",
        "--dump-dom",
        example["html"].as_uri(),
        user_dir=example["folder"] / "profile-net",
    )
    requested = set(re.findall(r'"url":"(https?://[^"/]+)', log.read_text(errors="replace")))
    # the browser's own housekeeping (clock, accounts) is not the page's doing
    page = {url for url in requested if not BROWSER_SERVICES.search(url)}
    assert page == set()


def test_a_screenshot_of_the_first_screen_is_kept(example: dict[str, Any]) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "report-first-screen.png"
    shot.unlink(missing_ok=True)
    chromium(
        f"--screenshot={shot}",
        "--window-size=1280,900",
        example["html"].as_uri(),
        user_dir=example["folder"] / "profile-shot",
    )
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_pdf_holds_every_statement_and_sane_pages(example: dict[str, Any]) -> None:
    pytest.importorskip("weasyprint", reason="PDF needs WeasyPrint: pip install '.[pdf]'")
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("pdftotext / pdftoppm are not installed (Debian package: poppler-utils)")
    pdf = example["folder"] / "report.pdf"
    result = CliRunner().invoke(app, ["report", str(example["saved"]), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for promise in example["data"]["promises"]:
        if promise["statement"]:
            # two columns interleave in the text layer: look for the opening words
            words = " ".join(promise["statement"].split()[:4])
            assert words in flat, promise["id"]
    pages = subprocess.run(
        ["pdftoppm", "-png", "-r", "20", str(pdf), str(example["folder"] / "page")],
        capture_output=True,
        check=True,
    )
    assert pages.returncode == 0
    count = len(list(example["folder"].glob("page-*.png")))
    promises = len(example["data"]["promises"])
    assert promises <= count <= promises * 6
