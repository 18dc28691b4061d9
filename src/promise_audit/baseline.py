"""Baselines: this audit beside a saved JSON result (`check --baseline last-week.json`).

Promises are matched by id. `apply_baseline` gives each promise of this audit its `baseline`
comparison (`results.Comparison`; in the JSON result, a `baseline` object):

| key | meaning |
| --- | --- |
| `new` | the baseline has no promise with this id (every other key is then null or false) |
| `verdict`, `compliance`, `ci_low`, `ci_high` | the baseline's values |
| `compliance_worst`, `verdict_reason` | the baseline's values (null in an older baseline) |
| `change` | compliance now minus compliance then (a fraction; null when either is null) |
| `direction` | `up`, `down` or `same` (null when `change` is) |
| `clear_regression` | the two 95% intervals do not overlap and this one is below |
| `clear_improvement` | the two 95% intervals do not overlap and this one is above |
| `newly_broken` | broken now, not broken then |
| `newly_kept` | kept (or at risk, except for missing data) now, broken then |

and the result gains a top-level `baseline` (`results.BaselineInfo`): the file compared with
(`path`, as given), its `as_of` and `organization`, and `removed`, the ids of its promises this
audit no longer has.
Intervals that touch (one's low equals the other's high) overlap: not a clear change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from promise_audit.errors import UsageError
from promise_audit.results import AuditResult, BaselineInfo, Comparison, PromiseResult

ARROWS = {"up": "↑", "down": "↓", "same": "→"}


def load_baseline(path: Path) -> dict[str, Any]:
    """A JSON result saved by `check --format json` or `--output json=FILE`, of any schema
    version: only each promise's id, verdict and compliance figures are read."""
    from promise_audit.render.json import load_result_dict

    try:
        data = load_result_dict(path)
    except UsageError as error:
        raise UsageError(f"--baseline {error.one_line()}") from None
    promises = data["promises"]
    if not isinstance(promises, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in promises
    ):
        raise UsageError(f"--baseline {path}: its promises are not a list of objects with an id")
    return data


def _fraction(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"--baseline: {what} is {value!r}, not a number or null")
    return float(value)


def _interval(promise: Mapping[str, Any]) -> tuple[float, float] | None:
    low = _fraction(promise.get("ci_low"), f"{promise.get('id')} ci_low")
    high = _fraction(promise.get("ci_high"), f"{promise.get('id')} ci_high")
    return None if low is None or high is None else (low, high)


NEW = Comparison(
    new=True,
    verdict=None,
    compliance=None,
    ci_low=None,
    ci_high=None,
    compliance_worst=None,
    verdict_reason=None,
    change=None,
    direction=None,
    clear_regression=False,
    clear_improvement=False,
    newly_broken=False,
    newly_kept=False,
)


def compare_promise(current: PromiseResult, before: Mapping[str, Any] | None) -> Comparison:
    """One promise beside its baseline's object (see the module's table)."""
    if before is None:
        return NEW
    pid = current.id
    now = _fraction(current.compliance, f"{pid} compliance")
    then = _fraction(before.get("compliance"), f"{pid} compliance")
    now_ci = _interval({"id": pid, "ci_low": current.ci_low, "ci_high": current.ci_high})
    then_ci = _interval(before)
    change = None if now is None or then is None else round(now - then, 12)
    direction: Literal["up", "down", "same"] | None = None
    if change is not None:
        direction = "up" if change > 0 else "down" if change < 0 else "same"
    verdict, verdict_then = current.verdict, before.get("verdict")
    return Comparison(
        new=False,
        verdict=verdict_then,
        compliance=then,
        ci_low=then_ci[0] if then_ci else None,
        ci_high=then_ci[1] if then_ci else None,
        compliance_worst=_fraction(before.get("compliance_worst"), f"{pid} compliance_worst"),
        verdict_reason=before.get("verdict_reason"),
        change=change,
        direction=direction,
        clear_regression=bool(now_ci and then_ci and now_ci[1] < then_ci[0]),
        clear_improvement=bool(now_ci and then_ci and now_ci[0] > then_ci[1]),
        newly_broken=verdict == "broken" and verdict_then != "broken",
        # at risk for missing data is kept only if the missing records were: not yet kept
        newly_kept=verdict_then == "broken"
        and (
            verdict == "kept" or (verdict == "at_risk" and current.verdict_reason != "missing_data")
        ),
    )


def apply_baseline(
    result: AuditResult, baseline: Mapping[str, Any] | AuditResult, *, path: str | Path
) -> AuditResult:
    """The result compared with `baseline` (a saved JSON result's object, or a result), promise
    by promise: a new value, each promise with its `baseline` comparison."""
    if isinstance(baseline, AuditResult):
        from promise_audit.render.json import to_dict

        baseline = to_dict(baseline)
    before = {str(p["id"]): p for p in baseline["promises"]}
    promises = tuple(
        replace(p, baseline=compare_promise(p, before.get(p.id))) for p in result.promises
    )
    current = {p.id for p in result.promises}
    info = BaselineInfo(
        path=str(path),
        as_of=baseline.get("as_of"),
        organization=baseline.get("organization"),
        removed=tuple(pid for pid in before if pid not in current),
    )
    return replace(result, promises=promises, baseline=info)


def arrow(comparison: Comparison) -> str:
    """↑ ↓ → for the change, `new` for a promise the baseline lacks, `·` when not comparable."""
    if comparison.new:
        return "new"
    return ARROWS.get(str(comparison.direction), "·")


def _points(change: float | None) -> str:
    return "" if change is None else f"{change * 100:+.1f} pts"


def notes(comparison: Comparison) -> list[str]:
    """The words for a comparison: clear regression, newly broken, ..."""
    words = []
    if comparison.clear_regression:
        words.append("clear regression")
    if comparison.clear_improvement:
        words.append("clear improvement")
    if comparison.newly_broken:
        words.append("newly broken")
    if comparison.newly_kept:
        words.append("newly kept")
    return words


def _compared(result: AuditResult) -> list[tuple[PromiseResult, Comparison]]:
    return [(p, p.baseline) for p in result.promises if p.baseline is not None]


def terminal_lines(result: AuditResult) -> list[str]:
    """The comparison section of the terminal view (nothing without a baseline)."""
    from promise_audit.words import percent

    meta = result.baseline
    if meta is None:
        return []
    header = f"Compared with {meta.path}"
    if meta.as_of:
        header += f" (as of {meta.as_of})"
    lines = [header + ":"]
    width = max((len(p.id) for p in result.promises), default=0)
    for promise, comparison in _compared(result):
        now = percent(promise.compliance)
        if comparison.new:
            detail = f"{now} (not in the baseline)"
        else:
            moved = comparison.change
            detail = f"{now} (was {percent(comparison.compliance)}"
            detail += f", {_points(moved)})" if moved is not None else ")"
        words = notes(comparison)
        suffix = f"  {', '.join(words)}" if words else ""
        lines.append(f"  {arrow(comparison):<4}{promise.id:<{width}}  {detail}{suffix}")
    if meta.removed:
        lines.append(f"  not audited any more: {', '.join(meta.removed)}")
    return [*lines, ""]


def markdown_section(result: AuditResult) -> str:
    """The comparison as a Markdown table (empty without a baseline); escaped."""
    from promise_audit.render.markdown import code_span, escape_markdown
    from promise_audit.words import percent

    meta = result.baseline
    if meta is None:
        return ""
    as_of = f" (as of {escape_markdown(meta.as_of)})" if meta.as_of else ""
    rows = [
        f"### Compared with {code_span(meta.path)}{as_of}",
        "",
        "| | Promise | Compliance | Baseline | Change | |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for promise, comparison in _compared(result):
        then = "" if comparison.new else percent(comparison.compliance)
        words = notes(comparison)
        note = ", ".join(f"**{w}**" if w == "clear regression" else w for w in words)
        rows.append(
            f"| {arrow(comparison)} | {code_span(promise.id)} | "
            f"{percent(promise.compliance)} | {then} | {_points(comparison.change)} "
            f"| {note} |"
        )
    if meta.removed:
        rows += ["", "Not audited any more: " + ", ".join(code_span(r) for r in meta.removed)]
    return "\n".join(rows) + "\n"


__all__ = [
    "apply_baseline",
    "arrow",
    "compare_promise",
    "load_baseline",
    "markdown_section",
    "notes",
    "terminal_lines",
]
