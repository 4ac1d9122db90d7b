"""Make the corpus modules next to these tests importable by name, in any import mode.

The corpora (``corpus_correct``, ``corpus_bugs``) and their runner (``corpus_run``) are plain
modules shared by several test files; with ``--import-mode=importlib`` pytest does not put a
test's directory on ``sys.path``, so this conftest does.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
