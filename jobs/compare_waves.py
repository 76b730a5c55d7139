"""Compare two survey waves from files: ``python -m jobs.compare_waves`` is ``python -m analytics.verify``.

Kept for the scripts that call it by this name; see :mod:`analytics.verify` for the usage (wide exports
of survey tools, or the long answers format).
"""

from __future__ import annotations

import sys

from analytics.verify import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m jobs.compare_waves"))
