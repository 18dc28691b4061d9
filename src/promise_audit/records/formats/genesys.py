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
from collections.abc import Iterator
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats._genesys_sessions import (
    CUSTOMER_PURPOSES,
    Session,
    all_ended,
    all_sessions,
    customer_id_of,
    first_start,
    held_seconds,
    instant,
    interacting_agent,
    is_abandoned,
    queue_wait,
    segment_length,
    transfer_count,
)
from promise_audit.records.formats._json import (
    JsonObject,
    create_text_table,
    json_text,
    json_values,
    latest_copies,
)
from promise_audit.records.raw import RawRead

CHANNELS = {
    "voice": "phone",
    "callback": "phone",
    "chat": "chat",
    "email": "email",
    "message": "messaging",
}


def read(con: Any, table: str, files: tuple[str, ...], source: Source) -> RawRead:
    conversations: list[JsonObject] = []
    for path in files:
        for value in json_values(path):
            for item in _conversations(value, path):
                conversations.append(JsonObject(item, path, len(conversations)))
    kept, duplicates = latest_copies(
        conversations, key=lambda c: json_text(c.value.get("conversationId")), when=_end
    )
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


def _row(conversation: JsonObject) -> dict[str, str | None]:
    c = conversation.value
    sessions = list(all_sessions(c))
    customer = next((s for s in sessions if s.purpose in CUSTOMER_PURPOSES), None)
    first = customer or (sessions[0] if sessions else None)
    media = first.media if first else ""
    # the queues the customer waited in, in the order they entered them (callbacks apart)
    queues = sorted(
        (s for s in sessions if s.purpose == "acd" and s.media != "callback"), key=first_start
    )
    agents = [s for s in sessions if s.purpose == "agent"]
    interact_segments = [
        (s, seg)
        for s in agents
        for seg in s.segments
        if str(seg.get("segmentType", "")).lower() == "interact"
    ]
    interacts = sorted(
        start
        for _, seg in interact_segments
        if (start := instant(seg.get("segmentStart"))) is not None
    )
    transfers = transfer_count(sessions, agents)
    ivr = [ms for s in sessions for ms in s.metric("tIvr")]
    queue_participant = queues[0].participant if queues else {}
    queue_ids = [
        str(seg["queueId"]) for s in queues for seg in s.segments if seg.get("queueId") is not None
    ]
    agent_ids = list(
        dict.fromkeys(str(s.participant["userId"]) for s in agents if s.participant.get("userId"))
    )
    divisions = c.get("divisionIds")
    return {
        "_file": conversation.file,
        "contact_id": json_text(c.get("conversationId")),
        "customer_id": customer_id_of(customer),
        "channel": (CHANNELS.get(media, "other") if media else None),
        "queue": json_text(queue_participant.get("participantName")) or _first(queue_ids),
        "agent_id": interacting_agent(agents, interacts[0]) if interacts else None,
        "initiated_at": _timestamp_text(c.get("conversationStart")),
        **_answer_and_wait(c, sessions, queues, interact_segments, interacts),
        **_holds(agents, reached=bool(interact_segments)),
        "transfers": None if transfers is None else str(transfers),
        "ivr_seconds": _seconds(sum(ivr) / 1000) if ivr else None,
        "media_type": media or None,
        "direction": json_text(c.get("originatingDirection")),
        "queue_id": _first(queue_ids),
        "agents": ",".join(agent_ids) or None,
        "division_ids": ",".join(str(d) for d in divisions)
        if isinstance(divisions, list)
        else None,
    }


def _answer_and_wait(
    c: dict[str, Any],
    sessions: list[Session],
    queues: list[Session],
    interact_segments: list[tuple[Session, dict[str, Any]]],
    interacts: list[dt.datetime],
) -> dict[str, str | None]:
    """The queue, the answer (or the abandon), the end, and a callback asked for and made."""
    callback_starts = [
        start
        for s in sessions
        if s.media == "callback"
        for start in (instant(seg.get("segmentStart")) for seg in s.segments)
        if start is not None
    ]
    callback_requested = min(callback_starts) if callback_starts else None
    answered_at = next(
        (t for t in interacts if callback_requested is None or t < callback_requested), None
    )
    callback_at = next(
        (t for t in interacts if callback_requested is not None and t >= callback_requested), None
    )
    # an agent interact segment without a readable start: a person did answer, when is unknown
    untimed = [s for s, seg in interact_segments if instant(seg.get("segmentStart")) is None]
    ended = _timestamp_text(c.get("conversationEnd")) or _iso(all_ended(sessions))
    answered = _answered(answered_at, untimed, callback_requested, ended is not None)
    abandoned = is_abandoned(queues, sessions, answered, callback_requested, ended is not None)
    if abandoned:
        answered = False  # the customer gave up before anyone answered
    queue_starts = [
        start
        for s in queues
        for seg in s.segments
        if (start := instant(seg.get("segmentStart"))) is not None
    ]
    waits = [queue_wait(s) for s in queues]
    wait = None if not waits or None in waits else sum(w for w in waits if w is not None)
    return {
        "enqueued_at": _iso(min(queue_starts)) if queue_starts else None,
        "answered_at": _iso(answered_at),
        "answered": _flag(answered),
        "ended_at": ended,
        "abandoned": _flag(abandoned),
        "wait_seconds": _seconds(wait),
        "callback_requested_at": _iso(callback_requested),
        "callback_at": _iso(callback_at),
    }


def _holds(agents: list[Session], *, reached: bool) -> dict[str, str | None]:
    """The holds of a conversation an agent reached (none reached: unknown, not none)."""
    hold_segments = [
        seg
        for s in agents
        for seg in s.segments
        if str(seg.get("segmentType", "")).lower() == "hold"
    ]
    hold_lengths = [segment_length(seg) for seg in hold_segments]
    hold_seconds = held_seconds(agents) if reached else None
    longest = (
        None
        if not reached or any(length is None for length in hold_lengths)
        else max([0.0, *(length for length in hold_lengths if length is not None)])
    )
    return {
        "hold_seconds": _seconds(hold_seconds),
        "longest_hold_seconds": _seconds(longest),
        "hold_count": str(len(hold_segments)) if reached else None,
    }


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _answered(
    answered_at: dt.datetime | None,
    untimed: list[Session],
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


def _timestamp_text(value: Any) -> str | None:
    """A timestamp for the shared parser: normalised when readable, else as given (rejected)."""
    stamp = instant(value)
    if stamp is not None:
        return stamp.isoformat()
    return json_text(value)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: float | None) -> str | None:
    return None if value is None else repr(round(value, 6))


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


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


def _end(conversation: JsonObject) -> float:
    """The conversation's end, for keeping its latest copy (a copy with an end beats one
    without)."""
    stamp = instant(conversation.value.get("conversationEnd"))
    return float("-inf") if stamp is None else stamp.timestamp()
