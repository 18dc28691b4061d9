"""survey_cap: no survey bombardment; at most `max` surveys per customer in any `window`."""

from __future__ import annotations

import pytest

from tests.kinds._support import at, counts

ONE_PER_30D = {"kind": "survey_cap", "max": 1, "window": "30d"}


def survey(cid: str, customer: str | None, sent: str | None) -> dict:
    return {
        "contact_id": cid,
        "customer_id": customer,
        "initiated_at": at("09-01 00:00"),
        "survey_sent_at": sent and at(sent),
    }


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # the window ending at the second survey reaches back exactly to the first: two
        # surveys within 30 days, one over a cap of 1
        pytest.param("10-01 00:00:00", (1, 1, 0, 0), id="exactly_window_apart_is_within"),
        pytest.param("10-01 00:00:01", (2, 0, 0, 0), id="one_second_more_is_outside"),
    ],
)
def test_survey_cap_counts_this_one_and_window_boundary(audit_one, second, expected):
    rows = [survey("a1", "A", "09-01 00:00"), survey("a2", "A", second)]
    assert counts(audit_one(rows, ONE_PER_30D)) == expected


def test_first_survey_is_never_over_a_cap_of_one(audit_one):
    # counting this one, the customer got 1 survey: not more than max
    assert counts(audit_one([survey("a1", "A", "09-01 00:00")], ONE_PER_30D)) == (1, 0, 0, 0)


def test_each_survey_is_judged_on_its_own_window(audit_one):
    rows = [
        survey("a1", "A", "09-01 00:00"),  # 1 in its window: kept
        survey("a2", "A", "09-15 00:00"),  # 2 (a1, a2): kept under a cap of 2
        survey("a3", "A", "10-01 00:00"),  # 3 (a1 at the boundary, a2, a3): broken
    ]
    result = audit_one(rows, {**ONE_PER_30D, "max": 2})
    assert counts(result) == (2, 1, 0, 0)
    assert result.distribution.max == 3
    assert result.distribution.median == 2  # counts 1 [2] 3


def test_two_surveys_at_same_instant_second_is_the_extra_one(audit_one):
    # same instant: ordered by contact_id, c1 counts 1 (kept) and c2 counts 2 (broken)
    rows = [survey("c2", "C", "09-01 00:00"), survey("c1", "C", "09-01 00:00")]
    result = audit_one(rows, ONE_PER_30D)
    assert counts(result) == (1, 1, 0, 0)
    assert [e.contact_id for e in result.evidence] == ["c2"]


def test_other_customers_surveys_do_not_count(audit_one):
    rows = [survey("a1", "A", "09-01 00:00"), survey("b1", "B", "09-02 00:00")]
    assert counts(audit_one(rows, ONE_PER_30D)) == (2, 0, 0, 0)


def test_missing_customer_id_is_excluded(audit_one):
    rows = [survey("n1", None, "09-01 00:00"), survey("n2", None, "09-01 00:00")]
    result = audit_one(rows, ONE_PER_30D)
    assert counts(result) == (0, 0, 0, 2)
    assert result.excluded_by_reason == {"missing_customer_id": 2}


def test_only_records_with_a_survey_are_in_the_population(audit_one):
    # x1 got no survey; y1's survey is sent after as_of, so not sent yet as far as we know
    rows = [
        survey("a1", "A", "09-01 00:00"),
        survey("x1", "A", None),
        survey("y1", "A", "10-11 00:00"),
    ]
    result = audit_one(rows, ONE_PER_30D)
    assert result.population == 1
    assert counts(result) == (1, 0, 0, 0)


def test_promise_needing_absent_field_is_unauditable_naming_it(audit_one):
    rows = [{"contact_id": "a", "initiated_at": at("09-01 00:00"), "customer_id": "A"}]
    result = audit_one(rows, ONE_PER_30D)
    assert result.verdict == "unauditable"
    assert result.missing_fields == ("survey_sent_at",)
