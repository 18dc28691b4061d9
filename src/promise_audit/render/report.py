"""The gap report as one self-contained HTML page, and the Jinja2 environment every report
template runs in.

The input is an `AuditResult` (a saved JSON result loads back into one: `promise-audit
report result.json -o out.html`); render.view orders and formats it, the templates lay it out.

Templates are Jinja2 files: the packaged ones (`reports/templates` in a checkout, installed as
`promise_audit/templates`), each of which a `--templates DIR` of the same name replaces. They
run in Jinja2's sandbox with autoescaping on and undefined names as errors, and can include
only files inside the two template folders. A template sees `report` (render.view.ReportView)
and `result` (the JSON result's object).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from promise_audit.errors import UsageError
from promise_audit.render.branding import Branding
from promise_audit.render.view import ReportView, build_view
from promise_audit.results import AuditResult
from promise_audit.words import dimension_label, percent

if TYPE_CHECKING:
    from jinja2 import Environment

ReportFormat = Literal["html", "md", "pdf"]
PageSize = Literal["A4", "Letter"]

REPORT_FORMATS: dict[str, ReportFormat] = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
}
PAGE_SIZES: tuple[PageSize, ...] = ("A4", "Letter")


# ---------------------------------------------------------------------------------------------
# Templates


def packaged_templates() -> Path:
    """The bundled templates: inside the installed package, else the checkout's reports/."""
    installed = resources.files("promise_audit").joinpath("templates")
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[3] / "reports" / "templates"
    if checkout.is_dir():
        return checkout
    raise UsageError("the report templates are missing from this installation: reinstall it")


def _contained_loader(folder: Path) -> Any:
    """A FileSystemLoader that also refuses a symlink leading out of the folder."""
    from jinja2 import FileSystemLoader, TemplateNotFound

    root = folder.resolve()

    class ContainedLoader(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            source, filename, uptodate = super().get_source(environment, template)
            if not Path(filename).resolve().is_relative_to(root):
                raise TemplateNotFound(template)
            return source, filename, uptodate

    return ContainedLoader(str(folder))


def environment(
    flavour: Literal["html", "md"],
    templates: Path | None = None,
    *,
    finalize: Callable[[Any], Any] | None = None,
) -> Environment:
    """A sandboxed Jinja2 environment: the user's folder first, then the packaged templates.

    FileSystemLoader refuses a name that climbs out of its folder ('../secret'), so a
    template can include only templates.
    """
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    loaders = []
    if templates is not None:
        if not templates.is_dir():
            raise UsageError(f"--templates {templates}: not a folder")
        loaders.append(_contained_loader(templates))
    loaders.append(FileSystemLoader(str(packaged_templates())))
    autoescape: bool | Callable[[str | None], bool] = False
    if flavour == "html":
        autoescape = select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg", "css"),
            default_for_string=True,
            default=True,
        )
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = _number
    env.filters["percent"] = percent
    env.filters["label"] = dimension_label
    return env


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{float(value):,.2f}"


def render_template(env: Environment, name: str, view: ReportView) -> str:
    """Render one template; a template mistake is a one-line UsageError, not a traceback."""
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

    try:
        return env.get_template(name).render(report=view, result=view.result)
    except TemplateNotFound as error:
        raise UsageError(f"template {error.name!r} not found in the template folders") from None
    except TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise UsageError(f"template {where}: {error.message}") from None
    except TemplateError as error:
        raise UsageError(f"template {name}: {error.message}") from None


def render_html(
    result: AuditResult,
    *,
    branding: Branding | None = None,
    templates: Path | None = None,
    generated_at: str | None = None,
) -> str:
    """The report as one HTML page: inline CSS and SVG, no script, nothing from the network."""
    view = build_view(result, branding=branding, generated_at=generated_at)
    return render_template(environment("html", templates), "report.html", view)


# ---------------------------------------------------------------------------------------------
# Files


def report_format(path: Path, explicit: str | None = None) -> ReportFormat:
    """The format asked for, else the one the file name says (.html, .md, .pdf)."""
    if explicit is not None:
        chosen = explicit.lower()
        for value in REPORT_FORMATS.values():
            if chosen == value:
                return value
        raise UsageError(f"report format {explicit!r}: use html, md or pdf")
    found = REPORT_FORMATS.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"{path}: cannot tell the report format from the name; end it in .html, .md or "
            ".pdf, or give the format"
        )
    return found
