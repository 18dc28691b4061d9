"""The words every output shares: verdict counts, why a verdict stands, and group labels.

Each function reads a promise's result (`results.PromiseResult`), so the HTML, Markdown and
PDF reports and the terminal say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promise_audit.engine.run import percent
from promise_audit.results import PromiseResult

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


def explanation_lines(promise: Any, item: Any) -> list[str]:
    """Under one promise's outcome for one record (`explain`): the measure against the limit,
    the rule that decided, and the record's values the rule reads, in human units.

    `promise` is a PromiseResult, `item` an Explanation."""
    from promise_audit.render.charts import measure_text

    lines = []
    unit = promise.distribution.unit if promise.distribution else "seconds"
    terms = dict(promise.terms)
    limit = terms.get("limit")
    if item.measure is not None and item.outcome != "outside":
        measured = f"measured {measure_text(item.measure, unit)}"
        lines.append(f"{measured} against a limit of {limit}" if limit else measured)
    elif limit:
        lines.append(f"limit {limit}")
    sentence = rule_sentence(promise.rule, item.outcome)
    if sentence:
        lines.append(f"rule: {sentence}")
    if item.values:
        shown = ", ".join(f"{name} {value_text(name, value)}" for name, value in item.values)
        lines.append(f"record: {shown}")
    return lines
