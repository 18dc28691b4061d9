"""Determinism (issue #7, item 3): the same inputs give byte-identical JSON, Markdown and HTML.

The audit of the bundled Northwind example (18 promises of every family, 5,000 contacts, a
business calendar) is rendered twice in one process and once more in processes with other hash
seeds, where the order of a set or a dict built from one would show; the rejects CSV too.
(tests/test_properties.py checks that shuffling the rows changes no byte of the JSON.)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promise_audit.audit import audit
from promise_audit.render.json import from_json, render_json
from promise_audit.render.markdown import render_markdown
from promise_audit.render.report import render_html

ROOT = Path(__file__).resolve().parents[1]
NORTHWIND = ROOT / "promises" / "northwind.yaml"

RENDER_ALL = """
import hashlib, json, sys
from pathlib import Path
from promise_audit.audit import audit
from promise_audit.render.json import render_json
from promise_audit.render.markdown import render_markdown
from promise_audit.render.report import render_html

rejects = Path(sys.argv[2])
result = audit(sys.argv[1], rejects_path=rejects)
outputs = {
    "json": render_json(result).encode(),
    "md": render_markdown(result).encode(),
    "html": render_html(result).encode(),
    "rejects": rejects.read_bytes(),
}
print(json.dumps({name: hashlib.sha256(raw).hexdigest() for name, raw in outputs.items()}))
"""


def _digests(rendered: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(raw).hexdigest() for name, raw in rendered.items()}


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    runs = []
    for run in range(2):
        rejects = tmp_path_factory.mktemp(f"run{run}") / "rejects.csv"
        result = audit(NORTHWIND, rejects_path=rejects)
        runs.append(
            _digests(
                {
                    "json": render_json(result).encode(),
                    "md": render_markdown(result).encode(),
                    "html": render_html(result).encode(),
                    "rejects": rejects.read_bytes(),
                }
            )
        )
    return runs


def test_two_audits_in_one_process_render_to_the_same_bytes(
    in_process: list[dict[str, str]],
) -> None:
    first, second = in_process
    assert first == second


def test_a_saved_result_renders_as_the_audit_did(tmp_path: Path) -> None:
    result = audit(NORTHWIND)
    saved = from_json(render_json(result))
    assert saved == result
    assert render_markdown(saved) == render_markdown(result)
    assert render_html(saved) == render_html(result)


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_the_bytes_do_not_depend_on_the_hash_seed(
    in_process: list[dict[str, str]], tmp_path: Path, seed: str
) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", RENDER_ALL, str(NORTHWIND), str(tmp_path / "rejects.csv")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )
    assert json.loads(completed.stdout) == in_process[0]
