"""`check`: the audit, then the steps a CI gate takes on its result, and the exit status.

    from promise_audit import check

    checked = check("promises/northwind.yaml", baseline="last-week.json", fail_on="regression")
    checked.result          # an AuditResult: verdicts, waivers, baseline comparison
    checked.exit_status     # 0 kept, 1 a blocking promise failed, 3 one unauditable

Each step is a pure function `AuditResult -> AuditResult` a caller may also run on its own:
`waivers.apply_waivers` (the file's waivers, judged on `today`), `baseline.apply_baseline`
(each promise beside a saved result) and `redact.redact` (identifiers as salted hashes). The
command line's `check` is this function, then the renderers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promise_audit.errors import UsageError
from promise_audit.results import AuditResult, GateFailOn, gate_status

if TYPE_CHECKING:
    from promise_audit.progress import StageCallback
    from promise_audit.promises.loader import LoadedPromiseFile
    from promise_audit.waivers import ExpiredWaiver

FAIL_ON: tuple[GateFailOn, ...] = ("broken", "at-risk", "regression", "never")


@dataclass(frozen=True)
class Checked:
    """What `check` found, and the exit status a CI gate gives it.

    `expired` lists the waivers that no longer hold on a broken or at-risk promise (each has a
    one-line `message()`)."""

    result: AuditResult
    exit_status: int
    expired: tuple[ExpiredWaiver, ...] = ()


def check(
    promise_file: str | Path | LoadedPromiseFile,
    *,
    records: str | None = None,
    today: dt.date | None = None,
    waivers: bool = True,
    baseline: str | Path | Mapping[str, Any] | AuditResult | None = None,
    baseline_name: str | None = None,
    fail_on: GateFailOn = "broken",
    redact: str | None = None,
    engine: str | None = None,
    rejects_path: str | Path | None = None,
    memory_limit: str | None = None,
    progress: StageCallback | None = None,
) -> Checked:
    """Audit the promise file, apply its waivers (judged on `today`, default the system date;
    `waivers=False` leaves them out), compare with `baseline` (a saved JSON result's path, its
    object or a result; named `baseline_name`, default its path) and, with a `redact` salt,
    hash every identifier (the `rejects_path` CSV too); then the exit status for `fail_on`:
    broken, at-risk, regression (needs a baseline) or never.

    Raises PromiseAuditError (one line: `error.one_line()`) on bad input, before any record is
    read where the input allows."""
    from promise_audit.audit import audit
    from promise_audit.baseline import apply_baseline, load_baseline
    from promise_audit.promises import load_promise_file
    from promise_audit.waivers import apply_waivers, check_waivers, expired_waivers

    if fail_on not in FAIL_ON:
        raise UsageError(f"fail_on {fail_on!r}: use {', '.join(FAIL_ON)}")
    if fail_on == "regression" and baseline is None:
        raise UsageError("--fail-on regression compares with a baseline: give --baseline FILE")
    if redact is not None and not redact:
        raise UsageError("--redact needs a non-empty salt")
    before: Mapping[str, Any] | AuditResult | None = None
    if isinstance(baseline, str | Path):
        before = load_baseline(Path(baseline))
        baseline_name = baseline_name or str(baseline)
    elif baseline is not None:
        before = baseline
        if baseline_name is None:
            baseline_name = (
                baseline.promise_file
                if isinstance(baseline, AuditResult)
                else str(baseline.get("promise_file") or "baseline")
            )
    loaded = (
        promise_file
        if not isinstance(promise_file, str | Path)
        else load_promise_file(Path(promise_file))
    )
    if waivers:
        check_waivers(loaded)
    result = audit(
        loaded,
        records,
        rejects_path=rejects_path,
        engine=engine,
        progress=progress,
        memory_limit=memory_limit,
    )
    if waivers:
        result = apply_waivers(result, loaded, today or dt.date.today())
    if before is not None:
        result = apply_baseline(result, before, path=baseline_name or "baseline")
    if redact:
        from promise_audit.redact import redact as redact_result
        from promise_audit.redact import redact_rejects_file

        result = redact_result(result, redact)
        if rejects_path is not None:
            redact_rejects_file(Path(rejects_path), redact)
    return Checked(result, gate_status(result, fail_on), expired_waivers(result))


__all__ = ["Checked", "check"]
