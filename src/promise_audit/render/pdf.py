"""The gap report as PDF: the HTML report laid out by WeasyPrint, charts kept as vectors.

WeasyPrint is an optional dependency (`pip install 'promise-audit[pdf]'`), imported only
here and only when a PDF is asked for. The stylesheet's print rules start each promise on a
new page; the page size is A4 or US Letter.
"""

from __future__ import annotations

from promise_audit.errors import UsageError
from promise_audit.render.report import PAGE_SIZES

MISSING = "PDF needs WeasyPrint: pip install 'promise-audit[pdf]'"


def html_to_pdf(html: str, *, page_size: str = "A4") -> bytes:
    """Lay out the report's HTML on pages of `page_size` (A4 or Letter)."""
    size = next((s for s in PAGE_SIZES if s.lower() == page_size.lower()), None)
    if size is None:
        raise UsageError(f"page size {page_size!r}: use A4 or Letter")
    try:
        import weasyprint  # type: ignore[import-untyped,import-not-found]
    except ImportError:
        raise UsageError(MISSING) from None
    except OSError as error:  # the Python package is there but Pango is not
        raise UsageError(f"PDF needs WeasyPrint's system libraries (Pango): {error}") from None
    # The page is self-contained: the fetcher reads data: URIs (the logo) and nothing else,
    # so a template cannot reach the network or the disk.
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    page = weasyprint.CSS(string=f"@page {{ size: {size} !important; }}", url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[page])
    return pdf
