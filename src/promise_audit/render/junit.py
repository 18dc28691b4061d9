"""The result as JUnit XML, for the test reports of CI systems (GitLab, Jenkins, Azure...).

One test suite per promise file, one test case per promise: `classname` is the organisation,
`name` is "id: title". broken is a failure, unauditable an error, no_data a skipped test; a
broken or at-risk promise under an unexpired waiver is skipped too, with the waiver as the
message (it does not fail the run). kept and at_risk pass. A failure's message is the audit's
plain sentence; its body holds the counts, the interval, the reasons and the evidence sample.

Built with ElementTree, which escapes markup in text and attributes; characters XML 1.0
cannot carry at all (control characters from a record) become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promise_audit.results import AuditResult, PromiseResult
from promise_audit.words import measure_text, percent

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EVIDENCE_SHOWN = 10


def xml_safe(value: Any) -> str:
    """Text XML 1.0 can hold: control characters (but tab, newline, CR) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _reasons(counts: Mapping[str, Any]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-int(item[1]), str(item[0])))
    return ", ".join(f"{reason} {int(count):,}" for reason, count in ordered)


def _unit(promise: PromiseResult) -> str:
    return promise.distribution.unit if promise.distribution else "count"


def details_lines(promise: PromiseResult) -> list[str]:
    """The promise's counts, interval, reasons, waiver, baseline and evidence, as text lines."""
    from promise_audit.baseline import arrow, notes
    from promise_audit.waivers import waiver_note

    lines = []
    if promise.statement:
        lines.append(f"Promised: \u201c{promise.statement}\u201d")
    lines.append(f"Delivered: {promise.sentence}")
    if promise.verdict_note:
        lines.append(str(promise.verdict_note))
    lines.append(
        f"Verdict: {promise.verdict}; population {promise.population:,}: kept "
        f"{promise.kept:,}, broken {promise.broken:,}, pending {promise.pending:,}, "
        f"excluded {promise.excluded:,}"
    )
    interval = ""
    if promise.ci_low is not None and promise.ci_high is not None:
        interval = f" (95% interval {percent(promise.ci_low)} to {percent(promise.ci_high)})"
    lines.append(
        f"Compliance: {percent(promise.compliance, promise.target)}{interval}; "
        f"target {percent(promise.target)}"
    )
    if promise.broken_by_reason:
        lines.append(f"Broken by reason: {_reasons(promise.broken_by_reason)}")
    if promise.excluded_by_reason:
        lines.append(f"Excluded by reason: {_reasons(promise.excluded_by_reason)}")
    if promise.missing_fields:
        lines.append(f"Missing fields: {', '.join(map(str, promise.missing_fields))}")
    note = waiver_note(promise)
    if note:
        lines.append(f"Waiver: {note}")
    comparison = promise.baseline
    if comparison:
        if comparison.new:
            lines.append("Baseline: not in the baseline")
        else:
            change = comparison.change
            moved = "" if change is None else f", {change * 100:+.1f} pts"
            words = notes(comparison)
            lines.append(
                f"Baseline: {arrow(comparison)} was {percent(comparison.compliance)}"
                f" ({comparison.verdict}){moved}" + (f"; {', '.join(words)}" if words else "")
            )
    evidence = promise.evidence
    if evidence:
        shown = evidence[:EVIDENCE_SHOWN]
        lines.append(f"Evidence ({len(shown)} of the {promise.broken:,} broken records):")
        unit = _unit(promise)
        for row in shown:
            parts = [f"contact {row.contact_id}", str(row.initiated_at or "")]
            parts.append(str(row.reason or ""))
            if row.measure is not None:
                parts.append(measure_text(float(row.measure), unit))
            details = dict(row.details)
            parts += [f"{key}={details[key]}" for key in sorted(details)]
            lines.append("  " + ", ".join(p for p in parts if p))
    return lines


def _case_name(promise: PromiseResult) -> str:
    return f"{promise.id}: {promise.title}" if promise.title else promise.id


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: Any) -> Any:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def render_junit(result: AuditResult, *, fail_on: str = "broken", root: Path | None = None) -> str:
    """The JUnit XML document of a result (`fail_on="at-risk"` fails at_risk too).

    The test cases' `file` is the promise file relative to `root` (the repository) where it is
    inside it, as CI systems link it; the suite keeps the name the audit was given.
    """
    from promise_audit import __version__
    from promise_audit.render.github import repository_path

    promises = result.promises
    organization = str(result.organization or "")
    suite_name = str(result.promise_file or organization)
    outcomes = [_outcome(p, fail_on) for p in promises]
    counts = {
        "tests": len(promises),
        "failures": outcomes.count("failure"),
        "errors": outcomes.count("error"),
        "skipped": outcomes.count("skipped"),
    }
    document = ET.Element("testsuites", {"name": "promise-audit", **_counts(counts), "time": "0"})
    suite = _element(document, "testsuite", name=suite_name, **_counts(counts), time="0")
    properties = _element(suite, "properties")
    for name, value in (
        ("organization", organization),
        ("as_of", result.as_of or ""),
        ("timezone", result.timezone or ""),
        ("tool", f"promise-audit {result.tool_version or __version__}"),
    ):
        _element(properties, "property", name=name, value=value)
    for promise, outcome in zip(promises, outcomes, strict=True):
        attributes = {"classname": organization, "name": _case_name(promise)}
        if result.promise_file:
            attributes["file"] = repository_path(result.promise_file, root)
        if promise.line is not None:
            attributes["line"] = str(promise.line)
        case = _element(suite, "testcase", **attributes, time="0")
        body = "\n".join(details_lines(promise))
        sentence = str(promise.sentence or promise.verdict)
        if promise.verdict_note:
            sentence += f" {promise.verdict_note}"
        verdict = promise.verdict
        if outcome == "failure":
            _element(case, "failure", body, message=sentence, type=verdict)
        elif outcome == "error":
            _element(case, "error", body, message=sentence, type=verdict)
        elif outcome == "skipped":
            from promise_audit.waivers import waiver_note

            message = sentence
            if promise.waived:
                message = f"{verdict}, {waiver_note(promise)}"
            _element(case, "skipped", message=message)
            _element(case, "system-out", body)
        else:
            _element(case, "system-out", body)
    ET.indent(document, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(document, "unicode") + "\n"


def _outcome(promise: PromiseResult, fail_on: str) -> str:
    verdict = promise.verdict
    if promise.waived:
        return "skipped"
    if verdict == "broken" or (verdict == "at_risk" and fail_on == "at-risk"):
        return "failure"
    if verdict == "unauditable":
        return "error"
    if verdict == "no_data":
        return "skipped"
    return "passed"


def _counts(counts: Mapping[str, int]) -> dict[str, str]:
    return {key: str(value) for key, value in counts.items()}


__all__ = ["details_lines", "render_junit", "xml_safe"]
