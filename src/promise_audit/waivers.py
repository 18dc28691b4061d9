"""Waivers: a known broken promise that does not fail the run until its waiver expires.

```yaml
waivers:
  - promise: hold-5m
    reason: New IVR goes live in December; hold times are measured again after it.
    approved_by: Jane Doe, VP Customer Care
    expires: 2026-12-31        # the waiver holds through this day
```

A waiver never changes what the audit found: the verdict stays `broken` (or `at_risk`) and the
JSON result says `waived: true` beside it, with the waiver. It only decides whether the promise
fails the run. Expiry is judged against `today`, an input (the command line's `--today`,
default the system date), so the same inputs always give the same result.

- An active waiver (today <= expires) on a broken or at-risk promise: reported as waived; the
  promise does not fail the run (nor on a regression against a baseline).
- An expired waiver on a broken or at-risk promise: the promise fails the run as usual, and the
  run says which waiver expired, when, and who approved it.
- A waiver on a promise that is kept, has no data or is unauditable waives nothing; an
  unauditable promise still exits 3 (a waiver is for a shortfall, not for a missing column).
- A waiver naming a promise the file does not declare, or a second waiver for the same promise,
  is a mistake in the file: `file:line:column: ...`, exit status 2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from difflib import get_close_matches

from promise_audit.promises.loader import LoadedPromiseFile
from promise_audit.results import AuditResult, PromiseResult, Waiver

WAIVABLE = ("broken", "at_risk")


@dataclass(frozen=True)
class ExpiredWaiver:
    """A waiver that no longer holds, on a promise it would otherwise exempt."""

    promise: str
    expires: str
    approved_by: str
    reason: str
    file: str
    line: int | None
    column: int | None

    def message(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return (
            f"{where}: the waiver for promise {self.promise!r} expired on {self.expires} "
            f"(approved by {self.approved_by}): it no longer exempts the promise, which is "
            "judged as any other"
        )


def check_waivers(loaded: LoadedPromiseFile) -> None:
    """Every waiver names a declared promise, at most once; else PromiseFileError at its line."""
    ids = [p.id for p in loaded.promises]
    seen: dict[str, int] = {}
    for index, waiver in enumerate(loaded.model.waivers):
        where = ("waivers", index, "promise")
        if waiver.promise not in ids:
            close = get_close_matches(waiver.promise, ids, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise loaded.error(
                f"waiver for unknown promise {waiver.promise!r}{hint}; the promises are "
                f"{', '.join(ids)}",
                where,
            )
        if waiver.promise in seen:
            raise loaded.error(
                f"a second waiver for promise {waiver.promise!r} (the first is waiver "
                f"{seen[waiver.promise] + 1}); keep one",
                where,
            )
        seen[waiver.promise] = index


def waivers_of(loaded: LoadedPromiseFile, today: dt.date) -> tuple[Waiver, ...]:
    """The file's waivers, in file order, each with whether it has expired on `today`."""
    result = []
    for index, waiver in enumerate(loaded.model.waivers):
        position = loaded.position_of(("waivers", index))
        result.append(
            Waiver(
                promise=waiver.promise,
                reason=waiver.reason,
                approved_by=waiver.approved_by,
                expires=waiver.expires.isoformat(),
                expired=today > waiver.expires,
                line=position.line if position else None,
                column=position.column if position else None,
            )
        )
    return tuple(result)


def apply_waivers(result: AuditResult, loaded: LoadedPromiseFile, today: dt.date) -> AuditResult:
    """The result with the file's waivers judged on `today` (a new value; the verdicts stay).

    The result gains `waivers`, the file's waivers; each promise its `waiver` (or None) and
    `waived` (an unexpired waiver covers a broken or at-risk verdict).
    """
    return with_waivers(result, waivers_of(loaded, today))


def with_waivers(result: AuditResult, waivers: tuple[Waiver, ...]) -> AuditResult:
    """`apply_waivers` with the waivers already read."""
    by_promise = {w.promise: w for w in waivers}

    def judged(promise: PromiseResult) -> PromiseResult:
        waiver = by_promise.get(promise.id)
        waived = bool(waiver and not waiver.expired and promise.verdict in WAIVABLE)
        return replace(promise, waiver=waiver, waived=waived)

    return replace(result, promises=tuple(judged(p) for p in result.promises), waivers=waivers)


def expired_waivers(result: AuditResult) -> tuple[ExpiredWaiver, ...]:
    """The expired waivers on broken or at-risk promises, for the run to name."""
    return tuple(
        ExpiredWaiver(
            promise=p.id,
            expires=p.waiver.expires,
            approved_by=p.waiver.approved_by,
            reason=p.waiver.reason,
            file=result.promise_file,
            line=p.waiver.line,
            column=p.waiver.column,
        )
        for p in result.promises
        if p.waiver is not None and p.waiver.expired and p.verdict in WAIVABLE
    )


def waiver_note(promise: PromiseResult) -> str | None:
    """One line on a promise's waiver, for the terminal, JUnit, annotations and SARIF."""
    waiver = promise.waiver
    if waiver is None:
        return None
    if promise.waived:
        return f"waived until {waiver.expires} by {waiver.approved_by}: {waiver.reason}"
    if waiver.expired:
        return (
            f"waiver expired on {waiver.expires} (approved by {waiver.approved_by}): "
            f"{waiver.reason}"
        )
    return None


def waiver_state(waiver: Waiver, promise: PromiseResult | None) -> str:
    """What a waiver does for its promise: broken_waived, at_risk_waived, expired, not_needed."""
    if promise is not None and promise.waived:
        return "broken_waived" if promise.verdict == "broken" else "at_risk_waived"
    return "expired" if waiver.expired else "not_needed"


_TERMINAL_STATES = {
    "broken_waived": "BROKEN-WAIVED",
    "at_risk_waived": "AT-RISK-WAIVED",
    "expired": "EXPIRED",
    "not_needed": "NOT NEEDED",
}
_MARKDOWN_STATES = {
    "broken_waived": "broken, waived",
    "at_risk_waived": "at risk, waived",
    "expired": "**expired**",
    "not_needed": "not needed",
}


def terminal_lines(result: AuditResult) -> list[str]:
    """The waivers section of the terminal view (nothing when the file has no waivers)."""
    if not result.waivers:
        return []
    promises = {p.id: p for p in result.promises}
    lines = ["Waivers:"]
    for waiver in result.waivers:
        state = _TERMINAL_STATES[waiver_state(waiver, promises.get(waiver.promise))]
        until = "expired" if waiver.expired else "until"
        lines.append(
            f"  {state:<16}{waiver.promise}  {until} {waiver.expires}, approved by "
            f"{waiver.approved_by}: {waiver.reason}"
        )
    return [*lines, ""]


def markdown_section(result: AuditResult) -> str:
    """The waivers as a Markdown table (empty when the file has no waivers); escaped."""
    from promise_audit.render.markdown import code_span, escape_markdown

    if not result.waivers:
        return ""
    promises = {p.id: p for p in result.promises}
    rows = [
        "### Waivers",
        "",
        "| Promise | State | Expires | Approved by | Reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for waiver in result.waivers:
        state = _MARKDOWN_STATES[waiver_state(waiver, promises.get(waiver.promise))]
        rows.append(
            f"| {code_span(waiver.promise)} | {state} | {escape_markdown(waiver.expires)} "
            f"| {escape_markdown(waiver.approved_by)} | {escape_markdown(waiver.reason)} |"
        )
    return "\n".join(rows) + "\n"


__all__ = [
    "WAIVABLE",
    "ExpiredWaiver",
    "apply_waivers",
    "check_waivers",
    "expired_waivers",
    "markdown_section",
    "terminal_lines",
    "waiver_note",
    "waiver_state",
    "waivers_of",
    "with_waivers",
]
