"""Helpers shared by the pages respondents open without login (in-app feedback, questionnaire)."""

from __future__ import annotations

import re

import streamlit as st

from ui.i18n import current_language, t

# Forms of the respondent pages: at most this wide on a desktop, the full width of a phone.
FORM_WIDTH = 720
# Ids are INTEGER columns: PostgreSQL refuses a larger number and SQLite one past 2**63.
MAX_LINK_ID = 2**31 - 1
MAX_LINK_CHARS = 200  # longer than any product name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def link_param(name: str) -> str:
    """The link's ``?name=`` value, stripped ("" when absent); a value that can name nothing stops the page.

    A number must be ASCII digits up to MAX_LINK_ID: "²" and "١٢" are digits to Python but no id, and a
    20-digit number is past every id (the database would fail on it). Control characters (a NUL breaks
    PostgreSQL text) and values longer than MAX_LINK_CHARS cannot name anything either.
    """
    value = str(st.query_params.get(name, "")).strip()
    too_long = len(value) > MAX_LINK_CHARS  # first: int() of thousands of digits raises
    if too_long or _CONTROL.search(value) or (value.isdigit() and not _link_id(value)):
        st.error(t("respondent.bad_link", name=name))
        st.stop()
    return value


def _link_id(digits: str) -> bool:
    return digits.isascii() and 0 < int(digits) <= MAX_LINK_ID


def is_embedded() -> bool:
    """Whether the page runs inside the product (`?embed=true`): keep it compact there.

    Streamlit keeps `embed` out of st.query_params; st.context.is_embedded is how a script sees it.
    """
    return bool(st.context.is_embedded)


def heading(text: str) -> None:
    """The page's title; a smaller one when embedded, where every line of height counts."""
    if is_embedded():
        st.subheader(text, anchor=False)
    else:
        st.title(text, anchor=False)


def render_redaction_note(pii_counts: dict[str, int]) -> None:
    """Tell the respondent which kinds of personal data were taken out before saving."""
    if not pii_counts:
        return
    separator = "、" if current_language() == "zh" else ", "
    names = separator.join(_pii_name(kind) for kind in sorted(pii_counts))
    st.caption(t("collect.redacted", types=names))


def _pii_name(kind: str) -> str:
    key = f"collect.pii_{kind.lower()}"
    try:
        return t(key)
    except KeyError:  # a type added to analytics.pii later: its code is still clear
        return kind
