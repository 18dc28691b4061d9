"""The docs are built from the code: a stale page fails here."""

from __future__ import annotations

from pathlib import Path

from promise_audit.docs import kinds_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_kinds_page_matches_the_kinds_docstrings() -> None:
    page = (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8")
    assert page == kinds_markdown(), "regenerate: python -m promise_audit.docs > docs/kinds.md"


def test_readme_quickstart_has_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quickstart", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(commands) == 2
    assert "promise-audit check" in commands[0]
    assert "pytest" in commands[1]
