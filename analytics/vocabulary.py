"""The words stored data is written in, shared by every layer: feedback categories and who set them.

A tiny module on purpose: db/models.py imports it, and the classifier (analytics.categories) is slow
to import.
"""

from __future__ import annotations

import math
import sys

CATEGORIES: tuple[str, ...] = ("accuracy", "interaction", "performance", "other")
MODEL_SOURCE = "model"  # category_source of a label the classifier set; anything else is an analyst


def is_analyst_label(source: object) -> bool:
    """Whether a stored ``category_source`` marks a label set by a person (never to be overwritten).

    Args:
        source: the stored category_source (None, NaN or pandas' NA when no one set a category).

    Returns:
        True for a person's username, False for the classifier's mark or a missing value.
    """
    if source is None or (isinstance(source, float) and math.isnan(source)):
        return False
    # pandas' NA (a missing value read into a frame); pandas is not imported for this: no NA without it
    pandas = sys.modules.get("pandas")
    if pandas is not None and source is pandas.NA:
        return False
    text = str(source).strip()
    return bool(text) and text != MODEL_SOURCE
