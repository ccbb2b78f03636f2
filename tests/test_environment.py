"""pyproject.toml is the source of dependencies; environment.yml mirrors it."""

import re
import tomllib

from cpt_analysis import config


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def _spec(req: str) -> str:
    return req.replace(" ", "").lower()


def test_environment_yml_mirrors_pyproject():
    meta = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        _name(r): _spec(r) for r in meta["dependencies"] + meta["optional-dependencies"]["dev"]
    }
    listed = {}
    text = (config.PROJECT_ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s*-\s+([A-Za-z][\w.\-]*[^#]*?)\s*$", line)
        if match and match[1] not in ("pip", "pip:") and not match[1].startswith("python"):
            listed[_name(match[1])] = _spec(match[1])
    assert "-e ." in (config.PROJECT_ROOT / "environment.yml").read_text()
    assert listed == wanted
    assert meta["requires-python"] == ">=3.11"
