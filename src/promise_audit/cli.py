"""The command line: parse arguments, call the library, pick a renderer, set the exit status."""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from promise_audit.errors import PromiseAuditError, UsageError
from promise_audit.records.formats import FORMAT_NAMES

if TYPE_CHECKING:
    from promise_audit.promises.loader import LoadedPromiseFile
    from promise_audit.render.branding import Branding
    from promise_audit.results import AuditResult

# the export formats `inspect` and `init` read, from the one table of them
FORMAT_IN_HELP = f"The export's format: {', '.join(FORMAT_NAMES)} (default: recognised)."

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
    regression = "regression"
    never = "never"


# --output KIND=PATH: what each kind is rendered by is in `_render_output`
OUTPUT_KINDS = ("json", "junit", "sarif", "md", "html", "pdf", "github")


def _fail(error: PromiseAuditError) -> NoReturn:
    typer.echo(f"promise-audit: error: {error.one_line()}", err=True)
    raise typer.Exit(2)


def _parse_outputs(values: list[str]) -> list[tuple[str, Path | None]]:
    """`json=audit.json`, `junit=audit.xml`, ..., `github` (standard output, no path)."""
    targets: list[tuple[str, Path | None]] = []
    for value in values:
        kind, equals, path = value.partition("=")
        kind = kind.strip().lower()
        if kind not in OUTPUT_KINDS:
            raise UsageError(
                f"--output {value!r}: the kinds are {', '.join(OUTPUT_KINDS)} "
                "(e.g. json=audit.json)"
            )
        if kind == "github":
            if equals:
                raise UsageError("--output github takes no file: it prints workflow commands")
            targets.append((kind, None))
        elif not path.strip():
            raise UsageError(f"--output {value!r}: give the file, as {kind}=FILE")
        else:
            targets.append((kind, Path(path)))
    return targets


def _distinct_files(paths: list[Path]) -> None:
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            raise UsageError(f"{path}: two outputs would write the same file")
        seen[key] = path


def _render_output(
    kind: str, result: AuditResult, *, fail_on: str, root: Path, branding: Branding
) -> bytes:
    """The bytes of one output file, rendered from the result."""
    if kind == "json":
        from promise_audit.render.json import render_json

        return render_json(result).encode("utf-8")
    if kind == "junit":
        from promise_audit.render.junit import render_junit

        return render_junit(result, fail_on=fail_on, root=root).encode("utf-8")
    if kind == "sarif":
        from promise_audit.render.sarif import render_sarif

        return render_sarif(result, root=root).encode("utf-8")
    if kind == "md":
        from promise_audit.render.github import summary_markdown

        return summary_markdown(result, branding=branding).encode("utf-8")
    from promise_audit.render.formats import render_report

    return render_report(result, "pdf" if kind == "pdf" else "html", branding=branding)


def _write(path: Path, content: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as error:
        raise UsageError(f"{path}: cannot write it ({error.strerror})") from None


def _branding(loaded: LoadedPromiseFile) -> Branding:
    """The `report:` key as the reports' branding; a logo that cannot be read is an error at
    that key (before any audit)."""
    from promise_audit.render.branding import Branding, make_branding

    settings = loaded.model.report
    if settings is None:
        return Branding()
    try:
        return make_branding(**settings.renderer_options(loaded.base_dir))
    except UsageError as error:
        message = error.one_line().removeprefix("--logo ")
        raise loaded.error(f"report logo: {message}", ("report", "logo")) from None


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
    outputs: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            help="Also write KIND=FILE, repeatable: json, junit, sarif, md, html, pdf; "
            "'github' prints GitHub Actions annotations (and fills $GITHUB_STEP_SUMMARY).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print no table or JSON on standard output.")
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Which verdicts fail the run (exit status 1); 'regression' needs --baseline.",
        ),
    ] = FailOn.broken,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="A saved JSON result to compare with, promise by promise."),
    ] = None,
    today: Annotated[
        dt.datetime | None,
        typer.Option(
            "--today", formats=["%Y-%m-%d"], help="The day waivers expire against (default: today)."
        ),
    ] = None,
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
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Where the audit runs, replacing the file's engine: duckdb (default), spark "
            "(or a Spark master URL), or a postgresql://user@host/db URL.",
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            metavar="SIZE",
            help="Keep DuckDB's working tables on disk beyond SIZE (e.g. 1GB), or none for all "
            "in memory (default: $PROMISE_AUDIT_MEMORY_LIMIT, else all in memory for inputs "
            "up to 64 MB of text and 700MB for larger ones).",
        ),
    ] = None,
    redact_salt: Annotated[
        str | None,
        typer.Option(
            "--redact",
            metavar="SALT",
            help="Replace contact, customer and agent ids in every output by hashes salted "
            "with SALT (keep it secret; the same salt gives the same hashes).",
        ),
    ] = None,
) -> None:
    """Audit the promises against the records and print the gap."""
    from promise_audit import progress
    from promise_audit.baseline import load_baseline
    from promise_audit.checking import check as check_promises
    from promise_audit.promises import load_promise_file
    from promise_audit.waivers import check_waivers

    root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    try:  # the options, the baseline and the promise file are checked before any record is read
        targets = _parse_outputs(outputs or [])
        if report_path is not None:
            from promise_audit.render.report import report_format as check_report_format

            targets.append((check_report_format(report_path, report_format), report_path))
        _distinct_files([p for _, p in targets if p is not None] + ([rejects] if rejects else []))
        github = any(kind == "github" for kind, _ in targets)
        if github and output_format is OutputFormat.json and not quiet:
            raise UsageError(
                "--output github prints to standard output, as --format json does: write the "
                "JSON with --output json=FILE"
            )
        if fail_on is FailOn.regression and baseline is None:
            raise UsageError("--fail-on regression compares with a baseline: give --baseline FILE")
        before = load_baseline(baseline) if baseline is not None else None
        loaded = load_promise_file(promise_file)
        check_waivers(loaded)
        branding = _branding(loaded)
        if redact_salt is not None and not redact_salt:
            raise UsageError("--redact needs a non-empty salt")
        # progress on standard error, a terminal only; gone before anything else is printed
        with progress.shown_on_stderr() as display:
            checked = check_promises(
                loaded,
                records=records,
                today=today.date() if today is not None else None,
                baseline=before,
                baseline_name=str(baseline) if baseline is not None else None,
                fail_on=fail_on.value,
                redact=redact_salt or None,
                engine=engine,
                rejects_path=rejects,
                memory_limit=memory_limit,
                progress=display,
            )
            result = checked.result
            for kind, path in targets:
                if path is not None:
                    if display is not None:
                        display(f"writing {path.name}")
                    content = _render_output(
                        kind, result, fail_on=fail_on.value, root=root, branding=branding
                    )
                    _write(path, content)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if github and summary:
            from promise_audit.render.github import append_summary, summary_markdown

            append_summary(Path(summary), summary_markdown(result, branding=branding))
    except PromiseAuditError as error:
        _fail(error)

    if not quiet:
        _print_view(result, output_format)
        # on standard error, so a JSON or table on standard output stays as it is
        for kind, path in targets:
            if path is not None:
                typer.echo(
                    f"promise-audit: wrote {path} ({OUTPUT_WORDS.get(kind, kind)})", err=True
                )
        if rejects is not None:
            typer.echo(f"promise-audit: wrote {rejects} (rejected rows)", err=True)
    if github:
        from promise_audit.render.github import render_annotations

        sys.stdout.write(render_annotations(result, root=root))
    for waiver in checked.expired:
        typer.echo(f"promise-audit: {waiver.message()}", err=True)
    raise typer.Exit(checked.exit_status)


OUTPUT_WORDS = {
    "json": "JSON result",
    "junit": "JUnit XML",
    "sarif": "SARIF",
    "md": "Markdown report",
    "html": "HTML report",
    "pdf": "PDF report",
}


def _print_view(result: AuditResult, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.json:
        from promise_audit.render.json import render_json

        sys.stdout.write(render_json(result))
        return
    from promise_audit.baseline import terminal_lines as baseline_lines
    from promise_audit.render.terminal import render_terminal
    from promise_audit.waivers import terminal_lines as waiver_lines

    render_terminal(result, sys.stdout, color=sys.stdout.isatty())
    extra = [*waiver_lines(result), *baseline_lines(result)]
    if extra:
        sys.stdout.write("\n" + "\n".join(extra))


@app.command()
def explain(
    promise_file: Annotated[Path, typer.Argument(help="The promise file (YAML).")],
    contact_ids: Annotated[list[str], typer.Argument(help="Contact ids to explain.")],
    records: Annotated[
        str | None,
        typer.Option("--records", help="Records to audit, replacing the 'contacts' source path."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="Where the audit runs, as for check: duckdb, spark or a URL."
        ),
    ] = None,
) -> None:
    """Show how every promise judged the given contacts, and why."""
    from promise_audit import progress
    from promise_audit.audit import audit
    from promise_audit.words import explanation_lines

    try:
        with progress.shown_on_stderr() as display:
            result = audit(
                promise_file, records, explain=contact_ids, progress=display, engine=engine
            )
    except PromiseAuditError as error:
        _fail(error)
    kinds = {p.id: p for p in result.promises}
    seen = {e.contact_id for e in result.explanations}
    for contact_id in contact_ids:
        typer.echo(f"{contact_id}:")
        if contact_id not in seen:
            typer.echo(
                "  not among the records used (rejected, a duplicate, after as_of, "
                "or not in the export)"
            )
            continue
        for item in (e for e in result.explanations if e.contact_id == contact_id):
            words = "not in its population" if item.outcome == "outside" else item.outcome
            if item.reason:
                words += f" ({item.reason})"
            promise = kinds[item.promise_id]
            if promise.agreement is not None and item.outcome != "outside":
                verdict = item.platform or "no verdict"
                words += f"; {promise.agreement.label}: {verdict}"
            typer.echo(f"  {item.promise_id}: {words}")
            for line in explanation_lines(promise, item):
                typer.echo(f"    {line}")
        for promise in result.promises:
            if promise.verdict == "unauditable":
                typer.echo(
                    f"  {promise.id}: unauditable (no {', no '.join(promise.missing_fields)})"
                )


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
    from promise_audit.render.branding import make_branding
    from promise_audit.render.formats import report_target, write_report
    from promise_audit.render.json import load_result

    try:
        result = load_result(result_file)
        report_target(output, report_format, page_size)  # the target before the branding
        text = write_report(
            result,
            output,
            fmt=report_format,
            branding=make_branding(
                client=client, prepared_by=prepared_by, accent=accent, logo=logo
            ),
            page_size=page_size,
            templates=templates,
        )
    except PromiseAuditError as error:
        _fail(error)
    if text is not None:
        sys.stdout.write(text)


@app.command()
def validate(
    promise_files: Annotated[list[Path], typer.Argument(help="One or more promise files (YAML).")],
) -> None:
    """Check promise files without reading any records (exit status 2 if one is wrong)."""
    from promise_audit.promises import load_promise_file
    from promise_audit.waivers import check_waivers

    failed = False
    for promise_file in promise_files:
        try:
            loaded = load_promise_file(promise_file)
            check_waivers(loaded)
            _branding(loaded)
        except PromiseAuditError as error:
            typer.echo(f"promise-audit: error: {error.one_line()}", err=True)
            failed = True
            continue
        count = len(loaded.promises)
        waivers = len(loaded.model.waivers)
        extra = f", {waivers} waiver{'s' if waivers != 1 else ''}" if waivers else ""
        typer.echo(f"{promise_file}: {count} promise{'s' if count != 1 else ''}{extra}, valid")
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the promise file's JSON Schema, for editors (see docs/ci.md)."""
    from promise_audit.schema import render_schema

    sys.stdout.write(render_schema())


@app.command()
def inspect(
    records: Annotated[str, typer.Argument(help="The export: a file or a glob.")],
    format_in: Annotated[str | None, typer.Option("--format-in", help=FORMAT_IN_HELP)] = None,
    promises: Annotated[
        Path | None,
        typer.Option("--promises", help="A promise file: which of its promises are auditable."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table (for people) or json (for machines).")
    ] = OutputFormat.table,
) -> None:
    """Describe an export: format, encoding, rows, columns, and a suggested mapping to canonical
    fields; with --promises, which of its promises the export can audit."""
    import json
    from dataclasses import asdict

    from promise_audit.inspection import (
        inspect_export,
        profile_dict,
        render_inspection,
        render_profile,
    )

    if promises is None:
        from promise_audit.profiling import profile_export
        from promise_audit.suggest import suggest_mapping

        try:
            profile = profile_export(records, format_in=format_in)
        except PromiseAuditError as error:
            _fail(error)
        suggested = suggest_mapping(profile)
        if output_format is OutputFormat.json:
            text = json.dumps(profile_dict(profile, suggested), indent=2, ensure_ascii=False)
            sys.stdout.write(text + "\n")
        else:
            sys.stdout.write(render_profile(profile, suggested))
        return
    try:
        report = inspect_export(records, format_in=format_in, promise_file=promises)
    except PromiseAuditError as error:
        _fail(error)
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_inspection(report))
    if any(p.missing for p in report.promises):
        raise typer.Exit(3)


@app.command()
def init(
    export: Annotated[str, typer.Option("--export", help="The export to map: a file or a glob.")],
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy", help="A policy page (text, Markdown or HTML; '-': standard input)."
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The promise file to write.")
    ] = Path("promises.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    format_in: Annotated[str | None, typer.Option("--format-in", help=FORMAT_IN_HELP)] = None,
) -> None:
    """Write a starter promise file: the export's suggested mapping, and the promises drafted
    from the policy's published sentences."""
    from promise_audit.starter import write_starter

    try:
        _, suggested, drafted = write_starter(
            export, output, policy=policy, force=force, format_in=format_in
        )
    except PromiseAuditError as error:
        _fail(error)
    unsure = sum(1 for s in suggested.suggestions if s.confidence != "high")
    promises = len(drafted.drafts) if drafted is not None else 0
    words = f"{len(suggested.suggestions)} fields mapped ({unsure} to check)"
    if drafted is not None:
        words += f", {promises} promises drafted, {len(drafted.unplaced)} sentences to place"
    typer.echo(f"{output}: {words}")
    for note in suggested.notes:
        # the file is written all the same: the columns listed in it are where to look
        typer.echo(f"promise-audit: {note} (under sources.contacts.columns)", err=True)
    typer.echo(f"next: promise-audit validate {output} && promise-audit check {output}")


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


def main() -> None:
    """The console script: the app, ended by SIGINT or SIGTERM with one line and 130 or 143
    (never a traceback), the temporary working files removed on the way out."""
    from promise_audit.interrupts import Interrupted, received, watching

    status: int | str | None = 0
    try:
        with watching():
            try:
                app(prog_name="promise-audit")
            except SystemExit as exit_:
                status = exit_.code
            except BaseException:
                if received() is None:
                    raise
                # the engine's own error for the query it was asked to stop
    except Interrupted:
        pass
    signum = received()
    if signum is not None:
        # whatever the engine made of its interrupted query (an error, a partial result) is void
        name = {2: "SIGINT", 15: "SIGTERM"}.get(signum, f"signal {signum}")
        typer.echo(f"promise-audit: interrupted ({name}); no result was written", err=True)
        status = 128 + signum
    sys.exit(status)
