"""The package's rooms and floors: imports run one way, from the commands down to the core.

- the core: ``config``, ``errors`` and ``validation`` (the registry of parameter validators
  that the features fill) at the bottom; ``identifiers``, ``dates``, ``files``,
  ``plotting`` and ``presentation`` (how tables read) on them; ``export`` on ``files``;
- ``reference`` stands on the core alone; ``fees`` on ``reference``;
- ``practice``, ``articles`` and ``training`` stand on ``fees`` and ``reference``, never on each
  other;
- ``reports`` and then ``cli`` sit on top;
- no import cycle between modules, imports inside functions included; no module over 450 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cpt_analysis import config

PACKAGE = Path(config.__file__).resolve().parent
FLOORS = {
    "config": 0,
    "errors": 0,
    "validation": 0,
    "identifiers": 1,
    "dates": 1,
    "files": 1,
    "plotting": 1,
    "presentation": 1,
    "export": 2,
    "reference": 3,
    "fees": 4,
    "practice": 5,
    "articles": 5,
    "training": 5,
    "reports": 6,
    "app": 6,
    "cli": 7,
}
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    """{dotted name under cpt_analysis: path} of every module but the package's own __init__."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts == ("__init__",):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _room(module: str) -> str:
    return module.split(".")[0]


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The modules (dotted, under cpt_analysis) that an import statement names."""
    if node.level:
        base = module.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        stem = ".".join(base + ([node.module] if node.module else []))
    elif (node.module or "").split(".")[0] == "cpt_analysis":
        stem = ".".join(node.module.split(".")[1:])
    else:
        return []
    known = _modules()
    names = [f"{stem}.{a.name}" if stem else a.name for a in node.names]
    subs = [n for n in names if n in known]
    return subs or ([stem] if stem else [])


def _imports(module: str, path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, path.name == "__init__.py", node))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cpt_analysis."):
                    found.add(alias.name.split(".", 1)[1])
    return {f for f in found if f and f != module}


def test_every_module_is_in_a_room_with_a_floor():
    assert sorted({_room(m) for m in _modules()} - set(FLOORS)) == []


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_run_down_or_stay_in_the_room(module):
    path = _modules()[module]
    for target in _imports(module, path):
        here, there = _room(module), _room(target)
        if here == there:
            continue
        assert FLOORS[there] < FLOORS[here], f"{module} imports {target}"


def test_practice_articles_and_training_never_lean_on_each_other():
    apart = {"practice", "articles", "training"}
    for module, path in _modules().items():
        if _room(module) in apart:
            others = {_room(t) for t in _imports(module, path)} & (apart - {_room(module)})
            assert not others, f"{module} imports {sorted(others)}"


def test_no_import_cycle_lazy_imports_included():
    graph = {m: _imports(m, p) for m, p in _modules().items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt in graph and not state.get(nxt):
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if not state.get(module):
            visit(module, [module])


def test_the_checks_see_a_known_import():
    # the checker itself must see relative imports across rooms, or every test above is empty
    graph = _imports("fees.payment", _modules()["fees.payment"])
    assert {"reference.loaders", "identifiers", "errors", "dates"} <= graph


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_over_450_lines(module):
    lines = len(_modules()[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by job"
