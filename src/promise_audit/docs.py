"""The kinds' rules as Markdown, built from their docstrings so docs and code never drift.

`python -m promise_audit.docs > docs/kinds.md` regenerates the page; a test keeps it current.
"""

from __future__ import annotations

from promise_audit.kinds import KINDS
from promise_audit.promises.model import PromiseSpec


def kinds_markdown() -> str:
    lines = [
        "# Promise kinds",
        "",
        "Generated from each kind's docstring (`python -m promise_audit.docs > docs/kinds.md`);",
        "the report's methodology section prints the same text.",
        "",
        "Rules that hold for every kind: limits are inclusive (a measure exactly at the limit",
        "is kept); a deadline is the clock's start plus the limit, and a record whose event has",
        "not happened by as_of is pending while its deadline is after as_of and broken once the",
        "deadline is at or before as_of; an event after as_of counts as not yet happened, and so",
        "does a duration the export gives that ends after as_of (see records.md); a record whose",
        "measure is missing (or invalid) is excluded as `missing_<field>` (`invalid_<field>`)",
        "only where its outcome depends on that measure, and a missing value never makes a",
        "record kept; records initiated after as_of are out of period.",
        "",
    ]
    for name in sorted(KINDS):
        kind = KINDS[name]
        options = [
            field for field in kind.Options.model_fields if field not in PromiseSpec.model_fields
        ]
        lines += [f"## `{name}`", "", *_as_list(kind.rule_text()), ""]
        if options:
            lines += [f"Options: {', '.join(f'`{o}`' for o in options)}.", ""]
    return "\n".join(lines)


_LABELS = ("Population:", "Broken", "Kept", "Pending", "Excluded", "Abandons", "The clock")


def _as_list(text: str) -> list[str]:
    """The docstring's labelled sentences (Population:, Broken: ...) as a Markdown list."""
    out: list[str] = []
    in_list = False
    for line in text.splitlines():
        if line.startswith(_LABELS):
            if not in_list and out and out[-1] != "":
                out.append("")
            out.append(f"- {line}")
            in_list = True
        elif in_list and line:
            out.append(f"  {line}")
        else:
            out.append(line)
    return out


if __name__ == "__main__":  # pragma: no cover
    print(kinds_markdown(), end="")
