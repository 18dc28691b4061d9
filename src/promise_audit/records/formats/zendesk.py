"""Zendesk Support tickets and ticket metrics (API JSON) -> the raw table of canonical columns.

`path` may match several files: each is one JSON document, a JSON array, or JSON values one per
line (JSONL) or concatenated, gzip'd or not. Each value is recognised by its keys:

- tickets: `{"tickets": [...]}` (list, search, incremental export), `{"ticket": {...}}`, or a
  bare ticket object; a ticket may carry its side-loaded `metric_set` (incremental export with
  `include=metric_sets`);
- metrics: `{"ticket_metrics": [...]}`, `{"ticket_metric": {...}}`, a top-level side-loaded
  `metric_sets` list, or a bare metrics object (it has `ticket_id`); joined on `ticket_id`.

Records read = ticket objects. A ticket listed more than once is kept once (the copy with the
latest `updated_at`; at a tie, the one read last) and the other copies are duplicates. Of several
metrics records for one ticket the same rule picks one. Metrics of tickets that are not in the
export are not contacts and are not counted.

initiated_at = created_at; first_response_at = created_at + reply_time_in_minutes.calendar
(missing while no public agent reply); resolved_at = created_at +
full_resolution_time_in_minutes.calendar (missing while unsolved). A ticket with no metrics
record, in an export that carries metrics, has an unknown first reply, and a solved ticket with
no resolution time an unknown resolution: both are listed in `_unknown_fields`, so promises that
need them exclude the ticket as missing_<field> instead of judging a blank as "never". The
rest is documented in docs/formats/zendesk.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats._json import (
    JsonObject,
    create_text_table,
    json_number,
    json_text,
    json_values,
    latest_copies,
)
from promise_audit.records.raw import UNKNOWN_FIELDS, RawRead

# via.channel -> canonical channel; any other value is "other" (the raw value stays in via_channel)
CHANNELS: dict[str, str] = {
    "web": "web_form",
    "web_form": "web_form",
    "web_widget": "web_form",
    "help_center": "web_form",
    "mobile_sdk": "web_form",
    "email": "email",
    "chat": "chat",
    "chat_transcript": "chat",
    "voice": "phone",
    "phone": "phone",
    "twitter": "social",
    "twitter_dm": "social",
    "facebook": "social",
    "facebook_post": "social",
    "facebook_message": "social",
    "instagram": "social",
    "instagram_dm": "social",
    "whatsapp": "messaging",
    "sms": "messaging",
    "native_messaging": "messaging",
    "messaging": "messaging",
    "line": "messaging",
    "wechat": "messaging",
    "telegram": "messaging",
    "viber": "messaging",
    "kakaotalk": "messaging",
    "google_rcs": "messaging",
    "apple_business_chat": "messaging",
    "apple_messages_for_business": "messaging",
    "messagebird_sms": "messaging",
    "api": "other",
}
# satisfaction_rating.score -> csat (a two-point survey on the 1-5 scale); offered/unoffered: none
CSAT = {"good": 5, "bad": 1}
UNSOLVED = ("new", "open", "pending", "hold")
_METRIC_KEYS = (
    "reply_time_in_minutes",
    "full_resolution_time_in_minutes",
    "first_resolution_time_in_minutes",
    "requester_wait_time_in_minutes",
    "group_stations",
    "solved_at",
)
# (attribute column, metrics key, "calendar"/"business" or None for a plain value)
_METRIC_ATTRIBUTES: tuple[tuple[str, str, str | None], ...] = (
    ("reopens", "reopens", None),
    ("replies", "replies", None),
    ("group_stations", "group_stations", None),
    ("assignee_stations", "assignee_stations", None),
    ("reply_time_in_minutes_calendar", "reply_time_in_minutes", "calendar"),
    ("reply_time_in_minutes_business", "reply_time_in_minutes", "business"),
    ("first_resolution_time_in_minutes_calendar", "first_resolution_time_in_minutes", "calendar"),
    ("full_resolution_time_in_minutes_calendar", "full_resolution_time_in_minutes", "calendar"),
    ("full_resolution_time_in_minutes_business", "full_resolution_time_in_minutes", "business"),
    ("requester_wait_time_in_minutes_calendar", "requester_wait_time_in_minutes", "calendar"),
    ("on_hold_time_in_minutes_calendar", "on_hold_time_in_minutes", "calendar"),
    ("assigned_at", "assigned_at", None),
    ("solved_at", "solved_at", None),
)


def read(con: Any, table: str, files: tuple[str, ...], source: Source) -> RawRead:
    tickets: list[JsonObject] = []
    metrics: list[JsonObject] = []
    order = 0
    for path in files:
        for value in json_values(path):
            for kind, item in _classify(value, path):
                order += 1
                (tickets if kind == "ticket" else metrics).append(JsonObject(item, path, order))
                if kind == "ticket" and isinstance(item.get("metric_set"), dict):
                    order += 1
                    metric_set = dict(item["metric_set"])
                    metric_set.setdefault("ticket_id", item.get("id"))
                    metrics.append(JsonObject(metric_set, path, order))

    kept, duplicates = latest_copies(tickets, key=lambda t: _key(t.value.get("id")), when=_updated)
    latest_metrics, _ = latest_copies(
        metrics, key=lambda m: _key(m.value.get("ticket_id")), when=_updated
    )
    metrics_by_ticket = {
        key: m for m in latest_metrics if (key := _key(m.value.get("ticket_id"))) is not None
    }
    has_metrics = bool(metrics)
    has_csat = any("satisfaction_rating" in t.value for t in kept)
    rows = [_row(t, _metric_of(t, metrics_by_ticket), has_metrics) for t in kept]

    columns = ["_file", "contact_id", "customer_id", "channel", "team", "agent_id", "segment"]
    columns += ["topic", "initiated_at"]
    if has_metrics:
        columns += ["first_response_at", "resolved_at", "transfers"]
    if has_csat:
        columns += ["csat", "satisfaction_score"]
    columns += ["status", "priority", "via_channel", "tags", "updated_at"]
    columns += ["organization_id", "brand_id"]
    if has_metrics:
        columns += ["has_metrics", *(name for name, _, _ in _METRIC_ATTRIBUTES), UNKNOWN_FIELDS]
    create_text_table(con, table, columns, rows)
    return RawRead(read=len(tickets), duplicates=duplicates)


def _metric_of(ticket: JsonObject, metrics: dict[str, JsonObject]) -> JsonObject | None:
    key = _key(ticket.value.get("id"))
    return None if key is None else metrics.get(key)


def _row(ticket: JsonObject, metric: JsonObject | None, has_metrics: bool) -> dict[str, str | None]:
    t = ticket.value
    via = t.get("via") if isinstance(t.get("via"), dict) else {}
    via_channel = _text(via.get("channel")) if via else None
    rating = t.get("satisfaction_rating")
    score = _text(rating.get("score")) if isinstance(rating, dict) else None
    tags = t.get("tags")
    status = _text(t.get("status"))
    created = _text(t.get("created_at"))
    row: dict[str, str | None] = {
        "_file": ticket.file,
        "contact_id": _text(t.get("id")),
        "customer_id": _text(t.get("requester_id")),
        "channel": (CHANNELS.get(via_channel.lower(), "other") if via_channel else None),
        "team": _text(t.get("group_id")),
        "agent_id": _text(t.get("assignee_id")),
        "segment": _text(t.get("priority")),
        "topic": _text(t.get("type")),
        "initiated_at": created,
        "csat": str(CSAT[score.lower()]) if score and score.lower() in CSAT else None,
        "satisfaction_score": score,
        "status": status,
        "priority": _text(t.get("priority")),
        "via_channel": via_channel,
        "tags": " ".join(str(tag) for tag in tags) if isinstance(tags, list) and tags else None,
        "updated_at": _text(t.get("updated_at")),
        "organization_id": _text(t.get("organization_id")),
        "brand_id": _text(t.get("brand_id")),
    }
    if not has_metrics:
        return row
    m = metric.value if metric is not None else {}
    row["has_metrics"] = "true" if metric is not None else "false"
    for name, key, part in _METRIC_ATTRIBUTES:
        row[name] = _text(_minutes(m.get(key), part) if part else m.get(key))
    unknown: list[str] = []
    # without its metrics record, whether and when an agent replied is not in the export
    if metric is None:
        unknown.append("first_response_at")
    row["first_response_at"] = _plus_minutes(created, _minutes(m.get("reply_time_in_minutes")))
    resolved = _plus_minutes(created, _minutes(m.get("full_resolution_time_in_minutes")))
    unsolved = (status or "").lower() in UNSOLVED
    row["resolved_at"] = None if unsolved else resolved
    if not unsolved and resolved is None:
        # solved or closed (or a status that does not say) with no resolution time given
        unknown.append("resolved_at")
    row[UNKNOWN_FIELDS] = " ".join(unknown) or None
    stations = json_number(m.get("group_stations"))
    # a proxy: each group after the first one the ticket was assigned to is one transfer
    row["transfers"] = None if stations is None else str(max(0, int(stations) - 1))
    return row


def _minutes(value: Any, part: str | None = "calendar") -> Any:
    """The calendar (or business) part of a `{calendar, business}` metric; None where absent."""
    if isinstance(value, dict):
        return value.get(part) if part else None
    return None


def _plus_minutes(created: str | None, minutes: Any) -> str | None:
    """created_at + minutes, keeping created_at's offset (or its lack of one)."""
    if created is None or minutes is None:
        return None
    start = _timestamp(created)
    amount = json_number(minutes)
    if start is None or amount is None:
        # unreadable: the shared parser rejects the record, showing both parts
        return f"{created} + {minutes!r} min"
    return (start + dt.timedelta(minutes=amount)).isoformat()


def _timestamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return json_text(value)


def _key(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None


def _instant(value: Any) -> float:
    """updated_at as epoch seconds, for picking the latest copy; unreadable or missing: -inf."""
    text = _text(value)
    stamp = _timestamp(text) if text else None
    if stamp is None:
        return float("-inf")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def _classify(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """("ticket" | "metric", object) for each object a JSON value holds."""
    if isinstance(value, list):
        for element in value:
            yield from _classify(element, path)
        return
    if not isinstance(value, dict):
        raise RecordsError(f"expected Zendesk tickets or ticket metrics, got {value!r:.60}", path)
    found = False
    for key, kind in (
        ("tickets", "ticket"),
        ("ticket", "ticket"),
        ("ticket_metrics", "metric"),
        ("ticket_metric", "metric"),
        ("metric_sets", "metric"),
        ("results", "ticket"),
    ):
        if key not in value:
            continue
        found = True
        listed = value[key]
        objects = listed if isinstance(listed, list) else [listed]
        for item in objects:
            if key == "results" and isinstance(item, dict) and item.get("result_type") != "ticket":
                continue  # search results hold users, organizations ... too
            if not isinstance(item, dict):
                raise RecordsError(f"{key!r} holds {item!r:.60}, not an object", path)
            yield kind, item
    if found:
        return
    if "ticket_id" in value and any(k in value for k in _METRIC_KEYS):
        yield "metric", value
    elif "id" in value and ("created_at" in value or "via" in value):
        yield "ticket", value
    else:
        keys = ", ".join(sorted(value)[:8])
        raise RecordsError(
            "not a Zendesk tickets or ticket metrics export: no 'tickets', 'ticket', "
            f"'ticket_metrics' or 'metric_set' (keys: {keys})",
            path,
        )


def _updated(item: JsonObject) -> float:
    return _instant(item.value.get("updated_at"))
