"""A field the source gives itself keeps its blanks: a derivation fills one only with what
another value of the same record proves (an answer time proves answered, and not abandoned),
never from the absence of a value. Counts worked out by hand in the comments."""

from __future__ import annotations

from tests.conftest import AuditOne

AS_OF = "2026-10-10T00:00:00+00:00"
WAIT_2M = {"kind": "wait_time", "limit": "2m"}


def contact(cid: str, **fields: str) -> dict[str, str]:
    return {"contact_id": cid, "channel": "phone", **fields}


def test_a_blank_abandoned_is_not_derived_true_from_a_missing_answer(audit_one: AuditOne) -> None:
    """c1 queued 30 s before as_of, `abandoned` blank, no answer and no end: still waiting,
    pending (its 2-minute deadline is after as_of), not an abandon excluded for its wait."""
    rows = [
        contact(
            "c1",
            initiated_at="2026-10-09T23:59:30Z",
            enqueued_at="2026-10-09T23:59:30Z",
            answered_at="",
            ended_at="",
            abandoned="",
        )
    ]
    wait = audit_one(rows, WAIT_2M, as_of=AS_OF)
    assert (wait.pending, wait.excluded, wait.broken) == (1, 0, 0)


def test_a_blank_abandoned_is_filled_false_where_an_answer_time_proves_it(
    audit_one: AuditOne,
) -> None:
    """c2 answered after 90 s with `abandoned` blank: answered, so not an abandon; kept."""
    rows = [
        contact(
            "c2",
            initiated_at="2026-10-09T10:00:00Z",
            enqueued_at="2026-10-09T10:00:00Z",
            answered_at="2026-10-09T10:01:30Z",
            abandoned="",
        ),
        contact(
            "c3",
            initiated_at="2026-10-09T11:00:00Z",
            enqueued_at="2026-10-09T11:00:00Z",
            answered_at="",
            ended_at="2026-10-09T11:00:40Z",
            abandoned="true",
        ),
    ]
    availability = audit_one(rows, {"kind": "availability"}, as_of=AS_OF)
    # c2 answered: kept; c3 abandoned after 40 s: broken
    assert (availability.kept, availability.broken) == (1, 1)
    assert availability.broken_by_reason == {"abandoned": 1}


def test_answered_without_a_time_has_no_derived_wait(audit_one: AuditOne) -> None:
    """c4: the export says answered (no time), queued at 10:00, call ended 10:20. The 20
    minutes are not a wait: the wait is unknown (excluded), not broken."""
    rows = [
        contact(
            "c4",
            initiated_at="2026-10-09T10:00:00Z",
            enqueued_at="2026-10-09T10:00:00Z",
            answered="true",
            answered_at="",
            ended_at="2026-10-09T10:20:00Z",
        )
    ]
    wait = audit_one(rows, WAIT_2M, as_of=AS_OF)
    assert (wait.broken, wait.excluded) == (0, 1)
    assert wait.excluded_by_reason == {"missing_wait_seconds": 1}
