"""The connector kit's shape: platform modules stay small enough to read in one sitting."""

from __future__ import annotations

from pathlib import Path

import extractors

MAX_LINES = 500


def test_no_extractor_module_is_over_500_lines() -> None:
    root = Path(extractors.__file__).parent
    long = {
        str(path.relative_to(root)): lines
        for path in root.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these into a package of modules (as x/ and reddit/ are): {long}"
