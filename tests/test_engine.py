"""Scope, effective dates, time zones and errors of the compiled plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.errors import PromiseFileError
from tests.conftest import write_csv, write_promise_file

TRANSFERS = {"id": "t", "kind": "transfers", "max": 0}


def rows(*stamps: str) -> list[dict[str, Any]]:
    return [
        {"contact_id": str(i), "initiated_at": stamp, "transfers": 1, "queue": f"q{i % 2}"}
        for i, stamp in enumerate(stamps)
    ]


def run(tmp_path: Path, data: list[dict[str, Any]], promise: dict[str, Any], **kw: Any) -> Any:
    write_csv(tmp_path / "contacts.csv", data)
    path = write_promise_file(tmp_path / "p.yaml", [{**TRANSFERS, **promise}], **kw)
    return audit(path).promises[0]


def test_hour_in_a_where_expression_reads_the_promise_file_time_zone(tmp_path: Path) -> None:
    # 16:30 UTC is 09:30 in Vancouver (PDT, UTC-7) in October
    data = rows("2026-10-05T16:30:00Z", "2026-10-05T23:30:00Z")
    result = run(
        tmp_path, data, {"scope": {"where": "hour(initiated_at) = 9"}}, timezone="America/Vancouver"
    )
    assert result.population == 1


@pytest.mark.parametrize(
    ("effective", "population"),
    [
        ({"effective_from": "2026-10-02"}, 2),  # from midnight of the 2nd, inclusive
        ({"effective_to": "2026-10-02"}, 2),  # to the end of the 2nd, inclusive
        ({"effective_from": "2026-10-02", "effective_to": "2026-10-02"}, 1),
        ({"effective_to": "2026-10-02T12:00:00+00:00"}, 2),  # an instant: at it is inside
    ],
)
def test_effective_dates_bound_the_population(
    tmp_path: Path, effective: dict[str, str], population: int
) -> None:
    data = rows("2026-10-01T12:00:00Z", "2026-10-02T12:00:00Z", "2026-10-03T12:00:00Z")
    assert run(tmp_path, data, effective).population == population


def test_scope_filters_take_one_value_or_a_list(tmp_path: Path) -> None:
    data = rows("2026-10-01T12:00:00Z", "2026-10-02T12:00:00Z", "2026-10-03T12:00:00Z")
    assert run(tmp_path, data, {"scope": {"queue": "q0"}}).population == 2
    assert run(tmp_path, data, {"scope": {"queue": ["q0", "q1"]}}).population == 3


def test_scope_on_an_unknown_field_is_an_error_at_its_line(tmp_path: Path) -> None:
    data = rows("2026-10-01T12:00:00Z")
    with pytest.raises(PromiseFileError, match="did you mean 'queue'"):
        run(tmp_path, data, {"scope": {"queu": "q0"}})


def test_scope_on_a_source_attribute_works(tmp_path: Path) -> None:
    data = [
        {**r, "Region": "north" if i else "south"}
        for i, r in enumerate(rows("2026-10-01T12:00:00Z", "2026-10-02T12:00:00Z"))
    ]
    assert run(tmp_path, data, {"scope": {"Region": "north"}}).population == 1


def test_an_unknown_field_in_where_names_the_close_match(tmp_path: Path) -> None:
    data = rows("2026-10-01T12:00:00Z")
    with pytest.raises(PromiseFileError, match="transfers"):
        run(tmp_path, data, {"scope": {"where": "transfer > 0"}})


def test_weakest_links_need_enough_records(tmp_path: Path) -> None:
    stamps = [f"2026-10-0{1 + i % 5}T12:00:00Z" for i in range(50)]
    data = [
        {
            "contact_id": str(i),
            "initiated_at": s,
            "transfers": 1 if i % 2 == 0 else 0,
            "queue": "q0" if i % 2 == 0 else "q1",
            "agent_id": f"a{i}",
        }
        for i, s in enumerate(stamps)
    ]
    result = run(tmp_path, data, {})
    queues = [
        (link.value, link.kept, link.broken)
        for link in result.weakest_links
        if link.dimension == "queue"
    ]
    assert queues == [("q0", 0, 25)]  # q1 has no broken records; agents have one record each
    assert not [link for link in result.weakest_links if link.dimension == "agent_id"]


def test_the_trend_counts_days_in_local_time_when_the_data_spans_a_few_weeks(
    tmp_path: Path,
) -> None:
    # Monday 2026-10-05 06:30 UTC is Sunday 10-04 23:30 in Vancouver: its day is 10-04
    data = rows("2026-10-05T06:30:00Z", "2026-10-05T16:00:00Z")
    result = run(tmp_path, data, {}, timezone="America/Vancouver")
    assert result.trend_period == "day"
    assert [(p.start, p.broken) for p in result.trend] == [("2026-10-04", 1), ("2026-10-05", 1)]


def test_the_trend_starts_weeks_on_monday_in_local_time_when_the_data_spans_months(
    tmp_path: Path,
) -> None:
    # Sunday 2026-10-04 23:30 in Vancouver belongs to the week of Monday 09-28; the third
    # record, 60 days on, makes the span too long for days
    data = rows("2026-10-05T06:30:00Z", "2026-10-05T16:00:00Z", "2026-12-04T16:00:00Z")
    result = run(tmp_path, data, {}, timezone="America/Vancouver", as_of="2026-12-31")
    assert result.trend_period == "week"
    assert [(p.start, p.broken) for p in result.trend] == [
        ("2026-09-28", 1),
        ("2026-10-05", 1),
        ("2026-11-30", 1),
    ]


def test_the_trend_counts_months_when_the_data_spans_more_than_a_year(tmp_path: Path) -> None:
    data = rows("2025-01-31T12:00:00Z", "2025-02-01T12:00:00Z", "2026-03-15T12:00:00Z")
    result = run(tmp_path, data, {}, as_of="2026-12-31")
    assert result.trend_period == "month"
    assert [p.start for p in result.trend] == ["2025-01-01", "2025-02-01", "2026-03-01"]


@pytest.mark.parametrize(
    ("days", "period"),
    [(0, "day"), (45, "day"), (46, "week"), (400, "week"), (401, "month")],
)
def test_the_trend_period_follows_the_span_of_the_data(days: int, period: str) -> None:
    from promise_audit.engine.run import trend_period

    first = dt.date(2026, 1, 1)
    assert trend_period(first, first + dt.timedelta(days=days)) == period


def test_a_memory_limit_gives_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promise_audit.render.json import render_json

    example = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
    in_memory = render_json(audit(example))
    monkeypatch.setenv("PROMISE_AUDIT_MEMORY_LIMIT", "500MB")
    assert render_json(audit(example)) == in_memory


def test_the_memory_limit_option_gives_the_same_result() -> None:
    from promise_audit.render.json import render_json

    example = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
    assert render_json(audit(example, memory_limit="300MB")) == render_json(audit(example))


@pytest.mark.parametrize("size", ["lots", "1GB'; DROP TABLE x; --", "-1GB", "1 parsec"])
def test_a_memory_limit_that_is_not_a_size_is_a_usage_error(size: str) -> None:
    from promise_audit.errors import UsageError

    example = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
    with pytest.raises(UsageError, match="give a size such as 512MB or 4GB"):
        audit(example, memory_limit=size)


def test_under_a_memory_limit_rows_are_numbered_in_each_file_as_in_memory(
    tmp_path: Path,
) -> None:
    """On disk the rows are numbered from their place in a stored table, not by a window: the
    rejects' rows, the duplicates kept and every count must not change."""
    from promise_audit.render.json import render_json

    header = "contact_id,initiated_at,wait_seconds,enqueued_at\n"
    (tmp_path / "a.csv").write_text(
        header
        + "c1,2026-10-01T09:00:00Z,60,2026-10-01T09:00:00Z\n"
        + "c2,not a time,60,\n"
        + "c3,2026-10-01T09:10:00Z,400,2026-10-01T09:10:00Z\n"
        + "c4,2026-10-01T09:20:00Z,60,2026-10-01T09:20:00Z,one field too many\n"
    )
    (tmp_path / "b.csv").write_text(
        header
        + "c1,2026-10-02T09:00:00Z,999,2026-10-02T09:00:00Z\n"
        + "c5,2026-10-02T09:10:00Z,nan,2026-10-02T09:10:00Z\n"
        + "c6,2026-10-02T09:20:00Z,30,2026-10-02T09:20:00Z\n"
    )
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "wait", "kind": "wait_time", "limit": "5m"}],
        records="*.csv",
        source={"max_rejected": "100%"},  # two of seven rows are rejected on purpose
    )
    in_memory = audit(path)
    on_disk = audit(path, memory_limit="300MB")
    assert render_json(on_disk) == render_json(in_memory)
    rejects = [(r.file.rsplit("/", 1)[-1], r.row, r.reason) for r in on_disk.records.reject_sample]
    assert ("a.csv", 2, "unparseable_initiated_at") in rejects
    invalid = [(v.file.rsplit("/", 1)[-1], v.row, v.field) for v in on_disk.records.invalid_sample]
    assert invalid == [("b.csv", 2, "wait_seconds")]  # nan: used, without a wait
    assert (on_disk.records.read, on_disk.records.duplicates) == (7, 1)


@pytest.mark.parametrize("memory_limit", [None, "300MB"])
def test_the_first_accepted_copy_of_a_contact_in_file_order_is_the_one_used(
    tmp_path: Path, memory_limit: str | None
) -> None:
    """Files in name order, rows in file order: the first copy that is not rejected is used,
    every later one is a duplicate, and a first copy after as_of leaves its contact out of
    period (its later copies stay duplicates)."""
    header = "contact_id,initiated_at,wait_seconds,enqueued_at\n"
    (tmp_path / "a.csv").write_text(
        header
        + "c1,2026-10-01T09:00:00Z,60,2026-10-01T09:00:00Z\n"  # used: kept
        + "c2,,400,2026-10-01T09:05:00Z\n"  # rejected: no start
        + "c3,2026-10-20T09:00:00Z,30,2026-10-20T09:00:00Z\n"  # after as_of
    )
    (tmp_path / "b.csv").write_text(
        header
        + "c1,2026-10-02T09:00:00Z,999,2026-10-02T09:00:00Z\n"  # duplicate of a.csv row 1
        + "c2,2026-10-02T09:10:00Z,400,2026-10-02T09:10:00Z\n"  # first accepted c2: broken
        + "c4,2026-10-02T09:20:00Z,500,2026-10-02T09:20:00Z\n"  # used: broken
        + "c4,2026-10-02T09:30:00Z,20,2026-10-02T09:30:00Z\n"  # duplicate
        + "c3,2026-10-03T09:00:00Z,30,2026-10-03T09:00:00Z\n"  # duplicate of an unused copy
    )
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "wait", "kind": "wait_time", "limit": "5m"}],
        records="*.csv",
        source={"max_rejected": "100%"},
    )
    result = audit(path, memory_limit=memory_limit)
    (wait,) = result.promises
    assert (wait.kept, wait.broken) == (1, 2)  # c1 (60 s); c2 and c4 (400 s, 500 s)
    records = result.records
    assert (records.read, records.rejected, records.duplicates) == (8, 1, 3)
    assert (records.out_of_period, records.used) == (1, 3)
    assert {(e.contact_id, e.measure) for e in wait.evidence} == {("c2", 400.0), ("c4", 500.0)}


def _file_of(folder: Path, name: str, size: int) -> str:
    path = folder / name
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: the size is what counts, not the content
    return str(path)


def test_a_small_input_is_audited_in_memory_by_default(tmp_path: Path) -> None:
    from promise_audit.engine.backends import IN_MEMORY_INPUT, default_memory_limit

    small = _file_of(tmp_path, "small.csv", IN_MEMORY_INPUT)  # exactly at the threshold
    assert default_memory_limit([[small]], environ={}) is None


def test_a_large_input_gets_a_memory_limit_by_default(tmp_path: Path) -> None:
    from promise_audit.engine.backends import IN_MEMORY_INPUT, default_memory_limit

    # two files of one source, together one byte over the threshold
    half = IN_MEMORY_INPUT // 2
    parts = [_file_of(tmp_path, "a.csv", half), _file_of(tmp_path, "b.csv", half + 1)]
    limit = default_memory_limit([parts], environ={})
    assert limit is not None and limit.endswith("MB")
    assert 0 < int(limit.removesuffix("MB")) <= 700


def test_a_compressed_input_counts_as_the_text_it_holds(tmp_path: Path) -> None:
    from promise_audit.engine.backends import IN_MEMORY_INPUT, default_memory_limit

    # an eighth of the threshold, gzipped, holds about the threshold's worth of text
    packed = _file_of(tmp_path, "calls.csv.gz", IN_MEMORY_INPUT // 8 + 1)
    assert default_memory_limit([[packed]], environ={}) is not None


def test_the_environment_variable_decides_over_the_default(tmp_path: Path) -> None:
    from promise_audit.engine.backends import IN_MEMORY_INPUT, default_memory_limit

    large = _file_of(tmp_path, "large.csv", IN_MEMORY_INPUT * 2)
    assert default_memory_limit([[large]], environ={"PROMISE_AUDIT_MEMORY_LIMIT": "4GB"}) is None


def test_memory_limit_none_keeps_everything_in_memory() -> None:
    from promise_audit.engine.backends import connect

    con = connect("none")
    try:
        assert con.on_disk is False
    finally:
        con.close()
