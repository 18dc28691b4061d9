"""GitHub Actions: workflow commands that annotate the promise file, and the job summary.

`render_annotations` turns a result into one workflow command per promise that needs
attention, at the promise's line and column in the promise file (from the YAML loader):

    ::error file=promises/acme.yaml,line=14,col=5,title=hold-5m::50.0% of 412 callers ...

broken and unauditable are errors, at_risk a warning, no_data a notice; a waived promise is a
warning that names its waiver; an expired waiver is an error at the waiver's own line. Kept
promises are silent. Values are escaped as GitHub's toolkit escapes them: `%`, CR and LF in the
message; those and `:` and `,` in properties, so no text from a promise file or a record can
end the command or start another one.

`summary_markdown` is the Markdown written to `$GITHUB_STEP_SUMMARY`: the Markdown gap report,
then the waivers and the baseline comparison.
"""

from __future__ import annotations

import contextlib
from pathlib import Path, PurePosixPath
from typing import Any

from promise_audit.errors import UsageError
from promise_audit.render.branding import Branding
from promise_audit.results import AuditResult, PromiseResult
from promise_audit.words import percent

VERDICT_WORDS = {
    "kept": "Kept",
    "at_risk": "At risk",
    "broken": "Broken",
    "no_data": "No data",
    "unauditable": "Unauditable",
}
LEVELS = {"broken": "error", "unauditable": "error", "at_risk": "warning", "no_data": "notice"}


def escape_data(value: Any) -> str:
    """A workflow command's message (GitHub's toolkit `escapeData`)."""
    return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: Any) -> str:
    """A workflow command's property value (GitHub's toolkit `escapeProperty`)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: Any) -> str:
    """One workflow command line: `::level key=value,...::message`."""
    props = ",".join(
        f"{key}={escape_property(value)}" for key, value in properties.items() if value is not None
    )
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def repository_path(path: str, root: Path | None) -> str:
    """The promise file as the repository sees it: relative to `root` where it is inside it,
    with forward slashes (annotations and SARIF locations are repository-relative)."""
    candidate = Path(path)
    if root is not None:
        with contextlib.suppress(ValueError, OSError):
            candidate = candidate.resolve().relative_to(root.resolve())
    return PurePosixPath(*candidate.parts).as_posix() if candidate.parts else path


def _message(promise: PromiseResult) -> str:
    from promise_audit.waivers import waiver_note

    sentence = str(promise.sentence or "")
    label = VERDICT_WORDS.get(promise.verdict, promise.verdict)
    text = f"{label}: {sentence}"  # the sentence gives the compliance, the target, what is missing
    if promise.verdict_note:
        text += f" {promise.verdict_note}"
    note = waiver_note(promise)
    if note:
        text += f" {note[0].upper()}{note[1:]}."
    comparison = promise.baseline
    if comparison is not None and comparison.clear_regression:
        text += (
            f" Clear regression from {percent(comparison.compliance)} in the baseline "
            f"({(comparison.change or 0.0) * 100:+.1f} pts)."
        )
    return text


def render_annotations(result: AuditResult, *, root: Path | None = None) -> str:
    """The workflow commands of a result, one line each (empty when all is kept)."""
    file = repository_path(str(result.promise_file or ""), root)
    lines = []
    for promise in result.promises:
        level = LEVELS.get(promise.verdict)
        comparison = promise.baseline
        if level is None and comparison is not None and comparison.clear_regression:
            level = "warning"
        if level is None:
            continue
        if promise.waived:
            level = "warning"
        lines.append(
            command(
                level,
                _message(promise),
                file=file or None,
                line=promise.line,
                col=promise.column,
                title=promise.id,
            )
        )
    verdicts = {p.id: p.verdict for p in result.promises}
    for waiver in result.waivers or ():
        if waiver.expired and verdicts.get(waiver.promise) in ("broken", "at_risk"):
            lines.append(
                command(
                    "error",
                    f"The waiver for {waiver.promise} expired on {waiver.expires} "
                    f"(approved by {waiver.approved_by}: {waiver.reason}); it no longer "
                    "exempts the promise.",
                    file=file or None,
                    line=waiver.line,
                    col=waiver.column,
                    title=f"{waiver.promise} waiver expired",
                )
            )
    return "".join(line + "\n" for line in lines)


def summary_markdown(
    result: AuditResult,
    *,
    branding: Branding | None = None,
    templates: Path | None = None,
) -> str:
    """The Markdown gap report, with the waivers and the baseline comparison after it."""
    from promise_audit.baseline import markdown_section as baseline_section
    from promise_audit.render.markdown import render_markdown
    from promise_audit.waivers import markdown_section as waivers_section

    text = render_markdown(result, branding=branding, templates=templates)
    for section in (waivers_section(result), baseline_section(result)):
        if section:
            text = text.rstrip("\n") + "\n\n" + section
    return text


def append_summary(path: Path, markdown: str) -> None:
    """Add the summary to `$GITHUB_STEP_SUMMARY` (GitHub gives each step its own file)."""
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(markdown)
    except OSError as error:
        raise UsageError(f"GITHUB_STEP_SUMMARY {path}: cannot write ({error.strerror})") from None


__all__ = [
    "append_summary",
    "command",
    "escape_data",
    "escape_property",
    "render_annotations",
    "repository_path",
    "summary_markdown",
]
