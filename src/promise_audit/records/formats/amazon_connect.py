"""Amazon Connect contact records (`format: amazon-connect-ctr`): one row per customer journey.

The vendor's "Data model for Amazon Connect contact records"
(https://docs.aws.amazon.com/connect/latest/adminguide/ctr-data-model.html) fixes the fields;
docs/formats/amazon-connect-ctr.md states every rule this reader applies. A value no record
states is written as missing, never as false or 0.

1. Part files hold JSON objects one per line, or concatenated with no separator as Kinesis
   Data Firehose writes them, gzip'd or not (told by the gzip magic bytes, not the name).
   DuckDB's `read_json_objects` splits them; records read = objects read.
2. Records are delivered at least once: per ContactId the copy with the latest
   LastUpdateTimestamp (as an instant; a tie goes to the later copy in file order) is kept, the
   others are duplicates.
3. Records linked by InitialContactId, PreviousContactId or NextContactId are one journey (the
   connected components of those links, found in SQL by propagating the smallest id); the
   journey's first record is the one with no PreviousContactId (else the earliest initiated).
4. The journey's canonical fields are aggregated over its records, in SQL.

Every canonical column is written as text, so the shared pipeline parses, rejects and derives
exactly as for any other source. A value that is present but unreadable (a timestamp that is
not one) is passed through as written, so the shared parse rejects the journey naming it,
rather than the reader dropping it silently.
"""

from __future__ import annotations

import json
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats._json import load_json_objects
from promise_audit.records.raw import RawRead, quote, text_literal

# Connect's Channel values -> canonical channels; any other value is kept lower-cased
_CHANNELS = {"VOICE": "phone", "CHAT": "chat", "TASK": "other", "EMAIL": "email"}
# a leg started by one of these is a transfer; a CALLBACK leg is not
_TRANSFER_METHODS = ("TRANSFER", "QUEUE_TRANSFER")
# CALLBACK (agent-first callbacks) and the CALLBACK_CUSTOMER_FIRST_* legs of customer-first
# callbacks are the callback the customer asked for
_IS_CALLBACK = "coalesce(method LIKE 'CALLBACK%', false)"
ATTRIBUTE_PREFIX = "attr_"


def read(con: Any, table: str, files: tuple[str, ...], source: Source) -> RawRead:
    """Create `table`: one row per journey, canonical fields as text, `_file`, attributes."""
    names = _TempNames(table)
    try:
        load_json_objects(con, names.objects, files)
        _extract_legs(con, names.objects, names.legs, files)
        con.execute(f"DROP TABLE {names.objects}")
        read_count = int(con.execute(f"SELECT count(*) FROM {names.legs}").fetchone()[0])
        _check_legs(con, names.legs, files)
        kept = _keep_latest_copies(con, names.legs, names.kept)
        _label_journeys(con, names)
        _build_journeys(con, names)
        _write_table(con, table, names.journeys)
    finally:
        for temp in names.all():
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    rows = int(con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0])
    return RawRead(read=read_count, duplicates=read_count - kept, stitched=kept - rows)


class _TempNames:
    """The reader's work tables, named after the raw table so two sources never collide."""

    def __init__(self, table: str) -> None:
        def name(part: str) -> str:
            return quote(f"{table}__connect_{part}")

        self.objects = name("objects")
        self.legs = name("legs")
        self.kept = name("kept")
        self.edges = name("edges")
        self.labels = name("labels")
        self.next_labels = name("next_labels")
        self.journeys = name("journeys")

    def all(self) -> tuple[str, ...]:
        return (
            self.objects,
            self.legs,
            self.kept,
            self.edges,
            self.labels,
            self.next_labels,
            self.journeys,
        )


# --- 1. reading the part files -------------------------------------------------------------


# The fields read from each record: leg column -> (where in the record, how it is read).
# Everything else in a record (ARNs, Recording, ContactDetails ...) is not needed and not read.
_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "cid": (("ContactId",), "text"),
    "initial_id": (("InitialContactId",), "text"),
    "previous_id": (("PreviousContactId",), "text"),
    "next_id": (("NextContactId",), "text"),
    "method": (("InitiationMethod",), "text"),
    "channel": (("Channel",), "text"),
    "last_update": (("LastUpdateTimestamp",), "timestamp"),
    "initiated": (("InitiationTimestamp",), "timestamp"),
    "ended": (("DisconnectTimestamp",), "timestamp"),
    "disconnect_reason": (("DisconnectReason",), "text"),
    "customer_address": (("CustomerEndpoint", "Address"), "text"),
    "queue_name": (("Queue", "Name"), "text"),
    "enqueued": (("Queue", "EnqueueTimestamp"), "timestamp"),
    "dequeued": (("Queue", "DequeueTimestamp"), "timestamp"),
    "queue_duration": (("Queue", "Duration"), "number"),
    "agent_username": (("Agent", "Username"), "text"),
    "connected": (("Agent", "ConnectedToAgentTimestamp"), "timestamp"),
    "hold": (("Agent", "CustomerHoldDuration"), "number"),
    "holds": (("Agent", "NumberOfHolds"), "number"),
    "longest": (("Agent", "LongestHoldDuration"), "number"),
    "attributes": (("Attributes",), "json"),
}


def _record_structure() -> str:
    """The from_json structure of the fields above: every value read as text (or JSON)."""
    structure: dict[str, Any] = {}
    for path, how in _FIELDS.values():
        node = structure
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = "JSON" if how == "json" else "VARCHAR"
    return json.dumps(structure)


def _extract_legs(con: Any, objects: str, legs: str, files: tuple[str, ...]) -> None:
    """legs: one row per record, the fields above typed, with their text where typed.

    The record is parsed once (from_json into a struct); `<field>_raw` keeps the text of each
    timestamp and number so that a value present but unreadable can be told from a missing one.
    """
    files_list = "[" + ", ".join(text_literal(f) for f in files) + "]"
    columns: list[str] = []
    for name, (path, how) in _FIELDS.items():
        value = "s." + ".".join(quote(key) for key in path)
        text = f"nullif(trim({value}), '')"
        if how == "json":
            columns.append(f"{value} AS {name}")
        elif how == "text":
            columns.append(f"{'upper(' + text + ')' if name == 'method' else text} AS {name}")
        else:
            target = "TIMESTAMPTZ" if how == "timestamp" else "DOUBLE"
            columns.append(f"{text} AS {name}_raw, TRY_CAST({text} AS {target}) AS {name}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {legs} AS
        SELECT
            list_position({files_list}, _file) AS file_index, _file,
            row_number() OVER (PARTITION BY _file ORDER BY rec) AS pos,
            rec, kind,
            s."Queue" IS NOT NULL AS has_queue,
            s."Agent" IS NOT NULL AS has_agent,
            {", ".join(columns)}
        FROM (
            SELECT rowid AS rec, _file, json_type(j) AS kind,
                from_json(j, {text_literal(_record_structure())}) AS s
            FROM {objects}
        )
        """
    )


def _check_legs(con: Any, legs: str, files: tuple[str, ...]) -> None:
    """A file of other JSON (arrays, numbers, another vendor's objects) is not contact records."""
    other = con.execute(
        f"SELECT _file, pos, kind FROM {legs} WHERE kind <> 'OBJECT' "
        f"ORDER BY file_index, pos LIMIT 1"
    ).fetchone()
    if other is not None:
        path, position, kind = other
        raise RecordsError(
            f"record {position} is a JSON {str(kind).lower()}, not an object: "
            "contact records are JSON objects",
            str(path),
        )
    counts = con.execute(f"SELECT count(*), count(cid) FROM {legs}").fetchone()
    if int(counts[0]) > 0 and int(counts[1]) == 0:
        raise RecordsError(
            "no record has a ContactId: is this an Amazon Connect contact record export?",
            files[0] if len(files) == 1 else files[0] + " ...",
        )


def _keep_latest_copies(con: Any, legs: str, kept: str) -> int:
    """Keep one copy per ContactId: the latest LastUpdateTimestamp, then the last in file order.

    A record without a ContactId cannot be matched with anything: it is kept as it is (the
    shared parse then rejects it as missing_contact_id).
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {kept} AS
        SELECT * EXCLUDE (copy) FROM (
            SELECT *, CASE WHEN cid IS NULL THEN 1 ELSE row_number() OVER (
                PARTITION BY cid ORDER BY last_update DESC NULLS LAST, file_index DESC, pos DESC
            ) END AS copy
            FROM {legs}
        )
        WHERE copy = 1
        """
    )
    return int(con.execute(f"SELECT count(*) FROM {kept}").fetchone()[0])


# --- 3. journeys: connected components of the contact-id links ----------------------------


def _label_journeys(con: Any, names: _TempNames) -> None:
    """labels(node, label): every contact id and the smallest id of its journey.

    Each round a node takes the smallest label among itself and its neighbours, then the label
    of its label (pointer jumping), so a chain of n legs settles in about log2(n) rounds.
    """
    links = " UNION ALL ".join(
        f"SELECT cid AS a, {link} AS b FROM {names.kept} "
        f"WHERE cid IS NOT NULL AND {link} IS NOT NULL AND {link} <> cid"
        for link in ("initial_id", "previous_id", "next_id")
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {names.edges} AS
        WITH pairs AS ({links})
        SELECT DISTINCT a, b
        FROM (SELECT a, b FROM pairs UNION ALL SELECT b AS a, a AS b FROM pairs)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {names.labels} AS
        SELECT node, node AS label FROM (
            SELECT cid AS node FROM {names.kept} WHERE cid IS NOT NULL
            UNION SELECT a AS node FROM {names.edges}
        )
        """
    )
    while True:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {names.next_labels} AS
            WITH hop AS (
                SELECT l.node, least(l.label, coalesce(min(n.label), l.label)) AS label
                FROM {names.labels} l
                LEFT JOIN {names.edges} e ON e.a = l.node
                LEFT JOIN {names.labels} n ON n.node = e.b
                GROUP BY l.node, l.label
            )
            SELECT h.node, least(h.label, coalesce(j.label, h.label)) AS label
            FROM hop h LEFT JOIN hop j ON j.node = h.label
            """
        )
        changed = con.execute(
            f"SELECT count(*) FROM {names.next_labels} n JOIN {names.labels} l USING (node) "
            f"WHERE n.label <> l.label"
        ).fetchone()[0]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {names.labels} AS FROM {names.next_labels}")
        if int(changed) == 0:
            return


# --- 4. one row per journey ---------------------------------------------------------------


def _iso(timestamp: str) -> str:
    """An instant as ISO 8601 text in UTC, as Connect writes them (the parse reads it back)."""
    return f"strftime(timezone('UTC', {timestamp}), '%Y-%m-%dT%H:%M:%S.%fZ')"


def _unreadable_value(name: str, where: str = "true") -> str:
    """The first value of `name` (in journey order) that is present but could not be read."""
    return (
        f"arg_min({name}_raw, seq) FILTER "
        f"(WHERE {name}_raw IS NOT NULL AND {name} IS NULL AND ({where}))"
    )


def _checked(name: str, value: str, where: str = "true") -> str:
    """`value` as text, or the unreadable source value that the shared parse will reject."""
    return f"coalesce({_unreadable_value(name, where)}, CAST({value} AS VARCHAR))"


def _summed(name: str, over: str) -> str:
    """Sum over the legs `over`; missing if any of them lacks it (the total cannot be known)."""
    return (
        f"coalesce({_unreadable_value(name, over)}, CASE "
        f"WHEN bool_or(({over}) AND {name} IS NULL) THEN NULL "
        f"ELSE CAST(sum({name}) FILTER (WHERE {over}) AS VARCHAR) END)"
    )


def _build_journeys(con: Any, names: _TempNames) -> None:
    """journeys: one row per journey, its first record's fields and the totals over its legs."""
    channel_cases = " ".join(
        f"WHEN {text_literal(vendor)} THEN {text_literal(canonical)}"
        for vendor, canonical in _CHANNELS.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {names.journeys} AS
        WITH {_journey_legs(names)},
        totals AS ({_journey_totals()})
        SELECT
            f.file_index AS _order_file, f.pos AS _order_pos, f._file,
            f.cid AS contact_id,
            CASE WHEN f.initiated IS NULL THEN f.initiated_raw ELSE {_iso("f.initiated")} END
                AS initiated_at,
            CASE upper(f.channel) {channel_cases} ELSE lower(f.channel) END AS channel,
            t.customer_id, t.queue, a.agent_username AS agent_id,
            t.enqueued_at, t.answered_at, t.ended_at,
            CASE WHEN t.was_answered THEN 'true' WHEN t.all_ended THEN 'false' END AS answered,
            CASE WHEN t.was_answered OR t.has_callback THEN 'false'
                 WHEN NOT t.all_ended THEN NULL  -- still going on: may yet queue or hang up
                 WHEN t.queued THEN 'true' ELSE 'false' END AS abandoned,
            t.wait_seconds, t.hold_seconds, t.hold_count, t.longest_hold_seconds,
            CAST(t.transfers AS VARCHAR) AS transfers,
            CASE WHEN t.has_callback THEN 'true' END AS callback_offered,
            t.callback_requested_at, t.callback_at,
            f.method AS initiation_method, t.disconnect_reason,
            CAST(t.legs AS VARCHAR) AS legs,
            f.attributes
        FROM legs f
        JOIN totals t USING (journey)
        LEFT JOIN answered a USING (journey)
        WHERE f.seq = 1
        ORDER BY f.file_index, f.pos
        """
    )


def _journey_legs(names: _TempNames) -> str:
    """SQL: each kept record's journey, its place in it (`seq`), and who answered it."""
    return f"""
        members AS (
            SELECT k.*,
                CASE WHEN l.label IS NULL THEN k.rec
                     ELSE min(k.rec) OVER (PARTITION BY l.label) END AS journey
            FROM {names.kept} k LEFT JOIN {names.labels} l ON l.node = k.cid
        ),
        ranked AS (
            -- the first record: no PreviousContactId, else the earliest initiated
            SELECT *, row_number() OVER (
                PARTITION BY journey
                ORDER BY previous_id IS NOT NULL, initiated NULLS LAST, file_index, pos
            ) AS first_rank
            FROM members
        ),
        legs AS (
            -- journey order: the first record, then the others as they were initiated
            SELECT *,
                row_number() OVER (
                    PARTITION BY journey
                    ORDER BY first_rank > 1, initiated NULLS LAST, file_index, pos
                ) AS seq,
                coalesce(queue_duration, epoch(dequeued) - epoch(enqueued)) AS queue_wait,
                queue_duration_raw AS queue_wait_raw,
                coalesce(longest, CASE WHEN holds = 0 THEN 0 WHEN holds = 1 THEN hold END)
                    AS longest_leg,
                longest_raw AS longest_leg_raw
            FROM ranked
        ),
        answered AS (
            SELECT journey, agent_username FROM (
                SELECT journey, agent_username, row_number() OVER (
                    PARTITION BY journey ORDER BY connected, seq) AS answer_rank
                FROM legs WHERE connected IS NOT NULL
            ) WHERE answer_rank = 1
        )
        """


def _journey_totals() -> str:
    """SQL over the legs: each journey's totals (legs, transfers, times, waits, holds)."""
    queued = f"(has_queue AND NOT {_IS_CALLBACK})"
    transfer_methods = ", ".join(text_literal(m) for m in _TRANSFER_METHODS)
    enqueued_at = _checked("enqueued", _iso(f"min(enqueued) FILTER (WHERE {queued})"), queued)
    requested_at = _checked(
        "initiated", _iso(f"min(initiated) FILTER (WHERE {_IS_CALLBACK})"), _IS_CALLBACK
    )
    callback_at = _checked(
        "connected", _iso(f"min(connected) FILTER (WHERE {_IS_CALLBACK})"), _IS_CALLBACK
    )
    longest_hold = (
        f"coalesce({_unreadable_value('longest_leg', 'has_agent')}, CASE "
        f"WHEN bool_or(has_agent AND longest_leg IS NULL) THEN NULL "
        f"ELSE CAST(max(longest_leg) FILTER (WHERE has_agent) AS VARCHAR) END)"
    )
    return f"""
            SELECT
                journey,
                count(*) AS legs,
                -- a record that does not say how it started could be a transfer: unknown
                CASE WHEN bool_and(method IS NOT NULL) THEN
                    count(*) FILTER (WHERE method IN ({transfer_methods})) END AS transfers,
                bool_or({queued}) AS queued,
                bool_or({_IS_CALLBACK}) AS has_callback,
                arg_min(queue_name, seq) FILTER (WHERE has_queue) AS queue,
                arg_min(customer_address, seq) AS customer_id,
                arg_max(disconnect_reason, ended) AS disconnect_reason,
                {enqueued_at} AS enqueued_at,
                {_checked("connected", _iso("min(connected)"))} AS answered_at,
                -- a ConnectedToAgentTimestamp, even one that cannot be read, is an answer
                bool_or(connected_raw IS NOT NULL) AS was_answered,
                -- a record with no DisconnectTimestamp: the contact may still be going on
                bool_and(ended_raw IS NOT NULL) AS all_ended,
                {_checked("ended", _iso("max(ended)"))} AS ended_at,
                CASE WHEN bool_or({queued}) THEN {_summed("queue_wait", queued)} END
                    AS wait_seconds,
                {_summed("hold", "has_agent")} AS hold_seconds,
                {_summed("holds", "has_agent")} AS hold_count,
                {longest_hold} AS longest_hold_seconds,
                {requested_at} AS callback_requested_at,
                {callback_at} AS callback_at
            FROM legs
            GROUP BY journey
        """


def _write_table(con: Any, table: str, journeys: str) -> None:
    """The raw table: the journeys plus each first record's Attributes as `attr_<key>` text."""
    keys = [
        str(row[0])
        for row in con.execute(
            f"SELECT DISTINCT unnest(json_keys(attributes)) AS key FROM {journeys} "
            f"WHERE attributes IS NOT NULL ORDER BY key"
        ).fetchall()
    ]
    taken: set[str] = set()
    columns: list[str] = []
    for key in keys:
        name = ATTRIBUTE_PREFIX + key
        suffix = 2
        while name.lower() in taken:  # DuckDB column names ignore case
            name = f"{ATTRIBUTE_PREFIX}{key}_{suffix}"
            suffix += 1
        taken.add(name.lower())
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        columns.append(f"json_extract_string(attributes, {text_literal(pointer)}) AS {quote(name)}")
    attributes = "".join(", " + column for column in columns)
    con.execute(
        f"CREATE OR REPLACE TABLE {quote(table)} AS "
        f"SELECT * EXCLUDE (_order_file, _order_pos, attributes){attributes} "
        f"FROM {journeys} ORDER BY _order_file, _order_pos"
    )
