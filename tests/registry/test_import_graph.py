"""The registry's modules import one another without a circle, counting the imports inside
functions too (a late import hides a circle from Python, not from the reader): the actions
queue the import task, the task runs the importer, and the importer must not need the actions."""

import ast
from pathlib import Path

import consilium.registry

PACKAGE = "consilium.registry"
ROOT = Path(consilium.registry.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(p): p
        for p in ROOT.rglob("*.py")
        if "migrations" not in p.parts and "management" not in p.parts
    }
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_it_finds_no_import_circle_in_the_registry():
    assert _cycle(_graph()) == []


def test_it_would_see_the_circle_through_a_late_import():
    graph = _graph()
    graph["consilium.registry.importer"].add("consilium.registry.actions")
    assert _cycle(graph)
