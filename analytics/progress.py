"""The two shapes of progress report every long-running function uses.

A caller passes one of these and draws a bar or prints a line; the function calls it as it goes.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)``: items done so far out of ``total`` (0 at the start, total at the end)."""

StagedProgress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` by work with named stages (e.g. "embed", "topics")."""
