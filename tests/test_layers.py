"""The import layers of pyproject.toml hold, and import-linter catches each kind of break.

``make test`` and ``make lint`` run ``lint-imports`` on the tree; these tests show that the
contracts are not vacuous: a copy of the tree with one import running back up a layer, with the
demo reaching into the product, or with the product reaching into the demo, is refused, naming
the import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The Python packages and the contracts, copied without data or caches."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.json")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("core/settings.py", "import warehouse.pipeline", "The pipeline's layers"),
        ("extractors/core.py", "import loading.raw", "The pipeline's layers"),
        ("record/results.py", "import publishing.outcome", "The pipeline's layers"),
        ("report/render.py", "import alerts.notify", "The pipeline's layers"),  # siblings
        ("demo/run.py", "import extractors.core", "The demo stands beside the product"),
        ("loading/raw.py", "import demo.story", "The product never imports the demo"),
        ("bi/superset/provision.py", "import publishing.snapshot", "BI stands beside the product"),
    ],
)
def test_an_import_across_a_contract_is_refused(
    tree: Path, module: str, bad_import: str, contract: str
) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{bad_import}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout, result.stdout
