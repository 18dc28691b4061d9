"""The result as SARIF 2.1.0, for code-scanning views (GitHub code scanning, IDEs).

One run, one result per promise that is not kept, located at the promise in the promise file
(line and column from the YAML loader, columns counted in Unicode code points). The rules are
the verdicts: `promise-broken` (error), `promise-unauditable` (error), `promise-at-risk`
(warning), `promise-no-data` (note). A waived promise carries an accepted external
suppression whose justification is the waiver. `partialFingerprints` keep an alert the same
alert from one run to the next while the promise keeps its id and verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from promise_audit.render.github import repository_path
from promise_audit.results import AuditResult, PromiseResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

RULES: dict[str, tuple[str, str, str]] = {
    # verdict: (rule id, level, short description)
    "broken": ("promise-broken", "error", "A published promise is broken"),
    "unauditable": (
        "promise-unauditable",
        "error",
        "A published promise cannot be audited: the records lack a field it needs",
    ),
    "at_risk": ("promise-at-risk", "warning", "A published promise is kept, but at risk"),
    "no_data": ("promise-no-data", "note", "No records judge a published promise"),
}


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": rule_id,
            "name": rule_id.title().replace("-", ""),
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": level},
        }
        for rule_id, level, text in RULES.values()
    ]


def _message(promise: PromiseResult) -> str:
    from promise_audit.waivers import waiver_note

    name = promise.title or promise.id
    # the sentence gives the compliance, the target, or what the records lack
    text = f"{name} ({promise.id}): {promise.sentence or promise.verdict}"
    if promise.verdict_note:
        text += f" {promise.verdict_note}"
    note = waiver_note(promise)
    if note:
        text += f" {note[0].upper()}{note[1:]}."
    return text


def sarif_dict(result: AuditResult, *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a result, as a dict."""
    from promise_audit import __version__

    uri = repository_path(str(result.promise_file or ""), root)
    if uri and Path(uri).is_absolute():  # outside the repository: an absolute file: URI
        uri = Path(uri).as_uri()
    rule_index = {verdict: i for i, verdict in enumerate(RULES)}
    results = []
    for promise in result.promises:
        verdict = promise.verdict
        if verdict not in RULES:
            continue
        rule_id, level, _ = RULES[verdict]
        region: dict[str, int] = {"startLine": int(promise.line or 1)}
        if promise.column is not None:
            region["startColumn"] = int(promise.column)
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": rule_index[verdict],
            "level": level,
            "message": {"text": _message(promise)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": region,
                    },
                    "logicalLocations": [
                        {"name": promise.id, "kind": "member"},
                    ],
                }
            ],
            "partialFingerprints": {"promiseId/v1": f"{promise.id}:{verdict}"},
            "properties": {
                "promise": promise.id,
                "kind": promise.kind,
                "verdict": verdict,
                "compliance": promise.compliance,
                "ci_low": promise.ci_low,
                "ci_high": promise.ci_high,
                "target": promise.target,
                "kept": promise.kept,
                "broken": promise.broken,
                "blocking": promise.blocking,
            },
        }
        waiver = promise.waiver
        if promise.waived and waiver:
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": (
                        f"{waiver.reason} (approved by {waiver.approved_by}, "
                        f"until {waiver.expires})"
                    ),
                }
            ]
        results.append(entry)
    driver: dict[str, Any] = {
        "name": "promise-audit",
        "rules": _rules(),
        "version": result.tool_version or __version__,
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "organization": result.organization,
            "as_of": result.as_of,
        },
    }
    if uri:
        run["artifacts"] = [{"location": {"uri": uri}}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: AuditResult, *, root: Path | None = None) -> str:
    """The SARIF log of a result, as the text of a .sarif file."""
    return json.dumps(sarif_dict(result, root=root), indent=2, ensure_ascii=False) + "\n"


__all__ = ["RULES", "render_sarif", "sarif_dict"]
