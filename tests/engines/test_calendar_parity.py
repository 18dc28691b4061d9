"""Business hours give the same audit on DuckDB, PostgreSQL and Spark.

A clock on a calendar finds, for each instant, the opening it falls in or follows: DuckDB with
an as-of join, the other engines with a left join on each opening's range (from its start up to
the next one's). A handful of contacts at the edges of the openings must count the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from promise_audit.audit import audit
from tests.conftest import write_csv
from tests.engines.conftest import comparable

# Monday to Friday 09:00-17:00 in New York, 2026-10-05 (a Monday) onwards
ROWS: list[dict[str, Any]] = [
    # Friday 16:00, replied Monday 10:00: exactly two business hours, kept
    {"contact_id": "a1", "channel": "email", "initiated_at": "2026-10-02T16:00:00-04:00",
     "first_response_at": "2026-10-05T10:00:00-04:00", "answered_at": ""},
    # one second later: broken
    {"contact_id": "a2", "channel": "email", "initiated_at": "2026-10-02T16:00:00-04:00",
     "first_response_at": "2026-10-05T10:00:01-04:00", "answered_at": ""},
    # Saturday, never replied: the clock starts Monday 09:00, deadline 11:00, broken by as_of
    {"contact_id": "a3", "channel": "email", "initiated_at": "2026-10-03T12:00:00-04:00",
     "first_response_at": "", "answered_at": ""},
    # Tuesday 16:30, not replied by as_of (Wednesday 09:30): one business hour so far, pending
    {"contact_id": "a4", "channel": "email", "initiated_at": "2026-10-06T16:30:00-04:00",
     "first_response_at": "", "answered_at": ""},
    # at the opening, in UTC: inside the hours, answered
    {"contact_id": "a5", "channel": "phone", "initiated_at": "2026-10-05T13:00:00Z",
     "first_response_at": "2026-10-05T13:30:00Z", "answered_at": "2026-10-05T13:01:00Z"},
    # at the closing: outside the hours; replied ten business minutes later, kept
    {"contact_id": "a6", "channel": "email", "initiated_at": "2026-10-05T17:00:00-04:00",
     "first_response_at": "2026-10-06T09:10:00-04:00", "answered_at": ""},
    # a second before the closing, not answered: inside, broken for availability
    {"contact_id": "a7", "channel": "phone", "initiated_at": "2026-10-05T16:59:59-04:00",
     "first_response_at": "", "answered_at": ""},
    # Sunday: closed; never replied, the deadline is Monday 11:00: broken
    {"contact_id": "a8", "channel": "email", "initiated_at": "2026-10-04T12:00:00-04:00",
     "first_response_at": "", "answered_at": ""},
]  # fmt: skip

PROMISES = [
    {"id": "reply-2bh", "kind": "first_response", "limit": "2h", "calendar": "support"},
    {"id": "open", "kind": "availability", "calendar": "support"},
]


def promise_file(folder: Path, source: dict[str, Any]) -> Path:
    document = {
        "organization": "Hours Co",
        "timezone": "America/New_York",
        "as_of": "2026-10-07T09:30:00-04:00",
        "calendars": {
            "support": {"timezone": "America/New_York", "hours": {"mon-fri": ["09:00-17:00"]}}
        },
        "sources": {"contacts": source},
        "promises": PROMISES,
    }
    path = folder / "hours.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def contacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("hours") / "contacts.csv", ROWS)


@pytest.fixture(scope="module")
def on_duckdb(contacts: Path) -> dict[str, Any]:
    return comparable(audit(promise_file(contacts.parent, {"path": str(contacts)})))


def test_business_hours_count_as_hand_computed_on_duckdb(on_duckdb: dict[str, Any]) -> None:
    reply, open_ = on_duckdb["promises"]
    # the written contacts: kept a1, a6; broken a2, a3, a8; pending a4
    assert (reply["kept"], reply["broken"], reply["pending"]) == (2, 3, 1)
    # inside the hours: a1, a2 (Friday 16:00), a4, a5, a7; only a5 was answered
    assert (open_["population"], open_["kept"], open_["broken"]) == (5, 1, 4)


def test_business_hours_on_postgresql_are_the_duckdb_audit(
    on_duckdb: dict[str, Any],
    contacts: Path,
    postgres_url: str,
    postgres_table: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    table = postgres_table(contacts)
    result = audit(promise_file(tmp_path, {"table": table}), engine=postgres_url)
    assert comparable(result) == on_duckdb


def test_business_hours_on_spark_are_the_duckdb_audit(
    on_duckdb: dict[str, Any], contacts: Path, spark_master: str, tmp_path: Path
) -> None:
    result = audit(promise_file(tmp_path, {"path": str(contacts)}), engine=spark_master)
    assert comparable(result) == on_duckdb
