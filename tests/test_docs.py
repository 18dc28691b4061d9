"""The docs are built from the code: a stale page fails here."""

from __future__ import annotations

from pathlib import Path

from promise_audit.docs import fields_markdown, kinds_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_kinds_page_matches_the_kinds_docstrings() -> None:
    page = (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8")
    assert page == kinds_markdown(), "regenerate: python -m promise_audit.docs > docs/kinds.md"


def test_fields_page_matches_the_canonical_schema() -> None:
    page = (ROOT / "docs" / "fields.md").read_text(encoding="utf-8")
    assert page == fields_markdown(), (
        "regenerate: python -m promise_audit.docs fields > docs/fields.md"
    )


def test_every_canonical_field_has_a_meaning_on_the_fields_page() -> None:
    from promise_audit.fields import MEANINGS
    from promise_audit.records.schema import CANONICAL_FIELDS

    assert set(MEANINGS) == set(CANONICAL_FIELDS)
    page = fields_markdown()
    for name in CANONICAL_FIELDS:
        assert f"| `{name}` |" in page


def test_the_fields_page_says_which_kinds_need_a_field() -> None:
    rows = {
        line.split("|")[1].strip(): line.split("|")
        for line in fields_markdown().splitlines()
        if line.startswith("| `")
    }
    assert rows["`wait_seconds`"][4].strip() == (
        "availability (with limit); callback_offer; wait_time"
    )
    assert rows["`apologized`"][4].strip() == "service_recovery (with require_apology)"
    assert rows["`escalated`"][4].strip() == "escalations (one of escalations, escalated)"


def test_the_readme_links_the_fields_page() -> None:
    assert "docs/fields.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_quickstart_has_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quickstart", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2
    assert "promise-audit check" in commands[0]
    assert "pytest" in commands[1]
