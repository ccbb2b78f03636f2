"""pyproject.toml is the source of dependencies: what the package needs at run time, the lab
extra (JupyterLab) and the dev tools; environment.yml mirrors all three."""

import ast
import importlib.metadata
import json
import re
import sys
import tomllib

from cpt_analysis import config

DEV_TOOLS = {"pytest", "pytest-xdist", "ruff", "duckdb", "hypothesis", "nbval", "playwright"}


def _name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0]).lower()


def _spec(req: str) -> str:
    return req.replace(" ", "").lower()


def _project() -> dict:
    return tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def _imported_modules() -> set[str]:
    """Top-level names of the modules the package's code and its notebooks import."""
    sources = [p.read_text() for p in (config.PROJECT_ROOT / "cpt_analysis").rglob("*.py")]
    for notebook in config.NOTEBOOKS_DIR.glob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_environment_yml_mirrors_pyproject():
    meta = _project()
    extras = meta["optional-dependencies"]
    every = meta["dependencies"] + extras["lab"] + extras["dev"]
    wanted = {_name(r): _spec(r) for r in every if _name(r) != "cpt-analysis"}
    listed = {}
    text = (config.PROJECT_ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s*-\s+([A-Za-z][\w.\-]*[^#]*?)\s*$", line)
        if match and match[1] not in ("pip", "pip:") and not match[1].startswith("python"):
            listed[_name(match[1])] = _spec(match[1])
    assert "-e ." in text
    assert listed == wanted
    assert meta["requires-python"] == ">=3.11"


def test_dev_tools_and_jupyterlab_are_not_needed_at_run_time():
    meta = _project()
    extras = meta["optional-dependencies"]
    runtime = {_name(r) for r in meta["dependencies"]}
    assert runtime & (DEV_TOOLS | {"jupyterlab"}) == set()
    assert [_name(r) for r in extras["lab"]] == ["jupyterlab"]
    # the tests start JupyterLab, so dev brings the lab extra with it
    assert {_name(r) for r in extras["dev"]} == DEV_TOOLS | {"cpt-analysis"}
    assert "cpt-analysis[lab]" in extras["dev"]


def test_every_module_the_package_imports_is_a_runtime_dependency():
    distributions = importlib.metadata.packages_distributions()
    third_party = _imported_modules() - set(sys.stdlib_module_names) - {"cpt_analysis"}
    imported = {_name(distributions[m][0]) for m in third_party}
    declared = {_name(r) for r in _project()["dependencies"]}
    assert imported <= declared, f"imported but not declared: {sorted(imported - declared)}"
    # the one not imported: the kernel the runner starts for each notebook
    assert declared - imported == {"ipykernel"}


def test_every_package_folder_is_listed_for_the_wheel():
    """The wheel holds only the packages pyproject lists (data/ and notebooks/ are mapped in):
    a new room must be added there, or an installed workbook lacks it."""
    setuptools = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]
    package = config.PROJECT_ROOT / "cpt_analysis"
    folders = {
        ".".join(("cpt_analysis", *p.parent.relative_to(package).parts))
        for p in package.rglob("*.py")
    }
    mapped = {"cpt_analysis.data": "data", "cpt_analysis.notebooks": "notebooks"}
    assert set(setuptools["setuptools"]["packages"]) == folders | set(mapped)
    assert setuptools["setuptools"]["package-dir"] == mapped
