"""Links staff hand to respondents: personal links for a list of keys (a CSV), and a QR code of a link.

Plain functions without Streamlit, so the survey page and its tests share them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import segno

from analytics.spreadsheet_safety import safe_cell
from services.collect import MAX_KEY


class KeysTooLong(ValueError):
    """Keys longer than a respondent key may be (services.collect.MAX_KEY); `keys` names them."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


def parse_keys(entered: str) -> list[str]:
    """The respondent keys in `entered`: one per line, blank lines and repeats left out, order kept.

    Raises:
        KeysTooLong: some keys are longer than MAX_KEY characters (a link with one could not be answered).
    """
    keys = list(dict.fromkeys(line.strip() for line in entered.splitlines() if line.strip()))
    too_long = [key for key in keys if len(key) > MAX_KEY]
    if too_long:
        raise KeysTooLong(too_long)
    return keys


def links_csv(keys: list[str], link_for: Callable[[str], str], headers: tuple[str, str]) -> bytes:
    """A CSV of each key and its personal link, UTF-8 with a byte order mark so Excel reads Chinese.

    A key a spreadsheet would run as a formula (``=HYPERLINK(...)``) is written with a leading quote.

    Args:
        keys: The respondent keys, in the order wanted.
        link_for: The personal link of a key.
        headers: The two column names, in the staff member's language.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows((safe_cell(key), safe_cell(link_for(key))) for key in keys)
    return out.getvalue().encode("utf-8-sig")


def qr_png(link: str) -> bytes:
    """A QR code of `link` as a PNG, large enough to print on a poster or show on a screen."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()
