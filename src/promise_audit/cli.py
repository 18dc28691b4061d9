"""The command line: parse arguments, call the library, pick a renderer, set the exit status."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from promise_audit.errors import PromiseAuditError

app = typer.Typer(
    name="promise-audit",
    help="Check published customer-service promises against contact records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class FailOn(StrEnum):
    broken = "broken"
    at_risk = "at-risk"
    never = "never"


def _fail(error: PromiseAuditError) -> NoReturn:
    typer.echo(f"promise-audit: error: {error.one_line()}", err=True)
    raise typer.Exit(2)


@app.command()
def check(
    promise_file: Annotated[Path, typer.Argument(help="The promise file (YAML).")],
    records: Annotated[
        str | None,
        typer.Option("--records", help="Records to audit, replacing the 'contacts' source path."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table (for people) or json (the contract).")
    ] = OutputFormat.table,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Which verdicts fail the run (exit status 1).")
    ] = FailOn.broken,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Write every rejected record, with its reason, as CSV."),
    ] = None,
    report_path: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the gap report: .html, .md or .pdf."),
    ] = None,
    report_format: Annotated[
        str | None,
        typer.Option("--report-format", help="html, md or pdf (default: from --report's name)."),
    ] = None,
) -> None:
    """Audit the promises against the records and print the gap."""
    from promise_audit.audit import audit
    from promise_audit.results import exit_status

    if report_path is not None:  # a report format we cannot write fails before the audit
        from promise_audit.render.report import report_format as check_report_format

        try:
            check_report_format(report_path, report_format)
        except PromiseAuditError as error:
            _fail(error)
    try:
        result = audit(promise_file, records, rejects_path=rejects)
    except PromiseAuditError as error:
        _fail(error)
    if report_path is not None:
        from promise_audit.render.json import to_dict
        from promise_audit.render.report import write_report

        try:
            write_report(to_dict(result), report_path, fmt=report_format)
        except PromiseAuditError as error:
            _fail(error)
    if output_format is OutputFormat.json:
        from promise_audit.render.json import render_json

        sys.stdout.write(render_json(result))
    else:
        from promise_audit.render.terminal import render_terminal

        render_terminal(result, sys.stdout, color=sys.stdout.isatty())
    raise typer.Exit(exit_status(result, fail_on.value))  # type: ignore[arg-type]


@app.command()
def report(
    result_file: Annotated[
        Path, typer.Argument(help="A result saved by `check --format json` ('-': standard input).")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write: .html, .md or .pdf."),
    ] = None,
    report_format: Annotated[
        str | None,
        typer.Option("--format", help="html, md or pdf (default: from -o; without -o, prints)."),
    ] = None,
    page_size: Annotated[str, typer.Option("--page-size", help="PDF pages: A4 or Letter.")] = "A4",
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="A folder of templates replacing the bundled ones."),
    ] = None,
    client: Annotated[str | None, typer.Option("--client", help="Who the report is for.")] = None,
    prepared_by: Annotated[
        str | None, typer.Option("--prepared-by", help="Who prepared the report.")
    ] = None,
    accent: Annotated[str | None, typer.Option("--accent", help="Accent colour, #RRGGBB.")] = None,
    logo: Annotated[
        Path | None, typer.Option("--logo", help="A PNG, JPEG, GIF, WebP or SVG logo.")
    ] = None,
) -> None:
    """Render a saved JSON result as the gap report (HTML, Markdown or PDF)."""
    from promise_audit.render.report import load_result, write_report

    try:
        text = write_report(
            load_result(result_file),
            output,
            fmt=report_format,
            page_size=page_size,
            templates=templates,
            client=client,
            prepared_by=prepared_by,
            accent=accent,
            logo=logo,
        )
    except PromiseAuditError as error:
        _fail(error)
    if text is not None:
        sys.stdout.write(text)


@app.command()
def validate(
    promise_file: Annotated[Path, typer.Argument(help="The promise file (YAML).")],
) -> None:
    """Check a promise file without reading any records."""
    from promise_audit.promises import load_promise_file

    try:
        loaded = load_promise_file(promise_file)
    except PromiseAuditError as error:
        _fail(error)
    count = len(loaded.promises)
    typer.echo(f"{promise_file}: {count} promise{'s' if count != 1 else ''}, valid")


@app.command()
def inspect(
    records: Annotated[str, typer.Argument(help="The export: a file or a glob.")],
    format_in: Annotated[
        str | None, typer.Option("--format-in", help="csv, jsonl, parquet, zendesk, ...")
    ] = None,
    promises: Annotated[
        Path | None,
        typer.Option("--promises", help="A promise file: which of its promises are auditable."),
    ] = None,
) -> None:
    """Describe an export: format, rows, time range, columns, canonical fields it fills."""
    from promise_audit.inspection import inspect_export, render_inspection

    try:
        report = inspect_export(records, format_in=format_in, promise_file=promises)
    except PromiseAuditError as error:
        _fail(error)
    sys.stdout.write(render_inspection(report))
    if any(p.missing for p in report.promises):
        raise typer.Exit(3)


@app.command()
def sample(
    out: Annotated[Path, typer.Argument(help="File to write: .csv, .csv.gz, .parquet or .jsonl")],
    rows: Annotated[int, typer.Option("--rows", min=1, help="How many contacts.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 7,
) -> None:
    """Write a deterministic, realistic sample export to try the tool on."""
    from promise_audit.sample import write_sample

    written = write_sample(out, rows=rows, seed=seed)
    typer.echo(f"{out}: {written:,} contacts")


def main() -> None:  # pragma: no cover - the console script entry point is `app`
    app()
