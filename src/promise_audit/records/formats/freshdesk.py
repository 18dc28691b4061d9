"""Freshdesk ticket CSV export -> the raw table of canonical columns.

The export is read as text (DuckDB read_csv, every column VARCHAR), header names as Freshdesk
writes them ("Ticket ID", "Created time", ...), matched ignoring case and repeated spaces. Rows
the CSV parser cannot read (ragged rows, bad quoting) are counted as rejected, with their line,
as for any CSV source. Records read = data rows.

Timestamps stay text: Freshdesk writes them naive ("2024-03-05 14:22:10") in the account's
time zone, and the shared parser reads naive values in the source's `timezone`.

Every export column is kept under its own name (a scope attribute, or a column to map under
`columns:`); the canonical columns are added next to them. An export column named like a
canonical field (a custom field "Segment", say) is that field, and this reader does not fill it.
The field-by-field rules are in docs/formats/freshdesk.md.
"""

from __future__ import annotations

from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.raw import (
    FILE_COLUMN,
    UNKNOWN_FIELDS,
    RawRead,
    csv_scan,
    original_file,
    quote,
    text_literal,
)
from promise_audit.records.schema import CANONICAL_FIELDS

# "Source" -> canonical channel; any other value is "other" (the raw value stays in "Source")
CHANNELS: dict[str, str] = {
    "email": "email",
    "outbound email": "email",
    "portal": "web_form",
    "feedback widget": "web_form",
    "feedback form": "web_form",
    "mobihelp": "web_form",
    "phone": "phone",
    "chat": "chat",
    "bot": "chat",
    "twitter": "social",
    "facebook": "social",
    "instagram": "social",
    "whatsapp": "messaging",
    "sms": "messaging",
    "line": "messaging",
    "apple business chat": "messaging",
}
# statuses under which a ticket is not resolved, whatever its "Resolved time" says
UNRESOLVED = ("open", "pending", "waiting on customer", "waiting on third party")
# statuses that say the ticket was resolved: with no time given, resolved at an unknown time
RESOLVED = ("resolved", "closed")
# canonical field -> the export column(s) it is read from, first present wins
SIMPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "contact_id": ("ticket id",),
    "initiated_at": ("created time",),
    "first_response_at": ("initial response time",),
    "agent_id": ("agent",),
    "team": ("group",),
    "topic": ("type",),
    "segment": ("priority",),
    "customer_id": ("contact id", "email"),
}


def _normal(name: str) -> str:
    return " ".join(name.split()).lower()


def read(con: Any, table: str, files: tuple[str, ...], source: Source) -> RawRead:
    import duckdb

    name = table.removeprefix("raw_")
    # the same CSV reading as any CSV source (delimiter, encoding, rejected rows)
    reader, copies = csv_scan(con, name, files, source, source.delimiter)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        headers = [str(row[0]) for row in described if row[0] != FILE_COLUMN]
        by_name: dict[str, str] = {}
        for header in headers:
            by_name.setdefault(_normal(header), header)
        taken = {h.lower() for h in headers} & set(CANONICAL_FIELDS)
        if "ticket id" not in by_name and not ({"contact_id"} & (taken | set(source.columns))):
            shown = ", ".join(headers[:12])
            raise RecordsError(
                "not a Freshdesk ticket export: no 'Ticket ID' column (map contact_id under "
                f"columns: if it has another name); its columns are: {shown}",
                files[0],
            )

        def column(*names: str) -> str | None:
            for wanted in names:
                if wanted in by_name:
                    return f"r.{quote(by_name[wanted])}"
            return None

        selects = [f"{original_file(f'r.{quote(FILE_COLUMN)}', copies)} AS _file"]
        for field_name, names in SIMPLE_FIELDS.items():
            found = column(*names)
            if found is not None and field_name not in taken:
                selects.append(f"{found} AS {quote(field_name)}")
        resolved = column("resolved time")
        closed = column("closed time")
        status = column("status")
        if (resolved or closed) and "resolved_at" not in taken:
            parts = [f"nullif(trim({c}), '')" for c in (resolved, closed) if c is not None]
            value = f"coalesce({', '.join(parts)})" if len(parts) > 1 else parts[0]
            unresolved = ", ".join(text_literal(s) for s in UNRESOLVED)
            solved = ", ".join(text_literal(s) for s in RESOLVED)
            if status is not None:
                selects.append(
                    f"CASE WHEN lower(trim({status})) IN ({solved}) AND {value} IS NULL "
                    f"THEN 'resolved_at' END AS {quote(UNKNOWN_FIELDS)}"
                )
                value = (
                    f"CASE WHEN lower(trim({status})) IN ({unresolved}) THEN NULL ELSE {value} END"
                )
            selects.append(f"{value} AS resolved_at")
        source_column = column("source")
        if source_column is not None and "channel" not in taken:
            cases = " ".join(
                f"WHEN {text_literal(raw)} THEN {text_literal(channel)}"
                for raw, channel in CHANNELS.items()
            )
            selects.append(
                f"CASE WHEN nullif(trim({source_column}), '') IS NULL THEN NULL "
                f"ELSE CASE lower(trim({source_column})) {cases} ELSE 'other' END END AS channel"
            )
        selects += [f"r.{quote(h)}" for h in headers]
        con.execute(
            f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT {', '.join(selects)} FROM {reader} r"
        )
        parsed = int(con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0])
        malformed = int(
            con.execute(
                f"SELECT count(DISTINCT (file_id, line)) FROM {quote(f'rejects_{name}')}"
            ).fetchone()[0]
        )
    except duckdb.Error as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RecordsError(f"cannot read the Freshdesk export: {text}", files[0]) from None
    return RawRead(read=parsed + malformed, malformed=malformed)
