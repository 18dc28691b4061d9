"""The gap report as GitHub-flavoured Markdown: a pull-request comment or a CI job summary.

`promise-audit report result.json --format md >> "$GITHUB_STEP_SUMMARY"` shows the verdict
table, the top gaps and an excerpt of the evidence. Every value printed by the template is
escaped for Markdown (and for the HTML GitHub allows in it) unless it was built here as
`MarkdownText`; the excerpt has no links, and no text of the records can become one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from promise_audit.render.branding import Branding
from promise_audit.render.report import environment, render_template
from promise_audit.render.view import build_view
from promise_audit.results import AuditResult
from promise_audit.words import one_sentence

MARKS = {
    "kept": "✅",
    "at_risk": "⚠️",
    "broken": "❌",
    "no_data": "⏳",
    "unauditable": "❓",
}
TOP_GAPS = 5
EVIDENCE_PER_GAP = 3


class MarkdownText(str):
    """Markdown made by this module, printed as it is."""

    __slots__ = ()


_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_LINKLIKE = re.compile(r"(?i)(?<=www)\.|:(?=//)|@")


def escape_markdown(value: Any) -> MarkdownText:
    """Text shown as itself: no emphasis, code, table cell break, HTML tag or autolink."""
    if isinstance(value, MarkdownText):
        return value
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    # GitHub links bare www.x, scheme://x and a@b: an entity breaks the pattern, not the text.
    text = _LINKLIKE.sub(lambda m: f"&#{ord(m.group(0))};", text)
    return MarkdownText(text)


def code_span(value: Any) -> MarkdownText:
    """`value` as inline code (a code span shows < & * literally; | still needs escaping)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return MarkdownText(f"{fence}{padding}{text}{padding}{fence}")


def _finalize(value: Any) -> Any:
    return escape_markdown(value)


def render_markdown(
    result: AuditResult,
    *,
    branding: Branding | None = None,
    templates: Path | None = None,
    generated_at: str | None = None,
) -> str:
    """The report as Markdown for a pull request or a job summary (no charts, no links; of the
    branding, the client and who prepared it)."""
    view = build_view(result, branding=branding, generated_at=generated_at, with_charts=False)
    env = environment("md", templates, finalize=_finalize)
    env.filters["code"] = code_span
    env.filters["mark"] = lambda verdict: MarkdownText(MARKS.get(str(verdict), ""))
    env.filters["sentence"] = one_sentence
    env.globals["TOP_GAPS"] = TOP_GAPS
    env.globals["EVIDENCE_PER_GAP"] = EVIDENCE_PER_GAP
    return render_template(env, "report.md", view)


__all__ = ["MarkdownText", "code_span", "escape_markdown", "render_markdown"]
