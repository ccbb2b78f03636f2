"""Imports run one way, from the commands down to config and errors; no module holds more than a
fifth of the code."""

import ast

from cpt_analysis import config

PACKAGE = config.PROJECT_ROOT / "cpt_analysis"
# a module may import only modules of a lower layer
LAYERS = {
    "config": 0,
    "errors": 0,
    "codes": 1,
    "dates": 1,
    "plotting": 1,
    "files": 1,
    "reference": 1,
    "schema": 2,
    "export": 2,
    "articles": 2,
    "grading": 2,
    "visits": 2,
    "cms_files": 2,
    "cms": 3,
    "store": 3,
    "tables": 4,
    "icd10": 5,
    "timed_units": 5,
    "payment": 6,
    "encounter_columns": 3,
    "encounter_values": 1,
    "encounter_files": 1,
    "encounter_readers": 6,
    "pairings": 6,
    "card": 7,
    "training_exercises": 7,
    "encounters": 7,
    "importer": 7,
    "explorer": 7,
    "cardtext": 8,
    "productivity": 8,
    "audit": 8,
    "synth": 8,
    "charts": 8,
    "article_writer": 8,
    "article_review": 8,
    "training": 8,
    "notebook": 9,
    "practice": 9,
    "practice_charts": 9,
    "training_charts": 9,
    "run_params": 10,
    "runner": 11,
    "cli": 12,
}


def _imports(path):
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cpt_analysis"):
            rest = node.module.split(".")[1:]
            found.update(rest[:1] or [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cpt_analysis."):
                    found.add(alias.name.split(".")[1])
    return found


def _modules():
    return {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def test_every_module_has_a_layer():
    assert sorted(set(_modules()) - set(LAYERS)) == []


def test_imports_run_downwards_only():
    for name, path in _modules().items():
        for target in _imports(path):
            assert LAYERS[target] < LAYERS[name], f"{name} imports {target}"


def test_no_module_holds_more_than_a_fifth_of_the_code():
    sizes = {n: len(p.read_text().splitlines()) for n, p in _modules().items()}
    total = sum(sizes.values())
    for name, lines in sizes.items():
        assert lines <= total / 5, f"{name}: {lines} of {total} lines"
