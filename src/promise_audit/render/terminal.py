"""The terminal view: the published words beside what was delivered, then the table."""

from __future__ import annotations

import re
from typing import TextIO

from promise_audit.engine.run import percent
from promise_audit.render.reconcile import reconcile_lines
from promise_audit.results import AuditResult, PromiseResult

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
    if promise.ci_low is None or promise.ci_high is None:
        return ""
    return f"{percent(promise.ci_low)}-{percent(promise.ci_high)}"


def render_terminal(result: AuditResult, out: TextIO, *, color: bool, width: int = 120) -> None:
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
    kept = sum(1 for p in result.promises if p.verdict in ("kept", "at_risk"))
    console.print(
        Text(
            f"{safe(result.organization)}: {kept} of {len(result.promises)} promises kept",
            style="bold",
        )
        + Text(f"  (as of {result.as_of})", style="dim")
    )
    console.print()
    for promise in result.promises:
        label, style = MARKS[promise.verdict]
        header = Text(f"{label:<12}", style=f"bold {style}") + Text(f"{promise.id}", style="bold")
        if promise.title:
            header += Text(f"  {safe(promise.title)}")
        if not promise.blocking:
            header += Text("  (not blocking)", style="dim")
        console.print(header)
        if promise.statement:
            console.print(Text(f'    Promised: "{safe(promise.statement)}"', style="italic"))
        console.print(Text(f"    Delivered: {safe(promise.sentence)}"))
        if promise.debt_seconds:
            console.print(
                Text(
                    f"    Promise debt: {promise.debt_seconds / 3600:,.1f} customer-hours "
                    "beyond the limit",
                    style="dim",
                )
            )
        if promise.weakest_links:
            worst = promise.weakest_links[0]
            for link in promise.weakest_links:
                if link.compliance < worst.compliance:
                    worst = link
            console.print(
                Text(
                    f"    Weakest link: {worst.dimension} {safe(worst.value)} "
                    f"({percent(worst.compliance)} of {worst.kept + worst.broken:,})",
                    style="dim",
                )
            )
        console.print()

    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for heading, justify in (
        ("promise", "left"),
        ("kind", "left"),
        ("verdict", "left"),
        ("population", "right"),
        ("kept", "right"),
        ("broken", "right"),
        ("pending", "right"),
        ("excluded", "right"),
        ("compliance", "right"),
        ("95% CI", "right"),
        ("target", "right"),
    ):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for promise in result.promises:
        label, style = MARKS[promise.verdict]
        table.add_row(
            promise.id,
            promise.kind,
            Text(label, style=style),
            f"{promise.population:,}",
            f"{promise.kept:,}",
            f"{promise.broken:,}",
            f"{promise.pending:,}",
            f"{promise.excluded:,}",
            percent(promise.compliance, promise.target),
            _interval(promise),
            percent(promise.target),
        )
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
