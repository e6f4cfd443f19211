"""The layers import only downward (import-linter contracts in pyproject.toml, plus what
import-linter cannot see: cli.py is a module, and imports inside functions)."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wfmcore", "erlang", "forecast", "shifts", "wfmplan")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml")], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_contracts_hold():
    res = _lint(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 kept, 0 broken" in res.stdout


@pytest.mark.parametrize(("package", "line"), [
    ("erlang", "import wfmplan.plan\n"),          # the engine reaching up to the application
    ("forecast", "import erlang\n"),             # the forecast stage using the engine
    ("wfmcore", "import shifts\n"),              # the leaf importing a stage
], ids=["erlang-imports-wfmplan", "forecast-imports-erlang", "wfmcore-imports-shifts"])
def test_a_violation_breaks_a_contract(tmp_path, package, line):
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    init = tmp_path / package / "__init__.py"
    init.write_text(init.read_text() + line)
    res = _lint(tmp_path)
    assert res.returncode != 0
    assert "BROKEN" in res.stdout


def _imports(path: Path):
    """(module imported, at module level?) for every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module, id(node) in top


def _sources():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_cli_imports_only_the_application_and_the_error_type():
    ours = {m for m, _ in _imports(ROOT / "cli.py") if m.split(".")[0] in PACKAGES}
    assert ours, "cli.py imports nothing of ours?"
    assert all(m.startswith("wfmplan") or m == "wfmcore.errors" for m in ours), ours


def test_nothing_imports_cli():
    offenders = [str(p) for p in _sources() for m, _ in _imports(p) if m.split(".")[0] == "cli"]
    assert offenders == []


def test_our_modules_are_imported_at_the_top():
    # lazy imports are kept for heavy third-party modules only (matplotlib, statsmodels, ...)
    lazy = [f"{p.relative_to(ROOT)}: {m}" for p in [*_sources(), ROOT / "cli.py"]
            for m, at_top in _imports(p) if not at_top and m.split(".")[0] in PACKAGES]
    assert lazy == []


def test_no_process_wide_warning_filters():
    offenders = [str(p.relative_to(ROOT)) for p in [*_sources(), ROOT / "cli.py"]
                 if "filterwarnings(" in p.read_text(encoding="utf-8")]
    assert offenders == []
