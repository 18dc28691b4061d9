"""The `zendesk` reader: tickets and ticket metrics (API JSON) -> canonical contacts.

Expectations are computed by hand from the files written here:
first_response_at = created_at + reply_time_in_minutes.calendar, resolved_at = created_at +
full_resolution_time_in_minutes.calendar, a ticket listed twice is kept once.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine.backends import connect
from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats.zendesk import read
from tests.conftest import REAL_DATA, write_promise_file

AS_OF = "2026-10-10T00:00:00+00:00"
REPLY_2H = {"id": "reply-2h", "kind": "first_response", "limit": "2h"}
SOLVED_24H = {"id": "solved-24h", "kind": "resolution_time", "limit": "24h"}
EXAMPLE = Path(__file__).resolve().parents[2] / "promises" / "examples" / "zendesk-fivetran.yaml"


def ticket(tid: int, created: str, status: str, channel: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "url": f"https://example.zendesk.com/api/v2/tickets/{tid}.json",
        "created_at": created,
        "updated_at": created,
        "type": "question",
        "subject": f"ticket {tid}",
        "priority": "normal",
        "status": status,
        "requester_id": 9000 + tid,
        "assignee_id": 77,
        "group_id": 360001,
        "tags": ["billing", "refund"],
        "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
        **extra,
    }


def minutes(calendar: int | None, business: int | None = None) -> dict[str, int | None]:
    return {"calendar": calendar, "business": business if business is not None else calendar}


def metric(tid: int, reply: int | None, full: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": 50000 + tid,
        "ticket_id": tid,
        "created_at": "2026-10-01T00:00:00Z",
        "updated_at": "2026-10-09T00:00:00Z",
        "group_stations": 1,
        "assignee_stations": 1,
        "reopens": 0,
        "replies": 1 if reply is not None else 0,
        "reply_time_in_minutes": minutes(reply),
        "first_resolution_time_in_minutes": minutes(full),
        "full_resolution_time_in_minutes": minutes(full),
        "requester_wait_time_in_minutes": minutes(full),
        "on_hold_time_in_minutes": minutes(0),
        "agent_wait_time_in_minutes": minutes(0),
        **extra,
    }


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def run(
    tmp_path: Path,
    promises: list[dict[str, Any]],
    pattern: str = "zendesk/*.json",
    **source: Any,
) -> Any:
    path = write_promise_file(
        tmp_path / "promises.yaml",
        promises,
        records=pattern,
        as_of=AS_OF,
        source={"format": "zendesk", **source},
    )
    result = audit(path)
    assert result.records.reconciles()
    return result


def raw_rows(files: list[Path]) -> list[dict[str, Any]]:
    con = connect()
    read(con, "raw_t", tuple(str(f) for f in files), Source(path="x", format="zendesk"))
    cursor = con.execute("SELECT * FROM raw_t")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Five tickets (as_of 10-10 00:00 UTC):
# 101 email 10-01 09:00 solved: reply 90 min -> 10:30 (kept, 2h); solved after 1440 min = 24h
#     exactly -> kept (limits are inclusive); listed again on page 2 (duplicate)
# 102 web   10-09 23:00 open, no public reply yet: 2h deadline 10-10 01:00 is after as_of -> pending
# 103 email 10-05 08:00 pending, no reply: deadline passed -> broken (none by deadline)
# 104 web   10-02 12:00 closed: reply 150 min (late), solved after 3000 min = 50h (late)
# 105 chat  10-03 10:00 solved after 30 min: not a written channel; resolved in time
# metrics for ticket 999, which is not in the export, are not a contact
def write_export(tmp_path: Path) -> None:
    page1 = {
        "tickets": [
            ticket(101, "2026-10-01T09:00:00Z", "solved", "email"),
            ticket(102, "2026-10-09T23:00:00Z", "open", "web"),
            ticket(103, "2026-10-05T08:00:00Z", "pending", "email"),
        ],
        "next_page": "https://example.zendesk.com/api/v2/tickets.json?page=2",
        "previous_page": None,
        "count": 6,
    }
    page2 = {
        "tickets": [
            ticket(104, "2026-10-02T12:00:00Z", "closed", "web"),
            ticket(105, "2026-10-03T10:00:00Z", "solved", "chat"),
            ticket(101, "2026-10-01T09:00:00Z", "solved", "email"),
        ],
        "next_page": None,
        "previous_page": "https://example.zendesk.com/api/v2/tickets.json?page=1",
        "count": 6,
    }
    metrics = {
        "ticket_metrics": [
            metric(101, 90, 1440, group_stations=2),
            metric(102, None, None),
            metric(103, None, None),
            metric(104, 150, 3000),
            metric(105, 1, 30),
            metric(999, 5, 10),
        ],
        "next_page": None,
        "count": 6,
    }
    write_json(tmp_path / "zendesk" / "tickets-1.json", page1)
    write_json(tmp_path / "zendesk" / "tickets-2.json", page2)
    write_json(tmp_path / "zendesk" / "ticket_metrics.json", metrics)


def test_first_reply_and_resolution_from_the_metrics(tmp_path: Path) -> None:
    write_export(tmp_path)
    result = run(tmp_path, [REPLY_2H, SOLVED_24H])
    reply, solved = result.promises
    assert (reply.population, reply.kept, reply.broken, reply.pending) == (4, 1, 2, 1)
    assert reply.broken_by_reason == {"late": 1, "none_by_deadline": 1}
    assert (solved.population, solved.kept, solved.broken, solved.pending) == (5, 2, 2, 1)
    records = result.records
    # six ticket objects read: five tickets, 101 twice; the metrics of 999 are not records
    assert (records.read, records.duplicates, records.used, records.rejected) == (6, 1, 5, 0)


def test_canonical_columns_and_attributes(tmp_path: Path) -> None:
    write_export(tmp_path)
    rows = {r["contact_id"]: r for r in raw_rows(sorted((tmp_path / "zendesk").glob("*.json")))}
    assert sorted(rows) == ["101", "102", "103", "104", "105"]
    first = rows["101"]
    assert first["initiated_at"] == "2026-10-01T09:00:00Z"
    assert first["first_response_at"] == "2026-10-01T10:30:00+00:00"
    assert first["resolved_at"] == "2026-10-02T09:00:00+00:00"
    assert first["channel"] == "email"
    assert (first["customer_id"], first["agent_id"], first["team"]) == ("9101", "77", "360001")
    assert (first["topic"], first["segment"], first["status"]) == ("question", "normal", "solved")
    assert first["transfers"] == "1"  # group_stations 2 - 1
    assert first["tags"] == "billing refund"
    assert first["has_metrics"] == "true"
    assert first["reply_time_in_minutes_calendar"] == "90"
    assert [rows[t]["channel"] for t in ("102", "104", "105")] == ["web_form", "web_form", "chat"]
    assert rows["102"]["first_response_at"] is None
    assert rows["102"]["resolved_at"] is None
    assert "csat" not in first  # no ticket carries satisfaction_rating


def test_reopened_ticket_is_unresolved_even_with_an_earlier_resolution_time(
    tmp_path: Path,
) -> None:
    # solved after 60 min, then reopened: full_resolution_time keeps the old value; ticket 2,
    # solved in 60 min, gives the export resolution times (a field empty on every ticket
    # would make the promise unauditable)
    tickets = {
        "tickets": [
            ticket(1, "2026-10-09T20:00:00Z", "open", "email"),
            ticket(2, "2026-10-09T20:00:00Z", "solved", "email"),
        ]
    }
    write_json(tmp_path / "zendesk" / "tickets.json", tickets)
    write_json(
        tmp_path / "zendesk" / "metrics.json",
        {"ticket_metrics": [metric(1, 30, 60, reopens=1), metric(2, 30, 60)]},
    )
    (solved,) = run(tmp_path, [SOLVED_24H]).promises
    assert (solved.kept, solved.broken, solved.pending) == (1, 0, 1)


def test_without_metrics_reply_and_resolution_promises_are_unauditable(tmp_path: Path) -> None:
    write_json(
        tmp_path / "zendesk" / "tickets.json",
        {"tickets": [ticket(1, "2026-10-01T09:00:00Z", "solved", "email")]},
    )
    reply, solved = run(tmp_path, [REPLY_2H, SOLVED_24H]).promises
    assert (reply.verdict, reply.missing_fields) == ("unauditable", ("first_response_at",))
    assert (solved.verdict, solved.missing_fields) == ("unauditable", ("resolved_at",))


def test_single_ticket_document_and_satisfaction(tmp_path: Path) -> None:
    rated = ticket(
        7, "2026-10-01T09:00:00Z", "solved", "voice", satisfaction_rating={"score": "good"}
    )
    unrated = ticket(
        8, "2026-10-01T10:00:00Z", "solved", "api", satisfaction_rating={"score": "offered"}
    )
    write_json(tmp_path / "zendesk" / "a.json", {"ticket": rated})
    write_json(tmp_path / "zendesk" / "b.json", {"ticket": unrated})
    rows = raw_rows(sorted((tmp_path / "zendesk").glob("*.json")))
    assert [(r["contact_id"], r["channel"], r["csat"]) for r in rows] == [
        ("7", "phone", "5"),
        ("8", "other", None),
    ]
    assert rows[1]["satisfaction_score"] == "offered"


def test_messy_incremental_export_with_side_loaded_metric_sets(tmp_path: Path) -> None:
    """Incremental export pages as JSON lines, gzip'd, with a BOM and CRLF, side-loaded
    metric_set per ticket, a ticket exported twice as it changed, and a separate metrics file
    with a newer metrics record for one ticket."""
    first = ticket(201, "2026-10-09T10:00:00+02:00", "open", "native_messaging")
    first["metric_set"] = metric(201, None, None, updated_at="2026-10-09T08:00:00Z")
    # ticket 201 again, later in the stream: answered after 45 min and solved after 120 min
    again = dict(first, status="solved", updated_at="2026-10-09T10:30:00Z")
    again["metric_set"] = metric(201, 45, 120, updated_at="2026-10-09T10:00:00Z")
    stale = ticket(202, "2026-10-09T06:00:00Z", "solved", "whatsapp")
    stale["metric_set"] = metric(202, 200, 300, updated_at="2026-10-09T12:00:00Z")
    lines = [
        {"tickets": [first, stale], "end_of_stream": False, "after_cursor": "abc"},
        {"tickets": [again], "end_of_stream": True, "after_cursor": "def"},
    ]
    text = "\ufeff" + "\r\n".join(json.dumps(line) for line in lines) + "\r\n"
    folder = tmp_path / "zendesk"
    folder.mkdir()
    (folder / "incremental.json.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    # a newer metrics record for 202 (a correction: reply after 60 min) wins over the side-load
    newer = metric(202, 60, 300, updated_at="2026-10-09T13:00:00Z")
    write_json(folder / "metrics.json", {"ticket_metrics": [newer, metric(404, 1, 1)]})

    rows = {r["contact_id"]: r for r in raw_rows(sorted(folder.glob("*")))}
    assert rows["201"]["status"] == "solved"
    assert rows["201"]["first_response_at"] == "2026-10-09T10:45:00+02:00"
    assert rows["201"]["resolved_at"] == "2026-10-09T12:00:00+02:00"
    assert rows["201"]["channel"] == "messaging"
    assert rows["202"]["first_response_at"] == "2026-10-09T07:00:00+00:00"

    result = run(tmp_path, [REPLY_2H], pattern="zendesk/*")
    (reply,) = result.promises
    assert (reply.kept, reply.broken, reply.pending) == (2, 0, 0)
    assert (result.records.read, result.records.duplicates, result.records.used) == (3, 1, 2)


def test_a_ticket_without_created_at_is_rejected_and_counted(tmp_path: Path) -> None:
    broken = ticket(3, "2026-10-01T09:00:00Z", "new", "email")
    del broken["created_at"]
    tickets = [ticket(1, "2026-10-01T09:00:00Z", "new", "email"), broken]
    write_json(tmp_path / "zendesk" / "t.json", {"tickets": tickets})
    result = run(tmp_path, [SOLVED_24H], max_rejected="100%")
    assert (result.records.read, result.records.rejected, result.records.used) == (2, 1, 1)
    assert result.records.rejects_by_reason == {"missing_initiated_at": 1}


def test_a_file_that_is_not_a_zendesk_export_is_an_error(tmp_path: Path) -> None:
    write_json(tmp_path / "zendesk" / "users.json", {"users": [{"id": 1}]})
    with pytest.raises(RecordsError, match="not a Zendesk tickets"):
        run(tmp_path, [SOLVED_24H])


def test_the_fivetran_example_promise_file() -> None:
    seeds = REAL_DATA / "zendesk-fivetran-seeds" / "ticket_data.csv"
    if not seeds.exists():
        pytest.skip(f"real data not present: {seeds}")
    result = audit(EXAMPLE)
    assert result.records.reconciles()
    assert (result.records.read, result.records.used) == (10, 10)
    (closed,) = result.promises
    # 8 solved/closed tickets; only 11071 (2020-08-28 -> 2020-11-15, 79 days) took over 30 days
    assert (closed.population, closed.kept, closed.broken) == (8, 7, 1)
    assert closed.evidence[0].contact_id == "11071"


# --- situation 5: an export whose metrics cover only some tickets -----------------------------


# as_of 10-10 00:00 UTC; metrics exist for 301 only
# 301 email 10-05 09:00 solved: reply after 30 min (kept), solved after 600 min (kept)
# 302 email 10-05 10:00 open, no metrics: first reply unknown; unsolved, 24 h long past: broken
# 303 email 10-05 11:00 solved, no metrics: first reply unknown; resolved, time unknown
# 304 web   10-09 23:30 new, no metrics: first reply unknown; unsolved, deadline after as_of
def write_partial_metrics(tmp_path: Path) -> None:
    tickets = [
        ticket(301, "2026-10-05T09:00:00Z", "solved", "email"),
        ticket(302, "2026-10-05T10:00:00Z", "open", "email"),
        ticket(303, "2026-10-05T11:00:00Z", "solved", "email"),
        ticket(304, "2026-10-09T23:30:00Z", "new", "web"),
    ]
    write_json(tmp_path / "zendesk" / "tickets.json", {"tickets": tickets})
    write_json(tmp_path / "zendesk" / "metrics.json", {"ticket_metrics": [metric(301, 30, 600)]})


def test_a_ticket_without_metrics_lists_its_unknown_fields(tmp_path: Path) -> None:
    write_partial_metrics(tmp_path)
    rows = {r["contact_id"]: r for r in raw_rows(sorted((tmp_path / "zendesk").glob("*.json")))}
    unknown = {tid: row["_unknown_fields"] for tid, row in rows.items()}
    assert unknown == {
        "301": None,
        "302": "first_response_at",
        "303": "first_response_at resolved_at",
        "304": "first_response_at",
    }
    assert [rows[t]["first_response_at"] for t in ("302", "303", "304")] == [None, None, None]
    assert [rows[t]["has_metrics"] for t in ("301", "302")] == ["true", "false"]


def test_a_ticket_without_metrics_is_excluded_by_first_response_not_broken(
    tmp_path: Path,
) -> None:
    write_partial_metrics(tmp_path)
    reply, solved = run(tmp_path, [REPLY_2H, SOLVED_24H]).promises
    # 301 kept; 302-304 have no metrics record: their first reply is unknown, not absent
    assert (reply.population, reply.kept, reply.broken, reply.pending) == (4, 1, 0, 0)
    assert reply.excluded_by_reason == {"missing_first_response_at": 3}
    # 301 kept; 302 open past its deadline (its status says unsolved); 303 solved at an unknown
    # time; 304 new, deadline 10-10 23:30 after as_of
    assert (solved.kept, solved.broken, solved.pending) == (1, 1, 1)
    assert solved.broken_by_reason == {"none_by_deadline": 1}
    assert solved.excluded_by_reason == {"missing_resolved_at": 1}


def test_partial_metrics_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from promise_audit.cli import app

    write_partial_metrics(tmp_path)
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [REPLY_2H],
        records="zendesk/*.json",
        as_of=AS_OF,
        source={"format": "zendesk"},
    )
    outcome = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    (reply,) = json.loads(outcome.output)["promises"]
    assert reply["broken"] == 0 and reply["excluded_by_reason"] == {"missing_first_response_at": 3}
    assert outcome.exit_code == 0


def test_satisfaction_rating_null_on_every_ticket_makes_csat_unauditable(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from promise_audit.cli import app

    tickets = [
        ticket(tid, f"2026-10-0{tid}T09:00:00Z", "solved", "email", satisfaction_rating=None)
        for tid in (1, 2, 3)
    ]
    write_json(tmp_path / "zendesk" / "tickets.json", {"tickets": tickets})
    rows = raw_rows([tmp_path / "zendesk" / "tickets.json"])
    assert [row["csat"] for row in rows] == [None, None, None]  # the key is there, no rating
    happy = {"id": "happy", "kind": "custom", "kept_if": "csat >= 4"}
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [happy],
        records="zendesk/*.json",
        as_of=AS_OF,
        source={"format": "zendesk"},
    )
    outcome = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    (promise,) = json.loads(outcome.output)["promises"]
    assert promise["verdict"] == "unauditable"
    assert promise["missing_fields"] == ["csat"]
    assert outcome.exit_code == 3
