"""The canonical contact record (docs/fields.md lists every field, generated from here).

Every importer turns its source into rows of these fields. The type decides how a source value
is parsed (text, timestamp, number, duration in seconds, boolean).
"""

from __future__ import annotations

from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    TIMESTAMP = "timestamp"
    NUMBER = "number"
    DURATION = "duration"  # stored as seconds (DOUBLE)
    BOOLEAN = "boolean"


# the engine's type for each field type
SQL_TYPES = {
    FieldType.TEXT: "VARCHAR",
    FieldType.NUMBER: "DOUBLE",
    FieldType.DURATION: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMPTZ",
}


CANONICAL_FIELDS: dict[str, FieldType] = {
    "contact_id": FieldType.TEXT,
    "customer_id": FieldType.TEXT,
    "channel": FieldType.TEXT,
    "queue": FieldType.TEXT,
    "team": FieldType.TEXT,
    "agent_id": FieldType.TEXT,
    "segment": FieldType.TEXT,
    "language": FieldType.TEXT,
    "topic": FieldType.TEXT,
    "initiated_at": FieldType.TIMESTAMP,
    "enqueued_at": FieldType.TIMESTAMP,
    "answered_at": FieldType.TIMESTAMP,
    "answered": FieldType.BOOLEAN,
    "first_response_at": FieldType.TIMESTAMP,
    "ended_at": FieldType.TIMESTAMP,
    "resolved_at": FieldType.TIMESTAMP,
    "abandoned": FieldType.BOOLEAN,
    "wait_seconds": FieldType.DURATION,
    "hold_seconds": FieldType.DURATION,
    "longest_hold_seconds": FieldType.DURATION,
    "hold_count": FieldType.NUMBER,
    "ivr_seconds": FieldType.DURATION,
    "ivr_steps": FieldType.NUMBER,
    "transfers": FieldType.NUMBER,
    "callback_offered": FieldType.BOOLEAN,
    "callback_requested_at": FieldType.TIMESTAMP,
    "callback_at": FieldType.TIMESTAMP,
    "bot_handled": FieldType.BOOLEAN,
    "human_requested_at": FieldType.TIMESTAMP,
    "human_joined_at": FieldType.TIMESTAMP,
    "escalated": FieldType.BOOLEAN,
    "escalations": FieldType.NUMBER,
    "service_failure": FieldType.BOOLEAN,
    "failure_at": FieldType.TIMESTAMP,
    "recovered_at": FieldType.TIMESTAMP,
    "apologized": FieldType.BOOLEAN,
    "goodwill_amount": FieldType.NUMBER,
    "survey_sent_at": FieldType.TIMESTAMP,
    "csat": FieldType.NUMBER,
    "nps": FieldType.NUMBER,
    "order_id": FieldType.TEXT,
    "purchased_at": FieldType.TIMESTAMP,
    "return_requested_at": FieldType.TIMESTAMP,
    "return_decision": FieldType.TEXT,
    "refund_at": FieldType.TIMESTAMP,
    "return_shipping_fee": FieldType.NUMBER,
}

REQUIRED_FIELDS = ("contact_id", "initiated_at")

CHANNELS = ("phone", "chat", "email", "messaging", "social", "web_form", "in_person", "other")

# Dimensions the weakest-links analysis groups by, when the records have them.
LINK_DIMENSIONS = ("queue", "team", "agent_id", "segment", "channel", "topic", "language")

# Values the engine computes for a rule with a clock or a calendar, by name in expressions.
CLOCK_FIELDS = {
    "clock_elapsed": FieldType.DURATION,
    "clock_deadline": FieldType.TIMESTAMP,
    "in_calendar": FieldType.BOOLEAN,
}
