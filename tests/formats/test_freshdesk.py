"""The `freshdesk` reader: the ticket CSV export -> canonical contacts.

Freshdesk writes naive timestamps in the account's time zone; these tests declare
America/New_York and check that the shared parser reads them there. Expectations are worked out
by hand in the comments.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine.backends import connect
from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats.freshdesk import read
from tests.conftest import write_promise_file

AS_OF = "2026-10-10T00:00:00-04:00"
REPLY_2H = {"id": "reply-2h", "kind": "first_response", "limit": "2h"}
SOLVED_24H = {"id": "solved-24h", "kind": "resolution_time", "limit": "24h"}
HEADER = [
    "Ticket ID",
    "Subject",
    "Status",
    "Priority",
    "Source",
    "Type",
    "Agent",
    "Group",
    "Created time",
    "Due by Time",
    "Resolved time",
    "Closed time",
    "Last update time",
    "Initial response time",
    "Time tracked",
    "First response time (in hrs)",
    "Resolution time (in hrs)",
    "Agent interactions",
    "Customer interactions",
    "Resolution status",
    "First response status",
    "Tags",
    "Survey results",
    "Full name",
    "Email",
    "Contact ID",
    "Company Name",
]


def ticket(
    tid: int,
    source: str,
    status: str,
    created: str,
    replied: str = "",
    resolved: str = "",
    closed: str = "",
    **extra: str,
) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "Ticket ID": str(tid),
            "Subject": f"Order {tid}, where is it?",
            "Status": status,
            "Priority": "Medium",
            "Source": source,
            "Type": "Question",
            "Agent": "Ann Lee",
            "Group": "Billing",
            "Created time": created,
            "Resolved time": resolved,
            "Closed time": closed,
            "Last update time": closed or resolved or replied or created,
            "Initial response time": replied,
            "Tags": "vip,refund",
            "Full name": f"Customer {tid}",
            "Email": f"c{tid}@example.com",
            "Contact ID": str(5000 + tid),
            "Company Name": "Acme",
        }
    )
    row.update(extra)
    return row


def write_export(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(tmp_path: Path, promises: list[dict[str, Any]], records: str, **source: Any) -> Any:
    path = write_promise_file(
        tmp_path / "promises.yaml",
        promises,
        records=records,
        as_of=AS_OF,
        timezone="America/New_York",
        source={"format": "freshdesk", **source},
    )
    result = audit(path)
    assert result.records.reconciles()
    return result


def raw_rows(files: list[Path]) -> dict[str, dict[str, Any]]:
    con = connect()
    read(con, "raw_f", tuple(str(f) for f in files), Source(path="x", format="freshdesk"))
    cursor = con.execute("SELECT * FROM raw_f")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {r["contact_id"]: r for r in rows}


# as_of 2026-10-10 00:00 New York time
# 1001 Email   10-05 09:00, reply 10:30 (90 min, kept), resolved 10-06 09:00 (24 h exactly, kept)
# 1002 Portal  10-09 22:30, open, no reply: deadline 10-10 00:30 New York is after as_of, so
#              pending (read as UTC it would have been 2h past its deadline: broken)
# 1003 Phone   10-07 10:00, Pending with a stale Resolved time from before a reopen: unresolved
# 1004 Feedback Widget 10-02 12:00, reply 14:30 (late); no Resolved time, Closed 10-03 11:00
# 1005 WhatsApp 10-03 08:00, reply 08:05, resolved 10-04 09:00 (25 h, late)
# second file: 1001 again (a duplicate), 1006 Outbound Email 10-08 12:00, open, no reply
def write_two_exports(tmp_path: Path) -> list[Path]:
    first = [
        ticket(
            1001,
            "Email",
            "Closed",
            "2026-10-05 09:00:00",
            "2026-10-05 10:30:00",
            "2026-10-06 09:00:00",
            "2026-10-08 09:00:00",
        ),
        ticket(1002, "Portal", "Open", "2026-10-09 22:30:00"),
        ticket(1003, "Phone", "Pending", "2026-10-07 10:00:00", resolved="2026-10-07 11:00:00"),
        ticket(
            1004,
            "Feedback Widget",
            "Closed",
            "2026-10-02 12:00:00",
            "2026-10-02 14:30:00",
            closed="2026-10-03 11:00:00",
        ),
        ticket(
            1005,
            "WhatsApp",
            "Resolved",
            "2026-10-03 08:00:00",
            "2026-10-03 08:05:00",
            "2026-10-04 09:00:00",
        ),
    ]
    second = [first[0], ticket(1006, "Outbound Email", "Open", "2026-10-08 12:00:00")]
    return [
        write_export(tmp_path / "freshdesk" / "tickets-1.csv", first),
        write_export(tmp_path / "freshdesk" / "tickets-2.csv", second),
    ]


def test_canonical_columns(tmp_path: Path) -> None:
    rows = raw_rows(write_two_exports(tmp_path))
    one = rows["1001"]
    assert one["initiated_at"] == "2026-10-05 09:00:00"  # text: the shared parser applies the zone
    assert one["first_response_at"] == "2026-10-05 10:30:00"
    assert one["resolved_at"] == "2026-10-06 09:00:00"
    assert (one["channel"], one["agent_id"], one["team"]) == ("email", "Ann Lee", "Billing")
    assert (one["topic"], one["segment"], one["customer_id"]) == ("Question", "Medium", "6001")
    assert (one["Status"], one["Tags"], one["Subject"]) == (
        "Closed",
        "vip,refund",
        "Order 1001, where is it?",
    )
    channels = {tid: row["channel"] for tid, row in rows.items()}
    assert channels == {
        "1001": "email",
        "1002": "web_form",
        "1003": "phone",
        "1004": "web_form",
        "1005": "messaging",
        "1006": "email",
    }
    assert rows["1003"]["resolved_at"] is None  # Pending: not resolved
    assert rows["1004"]["resolved_at"] == "2026-10-03 11:00:00"  # closed without Resolved time


def test_audit_in_the_account_time_zone(tmp_path: Path) -> None:
    write_two_exports(tmp_path)
    no_outbound = {
        **REPLY_2H,
        "id": "reply-2h-inbound",
        "scope": {"where": "Source != 'Outbound Email'"},
    }
    result = run(tmp_path, [REPLY_2H, SOLVED_24H, no_outbound], "freshdesk/*.csv")
    reply, solved, inbound = result.promises
    # written: 1001 kept, 1002 pending, 1004 late, 1005 kept, 1006 none by its deadline
    assert (reply.kept, reply.broken, reply.pending) == (2, 2, 1)
    assert reply.broken_by_reason == {"late": 1, "none_by_deadline": 1}
    # 1001 kept (24 h exactly), 1004 kept (23 h), 1002 pending, 1003 / 1006 none, 1005 late
    assert (solved.kept, solved.broken, solved.pending) == (2, 3, 1)
    assert (inbound.kept, inbound.broken, inbound.pending) == (2, 1, 1)
    records = result.records
    assert (records.read, records.duplicates, records.used, records.rejected) == (7, 1, 6, 0)


def test_messy_export_bom_crlf_ragged_rows_and_header_spelling(tmp_path: Path) -> None:
    """A BOM, CRLF line ends, a quoted subject with a comma and a line break, one ragged row,
    headers in another spelling, no Contact ID column, and a custom field named Segment."""
    header = [
        "Ticket Id",
        "Subject",
        "Status",
        "Priority",
        "Source",
        "Created  Time",
        "Initial Response Time",
        "Resolved Time",
        "Email",
        "Segment",
    ]
    lines = [
        ",".join(header),
        '7,"Refund, please\r\nsecond line",Resolved,Urgent,Twitter,2026-10-08 09:00:00,'
        "2026-10-08 09:45:00,2026-10-08 12:00:00,a@example.com,Gold",
        "8,Broken row,Open,Low,Email",
        "9,Hello,Open,Low,Chat,2026-10-09 08:00:00,,,b@example.com,Silver",
    ]
    path = tmp_path / "freshdesk" / "export.csv"
    path.parent.mkdir()
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))

    rows = raw_rows([path])
    assert list(rows) == ["7", "9"]
    seven = rows["7"]
    assert seven["Subject"] == "Refund, please\r\nsecond line"
    assert (seven["channel"], seven["customer_id"]) == ("social", "a@example.com")
    assert seven["Segment"] == "Gold"  # the export's own Segment column, not Priority
    assert "segment" not in {name for name in seven if name != "Segment"}

    result = run(tmp_path, [REPLY_2H], "freshdesk/export.csv", max_rejected="100%")
    records = result.records
    assert (records.read, records.rejected, records.used) == (3, 1, 2)
    assert records.rejects_by_reason == {"malformed_row": 1}
    assert {r.file for r in records.reject_sample} == {str(path)}
    (reply,) = result.promises
    assert (reply.population, reply.kept) == (1, 1)  # 7 (Twitter) in 45 min; 9 is a chat


def test_an_unreadable_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "freshdesk" / "export.csv"
    path.parent.mkdir()
    path.write_bytes(b"\x00\x01\x02 not a csv \xff\xfe\n\x00")
    with pytest.raises(RecordsError, match="not a Freshdesk ticket export"):
        run(tmp_path, [REPLY_2H], "freshdesk/export.csv")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_an_export_in_a_declared_encoding_reads_like_any_csv(tmp_path: Path, encoding: str) -> None:
    """Freshdesk reads its CSV as every CSV source does: an export saved as cp1252 (decoded
    into a UTF-8 copy) or latin-1 (decoded by the engine) with `encoding:` declared reads
    fine, accented names and the euro sign intact, and rows name the original file."""
    rows = [
        ticket(
            2001,
            "Email",
            "Closed",
            "2026-10-05 09:00:00",
            "2026-10-05 09:30:00",
            **{"Full name": "Zoë Müller", "Agent": "José Núñez"},
        ),
        ticket(
            2002,
            "Email",
            "Open",
            "2026-10-09 23:00:00",
            **{
                "Full name": "Renée Côté",
                "Subject": "Refund of 20 €" if encoding == "cp1252" else "Refund of 20 EUR",
            },
        ),
    ]
    path = write_export(tmp_path / "freshdesk" / "export.csv", rows)
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    promise_file = write_promise_file(
        tmp_path / "promises.yaml",
        [REPLY_2H],
        records="freshdesk/export.csv",
        as_of=AS_OF,
        timezone="America/New_York",
        source={"format": "freshdesk", "encoding": encoding},
    )
    result = audit(promise_file)
    records = result.records
    assert (records.read, records.rejected, records.used) == (2, 0, 2)
    assert records.rejects_by_reason == {}
    (reply,) = result.promises
    assert (reply.kept, reply.pending) == (1, 1)  # 2001 in 30 min; 2002 within its 2 h

    con = connect()
    source = Source(path="x", format="freshdesk", encoding=encoding)
    read(con, "raw_f", (str(path),), source)
    names = dict(con.execute('SELECT contact_id, "Full name" FROM raw_f').fetchall())
    assert names == {"2001": "Zoë Müller", "2002": "Renée Côté"}
    agent, file = con.execute(
        "SELECT agent_id, _file FROM raw_f WHERE contact_id = '2001'"
    ).fetchone()
    assert (agent, file) == ("José Núñez", str(path))


def test_a_resolved_ticket_with_no_resolved_time_is_resolved_at_an_unknown_time(
    tmp_path: Path,
) -> None:
    """3001 Resolved with both times blank: resolved, when is not in the export (excluded
    missing_resolved_at, never judged unresolved); 3002 Open, 3 days old: broken; 3003 Closed
    after 2 h: kept."""
    rows = [
        ticket(3001, "Email", "Resolved", "2026-10-05 09:00:00"),
        ticket(3002, "Email", "Open", "2026-10-06 09:00:00"),
        ticket(3003, "Email", "Closed", "2026-10-07 09:00:00", closed="2026-10-07 11:00:00"),
    ]
    write_export(tmp_path / "freshdesk" / "export.csv", rows)
    raw = raw_rows([tmp_path / "freshdesk" / "export.csv"])
    assert {tid: row["_unknown_fields"] for tid, row in raw.items()} == {
        "3001": "resolved_at",
        "3002": None,
        "3003": None,
    }
    (solved,) = run(tmp_path, [SOLVED_24H], "freshdesk/export.csv").promises
    assert (solved.kept, solved.broken, solved.excluded) == (1, 1, 1)
    assert solved.excluded_by_reason == {"missing_resolved_at": 1}


def test_a_malformed_row_of_a_transcoded_export_names_the_original_file(tmp_path: Path) -> None:
    """The cp1252 export is read from a UTF-8 copy; its ragged row (after 200 good ones, so
    that the share rejected stays small) is reported with the export's own path and line, not
    the copy's."""
    good = [
        ticket(4000 + n, "Email", "Open", "2026-10-09 09:00:00", **{"Full name": "Zoë"})
        for n in range(1, 201)
    ]
    path = write_export(tmp_path / "freshdesk" / "export.csv", good)
    text = path.read_text(encoding="utf-8") + "4999,Ragged row,Open\n"
    path.write_bytes(text.encode("cp1252"))
    promise_file = write_promise_file(
        tmp_path / "promises.yaml",
        [REPLY_2H],
        records="freshdesk/export.csv",
        as_of=AS_OF,
        timezone="America/New_York",
        source={"format": "freshdesk", "encoding": "cp1252"},
    )
    records = audit(promise_file).records
    assert (records.read, records.rejected, records.used) == (201, 1, 200)
    (reject,) = records.reject_sample
    assert (reject.file, reject.line, reject.reason) == (
        str(path),
        202,
        "malformed_row: missing columns",
    )
