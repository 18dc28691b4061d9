"""What a Genesys Cloud conversation's participants and sessions say: the queue waits, the
answer, an abandon, holds and transfers, read from the session metrics where Genesys gives them
and from the segments otherwise (docs/formats/genesys-cloud.md states the rules)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promise_audit.records.formats._json import json_number, json_text

CUSTOMER_PURPOSES = ("customer", "external")
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
class Session:
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
                number = json_number(metric.get("value"))
                if number is not None:
                    values.append(number)
        return values


def is_abandoned(
    queues: list[Session],
    sessions: list[Session],
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
    ) or left_while_queued(queues, sessions):
        return True
    if not ended or answered is None:
        return None
    # a queue Genesys measured (its metrics) without an abandon: the flow sent the contact
    # elsewhere (voicemail, another flow), as Genesys counts it; with no metrics at all, the
    # contract's reading: queued and never answered is an abandon
    return not any(s.session.get("metrics") for s in queues)


def left_while_queued(queues: list[Session], sessions: list[Session]) -> bool:
    """A customer segment ended by the customer (disconnectType client) no later than the
    last queue segment ended (or while a queue segment was still open)."""
    queue_ends = [instant(seg.get("segmentEnd")) for s in queues for seg in s.segments]
    last_queue_end = (
        None if None in queue_ends else max((e for e in queue_ends if e is not None), default=None)
    )
    for s in sessions:
        if s.purpose not in CUSTOMER_PURPOSES:
            continue
        for seg in s.segments:
            if str(seg.get("disconnectType", "")).lower() not in _CUSTOMER_LEFT:
                continue
            end = instant(seg.get("segmentEnd"))
            if last_queue_end is None or end is None or end <= last_queue_end:
                return True
    return False


def transfer_count(sessions: list[Session], agents: list[Session]) -> int | None:
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
        json_text(s.participant.get("userId"))
        or json_text(s.participant.get("participantId"))
        or str(i)
        for i, s in enumerate(handled)
    }
    # one transfer to another agent shows twice (a segment ended by transfer, and a further
    # agent): the larger of the two counts, not their sum
    return max(ended_by_transfer, len(people) - 1)


def all_sessions(conversation: dict[str, Any]) -> Iterator[Session]:
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
                yield Session(purpose, participant, session)


def first_start(session: Session) -> float:
    starts = [instant(seg.get("segmentStart")) for seg in session.segments]
    known = [start.timestamp() for start in starts if start is not None]
    return min(known) if known else float("inf")


def queue_wait(session: Session) -> float | None:
    """Seconds this queue session kept the customer waiting: tAcd, else tAbandon, else the
    length of its segments (when all have ended)."""
    for name in ("tAcd", "tAbandon"):
        values = session.metric(name)
        if values:
            return sum(values) / 1000
    lengths = [segment_length(seg) for seg in session.segments]
    if not lengths or any(length is None for length in lengths):
        return None
    return sum(length for length in lengths if length is not None)


def held_seconds(agents: list[Session]) -> float | None:
    total = 0.0
    for session in agents:
        held = session.metric("tHeld")
        if held:
            total += sum(held) / 1000
            continue
        for seg in session.segments:
            if str(seg.get("segmentType", "")).lower() == "hold":
                length = segment_length(seg)
                if length is None:
                    return None
                total += length
    return total


def interacting_agent(agents: list[Session], start: dt.datetime) -> str | None:
    """The userId of the agent whose interact segment starts at `start`."""
    for session in agents:
        for seg in session.segments:
            if (
                str(seg.get("segmentType", "")).lower() == "interact"
                and instant(seg.get("segmentStart")) == start
            ):
                return json_text(session.participant.get("userId"))
    return None


def customer_id_of(customer: Session | None) -> str | None:
    if customer is None:
        return None
    for value in (
        customer.participant.get("externalContactId"),
        customer.session.get("ani"),
        customer.session.get("addressFrom"),
    ):
        text = json_text(value)
        if text is not None:
            return text
    return None


def all_ended(sessions: list[Session]) -> dt.datetime | None:
    """The last segment end, when every segment has ended (else the conversation is open)."""
    ends: list[dt.datetime] = []
    for s in sessions:
        for seg in s.segments:
            end = instant(seg.get("segmentEnd"))
            if end is None:
                return None
            ends.append(end)
    return max(ends) if ends else None


def segment_length(segment: dict[str, Any]) -> float | None:
    start = instant(segment.get("segmentStart"))
    end = instant(segment.get("segmentEnd"))
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def instant(value: Any) -> dt.datetime | None:
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
