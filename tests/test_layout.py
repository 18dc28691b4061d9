"""The package's modules import each other in one direction: no import cycle, counting the
imports written inside functions too (a function-level import of a project module is a cycle in
hiding)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
LAYERS_ABOVE_RECORDS = ("promise_audit.engine", "promise_audit.render", "promise_audit.kinds")


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(SOURCE).with_suffix("").parts)
    return name.removesuffix(".__init__")


def import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports (anywhere in it)."""
    modules = {_module_name(path): path for path in SOURCE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("promise_audit"):
                module = node.module or ""
                for alias in node.names:
                    target = f"{module}.{alias.name}"
                    graph[name].add(target if target in modules else module)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name.startswith("promise_audit"))
    return {
        name: {t for t in targets if t in modules and t != name} for name, targets in graph.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_records_layer_does_not_import_the_engine_or_the_renderers() -> None:
    graph = import_graph()
    records = [name for name in graph if name.startswith("promise_audit.records")]
    upward = {
        (name, target)
        for name in records
        for target in graph[name]
        if target.startswith(
            ("promise_audit.engine", "promise_audit.render", "promise_audit.kinds")
        )
    }
    assert upward == set()


def test_the_engine_and_the_words_do_not_import_the_renderers() -> None:
    """The pipeline runs one way: the engine produces a result, the renderers read it; the
    words every output shares sit below both."""
    graph = import_graph()
    lower = [
        name
        for name in graph
        if name.startswith(("promise_audit.engine", "promise_audit.kinds"))
        or name in ("promise_audit.words", "promise_audit.results")
    ]
    upward = {
        (name, target)
        for name in lower
        for target in graph[name]
        if target.startswith(("promise_audit.render", "promise_audit.cli"))
    }
    assert upward == set()


RECORDS = SOURCE / "promise_audit" / "records"
MAX_RECORDS_MODULE_LINES = 450


def test_no_records_module_is_over_450_lines() -> None:
    """The records pipeline reads from its folder: one module per job, each short enough to
    read at a sitting (records/formats/ too)."""
    long = {
        str(path.relative_to(RECORDS)): lines
        for path in sorted(RECORDS.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_RECORDS_MODULE_LINES
    }
    assert long == {}


def test_the_source_formats_table_imports_nothing_of_the_project() -> None:
    """The promise file's model reads the formats table, and the records layer reads the
    model: the table stays below both."""
    assert import_graph()["promise_audit.records.formats"] == set()
