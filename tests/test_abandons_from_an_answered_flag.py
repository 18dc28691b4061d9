"""An export that says whether a person answered (an outcome column, mapped to `answered`) but
not when: a queued contact nobody answered is an abandon, as it is where answered_at is blank.
Counts worked out by hand in the comments; as_of 2026-10-10 00:00 UTC, long after every call."""

from __future__ import annotations

from tests.conftest import AuditOne

SOURCE = {"columns": {"answered": {"expr": "outcome = 'AGENT'"}}}


def call(cid: str, wait: str, outcome: str) -> dict[str, str]:
    return {
        "contact_id": cid,
        "channel": "phone",
        "initiated_at": "2026-10-09T10:00:00Z",
        "wait_seconds": wait,
        "outcome": outcome,
    }


ROWS = [
    call("a", "30", "AGENT"),  # answered after 30 s
    call("b", "150", "AGENT"),  # answered after 150 s
    call("c", "20", "HANG"),  # gave up after 20 s: an abandon within the limit
    call("d", "200", "HANG"),  # gave up after 200 s: an abandon over the limit
    call("e", "0", "HANG"),  # gave up at once: a short abandon (at or under 0 s)
    call("f", "", "HANG"),  # nobody answered, the wait not recorded
]


def test_a_queued_call_the_flag_says_nobody_answered_is_an_abandon(audit_one: AuditOne) -> None:
    # a kept; b and d over 2 minutes; c abandoned within the limit, broken by the convention;
    # e a short abandon, excluded; f has no wait, so it never queued: outside the population
    wait = audit_one(
        ROWS, {"kind": "wait_time", "limit": "2m", "abandoned": "broken"}, source=SOURCE
    )
    assert (wait.population, wait.kept, wait.broken, wait.excluded) == (5, 1, 3, 1)
    assert wait.broken_by_reason == {"waited_too_long": 2, "abandoned": 1}
    assert wait.excluded_by_reason == {"short_abandon": 1}


def test_an_abandon_within_the_limit_is_excluded_by_default(audit_one: AuditOne) -> None:
    # the default convention excludes c (abandoned at 20 s, within the limit), never keeps it
    wait = audit_one(ROWS, {"kind": "wait_time", "limit": "2m"}, source=SOURCE)
    assert (wait.kept, wait.broken) == (1, 2)
    assert wait.excluded_by_reason == {"abandoned_within_limit": 1, "short_abandon": 1}


def test_availability_breaks_every_call_nobody_answered(audit_one: AuditOne) -> None:
    # a, b kept; c and d abandons; f unanswered (never queued); e a short abandon, excluded
    availability = audit_one(ROWS, {"kind": "availability"}, source=SOURCE)
    assert (availability.kept, availability.broken, availability.excluded) == (2, 3, 1)
    assert availability.broken_by_reason == {"abandoned": 2, "unanswered": 1}


def test_a_blank_flag_leaves_the_abandon_unknown(audit_one: AuditOne) -> None:
    # g queued 40 s, and the export does not say whether anyone answered. Answered, it would
    # be kept; an abandon within the limit is broken under `abandoned: broken`: the outcome
    # depends on the blank, so g is excluded, never kept. (a, answered, is kept.)
    rows = [{**call("g", "40", "AGENT"), "outcome": ""}, call("a", "30", "AGENT")]
    options = {"kind": "wait_time", "limit": "2m", "abandoned": "broken"}
    wait = audit_one(rows, options, source=SOURCE)
    assert (wait.kept, wait.broken, wait.excluded) == (1, 0, 1)
    assert wait.excluded_by_reason == {"missing_abandoned": 1}
