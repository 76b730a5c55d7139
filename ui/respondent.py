"""Helpers shared by the pages respondents open without login (in-app feedback, questionnaire)."""

from __future__ import annotations

import streamlit as st

from ui.i18n import current_language, t

# Forms of the respondent pages: at most this wide on a desktop, the full width of a phone.
FORM_WIDTH = 720


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
