"""One table of source formats (records/formats/): the promise file's accepted `format:` values,
the extensions, the platform readers, the CLI's help and the docs' lists all agree with it."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

import pytest
import typer.main

from promise_audit.cli import app
from promise_audit.errors import PromiseFileError
from promise_audit.promises import load_promise_file
from promise_audit.promises.model import Source
from promise_audit.records.formats import (
    EXTENSIONS,
    FORMAT_NAMES,
    FORMATS,
    PLAIN_FORMATS,
    PLATFORM_FORMATS,
    READERS,
    spoken,
)
from promise_audit.schema import promise_file_schema

ROOT = Path(__file__).resolve().parents[1]


def test_the_model_accepts_every_format_in_the_table() -> None:
    for name in FORMAT_NAMES:
        assert Source(path="x", format=name).format == name


def test_an_unknown_format_is_one_line_naming_every_format(tmp_path: Path) -> None:
    path = tmp_path / "promises.yaml"
    path.write_text(
        "organization: X\nsources:\n  calls:\n    path: calls.csv\n    format: xls\npromises: []\n",
        encoding="utf-8",
    )
    with pytest.raises(PromiseFileError) as caught:
        load_promise_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{path}:5:13: 'format': got 'xls' (did you mean 'xlsx'?), expected 'csv'" in message
    assert all(repr(name) in message for name in FORMAT_NAMES)


def test_the_schema_lists_the_formats_of_the_table() -> None:
    schema = promise_file_schema()
    fmt = schema["$defs"]["Source"]["properties"]["format"]
    enums = [option["enum"] for option in fmt["anyOf"] if "enum" in option]
    assert enums == [list(FORMAT_NAMES)]


def test_each_platform_format_has_a_reader_and_a_page() -> None:
    assert set(READERS) == set(PLATFORM_FORMATS)
    for name, module in READERS.items():
        assert callable(import_module(f"promise_audit.records.formats.{module}").read), name
    pages = {page.stem for page in (ROOT / "docs" / "formats").glob("*.md")}
    assert pages == set(PLATFORM_FORMATS)


def test_every_extension_names_a_plain_format() -> None:
    assert set(EXTENSIONS.values()) == set(PLAIN_FORMATS)
    assert len(FORMAT_NAMES) == len(set(FORMAT_NAMES)) == len(FORMATS)


def test_the_docs_list_every_format() -> None:
    records = " ".join((ROOT / "docs" / "records.md").read_text(encoding="utf-8").split())
    assert f"`format` is {spoken(PLAIN_FORMATS)} (the first sheet)" in records
    assert f"own export, {spoken(PLATFORM_FORMATS)} (see" in records
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Real exports", 1)[1].split("\n\n", 2)[1]
    assert set(re.findall(r"`([a-z-]+)`", section)) >= set(FORMAT_NAMES)
    assert f"# {spoken(PLAIN_FORMATS)} (default: from the extension)" in readme
    assert f"reads any supported file ({', '.join(PLAIN_FORMATS)}, gzip'd or not" in readme
    first_audit = (ROOT / "docs" / "first-audit.md").read_text(encoding="utf-8")
    assert all(f"`{extension}`" in first_audit for extension in EXTENSIONS)


@pytest.mark.parametrize("command", ["inspect", "init"])
def test_the_format_in_help_names_every_format(command: str) -> None:
    group = typer.main.get_command(app)
    option = next(
        param
        for param in group.commands[command].params  # type: ignore[attr-defined]
        if "--format-in" in getattr(param, "opts", ())
    )
    assert f": {', '.join(FORMAT_NAMES)} (" in option.help
