"""Every app's tests run: pytest collects only the folders named in `testpaths`, and a new app
left out of it would pass CI with none of its tests run (identity's once did)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_folder_of_tests_is_collected():
    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {p.parent.name for p in ROOT.glob("*/tests") if p.is_dir() and (p / "__init__.py").exists()}
    assert with_tests - testpaths == set()
    assert all((ROOT / path).is_dir() for path in testpaths)
