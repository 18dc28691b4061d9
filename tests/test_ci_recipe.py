"""The GitHub workflow in docs/ci.md, its audit step run as a script on the bundled example."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "examples" / "github-workflow.yml"


def audit_step() -> str:
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["audit"]["steps"]
    (step,) = [s for s in steps if s.get("name") == "Audit the promises"]
    return str(step["run"])


def test_the_workflow_audit_step_produces_every_output(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "promises", tmp_path / "promises")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    (tmp_path / "out").mkdir()
    done = subprocess.run(
        ["bash", "-c", audit_step()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the example breaks promises: the job fails
    for name in ("audit.json", "audit.xml", "audit.sarif", "report.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    assert "## Promise audit" in summary.read_text(encoding="utf-8")

    from junitparser import Failure, JUnitXml

    from promise_audit.promises import load_promise_file

    loaded = load_promise_file(tmp_path / "promises" / "northwind.yaml")
    lines = {
        p.id: loaded.promise_position(i).line  # type: ignore[union-attr]
        for i, p in enumerate(loaded.promises)
    }
    data = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    broken = {p["id"] for p in data["promises"] if p["verdict"] == "broken"}
    failures = set()
    for suite in JUnitXml.fromfile(str(tmp_path / "out" / "audit.xml")):
        for case in suite:
            if any(isinstance(r, Failure) for r in case.result):
                failures.add(case.name.split(":")[0])
    assert failures == broken
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    for promise_id in broken:
        assert any(
            f"line={lines[promise_id]}," in a and f"title={promise_id}" in a for a in annotations
        ), promise_id
    sarif = json.loads((tmp_path / "out" / "audit.sarif").read_text(encoding="utf-8"))
    located = {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in sarif["runs"][0]["results"]
    }
    assert {lines[p] for p in broken} <= located
