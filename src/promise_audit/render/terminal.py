"""The terminal view: the published words beside what was delivered, then the table."""

from __future__ import annotations

import re
import textwrap
from typing import TextIO

from promise_audit.render.reconcile import reconcile_lines
from promise_audit.results import AuditResult, PromiseResult
from promise_audit.words import (
    at_risk_reasons,
    counts_text,
    dimension_label,
    interval,
    interval_note,
    percent,
)

MARKS = {
    "kept": ("KEPT", "green"),
    "at_risk": ("AT RISK", "yellow"),
    "broken": ("BROKEN", "red"),
    "no_data": ("NO DATA", "blue"),
    "unauditable": ("UNAUDITABLE", "magenta"),
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Text from a promise file or an export, with control characters (an ANSI escape could
    rewrite the terminal) shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def _interval(promise: PromiseResult) -> str:
    return interval(promise.ci_low, promise.ci_high)


WIDE = 110  # columns from which the table shows every count


def render_terminal(
    result: AuditResult, out: TextIO, *, color: bool, width: int | None = None
) -> None:
    """The verdicts, each promise's words beside its delivery, then the table; the layout
    follows the terminal's width (or `width`), ids never cut."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
    )
    console.print(
        Text(
            f"{safe(result.organization)}: {counts_text(p.verdict for p in result.promises)}",
            style="bold",
        )
        + Text(f"  (as of {result.as_of})", style="dim")
    )
    console.print()

    def detail(text: str, style: str = "") -> None:
        # indented, and wrapped lines stay indented
        lines = textwrap.fill(
            text, width=console.width, initial_indent="    ", subsequent_indent="    "
        )
        console.print(Text(lines, style=style))

    for promise in result.promises:
        label, style = MARKS[promise.verdict]
        header = Text(f"{label:<12}", style=f"bold {style}") + Text(f"{promise.id}", style="bold")
        if promise.title:
            header += Text(f"  {safe(promise.title)}")
        if not promise.blocking:
            header += Text("  (not blocking)", style="dim")
        console.print(header)
        # what the verdict rests on comes first, under the verdict itself
        for reason in at_risk_reasons(promise):
            detail(f"At risk: {safe(reason)}", style)
        if promise.verdict == "broken" and promise.verdict_note:
            detail(safe(promise.verdict_note), style)
        if promise.statement:
            detail(f'Promised: "{safe(promise.statement)}"', "italic")
        detail(f"Delivered: {safe(promise.sentence)}")
        note = interval_note(promise)
        if note:
            detail(f"Note: {note}", "dim")
        if promise.debt_seconds:
            detail(
                f"Promise debt: {promise.debt_seconds / 3600:,.1f} customer-hours beyond the limit",
                "dim",
            )
        if promise.weakest_links:
            worst = promise.weakest_links[0]
            for link in promise.weakest_links:
                if link.compliance < worst.compliance:
                    worst = link
            detail(
                f"Weakest link: {dimension_label(worst.dimension)} {safe(worst.value)} "
                f"({percent(worst.compliance)} of {worst.kept + worst.broken:,})",
                "dim",
            )
        console.print()

    wide = console.width >= WIDE
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    columns: list[tuple[str, str]] = [("promise", "left")]
    if wide:
        columns.append(("kind", "left"))
    columns.append(("verdict", "left"))
    if wide:
        columns += [("population", "right"), ("kept", "right")]
    columns.append(("broken", "right"))
    if wide:
        columns += [("pending", "right"), ("excluded", "right")]
    columns += [("compliance", "right"), ("95% CI", "right"), ("target", "right")]
    for heading, justify in columns:
        # ids, verdicts and numbers are never cut or wrapped; the kind may fold
        table.add_column(heading, justify=justify, no_wrap=heading != "kind")  # type: ignore[arg-type]
    for promise in result.promises:
        label, style = MARKS[promise.verdict]
        cells: list[str | Text] = [promise.id]
        if wide:
            cells.append(promise.kind)
        cells.append(Text(label, style=style))
        if wide:
            cells += [f"{promise.population:,}", f"{promise.kept:,}"]
        cells.append(f"{promise.broken:,}")
        if wide:
            cells += [f"{promise.pending:,}", f"{promise.excluded:,}"]
        cells += [
            percent(promise.compliance, promise.target),
            _interval(promise),
            percent(promise.target),
        ]
        table.add_row(*cells)
    console.print(table)
    console.print()
    for line in reconcile_lines(result.promises):
        console.print(Text(line))
    records = result.records
    console.print(
        Text(
            f"Records: {records.read:,} read = {records.used:,} used + {records.rejected:,} "
            f"rejected + {records.duplicates:,} duplicate + {records.out_of_period:,} after as_of"
            + (f" + {records.folded:,} events folded into cases" if records.cases else ""),
            style="dim",
        )
    )
    for reason, count in records.rejects_by_reason.items():
        console.print(Text(f"  rejected {count:,}: {reason}", style="dim"))
    if records.invalid:
        console.print(
            Text(
                f"Invalid values: {records.invalid:,} (each record used, without that value)",
                style="dim",
            )
        )
        for field_name, reasons in records.invalid_by_field.items():
            for reason, count in reasons.items():
                console.print(Text(f"  invalid {count:,}: {field_name} {reason}", style="dim"))
    if records.fields_empty:
        console.print(
            Text(f"Empty on every record: {', '.join(records.fields_empty)}", style="dim")
        )
