"""availability: "24/7, a person at the end of the line" (docs/kinds.md, abandons)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kinds._support import at, audit_on_calendar, counts, outcome, wilson

AVAILABLE = {"kind": "availability"}
WITHIN_60S = {"kind": "availability", "limit": "60s"}
ANSWERED = at("10-05 09:01")


def call(
    answered: Any,
    abandoned: str | None,
    wait: Any,
    *,
    cid: str = "c1",
    initiated: str = "10-05 09:00",
) -> dict:
    return {
        "contact_id": cid,
        "initiated_at": at(initiated),
        "answered_at": answered,
        "abandoned": abandoned,
        "wait_seconds": wait,
    }


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(call(ANSWERED, "no", 600), "kept", id="answered_however_late"),
        pytest.param(call(None, "yes", 30), "broken:abandoned", id="abandoned"),
        pytest.param(call(None, "yes", 0), "excluded:short_abandon", id="zero_wait_abandon"),
        pytest.param(call(None, "no", None), "broken:unanswered", id="never_answered"),
    ],
)
def test_a_person_answers_without_limit(audit_one, record, expected):
    assert outcome(audit_one([record], AVAILABLE)) == expected


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        pytest.param(30, "excluded:short_abandon", id="at_short_abandon"),
        pytest.param(31, "broken:abandoned", id="one_second_over_short_abandon"),
    ],
)
def test_short_abandon_is_excluded(audit_one, wait, expected):
    result = audit_one([call(None, "yes", wait)], {**AVAILABLE, "short_abandon": "30s"})
    assert outcome(result) == expected


@pytest.mark.parametrize(
    ("record", "options", "expected"),
    [
        pytest.param(call(ANSWERED, "no", 60), {}, "kept", id="answered_exactly_at_limit"),
        pytest.param(call(ANSWERED, "no", 61), {}, "broken:answered_late", id="one_second_over"),
        pytest.param(
            call(None, "yes", 30), {}, "excluded:abandoned_within_limit", id="abandon_within_limit"
        ),
        pytest.param(
            call(None, "yes", 60), {}, "excluded:abandoned_within_limit", id="abandon_at_limit"
        ),
        pytest.param(call(None, "yes", 30), {"abandoned": "kept"}, "kept", id="kept_convention"),
        pytest.param(
            call(None, "yes", 30),
            {"abandoned": "broken"},
            "broken:abandoned",
            id="broken_convention",
        ),
        pytest.param(
            call(None, "yes", 61),
            {"abandoned": "kept"},
            "broken:abandoned",
            id="abandon_over_limit",
        ),
        pytest.param(call(None, "yes", 0), {}, "excluded:short_abandon", id="short_abandon"),
        pytest.param(
            call(None, "yes", None), {}, "excluded:missing_wait_seconds", id="abandon_wait_unknown"
        ),
        pytest.param(
            call(ANSWERED, "no", None),
            {},
            "excluded:missing_wait_seconds",
            id="answer_wait_unknown",
        ),
        pytest.param(call(None, "no", None), {}, "broken:unanswered", id="never_answered"),
    ],
)
def test_a_person_answers_within_limit(audit_one, record, options, expected):
    assert outcome(audit_one([record], {**WITHIN_60S, **options})) == expected


def test_export_with_only_the_abandoned_flag(audit_one):
    rows = [
        {"contact_id": "a", "initiated_at": at("10-05 09:00"), "abandoned": "no"},  # kept
        {"contact_id": "b", "initiated_at": at("10-05 09:00"), "abandoned": "yes"},  # broken
    ]
    assert counts(audit_one(rows, AVAILABLE)) == (1, 1, 0, 0)


def test_compliance_interval_and_debt(audit_one):
    rows = [call(ANSWERED, "no", 20, cid=f"k{i}") for i in range(18)]
    rows += [call(ANSWERED, "no", 90, cid="late")]  # 30 s over the limit
    rows += [call(None, "yes", 75, cid="gave_up")]  # 15 s over the limit
    rows += [call(None, "yes", 10, cid="brief")]  # excluded: abandoned within the limit
    result = audit_one(rows, WITHIN_60S)
    assert counts(result) == (18, 2, 0, 1)
    assert result.compliance == pytest.approx(0.9)
    low, high = wilson(18, 20)
    assert result.ci_low == pytest.approx(low)
    assert result.ci_high == pytest.approx(high)
    assert result.debt_seconds == 45


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-05 09:00")}]
    result = audit_one(rows, WITHIN_60S)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("answered_at or answered or abandoned", "wait_seconds")


@pytest.mark.parametrize(
    ("initiated", "expected"),
    [
        # office hours: Monday to Friday, 09:00-17:00 UTC
        pytest.param("10-05 09:00:00", "broken:abandoned", id="at_opening_is_inside"),
        pytest.param("10-05 08:59:59", "outside", id="one_second_before_opening"),
        pytest.param("10-06 16:59:59", "broken:abandoned", id="last_second_before_closing"),
        pytest.param("10-03 12:00:00", "outside", id="saturday_is_closed"),
    ],
)
def test_population_is_the_contacts_started_inside_the_calendar(tmp_path, initiated, expected):
    rows = [call(None, "yes", 30, initiated=initiated)]
    assert outcome(audit_on_calendar(tmp_path, rows, AVAILABLE)) == expected


def test_calendar_counts_only_the_open_hours(tmp_path):
    rows = [
        call(ANSWERED, "no", 10, cid="open", initiated="10-05 10:00"),  # Monday 10:00: kept
        call(None, "yes", 30, cid="late", initiated="10-06 16:59"),  # Tuesday 16:59: broken
        call(None, "yes", 30, cid="night", initiated="10-05 08:00"),  # before opening: outside
        call(None, "no", None, cid="sat", initiated="10-03 12:00"),  # Saturday: outside
    ]
    result = audit_on_calendar(tmp_path, rows, AVAILABLE)
    assert result.population == 2
    assert counts(result) == (1, 1, 0, 0)


# Missing is not kept: a contact nobody answered is broken whatever its wait, unless the
# convention makes its outcome depend on the wait.


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, "broken:abandoned", id="no_limit"),
        pytest.param(
            {"limit": "60s", "abandoned": "broken"}, "broken:abandoned", id="abandons_broken"
        ),
        # within 60 s it would be excluded (or kept), after it broken: the wait decides
        pytest.param({"limit": "60s"}, "excluded:missing_wait_seconds", id="abandons_excluded"),
        pytest.param(
            {"limit": "60s", "abandoned": "kept"},
            "excluded:missing_wait_seconds",
            id="abandons_kept",
        ),
        # at or under 30 s it would be a short abandon
        pytest.param(
            {"short_abandon": "30s"}, "excluded:missing_wait_seconds", id="short_abandon_threshold"
        ),
        pytest.param(
            {"limit": "60s", "abandoned": "broken", "short_abandon": "30s"},
            "excluded:missing_wait_seconds",
            id="abandons_broken_with_threshold",
        ),
    ],
)
def test_abandon_with_no_recorded_wait(audit_one, options, expected):
    result = audit_one([call(None, "yes", None)], {**AVAILABLE, **options})
    assert outcome(result) == expected


def answers(answered: str | None, answered_at: str | None, abandoned: str | None, wait: Any):
    """A contact from an export that says whether a person answered (the `answered` column)."""
    return {
        "contact_id": "c1",
        "initiated_at": at("10-05 09:00"),
        "answered": answered,
        "answered_at": answered_at,
        "abandoned": abandoned,
        "wait_seconds": wait,
    }


@pytest.mark.parametrize(
    ("record", "options", "expected"),
    [
        # a person answered, at a time the export does not give: answered, not unanswered
        pytest.param(answers("yes", None, "no", 30), {}, "kept", id="answered_without_time"),
        pytest.param(
            answers("yes", None, "no", 30), {"limit": "60s"}, "kept", id="answered_without_time_2"
        ),
        pytest.param(
            answers("yes", None, "no", None),
            {"limit": "60s"},
            "excluded:missing_wait_seconds",
            id="answered_wait_unknown",
        ),
        # nobody answered: broken, with or without a wait, with or without a limit
        pytest.param(answers("no", None, "no", None), {}, "broken:unanswered", id="unanswered"),
        pytest.param(
            answers("no", None, None, None),
            {"limit": "60s"},
            "broken:unanswered",
            id="unanswered_abandon_flag_missing",
        ),
        pytest.param(
            answers("no", None, "no", 20),
            {"limit": "60s"},
            "broken:unanswered",
            id="unanswered_with_a_short_wait",
        ),
        # whether anybody answered is unknown (and no answered_at column to tell): neither
        # kept nor broken
        pytest.param(
            {k: v for k, v in answers(None, None, "no", 30).items() if k != "answered_at"},
            {},
            "excluded:missing_answered",
            id="answer_unknown",
        ),
    ],
)
def test_answered_decides_who_reached_a_person(audit_one, record, options, expected):
    assert outcome(audit_one([record], {**AVAILABLE, **options})) == expected


def test_export_with_only_the_abandoned_flag_excludes_a_missing_flag(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("10-05 09:00"), "abandoned": None}]
    assert outcome(audit_one(rows, AVAILABLE)) == "excluded:missing_abandoned"


# as_of is a wall for the wait: a contact still waiting at as_of (10-10 00:00) is pending
# while its start + limit is after as_of, broken once it is at or before it.


def waiting(initiated: str, answered_at: str | None, wait: int) -> dict:
    return {
        "contact_id": "c1",
        "initiated_at": at(initiated),
        "answered_at": answered_at and at(answered_at),
        "abandoned": "no",
        "wait_seconds": wait,
    }


@pytest.mark.parametrize(
    ("record", "options", "expected"),
    [
        # answered 10 s after as_of (an exported wait of 40 s): deadline 00:00:30, pending
        pytest.param(
            waiting("10-09 23:59:30", "10-10 00:00:10", 40), WITHIN_60S, "pending", id="pending"
        ),
        # deadline 23:59:00 + 60 s = as_of exactly: already waited 60 s and still waiting
        pytest.param(
            waiting("10-09 23:59:00", "10-10 00:00:10", 70),
            WITHIN_60S,
            "broken:waited_too_long",
            id="deadline_exactly_at_as_of",
        ),
        pytest.param(
            waiting("10-09 23:59:01", "10-10 00:00:10", 69),
            WITHIN_60S,
            "pending",
            id="deadline_one_second_after_as_of",
        ),
        # answered exactly at as_of: it happened, judged on its wait
        pytest.param(
            waiting("10-09 23:59:00", "10-10 00:00:00", 60),
            WITHIN_60S,
            "kept",
            id="answered_at_as_of",
        ),
        # no limit: still waiting, no deadline
        pytest.param(
            waiting("10-09 20:00:00", "10-10 00:00:10", 14410), AVAILABLE, "pending", id="no_limit"
        ),
        # no answered_at: the exported wait ends 10 s after as_of
        pytest.param(
            {**waiting("10-09 23:59:30", None, 40), "answered_at": None, "abandoned": None},
            WITHIN_60S,
            "pending",
            id="exported_wait_ends_after_as_of",
        ),
    ],
)
def test_still_waiting_at_as_of(audit_one, record, options, expected):
    assert outcome(audit_one([record], options)) == expected
