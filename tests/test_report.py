"""The gap report (issue #5): HTML, Markdown and PDF rendered from the JSON result alone.

The golden files are rendered from tests/golden/result.json, a JSON result saved once from a
small deterministic audit (see tests/golden/README.md), so these tests never run the engine.
`UPDATE_GOLDEN=1 python -m pytest tests/test_report.py` rewrites them; review the diff.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.errors import UsageError
from promise_audit.render import charts, markdown, report
from promise_audit.render.branding import make_branding
from promise_audit.render.json import from_dict, load_result
from promise_audit.render.markdown import code_span, escape_markdown
from promise_audit.render.report import packaged_templates, report_format
from promise_audit.render.view import rule_blocks, versus_target

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def render_html(
    data: dict[str, Any],
    *,
    templates: Path | None = None,
    generated_at: str | None = None,
    **branding: Any,
) -> str:
    """The HTML report of a JSON result's object, read back as `promise-audit report` does."""
    return report.render_html(
        from_dict(data),
        branding=make_branding(**branding),
        templates=templates,
        generated_at=generated_at,
    )


def render_markdown(data: dict[str, Any], *, templates: Path | None = None, **branding: Any) -> str:
    """The Markdown report of a JSON result's object, read back."""
    return markdown.render_markdown(
        from_dict(data), branding=make_branding(**branding), templates=templates
    )


@pytest.fixture
def result() -> dict[str, Any]:
    return json.loads((GOLDEN / "result.json").read_text(encoding="utf-8"))


def promise(result: dict[str, Any], promise_id: str) -> dict[str, Any]:
    return next(p for p in result["promises"] if p["id"] == promise_id)


# ---------------------------------------------------------------------------------------------
# Golden files and determinism


@pytest.mark.parametrize(
    ("name", "render"),
    [("report.html", render_html), ("report.md", render_markdown)],
)
def test_report_matches_its_golden_file(result: dict[str, Any], name: str, render: Any) -> None:
    rendered = render(result).encode("utf-8")
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered)
    assert golden.read_bytes() == rendered, (
        f"{name} changed: review it, then UPDATE_GOLDEN=1 python -m pytest tests/test_report.py"
    )


@pytest.mark.parametrize("render", [render_html, render_markdown])
def test_a_saved_result_renders_to_the_same_bytes(result: dict[str, Any], render: Any) -> None:
    first = render(result)
    reloaded = json.loads(json.dumps(result, indent=None))
    assert render(reloaded) == first
    assert render(copy.deepcopy(result)) == first


def test_the_order_of_unordered_input_does_not_matter(result: dict[str, Any]) -> None:
    first = render_html(result)
    for item in result["promises"]:
        item["hour_grid"].reverse()
        item["trend"].reverse()
        item["weakest_links"].reverse()
        for key in ("excluded_by_reason", "broken_by_reason"):
            item[key] = dict(reversed(list(item[key].items())))
        for row in item["evidence"]:
            row["details"] = dict(reversed(list(row["details"].items())))
    assert render_html(result) == first


def test_the_time_of_rendering_appears_only_when_given(result: dict[str, Any]) -> None:
    html = render_html(result, generated_at="2026-11-02 09:00")
    assert "rendered 2026-11-02 09:00" in html
    assert "rendered" not in render_html(result)


# ---------------------------------------------------------------------------------------------
# What the HTML says, in order


def test_sections_come_in_the_order_of_the_issue(result: dict[str, Any]) -> None:
    html = render_html(result)
    order = [
        html.index("6 promises: 2 kept, 1 at risk, 1 broken, 1 no data, 1 unauditable"),
        html.index('id="promise-1"'),
        html.index("Distribution"),
        html.index("Week by week"),
        html.index("Where it breaks: hour of the week"),
        html.index("Weakest links"),
        html.index("Customers' rating"),
        html.index("<h3>Evidence</h3>"),
        html.index('id="methodology"'),
        html.index('id="accounting"'),
    ]
    assert order == sorted(order)


def test_the_worst_gap_comes_first(result: dict[str, Any]) -> None:
    html = render_html(result)
    verdicts = re.findall(r'<li class="v-(\w+)">', html)
    assert verdicts == ["broken", "unauditable", "at_risk", "no_data", "kept", "kept"]


def test_broken_promises_are_ordered_by_their_shortfall(result: dict[str, Any]) -> None:
    small = promise(result, "reply-24h")
    small.update(verdict="broken", compliance=0.89, target=0.9)
    html = render_html(result)
    assert html.index('href="#promise-1">Answered within three minutes') < html.index(
        'href="#promise-2">Emails answered within a day'
    )


def test_a_broken_promise_never_reads_100_percent(result: dict[str, Any]) -> None:
    wait = promise(result, "wait-3m")
    wait.update(compliance=0.99996, ci_low=0.9995, ci_high=0.99999, target=1.0)
    html = render_html(result)
    assert '<td class="n">99.9%</td>' in html
    assert "99.9% to 99.9%" in html


@pytest.mark.parametrize(
    ("compliance", "target", "expected"),
    [
        (0.9498767, 0.95, "94.99%"),
        (0.94999, 0.95, "94.999%"),
        (0.95, 0.95, "95.0%"),
        (0.9512, 0.95, "95.1%"),
        (None, 0.95, "n/a"),
    ],
)
def test_compliance_never_reads_as_the_target_it_missed(
    compliance: float | None, target: float, expected: str
) -> None:
    assert versus_target(compliance, target) == expected


def test_every_promise_shows_the_statement_beside_what_was_delivered(
    result: dict[str, Any],
) -> None:
    html = render_html(result)
    section = html[html.index('id="promise-1"') :]
    said = section.index("We answer every call within 3 minutes.")
    did = section.index("83.4% of 416 queued contacts waited 3 minutes or less")
    assert said < did
    assert "3.5 customer-hours beyond the limit" in html
    assert "The shortfall is clear: the 95% interval (79.5% to 86.7%) is below the target." in html


def test_the_methodology_prints_each_kind_rule_and_convention(result: dict[str, Any]) -> None:
    html = render_html(result)
    methodology = html[html.index('id="methodology"') : html.index('id="accounting"')]
    assert "<li>Broken: <code>wait_seconds</code>" not in methodology  # code only where marked
    assert "Nobody waits in a queue for a person longer than <code>limit</code>." in methodology
    assert "<li>Population: contacts that queued for a person" in methodology
    assert "<strong>Counting convention:</strong> abandons with no wait at all" in methodology


def test_the_record_accounting_reconciles(result: dict[str, Any]) -> None:
    html = render_html(result)
    accounting = html[html.index('id="accounting"') :]
    for label, count in (("Records read", "803"), ("Duplicates", "1"), ("Used", "800")):
        assert re.search(rf"{label}</th><td class=\"n\">{count}</td>", accounting), label
    assert "unparseable_initiated_at" in accounting
    assert "every record is accounted for" in accounting


def test_an_unauditable_promise_names_the_missing_field(result: dict[str, Any]) -> None:
    html = render_html(result)
    assert "The records lack <code>callback_offered</code>" in html


def test_rule_text_becomes_a_paragraph_and_a_list() -> None:
    blocks = rule_blocks(
        "Nobody waits longer than `limit`.\n\nPopulation: contacts that\nqueued.\n"
        "Broken: over `limit`.\nNeeds a <field>."
    )
    assert [b.kind for b in blocks] == ["p", "ul"]
    assert blocks[0].items == ("Nobody waits longer than <code>limit</code>.",)
    assert blocks[1].items == (
        "Population: contacts that queued.",
        "Broken: over <code>limit</code>. Needs a &lt;field&gt;.",
    )


# ---------------------------------------------------------------------------------------------
# Escaping and self-containment


@pytest.fixture
def hostile(result: dict[str, Any]) -> dict[str, Any]:
    """User text everywhere a promise file or a record can put it."""
    result["organization"] = f"Evil {SCRIPT} Co"
    wait = promise(result, "wait-3m")
    wait["statement"] = f"We answer fast {SCRIPT}"
    wait["title"] = f"Title {IMG}"
    wait["url"] = "javascript:alert(1)"
    wait["evidence"][0]["contact_id"] = IMG
    wait["evidence"][0]["details"]["queue"] = SCRIPT
    wait["weakest_links"][0]["value"] = IMG
    result["records"]["rejects"][0]["value"] = IMG
    result["records"]["rejects_by_reason"] = {SCRIPT: 1, "unparseable_wait_seconds": 1}
    return result


def test_html_escapes_every_value_from_records_and_promise_files(
    hostile: dict[str, Any],
) -> None:
    html = render_html(hostile, client=SCRIPT, prepared_by=IMG)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>" not in html and "</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html  # a URL that is not http(s) is not linked


def test_html_fetches_nothing(result: dict[str, Any]) -> None:
    html = render_html(result)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert "url(" not in html
    assert re.findall(r'\ssrc="', html) == []
    assert re.findall(r'href="(?!#)([^"]*)"', html) == ["https://example.com/charter"]


def test_markdown_escapes_every_value(hostile: dict[str, Any]) -> None:
    text = render_markdown(hostile, client=SCRIPT)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert f"`{IMG}`" in text  # in a code span, GitHub shows it as text
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<script" not in outside_code and "<img" not in outside_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words, 95.0%", "plain words, 95.0%"),
        ("a|b", r"a\|b"),
        ("*bold* _it_ `code`", r"\*bold\* \_it\_ \`code\`"),
        ("[link](x)", r"\[link\](x)"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("two\nlines", "two lines"),
        ("see www.example.com", "see www&#46;example.com"),
        ("https://example.com", "https&#58;//example.com"),
        ("me@example.com", "me&#64;example.com"),
    ],
)
def test_markdown_escaping(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("id-1", "`id-1`"), ("a`b", "``a`b``"), ("a|b", r"`a\|b`"), ("`x`", "`` `x` ``")],
)
def test_code_spans(text: str, expected: str) -> None:
    assert code_span(text) == expected


def test_markdown_is_a_verdict_table_gaps_and_evidence(result: dict[str, Any]) -> None:
    text = render_markdown(result)
    assert text.startswith(
        "## Promise audit: Golden Gear Ltd, 6 promises: 2 kept, 1 at risk, 1 broken, 1 no data, "
        "1 unauditable\n"
    )
    assert "| ❌ | `wait-3m` Answered within three minutes | Broken | 83.4% |" in text
    assert "### Top gaps" in text
    assert "<details>" in text and "`CT00000521`" in text
    assert "http" not in text  # link-free


# ---------------------------------------------------------------------------------------------
# Templates and branding


def test_packaged_templates_are_found() -> None:
    folder = packaged_templates()
    assert (folder / "report.html").is_file() and (folder / "report.md").is_file()


def test_a_template_folder_overrides_one_template(result: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "report.css").write_text("body { color: {{ report.branding.accent }}; }")
    html = render_html(result, templates=tmp_path, accent="#123abc")
    assert "body { color: #123ABC; }" in html
    assert "Answered within three minutes" in html  # the other templates are the bundled ones


def test_a_template_cannot_include_a_file_outside_its_folders(
    result: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "secret").write_text("the secret")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text("{% include '../secret' %}")
    with pytest.raises(UsageError, match=r"template '\.\./secret' not found"):
        render_html(result, templates=templates)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ ''.__class__.__mro__ }}", "template report.html"),  # the sandbox refuses it
        ("{{ no_such_name }}", "'no_such_name' is undefined"),
        ("{% if %}", r"report.html:1"),
    ],
)
def test_a_template_mistake_is_a_one_line_usage_error(
    result: dict[str, Any], tmp_path: Path, template: str, message: str
) -> None:
    (tmp_path / "report.html").write_text(template)
    with pytest.raises(UsageError, match=message):
        render_html(result, templates=tmp_path)


@pytest.mark.parametrize("accent", ["red", "#12345", "#1234567", "#GGGGGG", "1F3A5F"])
def test_the_accent_must_be_rrggbb(accent: str) -> None:
    with pytest.raises(UsageError, match="#RRGGBB"):
        make_branding(accent=accent)


def test_branding_shows_client_preparer_and_logo(result: dict[str, Any], tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    html = render_html(result, client="Acme", prepared_by="Audit & Co", accent="#FFD700", logo=logo)
    assert "Prepared for Acme" in html and "Prepared by Audit &amp; Co" in html
    assert '<img class="logo" src="data:image/png;base64,iVBORw0KGgo' in html
    assert "--accent: #FFD700;" in html and "--accent-ink: #111111;" in html  # dark on light


def test_a_logo_must_be_an_image(tmp_path: Path) -> None:
    text = tmp_path / "logo.png"
    text.write_text("not an image")
    with pytest.raises(UsageError, match="not a PNG, JPEG, GIF, WebP or SVG"):
        make_branding(logo=text)
    with pytest.raises(UsageError, match="cannot read it"):
        make_branding(logo=tmp_path / "missing.png")


# ---------------------------------------------------------------------------------------------
# Charts


def test_charts_are_well_formed_accessible_svg(result: dict[str, Any]) -> None:
    html = render_html(result)
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 4 * 4  # gauge, histogram, trend and heat map of the 4 judged promises
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_histogram_marks_the_limit_and_colours_kept_and_broken() -> None:
    bars = [charts.Bar(i * 60.0, (i + 1) * 60.0, 10 - i, i) for i in range(10)]
    svg = charts.histogram_svg("h", bars, limit=300.0, unit="seconds")
    assert "limit 5 min" in svg and 'stroke-dasharray="4 3"' in svg
    assert f'fill="{charts.KEPT}"' in svg and f'fill="{charts.BROKEN}"' in svg
    assert "<title>5m to 6m: 5 broken</title>" in svg
    assert svg == charts.histogram_svg("h", bars, limit=300.0, unit="seconds")


def test_histogram_counts_are_whole_numbers_on_a_short_axis() -> None:
    bars = [charts.Bar(0.0, 60.0, 1, 1), charts.Bar(60.0, 120.0, 1, 0)]
    svg = charts.histogram_svg("h", bars, limit=60.0, unit="seconds")
    # the tallest bar is 2: the axis reads 0, 1, 2, never 0, 0, 1, 2, 2
    labels = re.findall(r'text-anchor="end"[^>]*>(\d+)</text>', svg)
    assert labels == ["0", "1", "2"]


def test_heat_map_has_a_cell_for_every_hour_of_the_week() -> None:
    cells = [charts.Cell(1, 9, 10, 5), charts.Cell(7, 23, 3, 0)]
    svg = charts.heatmap_svg("m", cells)
    assert svg.count("<rect") == 7 * 24 + 3 + 5  # the grid, three legend keys, five shades
    assert "<title>Mon 09:00-10:00: 5 broken of 15 judged (33.3%)</title>" in svg
    assert "<title>Sun 23:00-24:00: 0 broken of 3 judged (0%)</title>" in svg


def test_trend_skips_weeks_with_nothing_judged_and_joins_only_neighbours() -> None:
    points = [
        charts.Period("2026-10-05", 90, 10),
        charts.Period("2026-10-12", 0, 0),
        charts.Period("2026-10-19", 50, 50),
        charts.Period("2026-10-26", 40, 0),
    ]
    svg = charts.trend_svg("t", points, period="week", target=0.95)
    assert svg.count("<circle") == 3  # the week with nothing judged has no point
    # 10-05 and 10-19 are not neighbours (10-12 between them is empty): only 10-19 to 10-26
    assert svg.count("<polyline") == 1
    assert "Week of 2026-10-19: 50.0% of 100 judged kept" in svg


def test_trend_places_periods_on_a_true_time_axis() -> None:
    """Two weeks a month apart stand a month apart, not side by side."""
    points = [
        charts.Period("2026-10-05", 30, 0),
        charts.Period("2026-10-12", 30, 0),
        charts.Period("2026-11-09", 30, 0),
    ]
    svg = str(charts.trend_svg("t", points, period="week", target=0.9))
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert xs == sorted(xs)
    assert round((xs[2] - xs[1]) / (xs[1] - xs[0])) == 4  # 4 weeks against 1


def test_trend_fades_thin_periods_and_leaves_them_off_the_line() -> None:
    points = [
        charts.Period("2026-10-01", 0, 1),  # one record: 0%, thin
        charts.Period("2026-10-02", 60, 3),
        charts.Period("2026-10-03", 62, 2),
    ]
    svg = str(charts.trend_svg("t", points, period="day", target=0.95))
    thin = re.findall(r'<circle[^>]*fill-opacity="0.35"[^>]*><title>([^<]*)', svg)
    assert thin == ["Day 2026-10-01: 0% of 1 judged kept (too few records to read alone)"]
    assert svg.count("<polyline") == 1 and svg.count(" ", svg.index("points=")) >= 1
    assert "judged per day" in svg and ">63<" not in svg  # the tallest bar is labelled
    assert ">64<" in svg


def test_trend_labels_carry_the_year_where_it_changes() -> None:
    points = [
        charts.Period(f"{year}-{month:02d}-01", 30, 1)
        for year, month in [(2016, 11), (2016, 12), (2017, 1), (2017, 2)]
    ]
    svg = str(charts.trend_svg("t", points, period="month", target=0.9))
    labels = re.findall(
        r'<text [^>]*text-anchor="middle" fill="#6b6b6b">([A-Z][a-z]{2}[^<]*)<', svg
    )
    assert labels == ["Nov 2016", "Dec", "Jan 2017", "Feb"]


def test_the_compliance_bar_runs_from_zero_to_one_hundred_percent() -> None:
    svg = str(charts.gauge_svg("g", compliance=0.63, ci_low=0.57, ci_high=0.69, target=0.9))
    assert ">0%<" in svg
    # the kept share fills 63% of the 624-unit track that starts at x = 8
    assert '<rect x="8" y="18" width="393.1"' in svg


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (45, "seconds", "45 seconds"),
        (1739, "seconds", "28 min 59 s"),
        (300, "seconds", "5 minutes"),
        (90000, "seconds", "25 hours"),
        (5430, "seconds", "1 h 30 min"),
        (1590789, "seconds", "18.4 days"),
        (12.5, "amount", "12.50"),
        (3, "count", "3"),
    ],
)
def test_measures_read_in_plain_words(value: float, unit: str, expected: str) -> None:
    assert charts.measure_text(value, unit) == expected


# ---------------------------------------------------------------------------------------------
# Files, formats and the command line


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("out.html", None, "html"),
        ("OUT.HTM", None, "html"),
        ("out.md", None, "md"),
        ("out.pdf", None, "pdf"),
        ("out.txt", "md", "md"),
        ("out.html", "PDF", "pdf"),
    ],
)
def test_the_format_comes_from_the_name_or_the_option(
    name: str, explicit: str | None, expected: str
) -> None:
    assert report_format(Path(name), explicit) == expected


@pytest.mark.parametrize(("name", "explicit"), [("out.txt", None), ("out.html", "docx")])
def test_an_unknown_format_is_a_usage_error(name: str, explicit: str | None) -> None:
    with pytest.raises(UsageError):
        report_format(Path(name), explicit)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"hello": 1}', "not a promise-audit JSON result"),
    ],
)
def test_load_result_rejects_what_is_not_a_result(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_result(path)


def test_a_newer_or_malformed_result_is_a_usage_error(result: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="newer"):
        render_html({**result, "schema_version": 3})
    del result["promises"][0]["verdict"]
    with pytest.raises(UsageError, match=r"promises\[0\] has no 'verdict'"):
        render_html(result)


def test_report_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    done = runner.invoke(app, ["report", str(GOLDEN / "result.json"), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text(encoding="utf-8") == (GOLDEN / "report.html").read_text(encoding="utf-8")


def test_report_command_prints_markdown_for_a_job_summary() -> None:
    done = runner.invoke(app, ["report", str(GOLDEN / "result.json"), "--format", "md"])
    assert done.exit_code == 0
    assert done.stdout == (GOLDEN / "report.md").read_text(encoding="utf-8")


def test_report_command_passes_branding_and_templates(tmp_path: Path) -> None:
    (tmp_path / "verdict.html").write_text(
        "<p>{{ report.headline }} for {{ report.branding.client }}</p>"
    )
    out = tmp_path / "out.html"
    args = ["--client", "Acme <Ltd>", "--accent", "#0b6e4f", "--templates", str(tmp_path)]
    done = runner.invoke(app, ["report", str(GOLDEN / "result.json"), "-o", str(out), *args])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert (
        "<p>6 promises: 2 kept, 1 at risk, 1 broken, 1 no data, 1 unauditable "
        "for Acme &lt;Ltd&gt;</p>" in html
    )
    assert "--accent: #0B6E4F;" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give -o FILE"),
        (["-o", "out.txt"], "cannot tell the report format"),
        (["--format", "pdf"], "a PDF report needs -o FILE"),
        (["-o", "out.html", "--accent", "blue"], "#RRGGBB"),
        (["-o", "out.pdf", "--page-size", "A3"], "use A4 or Letter"),
    ],
)
def test_report_command_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["report", str(GOLDEN / "result.json"), *args])
    assert done.exit_code == 2
    assert done.stderr.startswith("promise-audit: error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1


def test_check_writes_the_report_beside_its_output(tmp_path: Path) -> None:
    from tests.conftest import write_csv, write_promise_file

    write_csv(
        tmp_path / "contacts.csv",
        [
            {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 60},
            {"contact_id": "2", "initiated_at": "2026-10-01T10:00:00Z", "wait_seconds": 400},
        ],
    )
    path = write_promise_file(
        tmp_path / "promises.yaml", [{"id": "wait-5m", "kind": "wait_time", "limit": "5m"}]
    )
    out = tmp_path / "gap.md"
    done = runner.invoke(app, ["check", str(path), "--format", "json", "--report", str(out)])
    assert done.exit_code == 1  # the promise is broken; the report does not change that
    saved = json.loads(done.stdout)
    assert out.read_text(encoding="utf-8") == render_markdown(saved)
    html = tmp_path / "gap.txt"
    done = runner.invoke(
        app, ["check", str(path), "--report", str(html), "--report-format", "html"]
    )
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_check_refuses_a_report_format_before_auditing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-promises.yaml"
    done = runner.invoke(app, ["check", str(missing), "--report", str(tmp_path / "gap.txt")])
    assert done.exit_code == 2
    assert "cannot tell the report format" in done.stderr


def test_pdf_without_weasyprint_says_how_to_install_it(
    result: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from promise_audit.render.formats import render_report

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError
    with pytest.raises(UsageError) as raised:
        render_report(from_dict(result), "pdf")
    assert str(raised.value) == "PDF needs WeasyPrint: pip install 'promise-audit[pdf]'"


NORTHWIND = ROOT / "promises" / "northwind.yaml"


@pytest.mark.skipif(not NORTHWIND.exists(), reason="the bundled example is not there yet")
def test_the_northwind_report_stays_small() -> None:
    from promise_audit.audit import audit
    from promise_audit.render.json import to_dict

    html = render_html(to_dict(audit(NORTHWIND)))
    assert len(html.encode("utf-8")) < 1_500_000


# ---------------------------------------------------------------------------------------------
# PDF, when WeasyPrint is installed


def _chunks(pdf: bytes) -> list[bytes]:
    """The PDF and its decompressed streams (WeasyPrint packs objects in object streams)."""
    chunks = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return chunks


def _media_boxes(pdf: bytes) -> set[tuple[int, int]]:
    boxes = set()
    for chunk in _chunks(pdf):
        for box in re.findall(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", chunk):
            x0, y0, x1, y1 = (float(v) for v in box.split())
            boxes.add((round(x1 - x0), round(y1 - y0)))
    return boxes


def _page_count(pdf: bytes) -> int:
    return max(int(n) for chunk in _chunks(pdf) for n in re.findall(rb"/Count (\d+)", chunk))


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_pdf_pages_are_a4_or_letter(result: dict[str, Any], size: str, points: Any) -> None:
    pytest.importorskip("weasyprint")
    from promise_audit.render.formats import render_report

    small = {**result, "promises": [promise(result, "wait-3m"), promise(result, "reply-24h")]}
    pdf = render_report(from_dict(small), "pdf", page_size=size)
    assert pdf.startswith(b"%PDF-")
    assert _media_boxes(pdf) == {points}
    assert _page_count(pdf) >= 1 + 2 + 1  # verdict; each promise on its own page; methodology
