"""A before/after result row under construction, shared by every kind of question's test."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MeasureRow:
    """A result row under construction; ``warn`` keeps English and Chinese side by side.

    Attributes:
        measure: The question code.
        kind: The row kind ("likert", "top2box", "nps", "share", "choice", "number").
        status: "ok", or why no test ran (``analytics.wave_compare.STATUSES``).
        values: The row's figures by column name (``analytics.wave_compare.COLUMNS``).
        warnings: Caveats for the reader, in English.
        warnings_zh: The same caveats in Chinese.
        notes: Technical notes from the tests.
        reason_en: Why no test ran, in English ("" when one did).
        reason_zh: The same in Chinese.
    """

    measure: str
    kind: str
    status: str = "ok"
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warnings_zh: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason_en: str = ""
    reason_zh: str = ""

    def warn(self, en: str, zh: str) -> None:
        """Add a caveat in both languages (once)."""
        if en not in self.warnings:
            self.warnings.append(en)
            self.warnings_zh.append(zh)

    def stop(self, status: str, en: str, zh: str) -> MeasureRow:
        """Stop the row: no test runs, for the reason given in both languages."""
        self.status, self.reason_en, self.reason_zh = status, en, zh
        return self


def as_float(value: float | None) -> float:
    """A figure of a test result as a float: NaN where the test has none."""
    return math.nan if value is None else float(value)
