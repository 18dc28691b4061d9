"""The `amazon-connect-ctr` reader: contact records -> one canonical contact per journey.

Expectations are computed by hand from the records written here, following
docs/formats/amazon-connect-ctr.md and the vendor's data model: durations are whole seconds,
timestamps ISO 8601 UTC, records delivered at least once, legs linked by InitialContactId /
PreviousContactId / NextContactId.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine.backends import connect
from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.finish import finish_source
from promise_audit.records.formats.amazon_connect import read
from promise_audit.records.stage import stage_source
from promise_audit.records.types import Accounting
from tests.conftest import write_promise_file

Record = dict[str, Any]
FORMAT = {"format": "amazon-connect-ctr"}
INSTANCE = "arn:aws:connect:us-east-1:123456789012:instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


# --- writing realistic contact records -----------------------------------------------------


def ts(moment: str) -> str:
    """'10-01 09:00' or '10-01 09:00:05' -> that instant of 2026 as Connect writes it (UTC)."""
    return when(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(moment: str) -> dt.datetime:
    day, clock = moment.split(" ")
    if clock.count(":") == 1:
        clock += ":00"
    return dt.datetime.fromisoformat(f"2026-{day}T{clock}+00:00")


def queue(name: str, enqueued: str, seconds: int) -> Record:
    dequeued = when(enqueued) + dt.timedelta(seconds=seconds)
    return {
        "ARN": f"{INSTANCE}/queue/{name.lower()}",
        "Name": name,
        "EnqueueTimestamp": ts(enqueued),
        "DequeueTimestamp": dequeued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Duration": seconds,
    }


def agent(username: str, connected: str, hold: int = 0, holds: int = 0, longest: int = 0) -> Record:
    return {
        "ARN": f"{INSTANCE}/agent/{username}",
        "Username": username,
        "ConnectedToAgentTimestamp": ts(connected),
        "AgentInteractionDuration": 120,
        "AfterContactWorkDuration": 30,
        "CustomerHoldDuration": hold,
        "NumberOfHolds": holds,
        "LongestHoldDuration": longest,
        "HierarchyGroups": None,
        "RoutingProfile": {"ARN": f"{INSTANCE}/routing-profile/basic", "Name": "Basic"},
    }


def ctr(
    contact_id: str,
    method: str,
    initiated: str,
    disconnected: str,
    *,
    last_update: str | None = None,
    channel: str = "VOICE",
    initial: str | None = None,
    previous: str | None = None,
    next_id: str | None = None,
    in_queue: Record | None = None,
    by_agent: Record | None = None,
    customer: str | None = "+15555550100",
    attributes: dict[str, str] | None = None,
) -> Record:
    """One contact record, with the fields the vendor's data model puts in every record."""
    return {
        "AWSAccountId": "123456789012",
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "Agent": by_agent,
        "AgentConnectionAttempts": 1 if by_agent else 0,
        "Attributes": attributes or {},
        "Channel": channel,
        "ContactId": contact_id,
        "CustomerEndpoint": {"Address": customer, "Type": "TELEPHONE_NUMBER"} if customer else None,
        "DisconnectReason": "CUSTOMER_DISCONNECT",
        "DisconnectTimestamp": ts(disconnected),
        "InitialContactId": initial,
        "InitiationMethod": method,
        "InitiationTimestamp": ts(initiated),
        "InstanceARN": INSTANCE,
        "LastUpdateTimestamp": last_update or ts(disconnected),
        "MediaStreams": [{"Type": "AUDIO"}],
        "NextContactId": next_id,
        "PreviousContactId": previous,
        "Queue": in_queue,
        "Recording": None,
        "SystemEndpoint": {"Address": "+15555550199", "Type": "TELEPHONE_NUMBER"},
        "TransferCompletedTimestamp": None,
        "TransferredToEndpoint": None,
    }


def as_lines(records: list[Record]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def as_firehose(records: list[Record]) -> str:
    """Kinesis Data Firehose style: objects back to back, no separator at all."""
    return "".join(json.dumps(r, separators=(",", ":")) for r in records)


def write(path: Path, text: str, *, compress: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def read_raw(*paths: Path) -> tuple[Any, list[Record]]:
    """Run the reader alone: (its RawRead, the rows of its table in table order)."""
    con = connect()
    con.execute("SET TimeZone = 'UTC'")
    files = tuple(str(p) for p in paths)
    raw = read(con, "raw_contacts", files, Source(path=files[0], **FORMAT))
    cursor = con.execute("SELECT * FROM raw_contacts ORDER BY rowid")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return raw, rows


def load(tmp_path: Path, pattern: str = "ctr/*", **options: Any) -> tuple[dict[str, Record], Any]:
    """Stage and finish the source as an audit does: (canonical rows by contact_id, accounting)."""
    con = connect()
    source = Source(path=pattern, **FORMAT, **options)
    staged = stage_source(con, "contacts", source, base_dir=tmp_path, timezone="UTC")
    loaded = finish_source(con, staged, None)
    cursor = con.execute(f"SELECT * FROM {loaded.table}")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    con.close()
    return {row["contact_id"]: row for row in rows}, loaded.accounting


def accounting(account: Accounting) -> tuple[int, int, int, int, int, int]:
    return (
        account.read,
        account.rejected,
        account.duplicates,
        account.stitched,
        account.out_of_period,
        account.used,
    )


# --- the journeys the tests share, with their hand-computed figures ------------------------

# A: INBOUND -> TRANSFER -> QUEUE_TRANSFER. transfers 2; wait 40 + 25 + 70 = 135 s;
# hold 30 + 0 + 65 = 95 s in 1 + 0 + 2 = 3 holds, the longest 45 s; answered at a1's connect.
TRANSFER_JOURNEY = [
    ctr(
        "a1",
        "INBOUND",
        "10-01 09:00",
        "10-01 09:06",
        next_id="a2",
        in_queue=queue("Sales", "10-01 09:00:10", 40),
        by_agent=agent("ana", "10-01 09:00:50", hold=30, holds=1, longest=30),
        attributes={"tier": "gold", "language": "en"},
    ),
    ctr(
        "a2",
        "TRANSFER",
        "10-01 09:06",
        "10-01 09:11",
        initial="a1",
        previous="a1",
        next_id="a3",
        in_queue=queue("Billing", "10-01 09:06:05", 25),
        by_agent=agent("ben", "10-01 09:06:30"),
        attributes={"tier": "silver"},
    ),
    ctr(
        "a3",
        "QUEUE_TRANSFER",
        "10-01 09:11",
        "10-01 09:20",
        initial="a1",
        previous="a2",
        in_queue=queue("Retention", "10-01 09:11:00", 70),
        by_agent=agent("cleo", "10-01 09:12:10", hold=65, holds=2, longest=45),
    ),
]

# B: the vendor's queued-callback example: John queues at 11:35, asks for a callback at 11:37
# (the CALLBACK record is initiated then), the callback waits 99 s, then 21 s in CallbackQueue,
# and an agent reaches him at 11:39:10. wait = the inbound's 120 s only; not abandoned.
CALLBACK_JOURNEY = [
    ctr(
        "b1",
        "INBOUND",
        "10-01 11:35",
        "10-01 11:37:05",
        in_queue=queue("Support", "10-01 11:35:00", 120),
        customer="+15555550111",
    ),
    ctr(
        "b2",
        "CALLBACK",
        "10-01 11:37",
        "10-01 11:45",
        initial="b1",
        previous="b1",
        in_queue=queue("CallbackQueue", "10-01 11:38:39", 21),
        by_agent=agent("dora", "10-01 11:39:10"),
        customer="+15555550111",
    ),
]

# C: queued 200 s, hung up, nobody answered, no callback: abandoned.
ABANDONED = [
    ctr(
        "c1",
        "INBOUND",
        "10-01 12:00",
        "10-01 12:03:30",
        in_queue=queue("Sales", "10-01 12:00:10", 200),
    )
]

# D: answered after 30 s, one hold of 10 s; delivered twice (the later copy is in file order
# first, the stale copy with a 999 s queue after it).
ANSWERED = ctr(
    "d1",
    "INBOUND",
    "10-01 13:00",
    "10-01 13:10",
    last_update="2026-10-01T13:15:00Z",
    in_queue=queue("Sales", "10-01 13:00:05", 30),
    by_agent=agent("ana", "10-01 13:00:35", hold=10, holds=1, longest=10),
)
ANSWERED_STALE = {
    **ANSWERED,
    "LastUpdateTimestamp": "2026-10-01T13:10:30Z",
    "Queue": queue("Sales", "10-01 13:00:05", 999),
}


def missing_hold() -> Record:
    """E: answered after 50 s; the agent record has no CustomerHoldDuration."""
    record = ctr(
        "e1",
        "INBOUND",
        "10-01 14:00",
        "10-01 14:10",
        in_queue=queue("Sales", "10-01 14:00:00", 50),
        by_agent=agent("ben", "10-01 14:00:50"),
    )
    del record["Agent"]["CustomerHoldDuration"]
    return record


# --- reading the files --------------------------------------------------------------------


def test_one_per_line_firehose_concatenated_and_gzip_read_alike(tmp_path: Path) -> None:
    records = [*TRANSFER_JOURNEY, *CALLBACK_JOURNEY]
    lines = write(tmp_path / "lines" / "part.json", as_lines(records))
    firehose = write(tmp_path / "firehose" / "part", as_firehose(records))
    # gzip told by its magic bytes: one named .gz, one with no hint in its name at all
    gz = write(tmp_path / "gz" / "part.json.gz", as_firehose(records), compress=True)
    hidden = write(tmp_path / "hidden" / "part-0001", as_lines(records), compress=True)
    results = [read_raw(path) for path in (lines, firehose, gz, hidden)]
    raw, rows = results[0]
    assert (raw.read, raw.duplicates, raw.stitched) == (5, 0, 3)
    assert [r["contact_id"] for r in rows] == ["a1", "b1"]
    for other_raw, other_rows in results[1:]:
        assert other_raw == raw
        assert [{**r, "_file": None} for r in other_rows] == [{**r, "_file": None} for r in rows]


def test_messy_files_blank_lines_crlf_and_pretty_printed_objects_are_read(tmp_path: Path) -> None:
    a1, a2, a3 = TRANSFER_JOURNEY
    text = (
        "\r\n\r\n"
        + json.dumps(a1)
        + "\r\n\r\n   \r\n"
        + json.dumps(a2, indent=2).replace("\n", "\r\n")
        + json.dumps(a3)  # glued to the pretty-printed one, Firehose style
        + "\n\n"
    )
    raw, rows = read_raw(write(tmp_path / "messy.json", text))
    assert (raw.read, raw.stitched) == (3, 2)
    assert rows[0]["transfers"] == "2"


def test_a_truncated_last_record_stops_the_audit_naming_the_file(tmp_path: Path) -> None:
    # A part file cut short (copied while Firehose was writing it) is an incomplete delivery:
    # counting the records before the cut would silently lose the rest, so the audit stops.
    text = as_lines([ANSWERED]) + json.dumps(ABANDONED[0])[:-40]
    path = write(tmp_path / "ctr" / "part-7.json.gz", text, compress=True)
    with pytest.raises(RecordsError) as caught:
        read_raw(path)
    assert caught.value.path == str(path)
    assert "ends in the middle of record 2 (which starts on line 2)" in caught.value.message
    assert "truncated" in caught.value.message


def test_a_file_that_is_not_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    good = write(tmp_path / "a.json", as_lines([ANSWERED]))
    bad = write(tmp_path / "b.json", as_lines([ANSWERED]) + "ContactId,Channel\nx1,VOICE\n")
    with pytest.raises(RecordsError) as caught:
        read_raw(good, bad)
    assert caught.value.path == str(bad)
    assert caught.value.message.startswith("not JSON at line 2, column 1 (record 2)")


def test_a_binary_file_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "part.json"
    path.write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    with pytest.raises(RecordsError, match="not UTF-8"):
        read_raw(path)


def test_json_that_is_not_objects_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "part.json", as_lines([ANSWERED]) + "[1, 2]\n")
    with pytest.raises(RecordsError, match="record 2 is a JSON array, not an object"):
        read_raw(path)


def test_objects_without_any_contact_id_are_not_contact_records(tmp_path: Path) -> None:
    path = write(tmp_path / "tickets.json", as_lines([{"id": 1, "subject": "hi"}]))
    with pytest.raises(RecordsError, match="no record has a ContactId"):
        read_raw(path)


def test_table_rows_follow_the_files_then_the_first_records_position(tmp_path: Path) -> None:
    first = write(tmp_path / "p1.json", as_lines([ABANDONED[0], *CALLBACK_JOURNEY]))
    second = write(tmp_path / "p2.json", as_lines([missing_hold(), ANSWERED]))
    _, rows = read_raw(first, second)
    assert [(Path(r["_file"]).name, r["contact_id"]) for r in rows] == [
        ("p1.json", "c1"),
        ("p1.json", "b1"),
        ("p2.json", "e1"),
        ("p2.json", "d1"),
    ]


# --- duplicates ---------------------------------------------------------------------------


def test_the_copy_with_the_latest_last_update_instant_is_kept_whatever_the_file_order(
    tmp_path: Path,
) -> None:
    latest = {**ANSWERED, "LastUpdateTimestamp": "2026-10-01T09:30:00Z"}
    # later as text, earlier as an instant (08:00 UTC): must lose to 09:30Z
    offset = {
        **ANSWERED,
        "LastUpdateTimestamp": "2026-10-01T10:00:00+02:00",
        "Queue": queue("Sales", "10-01 13:00:05", 99),
    }
    older = {
        **ANSWERED,
        "LastUpdateTimestamp": "2026-10-01T08:59:00Z",
        "Queue": queue("Sales", "10-01 13:00:05", 77),
    }
    write(tmp_path / "ctr" / "p1.json", as_lines([latest]))
    write(tmp_path / "ctr" / "p2.json", as_firehose([offset, older]))
    rows, account = load(tmp_path)
    assert rows["d1"]["wait_seconds"] == 30
    assert accounting(account) == (3, 0, 2, 0, 0, 1)
    assert account.reconciles()


def test_copies_with_the_same_last_update_keep_the_later_one_in_file_order(
    tmp_path: Path,
) -> None:
    again = {**ANSWERED, "Queue": queue("Sales", "10-01 13:00:05", 31)}
    write(tmp_path / "ctr" / "p1.json", as_lines([ANSWERED]))
    write(tmp_path / "ctr" / "p2.json", as_lines([again]))
    rows, account = load(tmp_path)
    assert rows["d1"]["wait_seconds"] == 31
    assert account.duplicates == 1


def test_a_duplicated_leg_is_a_duplicate_not_a_stitch(tmp_path: Path) -> None:
    a1, a2, a3 = TRANSFER_JOURNEY
    write(tmp_path / "ctr" / "p.json", as_lines([a1, a2, a3, a2]))
    rows, account = load(tmp_path)
    assert rows["a1"]["transfers"] == 2
    assert accounting(account) == (4, 0, 1, 2, 0, 1)


# --- journeys -----------------------------------------------------------------------------


def test_transfer_journey_of_three_legs_is_one_contact(tmp_path: Path) -> None:
    # the legs arrive out of order: the first record is the one with no PreviousContactId
    a1, a2, a3 = TRANSFER_JOURNEY
    write(tmp_path / "ctr" / "p.json", as_lines([a3, a1, a2]))
    rows, account = load(tmp_path)
    (journey,) = rows.values()
    assert journey["contact_id"] == "a1"
    assert journey["initiated_at"] == when("10-01 09:00")
    assert journey["channel"] == "phone"
    assert journey["transfers"] == 2
    assert journey["wait_seconds"] == 135
    assert journey["enqueued_at"] == when("10-01 09:00:10")
    assert journey["answered_at"] == when("10-01 09:00:50")
    assert journey["ended_at"] == when("10-01 09:20")
    assert (journey["hold_seconds"], journey["hold_count"]) == (95, 3)
    assert journey["longest_hold_seconds"] == 45
    assert journey["abandoned"] is False
    assert (journey["queue"], journey["agent_id"]) == ("Sales", "ana")
    assert journey["customer_id"] == "+15555550100"
    assert journey["callback_offered"] is None
    assert journey["callback_requested_at"] is None
    # Attributes of the first record, as text scope attributes
    assert (journey["attr_tier"], journey["attr_language"]) == ("gold", "en")
    assert (journey["initiation_method"], journey["legs"]) == ("INBOUND", "3")
    assert accounting(account) == (3, 0, 0, 2, 0, 1)


def test_queued_callback_is_not_an_abandon_and_its_queue_time_is_not_wait(tmp_path: Path) -> None:
    write(tmp_path / "ctr" / "p.json", as_lines([*CALLBACK_JOURNEY, *ABANDONED]))
    rows, account = load(tmp_path)
    callback, abandoned = rows["b1"], rows["c1"]
    assert callback["abandoned"] is False
    assert callback["wait_seconds"] == 120  # the 21 s in CallbackQueue is not wait
    assert callback["enqueued_at"] == when("10-01 11:35")
    assert callback["callback_offered"] is True
    assert callback["callback_requested_at"] == when("10-01 11:37")
    assert callback["callback_at"] == when("10-01 11:39:10")
    assert callback["answered_at"] == when("10-01 11:39:10")
    assert callback["transfers"] == 0  # a CALLBACK record is not a transfer
    assert callback["queue"] == "Support"
    assert (abandoned["abandoned"], abandoned["wait_seconds"]) == (True, 200)
    assert abandoned["answered_at"] is None
    assert abandoned["callback_offered"] is None  # unknown: Connect records no declined offer
    assert accounting(account) == (3, 0, 0, 1, 0, 2)


def test_a_leg_without_customer_hold_duration_makes_hold_unknown(tmp_path: Path) -> None:
    a1, a2, _ = TRANSFER_JOURNEY
    blind = {**a2, "Agent": {k: v for k, v in a2["Agent"].items() if k != "CustomerHoldDuration"}}
    write(tmp_path / "ctr" / "p.json", as_lines([a1, blind, missing_hold(), *ABANDONED]))
    rows, _ = load(tmp_path)
    assert rows["a1"]["hold_seconds"] is None
    assert rows["a1"]["hold_count"] == 1  # NumberOfHolds is there on both legs
    assert rows["e1"]["hold_seconds"] is None
    assert rows["e1"]["hold_count"] == 0
    # no leg with an Agent: nobody put the customer on hold, and no record says so either
    assert (rows["c1"]["hold_seconds"], rows["c1"]["hold_count"]) == (None, None)


def test_legs_linked_only_by_next_contact_id_are_stitched(tmp_path: Path) -> None:
    first = ctr("n1", "INBOUND", "10-01 15:00", "10-01 15:05", next_id="n2")
    second = ctr("n2", "TRANSFER", "10-01 15:05", "10-01 15:09")
    write(tmp_path / "ctr" / "p.json", as_lines([second, first]))
    rows, account = load(tmp_path)
    assert list(rows) == ["n1"]
    assert (rows["n1"]["transfers"], rows["n1"]["ended_at"]) == (1, when("10-01 15:09"))
    assert account.stitched == 1


def test_legs_whose_first_record_is_not_in_the_export_start_at_the_earliest(
    tmp_path: Path,
) -> None:
    # x0 was delivered in yesterday's files: its two later legs still form one journey
    later = ctr("x2", "QUEUE_TRANSFER", "10-01 16:10", "10-01 16:20", initial="x0", previous="x1")
    earlier = ctr("x1", "TRANSFER", "10-01 16:05", "10-01 16:10", initial="x0", previous="x0")
    write(tmp_path / "ctr" / "p.json", as_lines([later, earlier]))
    rows, account = load(tmp_path)
    assert list(rows) == ["x1"]
    assert rows["x1"]["initiated_at"] == when("10-01 16:05")
    assert rows["x1"]["transfers"] == 2
    assert account.stitched == 1


CHANNELS = {"VOICE": "phone", "CHAT": "chat", "TASK": "other", "EMAIL": "email", "SMS": "sms"}


def test_channel_comes_from_the_first_record_mapped_to_canonical_channels(tmp_path: Path) -> None:
    records = []
    for number, vendor in enumerate(CHANNELS, start=1):
        first = ctr(f"k{number}", "INBOUND", "10-01 09:00", "10-01 09:05", channel=vendor)
        # a later leg on another channel does not change the journey's channel
        later = ctr(f"k{number}-2", "TRANSFER", "10-01 09:05", "10-01 09:09", channel="VOICE")
        records += [first, {**later, "PreviousContactId": f"k{number}"}]
    write(tmp_path / "ctr" / "p.json", as_lines(records))
    rows, _ = load(tmp_path)
    assert {cid: row["channel"] for cid, row in rows.items()} == {
        f"k{number}": canonical for number, canonical in enumerate(CHANNELS.values(), start=1)
    }


def test_a_record_without_contact_id_is_rejected_and_counted(tmp_path: Path) -> None:
    nameless = {**ANSWERED, "ContactId": None}
    write(tmp_path / "ctr" / "p.json", as_lines([ANSWERED, nameless]))
    rows, account = load(tmp_path)
    assert list(rows) == ["d1"]
    assert accounting(account) == (2, 1, 0, 0, 0, 1)
    assert account.rejects_by_reason == {"missing_contact_id": 1}
    assert account.reconciles()


def test_an_unreadable_timestamp_in_any_leg_is_an_invalid_value_of_the_journey(
    tmp_path: Path,
) -> None:
    a1, a2, a3 = TRANSFER_JOURNEY
    broken = {**a3, "Agent": {**a3["Agent"], "ConnectedToAgentTimestamp": "yesterday"}}
    write(tmp_path / "ctr" / "p.json", as_lines([a1, a2, broken, ANSWERED]))
    rows, account = load(tmp_path)
    # the journey is used, without an answer time (and so without what is derived from it)
    assert sorted(rows) == ["a1", "d1"]
    assert rows["a1"]["answered_at"] is None
    assert rows["a1"]["_invalid_answered_at"] == "unparseable"
    (invalid,) = account.invalid_sample
    assert (invalid.field, invalid.reason, invalid.value) == (
        "answered_at",
        "unparseable",
        "yesterday",
    )
    assert accounting(account) == (4, 0, 0, 2, 0, 2)
    assert account.reconciles()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_exports_stitch_as_a_union_find_and_reconcile(tmp_path: Path, seed: int) -> None:
    """Journeys of 1-40 legs, linked by any one of the three ids, copies delivered again with
    an older or equal LastUpdateTimestamp, everything shuffled over three part files: the
    reader's journeys are the connected components an independent union-find finds."""
    rng = random.Random(seed)
    records: list[Record] = []
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    journeys = 0
    for number in range(60):
        journeys += 1
        legs = [f"j{number}-{leg}" for leg in range(rng.choice([1, 1, 2, 3, 40]))]
        for index, cid in enumerate(legs):
            record = ctr(cid, "TRANSFER" if index else "INBOUND", "10-01 09:00", "10-01 09:30")
            record["InitiationTimestamp"] = f"2026-10-01T09:{index:02d}:00Z"
            if index:
                link = rng.choice(["InitialContactId", "PreviousContactId", "NextContactId"])
                if link == "NextContactId":
                    records[-1]["NextContactId"] = cid  # the previous leg points forward
                    parent[root(legs[index - 1])] = root(cid)
                else:
                    record[link] = legs[0] if link == "InitialContactId" else legs[index - 1]
                    parent[root(cid)] = root(record[link])
            records.append(record)
    copies = [
        {**record, "LastUpdateTimestamp": rng.choice(["2026-10-01T09:30:00Z", "2026-10-01T09:00Z"])}
        for record in rng.sample(records, 25)
    ]
    everything = records + copies
    rng.shuffle(everything)
    for part in range(3):
        write(tmp_path / "ctr" / f"part-{part}", as_firehose(everything[part::3]))
    rows, account = load(tmp_path)
    components = {root(r["ContactId"]) for r in records}
    assert len(components) == journeys == len(rows)
    assert accounting(account) == (
        len(everything),
        0,
        len(copies),
        len(records) - journeys,
        0,
        journeys,
    )
    assert sorted(rows) == sorted(f"j{number}-0" for number in range(60))
    assert all(row["transfers"] == int(row["legs"]) - 1 for row in rows.values())


# --- full audits --------------------------------------------------------------------------

PROMISES = [
    {"id": "wait-2m", "kind": "wait_time", "limit": "2m"},
    {"id": "one-transfer", "kind": "transfers", "max": 1},
    {"id": "callback-5m", "kind": "callback_kept", "limit": "5m"},
    {"id": "hold-1m", "kind": "hold_time", "limit": "1m"},
]


def write_export(tmp_path: Path) -> None:
    """Nine records in two part files: a gzip'd Firehose object and a plain one-per-line file."""
    write(
        tmp_path / "ctr" / "2026" / "10" / "01" / "ctr-stream-1-2026-10-01-09-00-00-a1b2",
        as_firehose([*TRANSFER_JOURNEY[:2], ANSWERED, CALLBACK_JOURNEY[0]]),
        compress=True,
    )
    write(
        tmp_path / "ctr" / "2026" / "10" / "01" / "ctr-stream-1-2026-10-01-10-00-00-c3d4",
        as_lines([CALLBACK_JOURNEY[1], TRANSFER_JOURNEY[2], *ABANDONED, ANSWERED_STALE])
        + as_lines([missing_hold()]),
    )


def test_full_audit_counts_and_accounting(tmp_path: Path) -> None:
    write_export(tmp_path)
    path = write_promise_file(
        tmp_path / "promises.yaml", PROMISES, records="ctr/**/ctr-stream-*", source=FORMAT
    )
    result = audit(path)
    by_id = {p.id: p for p in result.promises}
    # wait 2m over A 135 (broken), B 120 (exactly at the limit: kept), C abandoned after 200
    # (broken), D 30 and E 50 (kept)
    wait = by_id["wait-2m"]
    assert (wait.population, wait.kept, wait.broken, wait.excluded) == (5, 3, 2, 0)
    # one transfer at most: A has two
    transfers = by_id["one-transfer"]
    assert (transfers.population, transfers.kept, transfers.broken) == (5, 4, 1)
    # B asked at 11:37 and was reached at 11:39:10, within 5 minutes
    callback = by_id["callback-5m"]
    assert (callback.population, callback.kept, callback.broken, callback.pending) == (1, 1, 0, 0)
    # answered: A (95 s, broken), B (0 s), D (10 s), E (hold unknown: excluded)
    hold = by_id["hold-1m"]
    assert (hold.population, hold.kept, hold.broken, hold.excluded) == (4, 2, 1, 1)
    assert hold.excluded_by_reason == {"missing_hold_seconds": 1}
    # 9 objects = 1 duplicate (D's stale copy) + 3 stitched (A's 2 legs, B's callback) + 5 used
    records = result.records
    assert accounting(records) == (9, 0, 1, 3, 0, 5)
    assert records.reconciles()


def test_full_audit_as_of_sets_later_journeys_out_of_period(tmp_path: Path) -> None:
    write_export(tmp_path)
    path = write_promise_file(
        tmp_path / "promises.yaml",
        PROMISES[:1],
        records="ctr/**/ctr-stream-*",
        source=FORMAT,
        as_of="2026-10-01T12:30:00+00:00",  # D (13:00) and E (14:00) start after it
    )
    result = audit(path)
    assert accounting(result.records) == (9, 0, 1, 3, 2, 3)
    assert result.records.reconciles()


def test_attributes_of_the_first_record_scope_promises(tmp_path: Path) -> None:
    write_export(tmp_path)
    gold = {**PROMISES[0], "id": "gold-wait", "scope": {"attr_tier": ["gold"]}}
    path = write_promise_file(
        tmp_path / "promises.yaml", [gold], records="ctr/**/ctr-stream-*", source=FORMAT
    )
    (wait,) = audit(path).promises
    assert (wait.population, wait.broken) == (1, 1)  # only A is gold (its first record's tier)


def test_columns_can_map_an_attribute_to_a_canonical_field(tmp_path: Path) -> None:
    write_export(tmp_path)
    by_segment = {**PROMISES[1], "id": "gold-transfers", "scope": {"segment": ["gold"]}}
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [by_segment],
        records="ctr/**/ctr-stream-*",
        source={**FORMAT, "columns": {"segment": "attr_tier"}},
    )
    (transfers,) = audit(path).promises
    assert (transfers.population, transfers.broken) == (1, 1)


# --- values the records do not state are missing, never false or 0 --------------------------


def test_answered_is_stated_by_a_connected_to_agent_timestamp(tmp_path: Path) -> None:
    write(tmp_path / "ctr" / "p.json", as_lines([ANSWERED, *ABANDONED]))
    rows, _ = load(tmp_path)
    assert (rows["d1"]["answered"], rows["d1"]["abandoned"]) == (True, False)
    # c1 ended (DisconnectTimestamp) with no agent ever connected: stated, not assumed
    assert (rows["c1"]["answered"], rows["c1"]["abandoned"]) == (False, True)


def test_an_agent_connection_at_an_unreadable_time_is_still_an_answer(tmp_path: Path) -> None:
    """The time is rejected as unparseable; the answer it records is not turned into an
    abandon (the raw table, before the shared parse)."""
    odd = {**ANSWERED, "Agent": {**ANSWERED["Agent"], "ConnectedToAgentTimestamp": "soon"}}
    _, rows = read_raw(write(tmp_path / "ctr" / "p.json", as_lines([odd])))
    assert (rows[0]["answered"], rows[0]["abandoned"]) == ("true", "false")


def test_a_contact_without_a_disconnect_is_neither_answered_nor_abandoned_yet(
    tmp_path: Path,
) -> None:
    waiting = {**ABANDONED[0], "DisconnectTimestamp": None}
    _, rows = read_raw(write(tmp_path / "ctr" / "p.json", as_lines([waiting])))
    assert (rows[0]["answered"], rows[0]["abandoned"]) == (None, None)


def test_a_record_that_does_not_say_how_it_started_leaves_transfers_unknown(
    tmp_path: Path,
) -> None:
    a1, a2, a3 = TRANSFER_JOURNEY
    silent = {**a3, "InitiationMethod": None}
    _, rows = read_raw(write(tmp_path / "ctr" / "p.json", as_lines([a1, a2, silent, ANSWERED])))
    transfers = {row["contact_id"]: row["transfers"] for row in rows}
    assert transfers == {"a1": None, "d1": "0"}


def test_a_contact_still_in_the_flow_is_not_yet_known_to_be_unqueued(tmp_path: Path) -> None:
    """f1 has no Queue yet and no DisconnectTimestamp: it may still queue, so abandoned is
    unknown; g1 ended without queueing: not an abandon."""
    in_flow = ctr("f1", "INBOUND", "10-01 16:00", "10-01 16:01")
    in_flow["DisconnectTimestamp"] = None
    ivr_only = ctr("g1", "INBOUND", "10-01 16:05", "10-01 16:06")
    _, rows = read_raw(write(tmp_path / "ctr" / "p.json", as_lines([in_flow, ivr_only])))
    assert [(r["contact_id"], r["abandoned"]) for r in rows] == [("f1", None), ("g1", "false")]
