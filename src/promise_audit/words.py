"""The words every output shares, in one place: percentages, durations as measured, the
sentence of what was delivered, why a verdict stands, verdict counts, group labels, the rules
in a sentence and a record's values (`explain`).

The engine writes a result's sentences with these functions, and every renderer (terminal,
HTML, Markdown, PDF, JUnit, SARIF, GitHub) reads the result and these same words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from promise_audit.promises.units import duration_text
from promise_audit.results import PromiseResult, is_missing_data


def percent(value: float | None, target: float | None = None) -> str:
    """A percentage that never rounds a broken promise up to 100% (or a kept one to 0%), nor
    up to its target: 94.99% against 95% shows as 94.99%, not 95.0%."""
    if value is None:
        return "n/a"
    shown = round(value * 100, 1)
    if shown == 100 and value < 1:
        shown = 99.9
    if shown == 0 and value > 0:
        shown = 0.1
    if target is not None and value < target and shown >= round(target * 100, 1):
        for digits in (2, 3, 4):
            finer = math.floor(value * 100 * 10**digits) / 10**digits
            if finer < round(target * 100, digits):
                return f"{finer:.{digits}f}%"
    return f"{shown:g}%" if shown in (0, 100) else f"{shown:.1f}%"


def measure_text(value: float, unit: str) -> str:
    """A measure for a sentence or a table: 1739 seconds -> '28 min 59 s'."""
    if unit == "seconds":
        return duration_text(value)
    if unit == "amount":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{value:,.6g} {unit}"


def singular(noun: str) -> str:
    """The kinds' nouns for one record: 'queued contacts' -> 'queued contact', 'customers who
    asked the bot for a person' -> 'customer who asked the bot for a person'."""
    for joint in (" who ", " within ", " that "):
        head, found, tail = noun.partition(joint)
        if found:
            return singular(head) + joint + tail
    words = noun.split(" ")
    if words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def singular_verb(phrase: str) -> str:
    """A kind's kept phrase for one record: 'were resolved within 8 hours' -> 'was resolved
    within 8 hours' (the others, 'waited ...', 'reached a person', need no change)."""
    return "was" + phrase[len("were") :] if phrase.startswith("were ") else phrase


def delivered_sentence(
    *,
    noun: str,
    kept_phrase: str,
    kept: int,
    broken: int,
    pending: int,
    excluded: int,
    target: float,
) -> str:
    """What customers got, in one sentence: '93.4% of 619 contacts were resolved within 8
    hours; 41 did not; target 95.0%.'"""
    decided = kept + broken
    if decided == 0:
        return (
            f"No {noun} to judge yet ({pending:,} pending, {excluded:,} excluded); "
            f"target {percent(target)}."
        )
    shown = percent(kept / decided, target)
    of = (
        f"1 {singular(noun)} {singular_verb(kept_phrase)}"
        if decided == 1
        else (f"{decided:,} {noun} {kept_phrase}")
    )
    return f"{shown} of {of}; {broken:,} did not; target {percent(target)}."


# How a missing or invalid field reads in a sentence ("... with no recorded wait").
FIELD_WORDS = {
    "wait_seconds": "wait",
    "hold_seconds": "hold time",
    "longest_hold_seconds": "longest hold",
    "ivr_seconds": "time in the phone tree",
    "ivr_steps": "count of phone-tree menus",
    "answered": "answer",
    "abandoned": "abandon flag",
    "first_response_at": "first reply time",
    "resolved_at": "resolution time",
    "answered_at": "answer time",
    "enqueued_at": "queue time",
    "ended_at": "end time",
    "callback_at": "callback time",
    "refund_at": "refund time",
}


def _missing_words(reason: str) -> str:
    sort, _, name = reason.partition("_")
    words = FIELD_WORDS.get(name, name)
    return f"no recorded {words}" if sort == "missing" else f"an invalid {words}"


def verdict_note(
    reason: str | None,
    *,
    excluded_by_reason: dict[str, int],
    noun: str,
    kept_phrase: str,
    compliance: float | None,
    worst: float | None,
    best: float | None,
    target: float,
    warn_below: float | None,
) -> str | None:
    """Why the verdict is what it is, in one sentence every output puts in its headline
    (None when there is nothing to add: kept, no data, or broken with no missing data)."""
    missing = {r: n for r, n in excluded_by_reason.items() if is_missing_data(r)}
    count = sum(missing.values())
    if len(missing) == 1:
        what = _missing_words(next(iter(missing)))
    else:
        what = (
            "missing data ("
            + "; ".join(f"{_missing_words(r)}: {n:,}" for r, n in sorted(missing.items()))
            + ")"
        )
    goal = f"the {percent(target)} target"
    if count == 1:
        # one record: 'the one queued contact with no recorded wait was ...'
        them = f"the one {singular(noun)} with {what}"
        every, was, they, bring = them, "was", "it", "brings"
        kept_phrase = singular_verb(kept_phrase)
    else:
        them = f"the {count:,} {noun} with {what}"
        every, was, they, bring = f"all {count:,} {noun} with {what}", "were", "they", "bring"
        kept_phrase = f"all {kept_phrase}"
    if reason == "missing_data":
        return (
            f"Kept only if {them} {kept_phrase}: counted broken, {they} {bring} compliance "
            f"to {percent(worst, target)} against {goal}."
        )
    if reason == "below_warn_below" and warn_below is not None:
        return (
            f"At risk: {percent(compliance, warn_below)} meets {goal} but not the warning "
            f"level of {percent(warn_below)}."
        )
    if reason == "broken_unless_missing_kept":
        return (
            f"Broken unless {them} {was} kept: counted kept, {they} {bring} compliance to "
            f"{percent(best)} against {goal}."
        )
    if reason == "broken_even_if_missing_kept" and count:
        return (
            f"Broken even if {every} {was} kept ({percent(best, target)} at best against {goal})."
        )
    return None


VERDICT_ORDER = ("kept", "at_risk", "broken", "no_data", "unauditable")
VERDICT_WORDS = {
    "kept": "kept",
    "at_risk": "at risk",
    "broken": "broken",
    "no_data": "no data",
    "unauditable": "unauditable",
}
# Why an at-risk verdict stands, by the result's `verdict_reason`; `below_warn_below` is the
# reason of a result that names none (it has only one way to be at risk).
AT_RISK_REASONS = {
    "below_warn_below": "kept, but below the warning level of {warn_below}",
}
DIMENSION_LABELS = {
    "channel": "Channel",
    "queue": "Queue",
    "team": "Team",
    "agent_id": "Agent",
    "topic": "Topic",
    "hour_of_week": "Hour of the week",
}


def verdict_counts(verdicts: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """How many promises have each verdict, every verdict listed (zero included), in order."""
    listed = list(verdicts)
    return tuple((verdict, listed.count(verdict)) for verdict in VERDICT_ORDER)


def counts_text(verdicts: Iterable[str]) -> str:
    """'6 promises: 1 kept, 1 at risk, 2 broken, 1 no data, 1 unauditable' (zeros left out)."""
    counts = verdict_counts(verdicts)
    total = sum(count for _, count in counts)
    parts = [f"{count} {VERDICT_WORDS[verdict]}" for verdict, count in counts if count]
    return f"{total} promise{'' if total == 1 else 's'}: {', '.join(parts) or 'none'}"


def at_risk_reasons(promise: PromiseResult) -> tuple[str, ...]:
    """Why an at-risk promise is at risk, in words; () for any other verdict."""
    if promise.verdict != "at_risk":
        return ()
    reason = str(promise.verdict_reason or "below_warn_below")
    if reason == "missing_data":
        # the result's own sentence: who is missing and what they would make of the figure
        note = promise.verdict_note
        return (str(note) if note else "kept only if the records with missing data were kept",)
    warn_below = promise.warn_below
    template = AT_RISK_REASONS.get(reason, reason.replace("_", " "))
    return (template.format(warn_below=percent(warn_below) if warn_below is not None else "n/a"),)


def interval_note(promise: PromiseResult) -> str | None:
    """A note beside a kept, at-risk or broken verdict whose 95% interval includes the target:
    the sample cannot tell the promise's true rate from the target. It does not change the
    verdict."""
    if promise.verdict not in ("kept", "at_risk", "broken"):
        return None
    low, high = promise.ci_low, promise.ci_high
    if promise.gap_is_clear is not False or low is None or high is None:
        return None
    return (
        "the gap is not statistically clear: the 95% interval "
        f"({interval(low, high)}) includes the target"
    )


def interval(low: float | None, high: float | None) -> str:
    """A 95% interval as '94.0-95.8%'."""
    if low is None or high is None:
        return ""
    low_text, high_text = percent(low), percent(high)
    return f"{low_text.removesuffix('%')}-{high_text}"


def verdict_notes(promise: PromiseResult) -> tuple[str, ...]:
    """Everything said beside a verdict: the at-risk reasons, whether missing data could mend
    a broken promise, then the interval note."""
    missing = promise.verdict_note if promise.verdict == "broken" else None
    note = interval_note(promise)
    return (
        *at_risk_reasons(promise),
        *((str(missing),) if missing else ()),
        *((note,) if note else ()),
    )


def one_sentence(notes: Iterable[str]) -> str:
    """Notes as one sentence, as a list item says them: each note's own full stop dropped,
    joined by semicolons, one full stop at the end ('' for none)."""
    parts = [note.rstrip(".") for note in notes]
    return "; ".join(parts) + "." if parts else ""


def dimension_label(name: str) -> str:
    """A group's name for a reader: 'agent_id' -> 'Agent', 'hour_of_week' -> 'Hour of the week'."""
    known = DIMENSION_LABELS.get(name)
    if known is not None:
        return known
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


RULE_LABELS = {
    "kept": "Kept",
    "broken": "Broken",
    "pending": "Pending",
    "excluded": "Excluded",
    "outside": "Population:",
}
_ITEM_STARTS = ("Population:", "Broken", "Kept", "Pending", "Excluded", "Abandons", "The clock")


def rule_sentence(rule: str, outcome: str) -> str | None:
    """The labelled sentence of a promise's rule that gives an outcome ('Broken: ...'), one
    line; None where the rule has none."""
    items: list[str] = []
    joining = False
    for line in (raw.strip() for raw in rule.splitlines()):
        if not line:
            joining = False
            continue
        if line.startswith(_ITEM_STARTS):
            items.append(line)
            joining = True
        elif joining:
            items[-1] += " " + line
    label = RULE_LABELS.get(outcome)
    found = next((item for item in items if label and item.startswith(label)), None)
    return None if found is None else found.replace("`", "")


def value_text(name: str, value: Any) -> str:
    """A record's value for `explain`: a time to the minute, a duration also in words."""
    import datetime as dt

    from promise_audit.promises.units import duration_text

    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, int | float):
        number = f"{float(value):g}"
        if name.endswith("_seconds") and value >= 60:
            return f"{number} ({duration_text(float(value))})"
        return number
    return str(value)


def scope_text(item: Any) -> str | None:
    """A promise's scope, as the promise file writes it: "priority in ('1 - Critical'); where
    channel = 'phone'" (None for a record inside the population, or a promise without one)."""
    if item.outcome != "outside" or not (item.scope or item.scope_where):
        return None
    parts = [
        f"{name} is {values[0]!r}" if len(values) == 1 else f"{name} in {list(values)!r}"
        for name, values in item.scope
    ]
    if item.scope_where:
        parts.append(f"where {item.scope_where}")
    return "; ".join(parts)


def explanation_lines(promise: Any, item: Any) -> list[str]:
    """Under one promise's outcome for one record (`explain`): the measure against the limit,
    the rule that decided, and the record's values the rule reads, in human units.

    `promise` is a PromiseResult, `item` an Explanation."""
    lines = []
    unit = promise.distribution.unit if promise.distribution else "seconds"
    terms = dict(promise.terms)
    limit = terms.get("limit")
    if item.measure is not None and item.outcome != "outside":
        measured = f"measured {measure_text(item.measure, unit)}"
        lines.append(f"{measured} against a limit of {limit}" if limit else measured)
    elif limit:
        lines.append(f"limit {limit}")
    scope = scope_text(item)
    sentence = rule_sentence(promise.rule, item.outcome)
    # the engine says whether the record meets the scope: if it does, the kind's population
    # left it out; if it does not, the scope did; unknown, both are shown
    outside_scope = None if item.in_scope is None else not item.in_scope
    if scope and outside_scope is not False:
        # outside because of the promise's scope, not its kind's population: say which
        lines.append(f"scope: {scope}")
        if item.scope_values:
            shown = ", ".join(f"{name} {value!r}" for name, value in item.scope_values)
            lines.append(f"this record: {shown}")
    if sentence and outside_scope is not True:
        lines.append(f"rule: {sentence}")
    if item.values:
        shown = ", ".join(f"{name} {value_text(name, value)}" for name, value in item.values)
        lines.append(f"record: {shown}")
    return lines
