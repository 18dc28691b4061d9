"""The convention table: the same records counted under each convention the contract knows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promise_audit.audit import audit
from promise_audit.engine.conventions import (
    VARIANTS_PER_COLUMN,
    packed_codes_sql,
    unpacked_codes,
)
from promise_audit.engine.plan import VARIANT_CODES
from promise_audit.render.json import to_dict
from tests.conftest import write_csv, write_promise_file

# Waits against a 60 s limit: two answered (30 s kept, 90 s broken) and five abandons after
# 3, 8, 0, 40 and 100 s (the last over the limit: broken under every convention).
ROWS = [
    {"contact_id": str(n), "initiated_at": f"2026-10-01T09:0{n}:00Z", "wait_seconds": wait,
     "abandoned": abandoned}
    for n, wait, abandoned in [
        (1, 30, "false"), (2, 90, "false"), (3, 3, "true"), (4, 8, "true"), (5, 0, "true"),
        (6, 40, "true"), (7, 100, "true"),
    ]
]  # fmt: skip
WAIT = {"id": "wait-1m", "kind": "wait_time", "limit": "60s"}


def table(tmp_path: Path, promise: dict[str, Any] | None = None, rows: Any = None) -> Any:
    write_csv(tmp_path / "contacts.csv", rows or ROWS)
    (result,) = audit(write_promise_file(tmp_path / "p.yaml", [promise or WAIT])).promises
    return {row.convention: row for row in result.conventions}


def counts(row: Any) -> tuple[int, int, int, int]:
    return (row.kept, row.broken, row.pending, row.excluded)


def test_the_declared_convention_comes_first_and_is_the_promise_figure(tmp_path: Path) -> None:
    rows = table(tmp_path)
    declared = rows["abandoned: exclude, short_abandon: 0s"]
    assert declared.declared
    # 5 is a short abandon; 3, 4 and 6 are abandons within the limit, excluded
    assert counts(declared) == (1, 2, 0, 4)
    assert declared.compliance == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("convention", "expected"),
    [
        ("abandoned: kept, short_abandon: 0s", (4, 2, 0, 1)),
        ("abandoned: broken, short_abandon: 0s", (1, 5, 0, 1)),
        ("abandoned: exclude, short_abandon: 5s", (1, 2, 0, 4)),
        ("abandoned: kept, short_abandon: 5s", (3, 2, 0, 2)),
        ("abandoned: kept, short_abandon: 10s", (2, 2, 0, 3)),
        ("abandoned: kept, short_abandon: 20s", (2, 2, 0, 3)),
        ("abandoned: broken, short_abandon: 5s", (1, 4, 0, 2)),
        ("abandoned: broken, short_abandon: 10s", (1, 3, 0, 3)),
    ],
)
def test_each_abandon_convention_recounts_the_same_records(
    tmp_path: Path, convention: str, expected: tuple[int, int, int, int]
) -> None:
    assert counts(table(tmp_path)[convention]) == expected


def test_every_abandon_convention_and_threshold_is_listed(tmp_path: Path) -> None:
    abandons = [r for r in table(tmp_path).values() if r.dimension in ("declared", "abandons")]
    assert len(abandons) == 3 * 4


def test_an_abandon_exactly_at_the_threshold_is_short(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 5,
             "abandoned": "true"}]  # fmt: skip
    row = table(tmp_path, rows=rows)["abandoned: broken, short_abandon: 5s"]
    assert counts(row) == (0, 0, 0, 1)


def test_pending_counted_as_kept_or_broken(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-01T10:00:00Z"},
        {"contact_id": "2", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-03T10:00:00Z"},
        # unresolved, deadline after as_of (10 Oct): pending
        {"contact_id": "3", "initiated_at": "2026-10-09T09:00:00Z", "resolved_at": ""},
    ]  # fmt: skip
    promise = {"id": "fix", "kind": "resolution_time", "limit": "24h"}
    found = table(tmp_path, promise, rows)
    assert counts(found["as declared"]) == (1, 1, 1, 0)
    assert counts(found["pending counted as kept"]) == (2, 1, 0, 0)
    assert counts(found["pending counted as broken"]) == (1, 2, 0, 0)


def test_missing_data_counted_as_kept_or_broken_gives_the_bounds(tmp_path: Path) -> None:
    # an answered contact whose wait was not recorded: excluded missing_wait_seconds
    queued = "2026-10-01T09:00:00Z"
    rows = [{**row, "enqueued_at": queued} for row in ROWS[:2]]
    rows.append({"contact_id": "8", "initiated_at": queued, "wait_seconds": "",
                 "abandoned": "false", "enqueued_at": queued})  # fmt: skip
    found = table(tmp_path, rows=rows)
    assert counts(found["abandoned: exclude, short_abandon: 0s"]) == (1, 1, 0, 1)
    assert counts(found["missing data counted as kept"]) == (2, 1, 0, 0)
    assert counts(found["missing data counted as broken"]) == (1, 2, 0, 0)
    assert found["missing data counted as broken"].verdict == "broken"


def test_kinds_without_abandons_have_no_abandon_rows(tmp_path: Path) -> None:
    promise = {"id": "fix", "kind": "resolution_time", "limit": "24h"}
    rows = [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "resolved_at": ""}]
    assert not any(r.dimension == "abandons" for r in table(tmp_path, promise, rows).values())


def test_the_convention_table_is_in_the_json_result(tmp_path: Path) -> None:
    write_csv(tmp_path / "contacts.csv", ROWS)
    data = to_dict(audit(write_promise_file(tmp_path / "p.yaml", [WAIT])))
    first = data["promises"][0]["conventions"][0]
    assert first["convention"] == "abandoned: exclude, short_abandon: 0s"
    assert (first["kept"], first["broken"], first["verdict"]) == (1, 2, "broken")


def test_reports_show_the_convention_table(tmp_path: Path) -> None:
    from promise_audit.render.markdown import render_markdown
    from promise_audit.render.report import render_html

    write_csv(tmp_path / "contacts.csv", ROWS)
    result = audit(write_promise_file(tmp_path / "p.yaml", [WAIT]))
    markdown = render_markdown(result)
    assert (
        "| `wait-1m` | abandoned: kept, short\\_abandon: 0s | 4 | 2 | 66.7% | broken |" in markdown
    )
    assert "abandoned: exclude, short_abandon: 0s (declared)" in render_html(result)


def test_a_published_figure_names_the_convention_that_comes_closest(tmp_path: Path) -> None:
    promise = {**WAIT, "reported": {"value": "70%", "by": "ACD wallboard"}}
    write_csv(tmp_path / "contacts.csv", ROWS)
    (result,) = audit(write_promise_file(tmp_path / "p.yaml", [promise])).promises
    assert result.reported is not None
    # audited 1/3; counting abandons within the limit as kept gives 4/6, the closest to 70%,
    # and accounts for (2/3 - 1/3) / (0.7 - 1/3) of the difference
    convention, compliance, share = result.reported.closest
    assert convention == "abandoned: kept, short_abandon: 0s"
    assert compliance == pytest.approx(4 / 6)
    assert share == pytest.approx((4 / 6 - 1 / 3) / (0.7 - 1 / 3))
    reported = to_dict(audit(tmp_path / "p.yaml"))["promises"][0]["reported"]
    assert reported["closest"] == convention
    assert len(reported["conventions"]) == 11 + 4


def test_a_business_hours_clock_is_recounted_in_calendar_time(tmp_path: Path) -> None:
    rows = [
        # Thursday 09:00 -> 12:00: 3 hours either way
        {"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z",
         "resolved_at": "2026-10-01T12:00:00Z"},
        # Friday 16:00 -> Monday 10:00: 2 business hours (16-17, 9-10), 66 calendar hours
        {"contact_id": "2", "initiated_at": "2026-10-02T16:00:00Z",
         "resolved_at": "2026-10-05T10:00:00Z"},
    ]  # fmt: skip
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "fix-8bh", "kind": "resolution_time", "limit": "8h", "calendar": "desk"}],
    )
    text = path.read_text(encoding="utf-8").replace(
        "sources:",
        "calendars:\n  desk:\n    timezone: UTC\n    hours: {mon-fri: ['09:00-17:00']}\nsources:",
    )
    path.write_text(text, encoding="utf-8")
    (result,) = audit(path).promises
    found = {row.convention: row for row in result.conventions}
    assert counts(found["as declared"]) == (2, 0, 0, 0)
    assert counts(found["calendar time, every hour counting"]) == (1, 1, 0, 0)
    assert found["calendar time, every hour counting"].dimension == "clock"


def test_each_convention_verdict_is_decided_with_the_missing_data_bounds(tmp_path: Path) -> None:
    # two answered within the limit and one answered with no wait recorded, target 80%:
    # 2 of 2 kept, but 2 of 3 (67%) had the missing one been broken: at risk, as the promise
    queued = "2026-10-01T09:00:00Z"
    rows = [
        {"contact_id": str(n), "initiated_at": queued, "wait_seconds": wait,
         "abandoned": "false", "enqueued_at": queued}
        for n, wait in [(1, 30), (2, 40), (3, "")]
    ]  # fmt: skip
    write_csv(tmp_path / "contacts.csv", rows)
    promise = {**WAIT, "target": "80%"}
    (result,) = audit(write_promise_file(tmp_path / "p.yaml", [promise])).promises
    found = {row.convention: row for row in result.conventions}
    assert result.verdict == "at_risk"
    assert found["abandoned: exclude, short_abandon: 0s"].verdict == "at_risk"
    assert found["abandoned: kept, short_abandon: 5s"].verdict == "at_risk"
    assert found["pending counted as kept"].verdict == "at_risk"
    assert found["missing data counted as kept"].verdict == "kept"
    assert found["missing data counted as broken"].verdict == "broken"


def test_an_invalid_value_is_excluded_under_every_abandon_convention(tmp_path: Path) -> None:
    # an abandon after a negative wait (impossible): excluded invalid_wait_seconds, also where
    # abandons count as kept or broken
    rows = [*ROWS[:2], {"contact_id": "9", "initiated_at": "2026-10-01T09:09:00Z",
                        "wait_seconds": -5, "abandoned": "true"}]  # fmt: skip
    found = table(tmp_path, rows=rows)
    assert counts(found["abandoned: exclude, short_abandon: 0s"]) == (1, 1, 0, 1)
    assert counts(found["abandoned: kept, short_abandon: 0s"]) == (1, 1, 0, 1)
    assert counts(found["abandoned: broken, short_abandon: 0s"]) == (1, 1, 0, 1)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.sampled_from(sorted(VARIANT_CODES.values()))),
        min_size=1,
        max_size=VARIANTS_PER_COLUMN,
    )
)
def test_a_promise_s_variant_codes_come_back_from_their_packed_column(
    codes: list[int | None],
) -> None:
    # the packing as the engine computes it, the unpacking as the convention table reads it;
    # 21 variants of the largest code fit one BIGINT, a record with no status packs as 0
    packed_sql = packed_codes_sql([str(c) if c is not None else "NULL" for c in codes])
    ((packed,),) = duckdb.sql(f"SELECT {packed_sql}").fetchall()
    assert unpacked_codes(packed, len(codes)) == [c or 0 for c in codes]
