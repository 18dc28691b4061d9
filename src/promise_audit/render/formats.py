"""A report written in its format: HTML (render.report), Markdown (render.markdown) or PDF
(render.pdf), chosen by the file name or named; the one place that picks a report's renderer."""

from __future__ import annotations

from pathlib import Path

from promise_audit.errors import UsageError
from promise_audit.render.branding import Branding
from promise_audit.render.markdown import render_markdown
from promise_audit.render.pdf import html_to_pdf
from promise_audit.render.report import PAGE_SIZES, ReportFormat, render_html, report_format
from promise_audit.results import AuditResult


def render_report(
    result: AuditResult,
    fmt: ReportFormat,
    *,
    branding: Branding | None = None,
    page_size: str = "A4",
    templates: Path | None = None,
) -> bytes:
    """The report in one format, as the bytes of its file."""
    if fmt == "md":
        text = render_markdown(result, branding=branding, templates=templates)
        return text.encode("utf-8")
    html = render_html(result, branding=branding, templates=templates)
    if fmt == "pdf":
        return html_to_pdf(html, page_size=page_size)
    return html.encode("utf-8")


def report_target(path: Path | None, fmt: str | None, page_size: str = "A4") -> ReportFormat:
    """The format a report to `path` (None: standard output) is written in; UsageError when
    it cannot be told, when a PDF would go to standard output, or for an unknown page size."""
    if path is None:
        if fmt is None:
            raise UsageError("give -o FILE (.html, .md or .pdf), or --format md|html to print it")
        chosen = report_format(Path("-"), fmt)
        if chosen == "pdf":
            raise UsageError("a PDF report needs -o FILE")
    else:
        chosen = report_format(path, fmt)
    if page_size.lower() not in {size.lower() for size in PAGE_SIZES}:
        raise UsageError(f"page size {page_size!r}: use A4 or Letter")
    return chosen


def write_report(
    result: AuditResult,
    path: Path | None,
    *,
    fmt: str | None = None,
    branding: Branding | None = None,
    page_size: str = "A4",
    templates: Path | None = None,
) -> str | None:
    """Write the report to `path` in its format (or `fmt`); with no path, return its text.

    Without a path the format must be given, and cannot be PDF (standard output is text).
    """
    chosen = report_target(path, fmt, page_size)
    content = render_report(
        result, chosen, branding=branding, page_size=page_size, templates=templates
    )
    if path is None:
        return content.decode("utf-8")
    try:
        path.write_bytes(content)
    except OSError as error:
        raise UsageError(f"{path}: cannot write the report ({error.strerror})") from None
    return None
