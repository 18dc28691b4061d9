"""Genesys Cloud analytics conversation details (JSON) -> the raw table of canonical columns.

A file holds conversations as the analytics API gives them: a `{"conversations": [...]}` page
(details query, async job results), a bare conversation object, a JSON array of conversations,
or conversations one per line (JSONL) or concatenated, gzip'd or not. One conversation = one
contact, whatever its participants, sessions and segments.

Records read = conversations. A conversationId read more than once is kept once: the copy with
the latest conversationEnd (a copy with an end beats one without; at a tie, the one read last);
the other copies are duplicates.

Metrics are per session, in milliseconds (t*) or counts (n*). The field-by-field rules are in
docs/formats/genesys-cloud.md; in short:
- wait_seconds = sum over the queue (acd) sessions, callbacks excepted, of tAcd (else tAbandon,
  else the queue segments' length); enqueued_at = the first queue segment's start;
- answered_at = the first agent `interact` segment (before any callback request); answered is
  true where such a segment exists even without a time (answered_at then missing);
- abandoned = queued, never answered, no callback, and tAbandon, the segments (the customer
  hanging up while queued) or the absence of any queue metric say so; missing while open;
- hold_seconds = sum of tHeld on agent sessions (else their hold segments' length), hold_count
  = number of agent hold segments, longest_hold_seconds = the longest of those segments;
- transfers = sum of nTransferred on agent sessions where the conversation has metrics; without
  metrics, what the agent segments show; missing with neither.
A value no field states is written as missing, never as false or 0.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats._json import create_text_table, json_values
from promise_audit.records.raw import RawRead

CHANNELS = {
    "voice": "phone",
    "callback": "phone",
    "chat": "chat",
    "email": "email",
    "message": "messaging",
}
_CUSTOMER_PURPOSES = ("customer", "external")
# a queue segment ended by its peer, the customer, hanging up
_QUEUE_ENDED_BY_CUSTOMER = ("peer",)
# a customer segment ended by the customer's own side (the caller hung up, the visitor left)
_CUSTOMER_LEFT = ("client",)
# 2021-04-2T15:30:51.418Z: Genesys samples carry unpadded days; read them anyway
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Conversation:
    value: dict[str, Any]
    file: str
    order: int


@dataclass(frozen=True)
class _Session:
    purpose: str
    participant: dict[str, Any]
    session: dict[str, Any]

    @property
    def media(self) -> str:
        return str(self.session.get("mediaType") or "").lower()

    @property
    def segments(self) -> list[dict[str, Any]]:
        segments = self.session.get("segments")
        return [s for s in segments if isinstance(s, dict)] if isinstance(segments, list) else []

    def metric(self, name: str) -> list[float]:
        metrics = self.session.get("metrics")
        if not isinstance(metrics, list):
            return []
        values = []
        for metric in metrics:
            if isinstance(metric, dict) and metric.get("name") == name:
                number = _number(metric.get("value"))
                if number is not None:
                    values.append(number)
        return values


def read(con: Any, table: str, files: tuple[str, ...], source: Source) -> RawRead:
    conversations: list[_Conversation] = []
    for path in files:
        for value in json_values(path):
            for item in _conversations(value, path):
                conversations.append(_Conversation(item, path, len(conversations)))
    kept, duplicates = _latest_copies(conversations)
    rows = [_row(c) for c in kept]
    columns = [
        "_file",
        "contact_id",
        "channel",
        "queue",
        "agent_id",
        "initiated_at",
        "enqueued_at",
        "answered_at",
        "answered",
        "ended_at",
        "abandoned",
        "wait_seconds",
        "hold_seconds",
        "longest_hold_seconds",
        "hold_count",
        "transfers",
        "callback_requested_at",
        "callback_at",
    ]
    if any(row.get("customer_id") is not None for row in rows):
        columns.insert(2, "customer_id")
    if any(row.get("ivr_seconds") is not None for row in rows):
        columns.append("ivr_seconds")
    columns += ["media_type", "direction", "queue_id", "agents", "division_ids"]
    create_text_table(con, table, columns, rows)
    return RawRead(read=len(conversations), duplicates=duplicates)


def _row(conversation: _Conversation) -> dict[str, str | None]:
    c = conversation.value
    sessions = list(_sessions(c))
    customer = next((s for s in sessions if s.purpose in _CUSTOMER_PURPOSES), None)
    first = customer or (sessions[0] if sessions else None)
    media = first.media if first else ""
    # the queues the customer waited in, in the order they entered them (callbacks apart)
    queues = sorted(
        (s for s in sessions if s.purpose == "acd" and s.media != "callback"), key=_first_start
    )
    agents = [s for s in sessions if s.purpose == "agent"]

    callback_starts = [
        start
        for s in sessions
        if s.media == "callback"
        for start in (_instant(seg.get("segmentStart")) for seg in s.segments)
        if start is not None
    ]
    callback_requested = min(callback_starts) if callback_starts else None
    interact_segments = [
        (s, seg)
        for s in agents
        for seg in s.segments
        if str(seg.get("segmentType", "")).lower() == "interact"
    ]
    interacts = sorted(
        start
        for _, seg in interact_segments
        if (start := _instant(seg.get("segmentStart"))) is not None
    )
    answered_at = next(
        (t for t in interacts if callback_requested is None or t < callback_requested), None
    )
    callback_at = next(
        (t for t in interacts if callback_requested is not None and t >= callback_requested), None
    )
    # an agent interact segment without a readable start: a person did answer, when is unknown
    untimed = [s for s, seg in interact_segments if _instant(seg.get("segmentStart")) is None]
    ended = _timestamp_text(c.get("conversationEnd")) or _iso(_all_ended(sessions))
    answered = _answered(answered_at, untimed, callback_requested, ended is not None)
    abandoned = _abandoned(queues, sessions, answered, callback_requested, ended is not None)
    if abandoned:
        answered = False  # the customer gave up before anyone answered

    queue_starts = [
        start
        for s in queues
        for seg in s.segments
        if (start := _instant(seg.get("segmentStart"))) is not None
    ]
    waits = [_queue_wait(s) for s in queues]
    wait = None if not waits or None in waits else sum(w for w in waits if w is not None)

    hold_segments = [
        seg
        for s in agents
        for seg in s.segments
        if str(seg.get("segmentType", "")).lower() == "hold"
    ]
    hold_lengths = [_length(seg) for seg in hold_segments]
    reached = bool(interact_segments)
    hold_seconds = _hold_seconds(agents) if reached else None
    longest = (
        None
        if not reached or any(length is None for length in hold_lengths)
        else max([0.0, *(length for length in hold_lengths if length is not None)])
    )
    transfers = _transfers(sessions, agents)
    ivr = [ms for s in sessions for ms in s.metric("tIvr")]

    queue_participant = queues[0].participant if queues else {}
    queue_ids = [
        str(seg["queueId"]) for s in queues for seg in s.segments if seg.get("queueId") is not None
    ]
    agent_ids = list(
        dict.fromkeys(str(s.participant["userId"]) for s in agents if s.participant.get("userId"))
    )
    first_agent = _interacting_agent(agents, interacts[0]) if interacts else None
    divisions = c.get("divisionIds")
    return {
        "_file": conversation.file,
        "contact_id": _text(c.get("conversationId")),
        "customer_id": _customer_id(customer),
        "channel": (CHANNELS.get(media, "other") if media else None),
        "queue": _text(queue_participant.get("participantName")) or _first(queue_ids),
        "agent_id": first_agent,
        "initiated_at": _timestamp_text(c.get("conversationStart")),
        "enqueued_at": _iso(min(queue_starts)) if queue_starts else None,
        "answered_at": _iso(answered_at),
        "answered": _flag(answered),
        "ended_at": ended,
        "abandoned": _flag(abandoned),
        "wait_seconds": _seconds(wait),
        "hold_seconds": _seconds(hold_seconds),
        "longest_hold_seconds": _seconds(longest),
        "hold_count": str(len(hold_segments)) if reached else None,
        "transfers": None if transfers is None else str(transfers),
        "callback_requested_at": _iso(callback_requested),
        "callback_at": _iso(callback_at),
        "ivr_seconds": _seconds(sum(ivr) / 1000) if ivr else None,
        "media_type": media or None,
        "direction": _text(c.get("originatingDirection")),
        "queue_id": _first(queue_ids),
        "agents": ",".join(agent_ids) or None,
        "division_ids": ",".join(str(d) for d in divisions)
        if isinstance(divisions, list)
        else None,
    }


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _answered(
    answered_at: dt.datetime | None,
    untimed: list[_Session],
    callback_requested: dt.datetime | None,
    ended: bool,
) -> bool | None:
    """Whether a person answered while the customer waited (a callback apart). An interact
    segment with no start still says an agent answered; with a callback requested it cannot
    say whether that was before the request, unless it is the callback's own session."""
    if answered_at is not None:
        return True
    if any(callback_requested is None or s.media != "callback" for s in untimed):
        return True if callback_requested is None else None
    if callback_requested is not None:
        return False  # the customer asked for a callback instead of waiting
    return False if ended else None


def _abandoned(
    queues: list[_Session],
    sessions: list[_Session],
    answered: bool | None,
    callback_requested: dt.datetime | None,
    ended: bool,
) -> bool | None:
    """Queued, never answered and no callback requested; Genesys' own abandon metric
    (tAbandon), or the segments, say so; unknown while the conversation is still open."""
    if not queues or answered or callback_requested is not None:
        return False
    # not answered (or, still open, not answered yet): what says the customer gave up
    if any(s.metric("tAbandon") for s in queues):
        return True
    if any(
        str(seg.get("disconnectType", "")).lower() in _QUEUE_ENDED_BY_CUSTOMER
        for s in queues
        for seg in s.segments
    ) or _left_while_queued(queues, sessions):
        return True
    if not ended or answered is None:
        return None
    # a queue Genesys measured (its metrics) without an abandon: the flow sent the contact
    # elsewhere (voicemail, another flow), as Genesys counts it; with no metrics at all, the
    # contract's reading: queued and never answered is an abandon
    return not any(s.session.get("metrics") for s in queues)


def _left_while_queued(queues: list[_Session], sessions: list[_Session]) -> bool:
    """A customer segment ended by the customer (disconnectType client) no later than the
    last queue segment ended (or while a queue segment was still open)."""
    queue_ends = [_instant(seg.get("segmentEnd")) for s in queues for seg in s.segments]
    last_queue_end = (
        None if None in queue_ends else max((e for e in queue_ends if e is not None), default=None)
    )
    for s in sessions:
        if s.purpose not in _CUSTOMER_PURPOSES:
            continue
        for seg in s.segments:
            if str(seg.get("disconnectType", "")).lower() not in _CUSTOMER_LEFT:
                continue
            end = _instant(seg.get("segmentEnd"))
            if last_queue_end is None or end is None or end <= last_queue_end:
                return True
    return False


def _transfers(sessions: list[_Session], agents: list[_Session]) -> int | None:
    """nTransferred summed over agent sessions when the conversation carries metrics (Genesys
    emits it on every transfer, so none emitted is none made); without metrics, what the agent
    segments show; with neither, unknown."""
    if any(s.session.get("metrics") for s in sessions):
        return int(sum(n for s in agents for n in s.metric("nTransferred")))
    handled = [s for s in agents if s.segments]
    if not handled:
        return None
    ended_by_transfer = sum(
        1
        for s in handled
        for seg in s.segments
        if str(seg.get("disconnectType", "")).lower() == "transfer"
    )
    people = {
        _text(s.participant.get("userId")) or _text(s.participant.get("participantId")) or str(i)
        for i, s in enumerate(handled)
    }
    # one transfer to another agent shows twice (a segment ended by transfer, and a further
    # agent): the larger of the two counts, not their sum
    return max(ended_by_transfer, len(people) - 1)


def _sessions(conversation: dict[str, Any]) -> Iterator[_Session]:
    participants = conversation.get("participants")
    if not isinstance(participants, list):
        return
    for participant in participants:
        if not isinstance(participant, dict):
            continue
        purpose = str(participant.get("purpose") or "").lower()
        sessions = participant.get("sessions")
        for session in sessions if isinstance(sessions, list) else []:
            if isinstance(session, dict):
                yield _Session(purpose, participant, session)


def _first_start(session: _Session) -> float:
    starts = [_instant(seg.get("segmentStart")) for seg in session.segments]
    known = [start.timestamp() for start in starts if start is not None]
    return min(known) if known else float("inf")


def _queue_wait(session: _Session) -> float | None:
    """Seconds this queue session kept the customer waiting: tAcd, else tAbandon, else the
    length of its segments (when all have ended)."""
    for name in ("tAcd", "tAbandon"):
        values = session.metric(name)
        if values:
            return sum(values) / 1000
    lengths = [_length(seg) for seg in session.segments]
    if not lengths or any(length is None for length in lengths):
        return None
    return sum(length for length in lengths if length is not None)


def _hold_seconds(agents: list[_Session]) -> float | None:
    total = 0.0
    for session in agents:
        held = session.metric("tHeld")
        if held:
            total += sum(held) / 1000
            continue
        for seg in session.segments:
            if str(seg.get("segmentType", "")).lower() == "hold":
                length = _length(seg)
                if length is None:
                    return None
                total += length
    return total


def _interacting_agent(agents: list[_Session], start: dt.datetime) -> str | None:
    """The userId of the agent whose interact segment starts at `start`."""
    for session in agents:
        for seg in session.segments:
            if (
                str(seg.get("segmentType", "")).lower() == "interact"
                and _instant(seg.get("segmentStart")) == start
            ):
                return _text(session.participant.get("userId"))
    return None


def _customer_id(customer: _Session | None) -> str | None:
    if customer is None:
        return None
    for value in (
        customer.participant.get("externalContactId"),
        customer.session.get("ani"),
        customer.session.get("addressFrom"),
    ):
        text = _text(value)
        if text is not None:
            return text
    return None


def _all_ended(sessions: list[_Session]) -> dt.datetime | None:
    """The last segment end, when every segment has ended (else the conversation is open)."""
    ends: list[dt.datetime] = []
    for s in sessions:
        for seg in s.segments:
            end = _instant(seg.get("segmentEnd"))
            if end is None:
                return None
            ends.append(end)
    return max(ends) if ends else None


def _length(segment: dict[str, Any]) -> float | None:
    start = _instant(segment.get("segmentStart"))
    end = _instant(segment.get("segmentEnd"))
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def _instant(value: Any) -> dt.datetime | None:
    """A Genesys timestamp (UTC, `Z`), tolerating unpadded months and days; naive = UTC."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        stamp = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            round(float(fraction or 0) * 1_000_000),
            tzinfo=_zone(zone),
        )
    except ValueError:
        return None
    return stamp


def _zone(text: str | None) -> dt.tzinfo:
    if text is None or text.upper() == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return dt.timezone(sign * dt.timedelta(minutes=minutes))


def _timestamp_text(value: Any) -> str | None:
    """A timestamp for the shared parser: normalised when readable, else as given (rejected)."""
    stamp = _instant(value)
    if stamp is not None:
        return stamp.isoformat()
    return _text(value)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: float | None) -> str | None:
    return None if value is None else repr(round(value, 6))


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _latest_copies(conversations: list[_Conversation]) -> tuple[list[_Conversation], int]:
    """One copy per conversationId (latest conversationEnd, at a tie the one read later), in the
    order ids were first read; conversations without an id are all kept."""

    def end(c: _Conversation) -> float:
        stamp = _instant(c.value.get("conversationEnd"))
        return float("-inf") if stamp is None else stamp.timestamp()

    kept: dict[str, _Conversation] = {}
    first_seen: dict[str, int] = {}
    keyless: list[_Conversation] = []
    for c in conversations:
        key = _text(c.value.get("conversationId"))
        if key is None:
            keyless.append(c)
            continue
        first_seen.setdefault(key, c.order)
        if key not in kept or end(c) >= end(kept[key]):
            kept[key] = c
    ordered = sorted(
        [(first_seen[k], c) for k, c in kept.items()] + [(c.order, c) for c in keyless],
        key=lambda entry: entry[0],
    )
    return [c for _, c in ordered], len(conversations) - len(keyless) - len(kept)


def _conversations(value: Any, path: str) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for element in value:
            yield from _conversations(element, path)
        return
    if isinstance(value, dict) and "conversations" in value:
        listed = value["conversations"]
        if listed is None:
            return
        if not isinstance(listed, list):
            raise RecordsError("'conversations' is not a list", path)
        for element in listed:
            if not isinstance(element, dict):
                raise RecordsError(f"a conversation is {element!r:.60}, not an object", path)
            yield element
        return
    if isinstance(value, dict) and ("conversationId" in value or "participants" in value):
        yield value
        return
    shown = ", ".join(sorted(value)[:8]) if isinstance(value, dict) else repr(value)[:60]
    raise RecordsError(
        "not Genesys Cloud conversation details: expected a conversation (conversationId, "
        f"participants) or a {{'conversations': [...]}} page, got {shown}",
        path,
    )
