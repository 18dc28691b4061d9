"""The synthetic export generator: deterministic, complete, internally consistent."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from promise_audit.records.schema import CANONICAL_FIELDS, CHANNELS
from promise_audit.sample import SAMPLE_FIELDS, write_sample

ROWS = 20_000


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "contacts.csv"
    assert write_sample(out, rows=ROWS) == ROWS
    return out


@pytest.fixture(scope="module")
def con(sample_csv: Path) -> duckdb.DuckDBPyConnection:
    """The sample read back as text, and typed (timestamps as instants) in view `c`."""
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv($p, all_varchar = true, header = true)",
        {"p": str(sample_csv)},
    )
    casts = []
    for name in SAMPLE_FIELDS:
        kind = CANONICAL_FIELDS[name]
        sql_type = {
            "text": "VARCHAR",
            "timestamp": "TIMESTAMPTZ",
            "number": "DOUBLE",
            "duration": "BIGINT",
            "boolean": "BOOLEAN",
        }[kind.value]
        casts.append(f"CAST({name} AS {sql_type}) AS {name}")
    db.execute(f"CREATE VIEW c AS SELECT {', '.join(casts)} FROM raw")
    return db


def count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    row = con.execute(f"SELECT count(*) FROM c WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


def assert_none(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """No record matches `where`; otherwise fail naming a few that do."""
    ids = [r[0] for r in con.execute(f"SELECT contact_id FROM c WHERE {where} LIMIT 5").fetchall()]
    assert not ids, f"{where}: {ids}"


def test_same_arguments_give_identical_bytes(tmp_path: Path, sample_csv: Path) -> None:
    again = tmp_path / "again.csv"
    write_sample(again, rows=ROWS)
    assert again.read_bytes() == sample_csv.read_bytes()


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_sample(a, rows=2000, seed=7)
    write_sample(b, rows=2000, seed=8)
    assert a.read_bytes() != b.read_bytes()


def test_header_is_exactly_the_canonical_fields(sample_csv: Path) -> None:
    with sample_csv.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
    assert header == list(SAMPLE_FIELDS)


def test_row_count_ids_and_order(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT count(*), count(DISTINCT contact_id), "
        "       count(*) FILTER (WHERE contact_id <= prev_id OR initiated_at < prev_at) "
        "FROM (SELECT contact_id, initiated_at::TIMESTAMPTZ AS initiated_at, "
        "             lag(contact_id) OVER w AS prev_id, "
        "             lag(initiated_at::TIMESTAMPTZ) OVER w AS prev_at "
        "      FROM raw WINDOW w AS (ORDER BY rowid))"
    ).fetchone()
    assert row == (ROWS, ROWS, 0)


def test_rows_zero_writes_only_the_header(tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert write_sample(out, rows=0) == 0
    assert out.read_text(encoding="utf-8").splitlines() == [",".join(SAMPLE_FIELDS)]


def test_text_formats(con: duckdb.DuckDBPyConnection) -> None:
    iso = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
    timestamps = [
        n for n, k in CANONICAL_FIELDS.items() if n in SAMPLE_FIELDS and k.value == "timestamp"
    ]
    booleans = [
        n for n, k in CANONICAL_FIELDS.items() if n in SAMPLE_FIELDS and k.value == "boolean"
    ]
    for name in timestamps:
        bad = con.execute(
            f"SELECT count(*) FROM raw WHERE {name} IS NOT NULL "
            f"AND NOT regexp_full_match({name}, '{iso}')"
        ).fetchone()
        assert bad == (0,), name
    for name in booleans:
        values = {v for (v,) in con.execute(f"SELECT DISTINCT {name} FROM raw").fetchall()}
        assert values <= {"true", "false"}, name
    durations = [
        n for n, k in CANONICAL_FIELDS.items() if n in SAMPLE_FIELDS and k.value == "duration"
    ]
    for name in durations:
        bad = con.execute(
            f"SELECT count(*) FROM raw WHERE {name} IS NOT NULL "
            f"AND NOT regexp_full_match({name}, '\\d+')"
        ).fetchone()
        assert bad == (0,), name


def test_local_offsets_match_the_zone(con: duckdb.DuckDBPyConnection) -> None:
    """Every timestamp's local wall time and offset are those of its instant in the zone."""
    bad = con.execute(
        """
        WITH v AS (
            SELECT unnest([initiated_at, answered_at, ended_at, resolved_at, purchased_at,
                           refund_at, survey_sent_at, recovered_at]) AS x FROM raw
        ), p AS (
            SELECT x, timezone('America/Vancouver', x::TIMESTAMPTZ) AS local,
                   x::TIMESTAMPTZ AS instant
            FROM v WHERE x IS NOT NULL
        )
        SELECT count(*) FROM p
        WHERE strftime(local, '%Y-%m-%dT%H:%M:%S') <> left(x, 19)
           OR epoch(local - timezone('UTC', instant)) <>
              (CASE WHEN x[20] = '-' THEN -1 ELSE 1 END)
              * (x[21:22]::INTEGER * 3600 + x[24:25]::INTEGER * 60)
        """
    ).fetchone()
    assert bad == (0,)


def test_daylight_saving_change_inside_the_period(tmp_path: Path) -> None:
    out = tmp_path / "dst.csv"
    write_sample(out, rows=3000, start="2026-10-30", days=4, timezone="America/Toronto")
    rows = duckdb.sql(
        f"SELECT right(initiated_at, 6) AS off, min(initiated_at), max(initiated_at) "
        f"FROM read_csv('{out}', all_varchar = true) GROUP BY 1 ORDER BY 2"
    ).fetchall()
    assert [r[0] for r in rows] == ["-04:00", "-05:00"]
    assert rows[0][2] < "2026-11-01T02:00:00-04:00"
    assert rows[1][1] >= "2026-11-01T01:00:00-05:00"


def test_period_and_channels(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT min(initiated_at), max(initiated_at) FROM c").fetchone()
    assert row is not None
    first, last = (t.isoformat() for t in row)
    assert first >= "2026-10-01T07:00:00+00:00"
    assert last < "2026-11-01T07:00:00+00:00"
    shares = dict(
        con.execute("SELECT channel, count(*) / sum(count(*)) OVER () FROM c GROUP BY 1").fetchall()
    )
    assert set(shares) <= set(CHANNELS)
    assert 0.50 < shares["phone"] < 0.60
    assert {"chat", "email", "messaging", "social", "web_form"} <= set(shares)


def test_queue_timeline_is_consistent(con: duckdb.DuckDBPyConnection) -> None:
    # abandoned <=> queued, never answered and no callback taken instead
    assert_none(
        con,
        "abandoned IS DISTINCT FROM (enqueued_at IS NOT NULL AND answered_at IS NULL "
        "AND callback_requested_at IS NULL)",
    )
    assert_none(con, "enqueued_at < initiated_at OR answered_at < enqueued_at")
    # wait: until a person answered, until the caller gave up, or until a callback was taken
    assert_none(
        con,
        "enqueued_at IS NOT NULL AND callback_requested_at IS NULL AND NOT abandoned "
        "AND answered_at <> enqueued_at + to_seconds(wait_seconds)",
    )
    assert_none(con, "abandoned AND ended_at <> enqueued_at + to_seconds(wait_seconds)")
    assert_none(
        con,
        "callback_requested_at IS NOT NULL "
        "AND callback_requested_at <> enqueued_at + to_seconds(wait_seconds)",
    )
    assert_none(con, "(wait_seconds IS NULL) <> (enqueued_at IS NULL)")
    assert_none(con, "answered_at IS NOT NULL AND ended_at < answered_at")
    # the IVR comes before the queue, on the phone only
    assert_none(con, "(ivr_seconds IS NOT NULL) <> (channel = 'phone')")
    assert_none(con, "channel = 'phone' AND enqueued_at <> initiated_at + to_seconds(ivr_seconds)")
    # some short abandons, some long waits
    assert count(con, "abandoned AND wait_seconds <= 5") > 0
    assert count(con, "wait_seconds > 600") > 0


def test_callbacks_are_consistent(con: duckdb.DuckDBPyConnection) -> None:
    assert_none(con, "callback_offered AND (channel <> 'phone' OR wait_seconds <= 120)")
    assert_none(con, "callback_requested_at IS NOT NULL AND NOT callback_offered")
    assert_none(con, "callback_at IS NOT NULL AND callback_requested_at IS NULL")
    assert_none(con, "callback_at < callback_requested_at")
    assert_none(con, "callback_at IS NOT NULL AND answered_at <> callback_at")
    # mostly offered past two minutes, but not always
    offered = count(con, "channel = 'phone' AND wait_seconds > 120 AND callback_offered")
    not_offered = count(con, "channel = 'phone' AND wait_seconds > 120 AND NOT callback_offered")
    assert offered > 2 * not_offered > 0
    assert count(con, "callback_at - callback_requested_at > INTERVAL 2 HOUR") > 0


def test_holds_transfers_escalations(con: duckdb.DuckDBPyConnection) -> None:
    assert_none(
        con, "(hold_seconds IS NOT NULL) <> (channel = 'phone' AND answered_at IS NOT NULL)"
    )
    assert_none(con, "longest_hold_seconds > hold_seconds")
    assert_none(con, "(hold_count = 0) <> (hold_seconds = 0)")
    assert count(con, "hold_seconds > 300") > 0
    assert_none(con, "escalated <> (escalations > 0)")
    assert_none(con, "transfers < 0 OR transfers > 3")
    assert count(con, "transfers >= 2") > 0


def test_bot_and_human_handoff(con: duckdb.DuckDBPyConnection) -> None:
    assert_none(con, "bot_handled AND channel <> 'chat'")
    assert_none(con, "human_requested_at IS NOT NULL AND NOT bot_handled")
    assert_none(con, "human_joined_at IS NOT NULL AND human_requested_at IS NULL")
    assert_none(con, "human_joined_at < human_requested_at")
    assert count(con, "human_requested_at IS NOT NULL AND human_joined_at IS NULL") > 0


def test_async_replies_and_resolution(con: duckdb.DuckDBPyConnection) -> None:
    async_channels = "channel IN ('email', 'messaging', 'social', 'web_form')"
    assert_none(con, f"first_response_at IS NOT NULL AND NOT {async_channels}")
    assert_none(con, f"{async_channels} AND enqueued_at IS NOT NULL")
    assert_none(con, "first_response_at < initiated_at")
    assert_none(con, "resolved_at < initiated_at OR ended_at < initiated_at")
    assert count(con, f"{async_channels} AND first_response_at IS NULL") > 0
    assert count(con, "first_response_at - initiated_at > INTERVAL 24 HOUR") > 0
    assert count(con, "resolved_at IS NULL") > 0
    # nothing after the export was taken (the end of the period)
    for name in ("first_response_at", "resolved_at", "recovered_at", "refund_at", "survey_sent_at"):
        assert_none(con, f"{name} > TIMESTAMPTZ '2026-11-01 00:00:00-07:00'")


def test_service_failures(con: duckdb.DuckDBPyConnection) -> None:
    share = count(con, "service_failure") / ROWS
    assert 0.025 < share < 0.06
    assert_none(con, "service_failure <> (failure_at IS NOT NULL)")
    assert_none(con, "recovered_at IS NOT NULL AND NOT service_failure")
    assert_none(con, "recovered_at < failure_at")
    assert_none(con, "apologized AND NOT service_failure")
    assert_none(con, "goodwill_amount < 0 OR goodwill_amount IS NULL")
    assert count(con, "service_failure AND recovered_at - failure_at > INTERVAL 24 HOUR") > 0
    assert count(con, "service_failure AND recovered_at IS NULL") > 0


def test_surveys(con: duckdb.DuckDBPyConnection) -> None:
    assert_none(con, "survey_sent_at IS NOT NULL AND resolved_at IS NULL")
    assert_none(con, "survey_sent_at < resolved_at")
    assert_none(con, "csat IS NOT NULL AND survey_sent_at IS NULL")
    assert_none(con, "csat NOT BETWEEN 1 AND 5 OR nps NOT BETWEEN 0 AND 10")
    assert_none(con, "nps IS NOT NULL AND csat IS NULL")
    rate = count(con, "survey_sent_at IS NOT NULL") / count(con, "resolved_at IS NOT NULL")
    assert 0.25 < rate < 0.45
    several = con.execute(
        "SELECT count(*) FROM (SELECT customer_id FROM c WHERE survey_sent_at IS NOT NULL "
        "GROUP BY 1 HAVING count(*) > 1)"
    ).fetchone()
    assert several is not None and several[0] > 0
    # long waits get worse ratings
    row = con.execute(
        "SELECT avg(csat) FILTER (WHERE wait_seconds > 300), "
        "avg(csat) FILTER (WHERE wait_seconds <= 60) FROM c"
    ).fetchone()
    assert row is not None and row[0] < row[1]


def test_repeat_contacts(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT avg(coalesce(nxt - initiated_at <= INTERVAL 7 DAY, false)::INTEGER) FROM ("
        "  SELECT initiated_at, lead(initiated_at) OVER "
        "    (PARTITION BY customer_id ORDER BY initiated_at, contact_id) AS nxt FROM c)"
    ).fetchone()
    assert row is not None and 0.10 < row[0] < 0.25


def test_returns(con: duckdb.DuckDBPyConnection) -> None:
    share = count(con, "order_id IS NOT NULL") / ROWS
    assert 0.04 < share < 0.08
    has_order = "(order_id IS NOT NULL)"
    for name in ("purchased_at", "return_requested_at", "return_shipping_fee"):
        assert_none(con, f"({name} IS NOT NULL) <> {has_order}")
    assert_none(con, "return_decision IS NOT NULL AND NOT " + has_order)
    assert_none(con, "return_decision NOT IN ('accepted', 'rejected')")
    assert_none(con, "purchased_at > return_requested_at")
    assert_none(con, "return_requested_at - purchased_at > INTERVAL 420 DAY")
    assert count(con, "return_requested_at - purchased_at > INTERVAL 365 DAY") > 0
    assert_none(con, "refund_at IS NOT NULL AND return_decision IS DISTINCT FROM 'accepted'")
    assert_none(con, "refund_at < return_requested_at")
    assert count(con, "refund_at - return_requested_at > INTERVAL 14 DAY") > 0
    assert count(con, "return_shipping_fee > 0") > 0
    assert count(con, "return_decision = 'rejected'") > 0


def test_agents_and_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT count(DISTINCT agent_id), count(DISTINCT team), count(DISTINCT queue), "
        "count(DISTINCT segment), count(DISTINCT language), count(DISTINCT topic) FROM c"
    ).fetchone()
    assert row is not None
    agents, teams, queues, segments, languages, topics = row
    assert 55 <= agents <= 60 and teams == 4 and queues == 4 and segments == 3
    assert languages >= 4 and topics == 12
    assert_none(con, "(agent_id IS NULL) <> (team IS NULL)")
    assert_none(con, "abandoned AND agent_id IS NOT NULL")


def test_business_hours_are_busier(con: duckdb.DuckDBPyConnection) -> None:
    # contacts per hour: weekday office hours (22 weekdays x 8 h) against nights (31 x 10 h)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE h BETWEEN 9 AND 16 AND d <= 5) / (22 * 8), "
        "       count(*) FILTER (WHERE h NOT BETWEEN 7 AND 20) / (31 * 10) FROM ("
        "  SELECT hour(timezone('America/Vancouver', initiated_at)) AS h, "
        "         isodow(timezone('America/Vancouver', initiated_at)) AS d FROM c)"
    ).fetchone()
    assert row is not None and row[0] > 5 * row[1]


@pytest.mark.parametrize("suffix", [".csv.gz", ".jsonl", ".parquet"])
def test_other_formats_hold_the_same_rows(tmp_path: Path, suffix: str, sample_csv: Path) -> None:
    out = tmp_path / f"s{suffix}"
    write_sample(out, rows=500)
    again = tmp_path / f"again{suffix}"
    write_sample(again, rows=500)
    assert out.read_bytes() == again.read_bytes()
    if suffix == ".csv.gz":
        with gzip.open(out, "rt", encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n").split(",") == list(SAMPLE_FIELDS)
    elif suffix == ".jsonl":
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 500
        first = json.loads(lines[0])
        assert list(first) == list(SAMPLE_FIELDS)
        assert isinstance(first["abandoned"], bool)
    else:
        rel = duckdb.sql(f"SELECT * FROM read_parquet('{out}')")
        assert rel.columns == list(SAMPLE_FIELDS)
        types = dict(zip(rel.columns, rel.types, strict=True))
        assert types["initiated_at"] == "TIMESTAMP WITH TIME ZONE"
        assert len(rel.fetchall()) == 500


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        write_sample(tmp_path / "x.xlsx", rows=10)
    with pytest.raises(ValueError, match="time zone"):
        write_sample(tmp_path / "x.csv", rows=10, timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="rows"):
        write_sample(tmp_path / "x.csv", rows=-1)
    with pytest.raises(ValueError, match="start"):
        write_sample(tmp_path / "x.csv", rows=10, start="October")
    assert write_sample(tmp_path / "x.txt", rows=10, fmt="csv") == 10
