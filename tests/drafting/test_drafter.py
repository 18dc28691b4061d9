"""The drafter: published sentences -> promise file entries (tests/drafting/sentences.py)."""

from __future__ import annotations

from typing import Any

import pytest

from promise_audit.drafting import draft_promises, sentences
from tests.drafting.sentences import (
    CHARTER_SENTENCES,
    NOT_PROMISES,
    SEED_SENTENCES,
    SEED_THEMES,
    UNPLACED,
    Row,
)

ALL = SEED_SENTENCES + SEED_THEMES + CHARTER_SENTENCES
QUANTITIES = ("limit", "window", "after", "max", "max_steps", "require_apology", "require_goodwill")


def test_the_table_holds_at_least_forty_charter_sentences() -> None:
    assert len(CHARTER_SENTENCES) >= 40


@pytest.mark.parametrize("row", ALL, ids=[row[0][:48] for row in ALL])
def test_a_promise_sentence_is_drafted_with_its_kind_quantity_target_scope_and_calendar(
    row: Row,
) -> None:
    sentence, kind, quantity, target, scope, calendar = row
    drafted = draft_promises(sentence)
    assert drafted.unplaced == []
    (draft,) = drafted.drafts
    promise: dict[str, Any] = draft.promise
    assert promise["statement"] == sentence
    assert promise["kind"] == kind
    assert {k: promise[k] for k in QUANTITIES if k in promise} == quantity
    assert promise.get("target") == target
    assert promise.get("scope") == scope
    assert promise.get("calendar") == calendar
    if calendar is not None:
        assert calendar in drafted.calendars


@pytest.mark.parametrize("sentence", NOT_PROMISES)
def test_a_sentence_that_promises_nothing_measurable_is_not_drafted(sentence: str) -> None:
    drafted = draft_promises(sentence)
    assert drafted.drafts == [] and drafted.unplaced == []


@pytest.mark.parametrize("sentence", UNPLACED)
def test_a_promise_without_its_quantity_is_listed_with_a_reason(sentence: str) -> None:
    drafted = draft_promises(sentence)
    assert drafted.drafts == []
    (unplaced,) = drafted.unplaced
    assert unplaced.sentence == sentence and unplaced.reason


def test_the_statement_keeps_the_published_words_of_an_html_page() -> None:
    page = (
        "<html><body><h1>Our promise</h1><p>We will reply to your email within "
        "<b>24 hours</b>. Thank you.</p></body></html>"
    )
    (draft,) = draft_promises(page, name="contact.html").drafts
    assert draft.promise["statement"] == "We will reply to your email within 24 hours."


def test_markdown_bullets_and_emphasis_are_not_part_of_the_statement() -> None:
    text = (
        "## Service standards\n\n- **Free return shipping**\n"
        "- We answer 80% of calls within 20 seconds.\n"
    )
    drafts = draft_promises(text, name="charter.md").drafts
    assert [d.promise["statement"] for d in drafts] == [
        "Free return shipping",
        "We answer 80% of calls within 20 seconds.",
    ]


def test_published_in_and_ids_come_from_the_file_and_the_promise() -> None:
    text = "We will reply to your email within 24 hours. We will reply to letters within 24 hours."
    drafts = draft_promises(text, published_in="charter.md").drafts
    assert [d.promise["id"] for d in drafts] == ["first-response-1d", "first-response-1d-2"]
    assert {d.promise["published_in"] for d in drafts} == {"charter.md"}


def test_sentences_split_at_full_stops_but_not_inside_abbreviations_or_exclamations() -> None:
    text = "Call us 8 a.m. to 6 p.m. daily. Fix the OOPS! within 24 hours. Done."
    assert sentences(text) == [
        "Call us 8 a.m. to 6 p.m. daily.",
        "Fix the OOPS! within 24 hours.",
        "Done.",
    ]


def test_drafting_is_deterministic() -> None:
    text = " ".join(row[0] if row[0].endswith(".") else row[0] + "." for row in ALL)
    assert draft_promises(text) == draft_promises(text)


def test_a_working_days_calendar_is_whole_weekdays() -> None:
    drafted = draft_promises("Refunds within 7 business days.")
    assert drafted.calendars["working-days"]["hours"] == {"mon-fri": ["00:00-24:00"]}


def test_a_sentence_with_two_deadlines_gives_two_promises_with_the_same_words() -> None:
    sentence = (
        "We will acknowledge all complaints within 3 working days and provide a full "
        "response within 20 working days."
    )
    drafts = draft_promises(sentence).drafts
    assert [(d.promise["kind"], d.promise["limit"]) for d in drafts] == [
        ("first_response", "3d"),
        ("resolution_time", "20d"),
    ]
    assert {d.promise["statement"] for d in drafts} == {sentence}
    assert {d.promise["calendar"] for d in drafts} == {"working-days"}


def test_a_duration_said_in_passing_is_no_limit() -> None:
    # "an hour or so" is a description, not a bound: nothing to draft
    drafted = draft_promises("Customers often wait an hour or so; we will answer your call.")
    assert drafted.drafts == []
