"""promises/examples/ from any clone: data from $PROMISE_AUDIT_DATA (or data/ beside the
files), each file says where its data comes from, and the README's exit statuses are true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.promises import load_promise_file
from tests.real._support import EXAMPLES, REAL_DATA

runner = CliRunner()
FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("example", FILES, ids=[f.name for f in FILES])
def test_an_example_names_its_data_source_and_reads_the_data_folder(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "# Data: " in text
    assert "path: ${PROMISE_AUDIT_DATA:-data}/" in text


@pytest.mark.parametrize("example", FILES, ids=[f.name for f in FILES])
def test_without_the_variable_an_example_reads_data_beside_it(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMISE_AUDIT_DATA", raising=False)
    source = load_promise_file(example).model.sources["contacts"]
    assert source.path is not None and source.path.startswith("data/")


def test_a_path_variable_that_is_not_set_and_has_no_default_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = tmp_path / "p.yaml"
    path.write_text(
        "organization: X\nsources:\n  contacts: {path: '${NOT_SET_ANYWHERE}/a.csv'}\n"
        "promises:\n  - {id: r, kind: resolution_time, limit: 1d}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "${NOT_SET_ANYWHERE}, which is not set" in result.output


def readme_rows() -> list[tuple[str, int]]:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    return [
        (name, int(status))
        for name, status in re.findall(r"^\| \[([\w.-]+\.yaml)\]\([^)]*\) \| `[^`]*` \| (\d) \|$",
                                       text, re.MULTILINE)
    ]  # fmt: skip


def test_the_readme_lists_every_example() -> None:
    assert sorted(name for name, _ in readme_rows()) == [f.name for f in FILES]


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="the real exports are not beside the project")
@pytest.mark.parametrize(("name", "status"), readme_rows())
def test_each_example_exits_as_its_readme_says(name: str, status: int) -> None:
    result = runner.invoke(app, ["check", str(EXAMPLES / name), "--format", "json"])
    assert result.exit_code == status, result.output
