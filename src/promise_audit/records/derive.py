"""The fields a source does not give, derived from those it does (a wait from the queue and
answer times, an abandon from an answer that never came ...), as SQL over the parsed records;
the gaps of a field the source gives, filled only where another value proves the answer; and
why a derived value is invalid when an input it reads is."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from promise_audit.records.raw import quote, text_literal
from promise_audit.records.schema import CANONICAL_FIELDS, SQL_TYPES

# What each derived field is derived from (see `_derivation`): reading the field reads these.
DERIVATION_INPUTS: dict[str, tuple[str, ...]] = {
    "wait_seconds": ("enqueued_at", "answered_at", "answered", "ended_at"),
    "abandoned": ("enqueued_at", "answered_at", "answered", "ended_at", "wait_seconds"),
    "answered": ("answered_at",),
    "longest_hold_seconds": ("hold_seconds", "hold_count"),
    "escalated": ("escalations",),
}


def derive_available(provided: frozenset[str]) -> frozenset[str]:
    available = set(provided)
    if "enqueued_at" in provided and ({"answered_at", "ended_at"} & provided):
        available.add("wait_seconds")
    if {"answered_at", "answered"} & provided and {"enqueued_at", "wait_seconds"} & provided:
        available.add("abandoned")
    if "longest_hold_seconds" not in provided and {"hold_seconds", "hold_count"} <= provided:
        available.add("longest_hold_seconds")
    if "escalated" not in provided and "escalations" in provided:
        available.add("escalated")
    if "answered_at" in provided:
        available.add("answered")
    return frozenset(available)


def derived_select(
    provided: frozenset[str],
    attributes: tuple[str, ...],
    as_of: str,
    invalid: Mapping[str, str] | None = None,
) -> str:
    """The canonical columns, each from the source or derived, NULL where neither; a field in
    `invalid` (SQL giving why its value is invalid, or NULL) is NULL where it is invalid, and
    its reason is the column `_invalid_<field>`."""
    invalid = invalid or {}
    parts: list[str] = []
    for field_name, field_type in CANONICAL_FIELDS.items():
        # a field the source gives has its gaps filled only with what another value proves
        fill = _gap_fill if field_name in provided else _derivation
        derived = fill(field_name, provided - {field_name}, as_of)
        if field_name in provided:
            # a value the source gives is never overwritten; a derivation fills its gaps
            value = f"coalesce({quote(field_name)}, {derived})" if derived else quote(field_name)
        else:
            value = f"CAST({derived or 'NULL'} AS {SQL_TYPES[field_type]})"
        if field_name in invalid:
            value = f"CASE WHEN ({invalid[field_name]}) IS NULL THEN {value} END"
            parts.append(f"{invalid[field_name]} AS {quote(f'_invalid_{field_name}')}")
        parts.append(f"{value} AS {quote(field_name)}")
    parts += [quote(a) for a in attributes]
    return ", ".join(parts)


def invalid_reasons(
    provided: frozenset[str], checked: Collection[str], as_of: str
) -> dict[str, str]:
    """SQL, over the parsed table, for why each field's value is invalid (NULL where it is
    valid or simply missing), for every field that can be: a field checked as it was read
    (its own reason: `unparseable`, `negative` ...), and a derived field whose derivation
    would read an invalid input (`invalid_<input>`): a call whose answer time is impossible
    has no derived wait and is not an abandon, rather than a wait that runs to its end."""
    reasons: dict[str, str] = {}
    for field_name in CANONICAL_FIELDS:
        inputs = _derivation_inputs(field_name, provided - {field_name}, as_of)
        steps = [
            f"WHEN {quote(f'_invalid_{source}')} IS NOT NULL AND {condition} "
            f"THEN {text_literal(f'invalid_{source}')}"
            for condition, source in inputs
            if source in checked
        ]
        derived = f"CASE {' '.join(steps)} END" if steps else None
        own = quote(f"_invalid_{field_name}") if field_name in checked else None
        if own is not None and derived is not None:
            # a derivation only fills a value the source left out
            reasons[field_name] = (
                f"coalesce({own}, CASE WHEN {quote(field_name)} IS NULL THEN {derived} END)"
            )
        elif own is not None or derived is not None:
            reasons[field_name] = own or derived or ""
    return reasons


def _derivation_inputs(
    field_name: str, provided: frozenset[str], as_of: str
) -> list[tuple[str, str]]:
    """The inputs `_derivation` reads for a field, in order, each with the condition under
    which it is read (a wait ends at the answer, or at the end of a call never answered)."""
    if _derivation(field_name, provided, as_of) is None:
        return []
    answered = "answered_at" if "answered_at" in provided else "CAST(NULL AS TIMESTAMPTZ)"
    if field_name == "wait_seconds":
        return [
            ("true", "enqueued_at"),
            ("enqueued_at IS NOT NULL", "answered_at"),
            (f"enqueued_at IS NOT NULL AND {answered} IS NULL", "ended_at"),
        ]
    if field_name == "abandoned":
        queued = "enqueued_at" if "enqueued_at" in provided else "wait_seconds"
        return [
            ("true", queued),
            (f"{queued} IS NOT NULL", "answered_at"),
            (f"{queued} IS NOT NULL", "answered"),
            (f"{queued} IS NOT NULL AND {answered} IS NULL", "ended_at"),
        ]
    if field_name == "longest_hold_seconds":
        return [("true", "hold_count"), ("true", "hold_seconds")]
    if field_name == "escalated":
        return [("true", "escalations")]
    if field_name == "answered":
        return [("true", "answered_at")]
    return []


def _derivation(field_name: str, provided: frozenset[str], as_of: str) -> str | None:
    """SQL deriving a field from others. Events after as_of have not happened yet: a call
    answered or ended after as_of is still waiting at as_of (no wait yet, not abandoned)."""
    null_time = "CAST(NULL AS TIMESTAMPTZ)"
    answered = "answered_at" if "answered_at" in provided else null_time
    ended = "ended_at" if "ended_at" in provided else null_time
    answered_by = f"CASE WHEN {answered} <= {as_of} THEN {answered} END"
    ended_by = f"CASE WHEN {ended} <= {as_of} THEN {ended} END"
    if field_name == "wait_seconds" and "enqueued_at" in provided:
        if not {"answered_at", "ended_at"} & provided:
            return None
        # answered at a time the source does not give: the wait is unknown, not the whole call
        untimed = "WHEN coalesce(answered, false) THEN NULL " if "answered" in provided else ""
        return (
            f"CASE WHEN enqueued_at IS NULL THEN NULL "
            f"WHEN {answered_by} IS NOT NULL THEN epoch({answered_by}) - epoch(enqueued_at) "
            f"{untimed}"
            f"WHEN {answered} IS NULL THEN epoch({ended_by}) - epoch(enqueued_at) END"
        )
    if field_name == "abandoned" and {"answered_at", "answered"} & provided:
        if "enqueued_at" in provided:
            queued = "enqueued_at IS NOT NULL"
        elif "wait_seconds" in provided:
            queued = "wait_seconds IS NOT NULL"
        else:
            return None
        # an answer time after as_of: still waiting then, neither answered nor abandoned yet
        undecided = f"{answered} IS NOT NULL"
        if "answered" in provided:
            # the source says a person answered, even where it has no time for it
            answered_by = f"CASE WHEN coalesce(answered, false) THEN {as_of} ELSE {answered_by} END"
            if "answered_at" not in provided:
                # only the answered flag: where it is missing, whether anyone answered is unknown
                undecided = "answered IS NULL"
        return (
            f"CASE WHEN NOT ({queued}) OR {answered_by} IS NOT NULL THEN false "
            f"WHEN {undecided} OR {ended} > {as_of} THEN NULL ELSE true END"
        )
    if field_name == "longest_hold_seconds" and {"hold_seconds", "hold_count"} <= provided:
        return "CASE WHEN hold_count <= 1 THEN hold_seconds END"
    if field_name == "escalated" and "escalations" in provided:
        return "escalations > 0"
    if field_name == "answered" and "answered_at" in provided:
        # answered by as_of when answered_at is; an answer after as_of has not happened yet
        return f"CASE WHEN {answered} IS NULL THEN false WHEN {answered} <= {as_of} THEN true END"
    return None


def _gap_fill(field_name: str, provided: frozenset[str], as_of: str) -> str | None:
    """SQL filling the gaps of a field the source gives itself. A source that states a field
    (a platform reader writing `abandoned`, say) leaves it missing where the export is silent;
    a gap is filled only where another stated value proves the answer (an answer time proves
    the contact was answered, and not abandoned), never from the absence of a value."""
    answered_by = f"CASE WHEN answered_at <= {as_of} THEN answered_at END"
    if field_name == "answered" and "answered_at" in provided:
        return f"CASE WHEN {answered_by} IS NOT NULL THEN true END"
    if field_name == "abandoned" and {"answered_at", "answered"} & provided:
        proofs = []
        if "answered_at" in provided:
            proofs.append(f"{answered_by} IS NOT NULL")
        if "answered" in provided:
            proofs.append("coalesce(answered, false)")
        return f"CASE WHEN {' OR '.join(proofs)} THEN false END"
    if field_name in ("answered", "abandoned"):
        return None
    return _derivation(field_name, provided, as_of)
