"""A suggested mapping from an export's columns to canonical fields, with the evidence.

Three sorts of evidence, from a profile (promise_audit.profiling) and nothing else:
- the name: "Speed of answer in seconds" reads as wait_seconds, in seconds;
- the values: a Y/N column named like "Answered" says who was never answered, so it gives
  `abandoned` as an expression; a column whose every value is unique can be the contact id;
- the shape: a date column and a time-of-day column combine into one timestamp; a numeric
  date's order (day-first or month-first) is decided from the values.
Each suggestion has a confidence: high (the name and the values agree), medium (one of them
is enough to suggest it, not to be sure), low (a guess, kept because the field is required).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from promise_audit.profiling import MIDNIGHTS, ColumnProfile, Profile
from promise_audit.records.formats import PLATFORM_FORMATS
from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS, FieldType

HIGH, MEDIUM, LOW = "high", "medium", "low"
# a time column with at least this share of values at exactly midnight writes "no time" so
# (calls spread over the day put about 0.07% of any time column at one minute)
_MIDNIGHT_PLACEHOLDER = 0.01
# an id or name column whose commonest value is one of these, held by this share of rows
_STAND_IN = re.compile(
    r"0+|-1|none|null|unknown|anonymous|unassigned|unidentified|n/?a|no(body|one)|no[ _-]+[a-z]+",
    re.I,
)
_STAND_IN_SHARE = 0.05

# canonical field -> (pattern over the normalised column name, how sure the name alone is)
# Normalised: lower case, every run of other characters a single space.
NAME_RULES: dict[str, tuple[tuple[str, float], ...]] = {
    "contact_id": (
        (
            r"(contact|call|ticket|case|incident|interaction|conversation|request|tweet|chat|sr)"
            r" ?(id|number|no|key|ref)",
            0.95,
        ),
        (r"contactid|callid|ticketid|caseid|unique key|ticket|case number", 0.9),
        (r"id|number|key", 0.7),
    ),
    "customer_id": (
        (
            r"(customer|caller|requester|client|author|user|account|member|contact) ?(id|number|"
            r"no|key)?",
            0.85,
        ),
    ),
    "channel": (
        (
            r"(open data )?channel( type)?|contact type|via channel|via|medium|media type|source",
            0.85,
        ),
    ),
    "queue": ((r"queue( name)?|skill", 0.85),),
    "team": ((r"team|group( id| name)?|assignment group|agency|department|dept", 0.85),),
    "agent_id": (
        (
            r"agent( id| name)?|assignee( id)?|assigned to|rep|representative|operator|"
            r"handled by|owner",
            0.85,
        ),
        (r"server( name| id)?", 0.7),
    ),
    "segment": ((r"segment|tier|customer tier|loyalty( tier)?|customer segment", 0.85),),
    "language": ((r"language|lang|locale", 0.85),),
    "topic": (
        (
            r"topic|category|complaint type|reason|issue type|call reason|contact reason|"
            r"subject category",
            0.85,
        ),
        (r"type", 0.7),
    ),
    "initiated_at": (
        (
            r"(created|opened|started|start|initiated|received|submitted|logged)( date| time|"
            r" at| on| date time| datetime| timestamp)?",
            0.9,
        ),
        (r"initiation timestamp|call start( time)?|date time|datetime|timestamp|date", 0.75),
        (r"(vru|ivr) (entry|start)( time)?|arrival( time)?|entry( time)?", 0.75),
    ),
    "enqueued_at": ((r"(en)?queued( at| time)?|(queue|q) (start|entry)( time)?", 0.85),),
    "answered_at": (
        (r"answered (at|time)|answer time|connected (at|time)", 0.85),
        (r"(ser|service|agent|talk) start( time)?", 0.75),
    ),
    "first_response_at": ((r"first (response|reply)( at| time| date)?|responded at", 0.85),),
    "ended_at": (
        (r"(ended|end|disconnected|hang ?up)( at| time| date)?", 0.8),
        (r"(ser|service|call) (exit|end)( time)?", 0.75),
    ),
    "resolved_at": (
        (r"(resolved|solved|resolution)( at| time| date| date time)?", 0.9),
        (r"closed( at| time| date)?|close date|completed( at| date)?", 0.85),
    ),
    "abandoned": ((r"abandon(ed)?( y n| flag)?|is abandoned", 0.9),),
    "wait_seconds": (
        (
            r"(speed of answer|wait( time)?|(queue|q) (time|duration)|time in queue|asa)"
            r"( in)?( seconds| secs| s| minutes| mins| min| ms| hours)?",
            0.9,
        ),
    ),
    "hold_seconds": (
        (r"(total |customer )?hold( time| duration)?( in)?( seconds| s| minutes)?", 0.85),
    ),
    "hold_count": ((r"(number of |num )?holds|hold count", 0.85),),
    "ivr_seconds": ((r"(ivr|vru)( time| duration)?( in)?( seconds| s)?", 0.85),),
    "ivr_steps": ((r"ivr (steps|menus)|menus", 0.85),),
    "transfers": ((r"transfers|transfer count|number of transfers|reassignment count", 0.85),),
    "callback_offered": ((r"callback offered", 0.9),),
    "callback_requested_at": ((r"callback requested( at)?", 0.9),),
    "callback_at": ((r"callback (at|time|made at)", 0.85),),
    "bot_handled": ((r"bot( handled)?|handled by bot", 0.85),),
    "human_requested_at": ((r"human requested( at)?|agent requested( at)?", 0.85),),
    "human_joined_at": ((r"human joined( at)?|agent joined( at)?", 0.85),),
    "escalated": ((r"escalated|is escalated", 0.85),),
    "escalations": ((r"escalations|escalation count", 0.85),),
    "service_failure": ((r"service failure|failure", 0.8),),
    "recovered_at": ((r"recovered( at)?", 0.85),),
    "apologized": ((r"apologi[sz]ed|apology", 0.85),),
    "goodwill_amount": ((r"goodwill( amount)?|compensation|credit( amount)?", 0.8),),
    "survey_sent_at": ((r"survey sent( at| date)?", 0.9),),
    "csat": ((r"csat|satisfaction( rating| score)?|rating", 0.85),),
    "nps": ((r"nps|likelihood to recommend", 0.85),),
    "order_id": ((r"order ?(id|number|no)", 0.9),),
    "purchased_at": ((r"(purchase|order)( date| at| time)|purchased( at)?", 0.85),),
    "return_requested_at": ((r"return (requested|request date|date)( at)?", 0.85),),
    "return_decision": ((r"return (decision|status)", 0.85),),
    "refund_at": ((r"refund(ed)?( at| date)", 0.85),),
    "return_shipping_fee": ((r"return shipping( fee| cost)?", 0.85),),
}
# which column types can fill a field of each canonical type
_FITS: dict[FieldType, tuple[str, ...]] = {
    FieldType.TEXT: ("text", "number", "boolean"),
    FieldType.TIMESTAMP: ("timestamp", "date"),
    FieldType.NUMBER: ("number",),
    FieldType.DURATION: ("number", "duration"),
    FieldType.BOOLEAN: ("boolean",),
}
_UNITS = (
    (r"\b(ms|millis|milliseconds)\b", "ms", "milliseconds"),
    (r"\b(seconds|secs|sec|s)\b", "s", "seconds"),
    (r"\b(minutes|mins|min)\b", "min", "minutes"),
    (r"\b(hours|hrs|h)\b", "h", "hours"),
)
# a flag saying whether a person answered: "Answered (Y/N)", "Is answered", "Call connected"
_ANSWERED = re.compile(r"((call|was|is) )?(answered|connected|picked up)( y n| yn| flag)?")
_PHONE_WORDS = re.compile(r"call|speed of answer|talk|phone|dial")
_SOCIAL_WORDS = re.compile(r"tweet|retweet")


@dataclass(frozen=True)
class Suggestion:
    field: str
    mapping: Any  # what goes under columns: (a column name, or a dict)
    confidence: str
    evidence: str
    columns: tuple[str, ...] = ()  # the source columns it reads
    alternatives: tuple[str, ...] = ()  # other readings, as YAML lines


@dataclass(frozen=True)
class Suggested:
    format: str
    suggestions: tuple[Suggestion, ...]
    null_values: tuple[str, ...]
    attributes: tuple[str, ...]  # columns left as scope attributes
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get(self, name: str) -> Suggestion | None:
        return next((s for s in self.suggestions if s.field == name), None)


def normalise(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def label(score: float) -> str:
    return HIGH if score >= 0.85 else MEDIUM if score >= 0.6 else LOW


def _name_score(field_name: str, column: str) -> tuple[float, str] | None:
    normal = normalise(column)
    if normal == field_name.replace("_", " "):
        return 1.0, "the column has the field's name"
    for pattern, score in NAME_RULES.get(field_name, ()):
        if re.fullmatch(pattern, normal):
            return score, f"name {column!r}"
    return None


def suggest_mapping(profile: Profile) -> Suggested:
    """The mapping a promise file's `columns:` could start from (see the module docstring)."""
    if profile.format in PLATFORM_FORMATS:
        return _platform(profile)
    columns = [c for c in profile.columns if c.type != "empty"]
    taken: set[str] = set()
    chosen: dict[str, Suggestion] = {}

    for pair in _date_time_pairs(columns):
        chosen[pair.field] = pair
        taken.update(pair.columns)

    answered = _answered_flag(columns)
    if answered is not None:
        chosen["abandoned"] = answered
        taken.update(answered.columns)

    candidates: list[tuple[float, int, str, ColumnProfile, str]] = []
    for order, column in enumerate(columns):
        for field_name, field_type in CANONICAL_FIELDS.items():
            named = _name_score(field_name, column.name)
            if named is None or column.type not in _FITS[field_type]:
                continue
            score, why = named
            score, why = _adjust(field_name, column, column.rows, score, why)
            candidates.append((score, -order, field_name, column, why))
    for score, _, field_name, column, why in sorted(candidates, key=lambda c: (-c[0], -c[1])):
        if field_name in chosen or column.name in taken:
            continue
        chosen[field_name] = _suggestion(field_name, column, score, why, column.rows)
        taken.add(column.name)

    contact = chosen.get("contact_id")
    if contact is not None and "repeat an id" in contact.evidence:
        for name, suggestion in list(chosen.items()):
            if CANONICAL_FIELDS[name] in (FieldType.NUMBER, FieldType.DURATION):
                chosen[name] = Suggestion(
                    name,
                    suggestion.mapping,
                    MEDIUM if suggestion.confidence == HIGH else suggestion.confidence,
                    suggestion.evidence + "; ids repeat, so this is the first row's value, "
                    "which a running count (updated row by row) is not",
                    suggestion.columns,
                    suggestion.alternatives,
                )
    for required in REQUIRED_FIELDS:
        if required not in chosen:
            fallback = _fallback(required, columns, taken)
            if fallback is not None:
                chosen[required] = fallback
                taken.update(fallback.columns)
    _add_alternatives(chosen, columns, taken)
    if "channel" not in chosen:
        const = _constant_channel(columns)
        if const is not None:
            chosen["channel"] = const
    ordered = tuple(chosen[f] for f in CANONICAL_FIELDS if f in chosen)
    attributes = tuple(c.name for c in profile.columns if c.name not in taken)
    notes = []
    missing = [f for f in REQUIRED_FIELDS if f not in chosen]
    if missing:
        notes.append(f"no column could be {' or '.join(missing)}: map it by hand")
    return Suggested(profile.format, ordered, profile.null_values, attributes, tuple(notes))


def _platform(profile: Profile) -> Suggested:
    """A platform reader maps its own fields: nothing to write under columns:."""
    suggestions = tuple(
        Suggestion(
            field=c.name,
            mapping=None,
            confidence=HIGH,
            evidence=f"given by the {profile.format} reader",
            columns=(c.name,),
        )
        for c in profile.columns
        if c.name in CANONICAL_FIELDS and c.nulls < c.rows
    )
    attributes = tuple(c.name for c in profile.columns if c.name not in CANONICAL_FIELDS)
    return Suggested(profile.format, suggestions, ("",), attributes)


def _adjust(
    field_name: str, column: ColumnProfile, rows: int, score: float, why: str
) -> tuple[float, str]:
    """What the values add to the name."""
    if field_name == "contact_id":
        present = rows - column.nulls
        if column.distinct >= present and present:
            return min(1.0, score + 0.05), why + "; every value unique"
        repeated = present - column.distinct
        return score - 0.05, (
            why + f"; {repeated:,} rows repeat an id (an event log?): the first row of "
            "each id is kept, the others counted as duplicates"
        )
    if field_name in ("initiated_at",) and column.type == "date":
        return score - 0.2, why + "; a date without a time (midnight)"
    return score, why


def _suggestion(
    field_name: str, column: ColumnProfile, score: float, why: str, rows: int
) -> Suggestion:
    mapping: Any = column.name
    evidence = why
    field_type = CANONICAL_FIELDS[field_name]
    if field_type is FieldType.TIMESTAMP:
        evidence += _time_evidence(column)
        if column.timestamp_format is not None:
            mapping = {"column": column.name, "format": column.timestamp_format}
        placeholder = _placeholder(column)
        if placeholder is not None:
            mapping = (mapping if isinstance(mapping, dict) else {"column": column.name}) | {
                "null_if": [placeholder]
            }
        if column.date_order == "undecided":
            score = min(score, 0.7)
    elif field_type is FieldType.DURATION:
        unit, words = _unit(column)
        evidence += f"; {words}"
        if unit not in (None, "s"):
            mapping = {"column": column.name, "unit": unit}
        if unit is None and column.type == "number":
            score = min(score, 0.8)
    elif field_type is FieldType.BOOLEAN:
        evidence += f"; values {'/'.join(column.samples[:2])}"
    elif field_type is FieldType.TEXT:
        stand_in = _stand_in(column)
        if stand_in is not None:
            mapping = {"column": column.name, "null_if": [stand_in]}
            evidence += (
                f"; {column.commonest_rows:,} of the first {column.sampled_rows:,} rows hold "
                f"{stand_in!r}, which reads as 'not known': read as missing"
            )
    if column.unreadable:
        evidence += f"; {column.unreadable:,} values do not read as {column.type}"
        score = min(score, 0.7)
    if column.nulls and column.nulls == rows:
        score = min(score, 0.5)
    return Suggestion(field_name, mapping, label(score), evidence, (column.name,))


def _stand_in(column: ColumnProfile) -> str | None:
    """A value that stands for "nobody" in an id or name column (a caller id of 0 for an
    unidentified caller, `NO_SERVER` for a call no agent took): one such value held by many
    rows would otherwise make all of them one customer, or one agent."""
    if column.commonest is None or not column.sampled_rows:
        return None
    if column.commonest_rows / column.sampled_rows < _STAND_IN_SHARE:
        return None
    return column.commonest if _STAND_IN.fullmatch(column.commonest) else None


def _time_evidence(column: ColumnProfile) -> str:
    text = ""
    if column.timestamp_format is not None:
        text += f"; read with {column.timestamp_format!r}"
    if column.date_order_evidence:
        text += f" ({column.date_order_evidence})"
    if column.first:
        text += f"; {column.first} .. {column.last}"
        placeholder = _placeholder(column)
        if placeholder is not None:
            text += f" ({placeholder!r}, in 1900 or before, is a placeholder: read as missing)"
    return text


def _placeholder(column: ColumnProfile) -> str | None:
    """The earliest value as written, where it is in 1900 or before: no contact-centre record
    is that old, so it stands for 'no date' (01/01/1900, 1899-12-30 ...)."""
    if column.first and column.first[:4] <= "1900" and column.earliest_text:
        return column.earliest_text
    return None


def _unit(column: ColumnProfile) -> tuple[str | None, str]:
    if column.type == "duration":
        return None, "values are durations (h:mm:ss or ISO 8601), read as written"
    normal = normalise(column.name)
    for pattern, unit, words in _UNITS:
        if re.search(pattern, normal):
            return unit, f"in {words} (from the name)"
    return None, "no unit in the name: read as seconds"


def _date_time_pairs(columns: list[ColumnProfile]) -> list[Suggestion]:
    """A date column and time-of-day columns, each pair one timestamp: the start (a time
    column named like a start, else the first), and every other time column named like a
    canonical time (`q_start` is enqueued_at, `ser_start` answered_at). A time column where
    some values are exactly midnight, in an export whose day is a separate column, writes "no
    time" that way (a call that never queued has `q_start` 0:00:00): offered as `null_if`."""
    dates = [c for c in columns if c.type == "date" and _name_score("initiated_at", c.name)]
    times = [c for c in columns if c.type == "time"]
    if not dates or not times:
        return []
    date = dates[0]
    date_format = date.timestamp_format or "%Y-%m-%d"
    named_start = [t for t in times if _name_score("initiated_at", t.name)]
    start = (named_start or times)[0]
    pairs = [_pair("initiated_at", date, start, date_format)]
    taken = {start.name}
    for field_name, field_type in CANONICAL_FIELDS.items():
        if field_type is not FieldType.TIMESTAMP or field_name == "initiated_at":
            continue
        scored = [(_name_score(field_name, t.name), t) for t in times if t.name not in taken]
        named = [(score[0], t) for score, t in scored if score is not None]
        if named:
            _, time = max(named, key=lambda pair: pair[0])
            pairs.append(_pair(field_name, date, time, date_format))
            taken.add(time.name)
    return pairs


def _pair(
    field_name: str, date: ColumnProfile, time: ColumnProfile, date_format: str
) -> Suggestion:
    clock = "%H:%M:%S" if all(s.count(":") == 2 for s in time.samples) else "%H:%M"
    mapping: dict[str, Any] = {
        "date": date.name,
        "time": time.name,
        "format": f"{date_format} {clock}",
    }
    evidence = (
        f"shape: {date.name!r} holds dates ({', '.join(date.samples[:1])}) and {time.name!r} "
        f"times of day ({', '.join(time.samples[:1])}): combined into one timestamp"
    )
    if date.first:
        evidence += f"; days {date.first} .. {date.last}"
    confidence = HIGH
    if field_name != "initiated_at":
        confidence = MEDIUM
        evidence += f"; name {time.name!r}"
        present = time.rows - time.nulls
        if time.midnights and present and time.midnights / present >= _MIDNIGHT_PLACEHOLDER:
            written = next((s for s in time.samples if s in MIDNIGHTS), MIDNIGHTS[0])
            mapping["null_if"] = [written]
            evidence += (
                f"; {time.midnights:,} of {present:,} values are exactly midnight ({written}),"
                " read as 'no time'"
            )
    return Suggestion(field_name, mapping, confidence, evidence, (date.name, time.name))


def _answered_flag(columns: list[ColumnProfile]) -> Suggestion | None:
    """A Y/N column named like "Answered": the calls nobody answered are the abandons."""
    for column in columns:
        if column.type != "boolean" or not _ANSWERED.fullmatch(normalise(column.name)):
            continue
        reference = (
            f"`{column.name}`" if not re.fullmatch(r"[A-Za-z_]\w*", column.name) else (column.name)
        )
        falses = column.false_values or ("N",)
        if len(falses) == 1:
            expr = f"{reference} = '{falses[0]}'"
        else:
            listed = ", ".join(f"'{v}'" for v in falses)
            expr = f"{reference} in ({listed})"
        return Suggestion(
            "abandoned",
            {"expr": expr},
            HIGH,
            f"values: {column.name!r} holds {'/'.join(sorted(set(column.samples)))}, named like "
            "'answered': a contact nobody answered is an abandon",
            (column.name,),
            alternatives=(f"answered: {{expr: \"{reference} != '{falses[0]}'\"}}",),
        )
    return None


def _fallback(field_name: str, columns: list[ColumnProfile], taken: set[str]) -> Suggestion | None:
    free = [c for c in columns if c.name not in taken]
    if field_name == "contact_id":
        unique = [
            c for c in free if c.type in ("text", "number") and c.distinct >= c.rows - c.nulls
        ]
        if unique:
            column = unique[0]
            return Suggestion(
                field_name,
                column.name,
                LOW,
                f"values: {column.name!r} is the first column whose every value is unique",
                (column.name,),
            )
        # no column identifies a row: an id-like name will do, its repeats counted as
        # duplicates, so that the audit runs and its accounting shows what was dropped
        named = [c for c in free if re.search(r"(^| )(id|key|number|no)$", normalise(c.name))]
        if not named:
            return None
        column = named[0]
        return Suggestion(
            field_name,
            column.name,
            LOW,
            f"no column identifies a row; {column.name!r} is the first named like an id: rows "
            "that repeat its value are counted as duplicates",
            (column.name,),
        )
    stamps = [c for c in free if c.type == "timestamp"] or [c for c in free if c.type == "date"]
    if not stamps:
        return None
    column = stamps[0]
    mapping: Any = column.name
    if column.timestamp_format is not None:
        mapping = {"column": column.name, "format": column.timestamp_format}
    return Suggestion(
        field_name,
        mapping,
        LOW,
        f"the first timestamp column, {column.name!r}" + _time_evidence(column),
        (column.name,),
        alternatives=tuple(f"{field_name}: {other.name}" for other in stamps[1:3]),
    )


def _add_alternatives(
    chosen: dict[str, Suggestion], columns: list[ColumnProfile], taken: set[str]
) -> None:
    """Other columns that could fill a suggested timestamp field (e.g. closed vs resolved)."""
    for name, suggestion in list(chosen.items()):
        if CANONICAL_FIELDS[name] is not FieldType.TIMESTAMP or suggestion.alternatives:
            continue
        others = [
            c.name
            for c in columns
            if c.name not in suggestion.columns
            and c.type in ("timestamp", "date")
            and _name_score(name, c.name) is not None
        ]
        if others:
            chosen[name] = Suggestion(
                suggestion.field,
                suggestion.mapping,
                suggestion.confidence,
                suggestion.evidence,
                suggestion.columns,
                tuple(f"{name}: {o}" for o in others[:2]),
            )


def _constant_channel(columns: list[ColumnProfile]) -> Suggestion | None:
    names = " ".join(normalise(c.name) for c in columns)
    if _SOCIAL_WORDS.search(names):
        return Suggestion(
            "channel",
            {"const": "social"},
            MEDIUM,
            "no channel column; the columns speak of tweets: every record a social contact",
        )
    if _PHONE_WORDS.search(names):
        return Suggestion(
            "channel",
            {"const": "phone"},
            MEDIUM,
            "no channel column; the columns speak of calls: every record a phone contact",
        )
    return None
