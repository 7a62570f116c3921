"""The README lists every setting as retrieval/settings.py defines it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_configuration_table_matches_the_settings() -> None:
    doc = (REPO / "README.md").read_text()
    start, end = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"
    documented = doc[doc.index(start) + len(start):doc.index(end)]
    generated = subprocess.run([sys.executable, str(REPO / "scripts" / "settings_table.py")],
                               capture_output=True, text=True, check=True).stdout
    assert documented == generated, ("README.md is out of date: run "
                                     "python scripts/settings_table.py and paste the table")
