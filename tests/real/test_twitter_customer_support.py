"""twitter-customer-support: 5,000 tweets (TWCS head) against the example promises.

Expected figures come from the raw CSV, read with the csv module. One record (tweet 3399, a
customer starting a conversation) has two bare carriage returns inside an unquoted text field:
in this LF-terminated file it is one record that a strict CSV reading cannot parse (RFC 4180
allows no CR in an unquoted field; DuckDB's lenient mode and Python's csv both break it up), so
the reader falls back to a lenient reading, which sees the record as the non-empty pieces
between the carriage returns (two: the middle piece is empty) and rejects each piece as a
malformed_row; the other 4,999 are read normally. So 5,001 records are read: the pieces
the parser saw, every one counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from tests.real._support import (
    EXAMPLES,
    REAL_DATA,
    Tally,
    accounting_of,
    counts_of,
    needs_folder,
    repeat_outcomes,
    source_path,
)

FOLDER = "twitter-customer-support"
pytestmark = needs_folder(FOLDER)

EXAMPLE = EXAMPLES / "twitter-customer-support.yaml"
RAW = REAL_DATA / FOLDER / "twcs_head5000.csv"
AS_OF = dt.datetime(2017, 12, 1, tzinfo=dt.UTC)
EFFECTIVE_FROM = dt.datetime(2017, 10, 1, tzinfo=dt.UTC)
BARE_CR = "\ufffe"  # stands in for a bare \r while the csv module splits the records


def raw_text() -> str:
    with RAW.open(encoding="utf-8", newline="") as handle:  # keep every \r as it is
        return handle.read()


def raw_records(text: str) -> tuple[list[dict[str, str]], int]:
    """(the records a strict reading accepts, how many it rejects)."""
    assert "\r\n" not in text  # LF line endings: a bare \r is not a record separator
    rows = list(csv.DictReader(io.StringIO(text.replace("\r", BARE_CR), newline="")))
    good = [r for r in rows if not any(BARE_CR in (v or "") for v in r.values())]
    broken = [r for r in rows if any(BARE_CR in (v or "") for v in r.values())]
    # a lenient parser ends a line at each bare CR and skips the empty pieces
    pieces = sum(
        len([part for part in ",".join(v or "" for v in r.values()).split(BARE_CR) if part])
        for r in broken
    )
    return good, pieces


def without_bare_cr(text: str) -> str:
    return re.sub("\r(?!\n)", " ", text)


def created(row: dict[str, str]) -> dt.datetime:
    return dt.datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")


def starts_a_conversation(row: dict[str, str]) -> bool:
    return (
        row["inbound"] == "True"
        and row["in_response_to_tweet_id"].strip() == ""
        and created(row) >= EFFECTIVE_FROM
    )


def reference(text: str) -> dict[str, Any]:
    good, rejected = raw_records(text)
    assert len(good) == 5000 - (1 if rejected else 0)
    ids = [r["tweet_id"] for r in good]
    assert len(set(ids)) == len(ids)
    in_period = [r for r in good if created(r) <= AS_OF]
    starters = [r for r in in_period if starts_a_conversation(r)]
    answered = Tally()
    for row in starters:
        answered.add("kept" if row["response_tweet_id"].strip() else "broken", "custom_rule")
    return {
        "records": {
            "read": len(good) + rejected,
            "used": len(in_period),
            "rejected": rejected,
            "duplicates": 0,
            "out_of_period": len(good) - len(in_period),
        },
        "every-tweet-answered": answered,
        "one-tweet-is-enough": repeat_outcomes(
            ((r["tweet_id"], created(r), r["author_id"].strip() or None, None) for r in starters),
            dt.timedelta(hours=24),
            AS_OF,
            same_topic=False,
        ),
    }


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    text = raw_text()
    assert text.count("\r") == 2
    # the two bare \r sit in an unquoted field: after a comma, before the next comma
    assert re.search(",@AskPayPal \r\rI just love[^,\n]*,3398,\n", text)
    return reference(text)


def test_example_path_resolves_to_the_shared_file() -> None:
    assert source_path(EXAMPLE) == RAW.resolve()


def test_reference_figures(expected: dict[str, Any]) -> None:
    """What the audit should report, computed from the raw file alone."""
    assert expected["records"] == {
        "read": 5001,
        "used": 4970,
        "rejected": 2,
        "duplicates": 0,
        "out_of_period": 29,
    }
    # every conversation a customer starts in the sample got at least one reply
    assert expected["every-tweet-answered"].counts() == {
        "population": 1269,
        "kept": 1269,
        "broken": 0,
        "pending": 0,
        "excluded": 0,
    }
    # 21 conversations were followed by another one from the same customer within 24 hours
    assert expected["one-tweet-is-enough"].counts() == {
        "population": 1269,
        "kept": 1248,
        "broken": 21,
        "pending": 0,
        "excluded": 0,
    }


def test_the_example_with_the_bare_cr_removed(tmp_path: Path) -> None:
    """The rest of the example is right: on a copy where the two bare \\r are spaces, tweet
    3399 (a customer starting a conversation) is read like any other, and every figure
    matches the raw file."""
    cleaned = tmp_path / "twcs_head5000.csv"
    cleaned.write_text(without_bare_cr(raw_text()), encoding="utf-8", newline="")
    want = reference(cleaned.read_text(encoding="utf-8"))
    assert want["records"] == {
        "read": 5000,
        "used": 4971,
        "rejected": 0,
        "duplicates": 0,
        "out_of_period": 29,
    }
    result = audit(EXAMPLE, records=str(cleaned))
    assert accounting_of(result.records) == want["records"]
    by_id = {p.id: p for p in result.promises}
    for promise_id, target in (("every-tweet-answered", 1.0), ("one-tweet-is-enough", 0.95)):
        tally: Tally = want[promise_id]
        assert counts_of(by_id[promise_id]) == tally.counts()
        assert by_id[promise_id].verdict == tally.verdict(target)
    assert counts_of(by_id["every-tweet-answered"])["population"] == 1270
    assert (by_id["one-tweet-is-enough"].kept, by_id["one-tweet-is-enough"].broken) == (1249, 21)
    assert by_id["first-reply-1h"].verdict == "unauditable"
    assert by_id["first-reply-1h"].missing_fields == ("first_response_at",)


def test_every_tweet_is_accounted_for(expected: dict[str, Any]) -> None:
    result = audit(EXAMPLE)
    assert accounting_of(result.records) == expected["records"]
    assert result.records.rejects_by_reason == {"malformed_row": 2}
    assert result.records.reconciles()


@pytest.mark.parametrize(
    ("promise_id", "target"), [("every-tweet-answered", 1.0), ("one-tweet-is-enough", 0.95)]
)
def test_counts_match_the_raw_file(
    expected: dict[str, Any], promise_id: str, target: float
) -> None:
    (promise,) = [p for p in audit(EXAMPLE).promises if p.id == promise_id]
    tally: Tally = expected[promise_id]
    assert counts_of(promise) == tally.counts()
    assert promise.excluded_by_reason == dict(tally.excluded)
    assert promise.verdict == tally.verdict(target)


def test_first_response_is_unauditable_on_a_flat_tweet_file() -> None:
    (promise,) = [p for p in audit(EXAMPLE).promises if p.id == "first-reply-1h"]
    assert promise.verdict == "unauditable"
    assert promise.missing_fields == ("first_response_at",)
    assert not promise.blocking
    assert counts_of(promise) == dict.fromkeys(counts_of(promise), 0)
