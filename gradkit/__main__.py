"""``python -m gradkit``: the ``gradkit`` command (see :mod:`gradkit.cli`)."""

from __future__ import annotations

import sys

from gradkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
