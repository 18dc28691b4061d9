"""transfers: no run-around, a journey is transferred at most `max` times.

Also where the common options are checked: scope filters, effective_from / effective_to,
target and warn_below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from promise_audit.errors import PromiseFileError
from tests.kinds._support import at, counts, outcome, wilson

AT_MOST_1 = {"kind": "transfers", "max": 1}


def journey(
    transfers: Any, *, cid: str = "c1", initiated: str = "10-01 09:00", **extra: Any
) -> dict:
    return {"contact_id": cid, "initiated_at": at(initiated), "transfers": transfers, **extra}


@pytest.mark.parametrize(
    ("max_", "transfers", "expected"),
    [
        pytest.param(1, 0, "kept", id="none"),
        pytest.param(1, 1, "kept", id="exactly_max_is_kept"),
        pytest.param(1, 2, "broken:too_many_transfers", id="one_over_max_is_broken"),
        pytest.param(0, 0, "kept", id="max_0_never_transferred"),
        pytest.param(0, 1, "broken:too_many_transfers", id="max_0_one_transfer"),
        pytest.param(1, None, "excluded:missing_transfers", id="missing_count_is_excluded"),
    ],
)
def test_transfers_at_most_max(audit_one, max_, transfers, expected):
    assert outcome(audit_one([journey(transfers)], {"kind": "transfers", "max": max_})) == expected


def test_distribution_of_counts(audit_one):
    rows = [journey(t, cid=f"c{i}") for i, t in enumerate([0, 0, 1, 2, 3, None])]
    result = audit_one(rows, AT_MOST_1)
    # decided counts, sorted: 0 0 [1] 2 3
    assert counts(result) == (3, 2, 0, 1)
    assert result.distribution.unit == "count"
    assert result.distribution.median == 1
    assert result.distribution.max == 3
    assert result.debt_seconds is None  # not a time promise


EFFECTIVE_ROWS = [
    journey(5, cid="a", initiated="09-30 23:59:59"),
    journey(0, cid="b", initiated="10-01 00:00:00"),
    journey(2, cid="c", initiated="10-05 23:59:59"),
    journey(5, cid="d", initiated="10-06 00:00:00"),
]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # dates are whole days: from the start of the first to the end of the last
        pytest.param(
            {"effective_from": dt.date(2026, 10, 1), "effective_to": dt.date(2026, 10, 5)},
            (1, 1, 0, 0),
            id="dates_include_both_days",
        ),
        pytest.param(
            {
                "effective_from": "2026-10-01T00:00:00+00:00",
                "effective_to": "2026-10-05T23:59:59+00:00",
            },
            (1, 1, 0, 0),
            id="instants_are_inclusive",
        ),
        pytest.param(
            {"effective_to": "2026-10-05T23:59:58+00:00"},
            (1, 1, 0, 0),  # a (broken) and b (kept); c is one second too late
            id="one_second_after_effective_to_is_outside",
        ),
        pytest.param({"effective_from": dt.date(2026, 10, 6)}, (0, 1, 0, 0), id="from_only"),
    ],
)
def test_effective_period_limits_the_population(audit_one, period, expected):
    assert counts(audit_one(EFFECTIVE_ROWS, {**AT_MOST_1, **period})) == expected


def test_effective_dates_are_days_in_the_promise_file_time_zone(audit_one):
    # in New York (UTC-4 in October) 10-01 starts at 04:00 UTC and 10-05 ends at 10-06 04:00
    # UTC: b (10-01 00:00 UTC) is still 09-30 there; d (10-06 00:00 UTC) is still 10-05
    period = {"effective_from": dt.date(2026, 10, 1), "effective_to": dt.date(2026, 10, 5)}
    result = audit_one(EFFECTIVE_ROWS, {**AT_MOST_1, **period}, timezone="America/New_York")
    assert result.population == 2  # c and d, both broken
    assert counts(result) == (0, 2, 0, 0)


SCOPE_ROWS = [
    journey(0, cid="a", channel="phone", segment="gold", priority="high", abandoned="no"),
    journey(2, cid="b", channel="chat", segment="gold", priority="low", abandoned="yes"),
    journey(1, cid="c", channel="PHONE", segment="silver", priority="high", abandoned="1"),
    journey(3, cid="d", channel=None, segment=None, priority=None, abandoned=None),
]


@pytest.mark.parametrize(
    ("scope", "population"),
    [
        pytest.param({"channel": ["phone"]}, {"a", "c"}, id="list_of_values_case_blind_channel"),
        pytest.param({"channel": "phone", "segment": "gold"}, {"a"}, id="filters_all_apply"),
        pytest.param({"segment": ["gold", "silver"]}, {"a", "b", "c"}, id="null_never_matches"),
        pytest.param({"priority": "high"}, {"a", "c"}, id="any_other_column_is_an_attribute"),
        pytest.param({"abandoned": False}, {"a"}, id="boolean_field"),
        # b and c were transferred but abandoned; d's abandoned is null, so the filter is null
        pytest.param({"where": "transfers >= 1 and not abandoned"}, set(), id="where_expression"),
        pytest.param({"where": "segment is null or transfers = 2"}, {"b", "d"}, id="where_is_null"),
    ],
)
def test_scope_filters_the_population(audit_one, scope, population):
    result = audit_one(SCOPE_ROWS, {**AT_MOST_1, "scope": scope})
    expected_broken = len(population & {"b", "d"})  # b (2) and d (3) are over max 1
    assert result.population == len(population)
    assert result.broken == expected_broken


def test_unknown_scope_field_is_an_error_naming_it(audit_one):
    with pytest.raises(PromiseFileError, match=r"unknown scope field 'chanel'.*'channel'"):
        audit_one(SCOPE_ROWS, {**AT_MOST_1, "scope": {"chanel": "phone"}})


@pytest.mark.parametrize(
    ("options", "verdict"),
    [
        pytest.param({"target": "90%"}, "kept", id="at_target_is_kept"),
        pytest.param({"target": "0.95"}, "broken", id="under_target_is_broken"),
        pytest.param({"target": "80%", "warn_below": "95%"}, "at_risk", id="under_warn_below"),
        pytest.param({}, "broken", id="default_target_is_100_percent"),
    ],
)
def test_verdict_against_target(audit_one, options, verdict):
    rows = [journey(0, cid=f"k{i}") for i in range(9)] + [journey(4, cid="x")]
    result = audit_one(rows, {**AT_MOST_1, **options})
    assert result.compliance == pytest.approx(0.9)
    assert result.verdict == verdict


WILSON_ROUNDING = (
    "results.wilson_interval computes centre - half and centre + half in floating point and "
    "does not pin the ends: 0 kept of 3 gives ci_low 5.55e-17 (above the 0.0 compliance) and "
    "10 of 10 gives ci_high 0.9999999999999999 (below 1.0), so compliance lies outside its own "
    "interval and gap_is_clear says a 100% record is clearly under a 100% target"
)


def test_all_kept_interval_reaches_100_percent(audit_one):
    # 10 of 10 kept: the Wilson interval is [0.722, 1], and 1 is inside it (no clear gap)
    result = audit_one([journey(0, cid=f"k{i}") for i in range(10)], AT_MOST_1)
    assert result.compliance == 1.0
    assert result.ci_low == pytest.approx(wilson(10, 10)[0])
    assert result.ci_high == 1.0
    assert result.gap_is_clear is False


def test_none_kept_interval_starts_at_0_percent(audit_one):
    # 0 of 3 kept: the Wilson interval is [0, 0.561]
    result = audit_one([journey(3, cid=f"b{i}") for i in range(3)], AT_MOST_1)
    assert result.compliance == 0.0
    assert result.ci_low == 0.0
    assert result.ci_high == pytest.approx(wilson(0, 3)[1])


def test_interval_matches_the_wilson_formula(audit_one):
    # 9 of 10 kept
    rows = [journey(0, cid=f"k{i}") for i in range(9)] + [journey(4, cid="x")]
    result = audit_one(rows, {**AT_MOST_1, "target": "90%"})
    low, high = wilson(9, 10)
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)
    assert result.gap_is_clear is False  # 90% lies inside [0.596, 0.982]


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    result = audit_one([{"contact_id": "a", "initiated_at": at("10-01 09:00")}], AT_MOST_1)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("transfers",)
