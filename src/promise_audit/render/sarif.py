"""The JSON result as SARIF 2.1.0, for code-scanning views (GitHub code scanning, IDEs).

One run, one result per promise that is not kept, located at the promise in the promise file
(line and column from the YAML loader, columns counted in Unicode code points). The rules are
the verdicts: `promise-broken` (error), `promise-unauditable` (error), `promise-at-risk`
(warning), `promise-no-data` (note). A waived promise carries an accepted external
suppression whose justification is the waiver. `partialFingerprints` keep an alert the same
alert from one run to the next while the promise keeps its id and verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from promise_audit.render.github import repository_path

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


def _message(promise: Mapping[str, Any]) -> str:
    from promise_audit.waivers import waiver_note

    name = promise.get("title") or promise["id"]
    # the sentence gives the compliance, the target, or what the records lack
    text = f"{name} ({promise['id']}): {promise.get('sentence') or promise['verdict']}"
    if promise.get("verdict_note"):
        text += f" {promise['verdict_note']}"
    note = waiver_note(promise)
    if note:
        text += f" {note[0].upper()}{note[1:]}."
    return text


def sarif_dict(result: Mapping[str, Any], *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a JSON result, as a dict."""
    uri = repository_path(str(result.get("promise_file") or ""), root)
    if uri and Path(uri).is_absolute():  # outside the repository: an absolute file: URI
        uri = Path(uri).as_uri()
    rule_index = {verdict: i for i, verdict in enumerate(RULES)}
    results = []
    promises: Sequence[Mapping[str, Any]] = result["promises"]
    for promise in promises:
        verdict = str(promise["verdict"])
        if verdict not in RULES:
            continue
        rule_id, level, _ = RULES[verdict]
        region: dict[str, int] = {"startLine": int(promise.get("line") or 1)}
        if promise.get("column") is not None:
            region["startColumn"] = int(promise["column"])
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
                        {"name": str(promise["id"]), "kind": "member"},
                    ],
                }
            ],
            "partialFingerprints": {"promiseId/v1": f"{promise['id']}:{verdict}"},
            "properties": {
                "promise": str(promise["id"]),
                "kind": promise.get("kind"),
                "verdict": verdict,
                "compliance": promise.get("compliance"),
                "ci_low": promise.get("ci_low"),
                "ci_high": promise.get("ci_high"),
                "target": promise.get("target"),
                "kept": promise.get("kept"),
                "broken": promise.get("broken"),
                "blocking": promise.get("blocking"),
            },
        }
        waiver = promise.get("waiver")
        if promise.get("waived") and waiver:
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": (
                        f"{waiver['reason']} (approved by {waiver['approved_by']}, "
                        f"until {waiver['expires']})"
                    ),
                }
            ]
        results.append(entry)
    tool = result.get("tool") or {}
    driver: dict[str, Any] = {
        "name": str(tool.get("name") or "promise-audit"),
        "rules": _rules(),
    }
    if tool.get("version"):
        driver["version"] = str(tool["version"])
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "organization": result.get("organization"),
            "as_of": result.get("as_of"),
        },
    }
    if uri:
        run["artifacts"] = [{"location": {"uri": uri}}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(result: Mapping[str, Any], *, root: Path | None = None) -> str:
    """The SARIF log of a JSON result, as the text of a .sarif file."""
    return json.dumps(sarif_dict(result, root=root), indent=2, ensure_ascii=False) + "\n"


__all__ = ["RULES", "render_sarif", "sarif_dict"]
