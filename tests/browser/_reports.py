"""The reports the browser and PDF tests look at: the bundled example and two real exports.

Each is audited once (`check --format json`) and rendered from the saved JSON with `report`,
as a user would. The real exports are read from the real exports folder next to the project; a
report whose data is absent is skipped, saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app

ROOT = Path(__file__).resolve().parents[2]
REAL_DATA = ROOT.parent / "shared" / "data" / "real"
REPORTS = {
    "example": (ROOT / "promises" / "northwind.yaml", None),
    "nyc-311": (ROOT / "promises" / "examples" / "nyc-311-sample.yaml", "nyc-311-sample"),
    "pwc": (ROOT / "promises" / "examples" / "pwc-call-centre.yaml", "pwc-call-centre"),
}


@dataclass(frozen=True)
class Rendered:
    name: str
    folder: Path
    data: dict[str, Any]
    saved: Path
    html: Path


def render(name: str, folder: Path) -> Rendered:
    promise_file, real = REPORTS[name]
    if real is not None and not (REAL_DATA / real).is_dir():
        pytest.skip(f"real data {real}/: the real exports are not beside the project")
    runner = CliRunner()
    checked = runner.invoke(app, ["check", str(promise_file), "--format", "json"])
    assert checked.exit_code in (0, 1), checked.output
    data = json.loads(checked.stdout)
    saved = folder / f"{name}.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    html = folder / f"{name}.html"
    done = runner.invoke(app, ["report", str(saved), "-o", str(html)])
    assert done.exit_code == 0, done.output
    return Rendered(name, folder, data, saved, html)


def reports_in(folder: Path) -> Callable[[str], Rendered]:
    """A function giving each report, audited and rendered once, in `folder`."""
    done: dict[str, Rendered] = {}

    def report_of(name: str) -> Rendered:
        if name not in done:
            done[name] = render(name, folder)
        return done[name]

    return report_of


def verdict_count_words(data: dict[str, Any]) -> str:
    """The headline the first screen must show, counted here from the JSON: '3 promises: 2
    kept, 1 broken'."""
    verdicts = [p["verdict"] for p in data["promises"]]
    words = {"at_risk": "at risk", "no_data": "no data"}
    parts = [
        f"{verdicts.count(v)} {words.get(v, v)}"
        for v in ("kept", "at_risk", "broken", "no_data", "unauditable")
        if verdicts.count(v)
    ]
    return f"{len(verdicts)} promises: {', '.join(parts)}"
