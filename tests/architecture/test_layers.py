"""The layers of docs/ARCHITECTURE.md hold (import-linter's contracts in pyproject.toml, which `make lint` runs),
a new upward import breaks them, and an import inside a function says why it is there."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd)},
    )


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The package and the contracts, copied where a test may change them."""
    copy = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "crm", copy / "crm", ignore=shutil.ignore_patterns("__pycache__", "translations"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_code_keeps_the_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a feature low in the order reaching one above it
        ("crm/auth/services.py", "from crm.dashboard import services as _up", "crm.auth is not allowed to import crm.dashboard"),
        # a service reaching the web
        ("crm/plans/logs.py", "from crm.whitelist import views as _web", "Services and models do not import the web BROKEN"),
        # a model reaching a service
        ("crm/plans/models.py", "from crm.plans import services as _svc", "Models and policies import only the domain"),
        # a shared module reaching a feature
        ("crm/history.py", "from crm.teams import services as _feature", "crm.history is not allowed to import crm.teams"),
    ],
)  # fmt: skip
def test_an_import_against_the_layers_breaks_them(checkout, module, line, broken):
    path = checkout / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # noqa\n")
    try:
        result = lint_imports(checkout)
    finally:
        path.write_text(original)
    assert result.returncode == 1
    assert broken in result.stdout


def _commented(lines: list[str], node: ast.stmt) -> bool:
    """The import carries a comment, or the block of imports it belongs to starts under a comment line."""
    if "#" in lines[node.lineno - 1]:
        return True
    row = node.lineno - 2
    while row >= 0:
        text = lines[row].strip()
        if text.startswith("#"):
            return True
        if not (text.startswith(("from ", "import ")) or text == ""):
            return False
        row -= 1
    return False


def test_imports_inside_functions_say_why():
    uncommented = []
    for path in sorted((ROOT / "crm").rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for function in ast.walk(ast.parse(text)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not _commented(lines, node):
                    uncommented.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}"
                    )
    assert uncommented == []
