"""The `genesys-cloud` reader: analytics conversation details -> one contact per conversation.

The synthetic conversations below are small but shaped like the API's (participants ->
sessions -> segments + metrics, durations in ms); the expectations are worked out by hand in
the comments. The two real conversations are checked against figures computed here from their
raw JSON with plain Python.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine.backends import connect
from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats.genesys import read
from tests.conftest import REAL_DATA, write_promise_file

REAL = REAL_DATA / "genesys-conversation-details"
AS_OF = "2026-10-10T00:00:00+00:00"
BASE = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def t(seconds: float) -> str:
    """BASE + seconds, as Genesys writes it (UTC, milliseconds, Z)."""
    return (BASE + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seg(kind: str, start: float, end: float | None, **extra: Any) -> dict[str, Any]:
    segment = {"segmentStart": t(start), "segmentType": kind, "conference": False, **extra}
    if end is not None:
        segment["segmentEnd"] = t(end)
    return segment


def session(media: str, segments: list[dict[str, Any]], **metrics: Any) -> dict[str, Any]:
    listed = []
    for name, value in metrics.items():
        for v in value if isinstance(value, list) else [value]:
            listed.append({"name": name, "value": v, "emitDate": t(0)})
    return {"mediaType": media, "direction": "inbound", "segments": segments, "metrics": listed}


def party(purpose: str, *sessions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "participantId": f"p-{purpose}",
        "purpose": purpose,
        "sessions": list(sessions),
        **extra,
    }


def conversation(
    cid: str, start: float, end: float | None, *participants: dict[str, Any]
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "conversationId": cid,
        "conversationStart": t(start),
        "originatingDirection": "inbound",
        "divisionIds": ["d-1"],
        "participants": list(participants),
    }
    if end is not None:
        c["conversationEnd"] = t(end)
    return c


def customer(media: str, start: float, end: float, **extra: Any) -> dict[str, Any]:
    s = session(media, [seg("interact", start, end, disconnectType="endpoint")], nConnected=1)
    s.update(extra)
    return party("customer", s, participantName="Customer")


def queue(name: str, media: str, start: float, end: float, how: str, **metrics: Any) -> Any:
    segments = [seg("interact", start, end, queueId=f"q-{name}", disconnectType=how)]
    return party("acd", session(media, segments, nOffered=1, **metrics), participantName=name)


def agent(user: str, *sessions: dict[str, Any]) -> dict[str, Any]:
    return party("agent", *sessions, userId=user)


# A-1 voice: 20 s in the IVR, 45 s in queue Billing, agent U1 (two holds, 30 s and 90 s),
#     transferred once to queue Refunds (15 s more), agent U2.
#     wait 60 s, hold 120 s in 2 holds (longest 90 s), 1 transfer, ivr 20 s
CALL_A = conversation(
    "A-1",
    0,
    900,
    customer("voice", 0, 900, ani="tel:+15551230001"),
    party("ivr", session("voice", [seg("interact", 0, 20, disconnectType="transfer")], tIvr=20000)),
    queue("Billing", "voice", 20, 65, "transfer", tAcd=45000),
    agent(
        "U1",
        session(
            "voice",
            [
                seg("alert", 64, 65),
                seg("interact", 65, 300),
                seg("hold", 300, 330),
                seg("interact", 330, 400),
                seg("hold", 400, 490),
                seg("interact", 490, 500, disconnectType="transfer"),
            ],
            tHeld=[30000, 90000],
            tTalk=325000,
            nTransferred=1,
        ),
    ),
    queue("Refunds", "voice", 500, 515, "transfer", tAcd=15000),
    agent("U2", session("voice", [seg("interact", 515, 900, disconnectType="peer")])),
)
# B-2 voice: the customer hung up after 200 s in queue (tAbandon): abandoned, wait 200 s
CALL_B = conversation(
    "B-2",
    3600,
    3800,
    customer("voice", 3600, 3800, ani="tel:+15551230002"),
    queue("Billing", "voice", 3600, 3800, "peer", tAcd=200000, tAbandon=200000),
)
# C-3 voice: 30 s in queue, then the flow sent it to voicemail: not an abandon, never answered
CALL_C = conversation(
    "C-3",
    7200,
    7230,
    customer("voice", 7200, 7230, ani="tel:+15551230003"),
    queue("Billing", "voice", 7200, 7230, "transfer", tAcd=30000),
)
# D-4 voice, 100 s in queue, then a callback (requested at +100 s, queued as a callback, which
#     is not wait); agent U3 takes the callback at +1200 s and dials the customer
CALL_D = conversation(
    "D-4",
    10800,
    12600,
    customer("voice", 10800, 10900, ani="tel:+15551230004"),
    queue("Billing", "voice", 10800, 10900, "transfer", tAcd=100000),
    party(
        "acd",
        session(
            "callback", [seg("interact", 10900, 12000, disconnectType="transfer")], tAcd=1100000
        ),
        participantName="Billing",
    ),
    agent(
        "U3",
        session("callback", [seg("interact", 12000, 12010)]),
        session("voice", [seg("interact", 12010, 12600, disconnectType="peer")]),
    ),
)
# E-5 messaging (WhatsApp-like): 5 s in queue, agent U4; no conversationEnd but every segment
#     has ended, so ended_at is the last segment end
MESSAGE_E = conversation(
    "E-5",
    14400,
    None,
    customer("message", 14400, 15000, addressFrom="+15550005"),
    queue("Messaging", "message", 14400, 14405, "transfer", tAcd=5000),
    agent("U4", session("message", [seg("interact", 14405, 15000, disconnectType="peer")])),
)
# a stale copy of A-1 exported while it was still running (no end, U1 still talking)
STALE_A = conversation(
    "A-1",
    0,
    None,
    customer("voice", 0, 900, ani="tel:+15551230001"),
    queue("Billing", "voice", 20, 65, "transfer", tAcd=45000),
    agent("U1", session("voice", [seg("interact", 65, None)])),
)


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=4), encoding="utf-8")
    return path


def run(tmp_path: Path, promises: list[dict[str, Any]], records: str, **source: Any) -> Any:
    path = write_promise_file(
        tmp_path / "promises.yaml",
        promises,
        records=records,
        as_of=AS_OF,
        source={"format": "genesys-cloud", **source},
    )
    result = audit(path)
    assert result.records.reconciles()
    return result


def raw_rows(files: list[Path]) -> dict[str, dict[str, Any]]:
    con = connect()
    read(con, "raw_g", tuple(str(f) for f in files), Source(path="x", format="genesys-cloud"))
    cursor = con.execute("SELECT * FROM raw_g")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {r["contact_id"]: r for r in rows}


def write_page(tmp_path: Path) -> list[Path]:
    page = {"conversations": [CALL_A, CALL_B, CALL_C, CALL_D, MESSAGE_E], "totalHits": 5}
    return [
        write(tmp_path / "genesys" / "page-1.json", page),
        write(tmp_path / "genesys" / "page-2.json", {"conversations": [STALE_A], "totalHits": 1}),
    ]


def test_fields_of_each_conversation(tmp_path: Path) -> None:
    rows = raw_rows(write_page(tmp_path))
    assert list(rows) == ["A-1", "B-2", "C-3", "D-4", "E-5"]
    a = rows["A-1"]
    assert (a["channel"], a["queue"], a["agent_id"]) == ("phone", "Billing", "U1")
    assert a["customer_id"] == "tel:+15551230001"
    assert (a["enqueued_at"], a["answered_at"]) == (
        "2026-10-05T09:00:20+00:00",
        "2026-10-05T09:01:05+00:00",
    )
    assert a["ended_at"] == "2026-10-05T09:15:00+00:00"  # the copy with the end was kept
    assert (a["wait_seconds"], a["abandoned"], a["ivr_seconds"]) == ("60.0", "false", "20.0")
    assert (a["hold_seconds"], a["hold_count"], a["longest_hold_seconds"]) == ("120.0", "2", "90.0")
    assert (a["transfers"], a["agents"]) == ("1", "U1,U2")

    b = rows["B-2"]
    assert (b["abandoned"], b["wait_seconds"], b["answered_at"]) == ("true", "200.0", None)
    # metrics are there (tAcd, tAbandon) and no nTransferred: never transferred
    assert (b["hold_seconds"], b["transfers"], b["agent_id"]) == (None, "0", None)
    assert (a["answered"], b["answered"]) == ("true", "false")

    c = rows["C-3"]
    assert (c["abandoned"], c["wait_seconds"], c["answered_at"]) == ("false", "30.0", None)

    d = rows["D-4"]
    assert (d["abandoned"], d["wait_seconds"], d["answered_at"]) == ("false", "100.0", None)
    assert d["callback_requested_at"] == "2026-10-05T12:01:40+00:00"
    assert d["callback_at"] == "2026-10-05T12:20:00+00:00"
    assert (d["agent_id"], d["transfers"], d["hold_seconds"]) == ("U3", "0", "0.0")

    e = rows["E-5"]
    assert (e["channel"], e["customer_id"], e["wait_seconds"]) == ("messaging", "+15550005", "5.0")
    assert e["ended_at"] == "2026-10-05T13:10:00+00:00"


def test_audit_of_the_page(tmp_path: Path) -> None:
    write_page(tmp_path)
    promises = [
        {"id": "wait-60s", "kind": "wait_time", "limit": "60s"},
        {"id": "no-transfer", "kind": "transfers", "max": 0},
        {"id": "hold-60s", "kind": "hold_time", "limit": "60s"},
        {"id": "callback-30m", "kind": "callback_kept", "limit": "30m"},
        {"id": "ivr-30s", "kind": "ivr_time", "limit": "30s"},
    ]
    result = run(tmp_path, promises, "genesys/*.json")
    wait, transfers, hold, callback, ivr = result.promises
    # A 60 s (at the limit: kept), B abandoned after 200 s, C 30 s, D 100 s, E 5 s
    assert (wait.population, wait.kept, wait.broken, wait.excluded) == (5, 3, 2, 0)
    # A once; every conversation carries metrics, so no nTransferred is no transfer: B-E none
    assert (transfers.kept, transfers.broken, transfers.excluded) == (4, 1, 0)
    # answered: A (120 s on hold) and E (none); D was called back, never answered while waiting
    assert (hold.population, hold.kept, hold.broken) == (2, 1, 1)
    # D: requested 12:01:40, called back 12:20:00 (18 min 20 s)
    assert (callback.population, callback.kept) == (1, 1)
    # phone contacts A-D; only A passed through an IVR that measured it
    assert (ivr.kept, ivr.excluded) == (1, 3)
    records = result.records
    assert (records.read, records.duplicates, records.used) == (6, 1, 5)


def test_messy_files_bare_objects_arrays_jsonl_and_odd_timestamps(tmp_path: Path) -> None:
    folder = tmp_path / "genesys"
    folder.mkdir()
    # JSONL with a BOM and CRLF; unpadded month, day and hour, as in the Genesys samples
    odd = json.loads(json.dumps(MESSAGE_E).replace("2026-10-05T", "2026-10-5T"))
    odd["conversationId"] = "E-odd"
    lines = [json.dumps(CALL_B), json.dumps(odd)]
    (folder / "a.jsonl").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    # a JSON array; one conversation with an unreadable start is rejected, and counted
    unreadable = dict(CALL_C, conversationStart="yesterday")
    write(folder / "b.json", [CALL_A, unreadable])
    # a bare conversation object, and an empty page
    write(folder / "c.json", CALL_D)
    write(folder / "d.json", {"conversations": [], "totalHits": 0})

    rows = raw_rows(sorted(folder.iterdir()))
    assert rows["E-odd"]["answered_at"] == "2026-10-05T13:00:05+00:00"
    assert rows["E-odd"]["initiated_at"] == "2026-10-05T13:00:00+00:00"
    # one record of five cannot be read on purpose
    wait_60s = [{"id": "wait-60s", "kind": "wait_time", "limit": "60s"}]
    result = run(tmp_path, wait_60s, "genesys/*", max_rejected="100%")
    records = result.records
    assert (records.read, records.rejected, records.used) == (5, 1, 4)
    assert records.rejects_by_reason == {"unparseable_initiated_at": 1}
    (wait,) = result.promises
    assert (wait.kept, wait.broken) == (2, 2)  # E-odd 5 s, A 60 s; B 200 s, D 100 s


def test_invalid_json_names_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "genesys"
    folder.mkdir()
    (folder / "bad.jsonl").write_text(json.dumps(CALL_B) + '\n{"conversationId": "X",\n')
    with pytest.raises(RecordsError, match="invalid JSON at line 2"):
        run(tmp_path, [{"id": "w", "kind": "wait_time", "limit": "60s"}], "genesys/*")


def test_a_file_that_is_not_conversation_details_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "genesys" / "users.json", {"entities": [{"id": "u"}]})
    with pytest.raises(RecordsError, match="not Genesys Cloud conversation details"):
        run(tmp_path, [{"id": "w", "kind": "wait_time", "limit": "60s"}], "genesys/*.json")


def _real_files() -> list[Path]:
    if not REAL.is_dir():
        pytest.skip(f"the real Genesys samples are not here: {REAL}")
    return sorted(REAL.glob("conversation*.json"))


def _sum_metric(document: dict[str, Any], purpose: str, name: str) -> float:
    """Sum of a metric over one purpose's sessions, in seconds, straight from the JSON."""
    total = 0
    for participant in document["participants"]:
        if participant["purpose"] != purpose:
            continue
        for s in participant["sessions"]:
            total += sum(m["value"] for m in s.get("metrics", []) if m["name"] == name)
    return total / 1000


def test_the_real_conversations(tmp_path: Path) -> None:
    files = _real_files()
    documents = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    waits = [_sum_metric(d, "acd", "tAcd") for d in documents]
    holds = [_sum_metric(d, "agent", "tHeld") for d in documents]
    assert waits == [11.179, 6.384]
    assert holds == [544.176, 0.0]

    rows = raw_rows(files)
    for document, wait, hold in zip(documents, waits, holds, strict=True):
        row = rows[document["conversationId"]]
        assert float(row["wait_seconds"]) == wait
        assert float(row["hold_seconds"]) == hold
        assert row["channel"] == "chat"
        assert row["abandoned"] == "false"
        assert row["transfers"] == "0"  # an agent was reached and nTransferred is absent
    second = rows["6acbee65-80be-4777-be03-8dacd07ee3f9"]
    # "2021-04-2T15:30:57.809Z" (unpadded day) is read; no conversationEnd: the last segment end
    assert second["answered_at"] == "2021-04-02T15:30:57.809000+00:00"
    assert second["ended_at"] == "2021-04-02T15:46:21.293000+00:00"
    first = rows["1bc96a39-6725-40c4-9345-db72aa67b8c6"]
    assert (first["hold_count"], first["longest_hold_seconds"]) == ("1", "544.176")

    promises = [
        {"id": "wait-10s", "kind": "wait_time", "limit": "10s"},
        {"id": "hold-5m", "kind": "hold_time", "limit": "5m"},
    ]
    path = write_promise_file(
        tmp_path / "real.yaml",
        promises,
        records=str(REAL / "conversation*.json"),
        as_of="2021-05-01T00:00:00+00:00",
        source={"format": "genesys-cloud"},
    )
    result = audit(path)
    assert result.records.reconciles()
    assert (result.records.read, result.records.used) == (2, 2)
    wait, hold = result.promises
    assert (wait.kept, wait.broken) == (1, 1)  # 6.384 s kept, 11.179 s broken
    assert wait.distribution is not None and wait.distribution.max == max(waits)
    assert (hold.kept, hold.broken) == (1, 1)  # no hold kept, 544.176 s broken
    assert hold.distribution is not None and hold.distribution.max == max(holds)


def test_without_metrics_the_segments_tell_wait_and_abandon(tmp_path: Path) -> None:
    """An export stripped of metrics: the queue segment's length is the wait, and a queue
    segment ended by the customer (disconnectType peer) with no agent is an abandon."""
    hung_up = conversation(
        "F-6",
        0,
        75,
        party("customer", session("voice", [seg("interact", 0, 75, disconnectType="endpoint")])),
        party("acd", session("voice", [seg("interact", 5, 75, disconnectType="peer")])),
    )
    rows = raw_rows([write(tmp_path / "f.json", hung_up)])
    row = rows["F-6"]
    assert (row["wait_seconds"], row["abandoned"], row["enqueued_at"]) == (
        "70.0",
        "true",
        "2026-10-05T09:00:05+00:00",
    )
    assert "customer_id" not in row  # no conversation has an ani, addressFrom or contact id


# --- situation 2: values no field states are never written as false or 0 --------------------


def bare(media: str, segments: list[dict[str, Any]]) -> dict[str, Any]:
    """A session as an export stripped of metrics gives it: segments only."""
    return {"mediaType": media, "direction": "inbound", "segments": segments}


def cli_check(tmp_path: Path, promises: list[dict[str, Any]], documents: list[Any]) -> Any:
    """`promise-audit check --format json` on the documents, one file each: (exit, JSON)."""
    from typer.testing import CliRunner

    from promise_audit.cli import app

    for number, document in enumerate(documents, 1):
        write(tmp_path / "genesys" / f"part-{number}.json", document)
    path = write_promise_file(
        tmp_path / "promises.yaml",
        promises,
        records="genesys/*.json",
        as_of=AS_OF,
        source={"format": "genesys-cloud"},
    )
    outcome = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    return outcome.exit_code, json.loads(outcome.output)


# G-7 voice, no session metrics: 142 s in queue, then the caller hung up (customer segment
#     disconnectType client); the queue segment ends with it, no agent ever joined
HUNG_UP_IN_QUEUE = conversation(
    "G-7",
    0,
    142,
    party(
        "customer",
        bare("voice", [seg("interact", 0, 142, disconnectType="client")]),
        participantName="Customer",
    ),
    party("acd", bare("voice", [seg("interact", 0, 142, queueId="q-Billing")])),
)


def test_a_caller_who_hung_up_in_queue_without_metrics_is_an_abandon(tmp_path: Path) -> None:
    row = raw_rows([write(tmp_path / "g.json", HUNG_UP_IN_QUEUE)])["G-7"]
    assert (row["abandoned"], row["answered"], row["answered_at"]) == ("true", "false", None)
    assert row["wait_seconds"] == "142.0"  # the queue segment's length, no tAcd to read


def test_a_caller_who_hung_up_after_142s_breaks_a_2m_wait_promise(tmp_path: Path) -> None:
    promises = [
        {"id": "wait-2m", "kind": "wait_time", "limit": "2m"},
        {"id": "a-person", "kind": "availability"},
    ]
    status, result = cli_check(tmp_path, promises, [HUNG_UP_IN_QUEUE])
    wait, availability = result["promises"]
    assert status == 1
    # 142 s > 120 s: an abandon over the limit is broken, never kept
    assert (wait["verdict"], wait["kept"], wait["broken"]) == ("broken", 0, 1)
    assert wait["broken_by_reason"] == {"waited_too_long": 1}
    # the customer gave up: an abandon, not a call the centre failed to answer
    assert availability["broken_by_reason"] == {"abandoned": 1}


# H-8 voice: 30 s in queue, then agent U5 talks to the customer, but the export left the
#     agent's interact segment without times (the queue segment ended by transfer to the agent)
ANSWERED_NO_TIME = conversation(
    "H-8",
    0,
    400,
    customer("voice", 0, 400),
    queue("Billing", "voice", 0, 30, "transfer", tAcd=30000),
    agent(
        "U5",
        session("voice", [{"segmentType": "interact", "disconnectType": "peer"}], tTalk=370000),
    ),
)


def test_an_interact_segment_without_times_is_an_answer_at_an_unknown_time(
    tmp_path: Path,
) -> None:
    row = raw_rows([write(tmp_path / "h.json", ANSWERED_NO_TIME)])["H-8"]
    assert (row["answered"], row["answered_at"], row["abandoned"]) == ("true", None, "false")
    assert row["wait_seconds"] == "30.0"


def test_answers_without_times_are_not_unanswered_breaks_in_availability(tmp_path: Path) -> None:
    status, result = cli_check(
        tmp_path, [{"id": "a-person", "kind": "availability"}], [ANSWERED_NO_TIME, CALL_A]
    )
    (availability,) = result["promises"]
    # H-8 answered (time unknown) and A-1 answered at 09:01:05: both kept
    assert (availability["kept"], availability["broken"]) == (2, 0)
    assert status == 0


# I-9 chat, no metrics: agent U6 takes it, ends their part by transfer; agent U7 finishes it
TWO_AGENT_CHAT = conversation(
    "I-9",
    0,
    600,
    party("customer", bare("chat", [seg("interact", 0, 600, disconnectType="client")])),
    party("acd", bare("chat", [seg("interact", 0, 10, disconnectType="transfer")])),
    agent("U6", bare("chat", [seg("interact", 10, 200, disconnectType="transfer")])),
    party("acd", bare("chat", [seg("interact", 200, 215, disconnectType="transfer")])),
    agent("U7", bare("chat", [seg("interact", 215, 600, disconnectType="client")])),
)


def test_a_chat_two_agents_handled_without_metrics_counts_one_transfer(tmp_path: Path) -> None:
    row = raw_rows([write(tmp_path / "i.json", TWO_AGENT_CHAT)])["I-9"]
    # U6's segment ended by transfer, and U7 is a further agent: the same transfer, once
    assert (row["transfers"], row["agents"]) == ("1", "U6,U7")


def test_a_chat_two_agents_handled_breaks_a_no_transfer_promise(tmp_path: Path) -> None:
    status, result = cli_check(
        tmp_path, [{"id": "no-transfer", "kind": "transfers", "max": 0}], [TWO_AGENT_CHAT]
    )
    (transfers,) = result["promises"]
    assert (transfers["verdict"], transfers["broken"], transfers["kept"]) == ("broken", 1, 0)
    assert status == 1


def test_a_further_agent_without_a_transfer_segment_is_a_transfer(tmp_path: Path) -> None:
    chat = json.loads(json.dumps(TWO_AGENT_CHAT).replace('"transfer"', '"peer"'))
    row = raw_rows([write(tmp_path / "i.json", chat)])["I-9"]
    assert row["transfers"] == "1"  # no segment says transfer; the second agent does


def test_without_metrics_or_agents_transfers_are_unknown(tmp_path: Path) -> None:
    row = raw_rows([write(tmp_path / "g.json", HUNG_UP_IN_QUEUE)])["G-7"]
    assert row["transfers"] is None


def test_with_metrics_and_no_ntransferred_there_was_no_transfer(tmp_path: Path) -> None:
    row = raw_rows([write(tmp_path / "b.json", CALL_B)])["B-2"]
    assert row["transfers"] == "0"  # Genesys emits nTransferred on every transfer


def test_a_conversation_still_in_queue_is_neither_answered_nor_abandoned(tmp_path: Path) -> None:
    waiting = conversation(
        "J-10",
        0,
        None,
        party("customer", bare("voice", [seg("interact", 0, None)])),
        party("acd", bare("voice", [seg("interact", 0, None, queueId="q-Billing")])),
    )
    row = raw_rows([write(tmp_path / "j.json", waiting)])["J-10"]
    assert (row["answered"], row["abandoned"], row["ended_at"]) == (None, None, None)
    assert row["enqueued_at"] == "2026-10-05T09:00:00+00:00"


def test_still_waiting_at_as_of_is_pending_not_an_abandon(tmp_path: Path) -> None:
    """J-10 queued 50 s before as_of with no end: the 2-minute deadline is after as_of."""
    start = (dt.datetime.fromisoformat(AS_OF) - BASE).total_seconds() - 50
    waiting = conversation(
        "J-10",
        start,
        None,
        party("customer", bare("voice", [seg("interact", start, None)])),
        party("acd", bare("voice", [seg("interact", start, None, queueId="q-Billing")])),
    )
    promises = [{"id": "wait-2m", "kind": "wait_time", "limit": "2m"}]
    _, result = cli_check(tmp_path, promises, [waiting, CALL_A])
    (wait,) = result["promises"]
    # J-10 pending; A-1 waited 60 s: kept
    assert (wait["pending"], wait["kept"], wait["broken"], wait["excluded"]) == (1, 1, 0, 0)


def test_an_answer_at_an_unknown_time_leaves_an_unmeasured_wait_unknown(tmp_path: Path) -> None:
    """K-11, no metrics: the queue segment was never closed and the agent's interact segment
    has no times. The wait is unknown (excluded), not the 400 s from queueing to hang-up."""
    answered_late_unknown = conversation(
        "K-11",
        0,
        400,
        party("customer", bare("voice", [seg("interact", 0, 400, disconnectType="peer")])),
        party("acd", bare("voice", [seg("interact", 0, None, queueId="q-Billing")])),
        agent("U8", bare("voice", [{"segmentType": "interact", "disconnectType": "client"}])),
    )
    row = raw_rows([write(tmp_path / "k.json", answered_late_unknown)])["K-11"]
    assert (row["wait_seconds"], row["answered"], row["ended_at"]) == (
        None,
        "true",
        "2026-10-05T09:06:40+00:00",
    )
    _, result = cli_check(
        tmp_path, [{"id": "wait-2m", "kind": "wait_time", "limit": "2m"}], [answered_late_unknown]
    )
    (wait,) = result["promises"]
    assert (wait["broken"], wait["excluded_by_reason"]) == (0, {"missing_wait_seconds": 1})


def test_an_abandon_genesys_counted_is_one_even_while_a_segment_is_open(tmp_path: Path) -> None:
    """L-12: tAbandon after 90 s in queue; the export caught the IVR segment still open."""
    open_ivr = conversation(
        "L-12",
        0,
        None,
        customer("voice", 0, 90),
        party("ivr", session("voice", [seg("interact", 0, None)])),
        queue("Billing", "voice", 0, 90, "peer", tAbandon=90000),
    )
    row = raw_rows([write(tmp_path / "l.json", open_ivr)])["L-12"]
    assert (row["abandoned"], row["answered"], row["ended_at"]) == ("true", "false", None)


def test_a_hold_after_an_answer_without_times_is_judged(tmp_path: Path) -> None:
    """M-13: the agent's interact segment has no times, but its 400 s hold segment does:
    the contact was answered, so the 5-minute hold promise judges (and breaks) it."""
    held = conversation(
        "M-13",
        0,
        900,
        customer("voice", 0, 900),
        queue("Billing", "voice", 0, 30, "transfer", tAcd=30000),
        agent(
            "U9",
            session(
                "voice",
                [{"segmentType": "interact"}, seg("hold", 100, 500), {"segmentType": "interact"}],
                tHeld=400000,
            ),
        ),
    )
    _, result = cli_check(tmp_path, [{"id": "hold-5m", "kind": "hold_time", "limit": "5m"}], [held])
    (hold,) = result["promises"]
    assert (hold["population"], hold["broken"]) == (1, 1)
