"""Every "unknown field" error names the page that lists the canonical fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from tests.conftest import write_csv, write_promise_file

runner = CliRunner()
WAIT = {"id": "solved-1d", "kind": "resolution_time", "limit": "1d"}


@pytest.mark.parametrize(
    ("promise", "source", "words"),
    [
        ({**WAIT, "scope": {"chanel": ["phone"]}}, None, "unknown scope field 'chanel'"),
        ({**WAIT, "scope": {"where": "chanel = 'phone'"}}, None, "unknown field 'chanel'"),
        (WAIT, {"columns": {"contactid": "id"}}, "'contactid' is not a canonical field"),
    ],
    ids=["scope field", "expression field", "mapping field"],
)
def test_an_unknown_field_error_points_at_the_fields_page(
    tmp_path: Path, promise: dict[str, Any], source: dict[str, Any] | None, words: str
) -> None:
    write_csv(
        tmp_path / "contacts.csv",
        [{"contact_id": "1", "initiated_at": "2026-10-01", "resolved_at": "2026-10-01"}],
    )
    path = write_promise_file(tmp_path / "promises.yaml", [promise], source=source)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert words in result.output
    assert "docs/fields.md" in result.output
